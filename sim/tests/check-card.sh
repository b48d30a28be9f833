#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Starts ftls-sim as a simulated card on a private path, runs the given test programs against it,
# stops the simulator (its report is printed; it is stopped on every exit path) and closes with
# "NAME: N passed, N failed". FTLS_SIM_PID lets a test reset the card (SIGUSR1) or, on the pci
# card, remove it (SIGUSR2) in the middle of traffic. Two kinds of card:
#   window  the shared window and mailbox, driven through the `sim` bus
#           (FTLS_SIM_WINDOW, FTLS_HW_BACKEND=sim, FTLS_TEST_BACKENDS=cpu,sim);
#   pci     a simulated PCIe card (BAR image file, vendor/device ids, DMA by physical address into
#           the host's hugetlbfs files) driven through the unchanged `fpga` bus (FTLS_FPGA_DEV,
#           FTLS_HW_BACKEND=fpga, FTLS_TEST_BACKENDS=cpu,fpga). Needs root (physical addresses)
#           and reserved 2 MiB hugepages (the Makefile's hugepages target).
# Usage: check-card.sh window|pci NAME FTLS_SIM TEST_PROGRAM...
set -u
mode=$1 name=$2 sim=$3
shift 3
case $mode in
window)
	path=/dev/shm/ftls-sim-check-$$
	args=(--window "$path" --max-seconds 1200) ;;
pci)
	if [ "$(id -u)" != 0 ] || [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -lt 16 ]; then
		echo "$name: needs root and reserved hugepages (make hugepages)"
		echo "$name: 0 passed, 1 failed"
		exit 1
	fi
	path=/dev/shm/ftls-pci-check-$$
	args=(--pci "$path" --max-seconds 900) ;;
*)
	echo "usage: check-card.sh window|pci NAME FTLS_SIM TEST_PROGRAM..." >&2
	exit 2 ;;
esac
log=$(mktemp /tmp/ftls-sim-check.XXXXXX)
"$sim" "${args[@]}" >"$log" 2>&1 &
pid=$!
stop() {
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rm -rf "$path"
}
trap 'stop; rm -f "$log"' EXIT
for _ in $(seq 300); do
	grep -q serving "$log" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q serving "$log"; then
	cat "$log"
	echo "$name: 0 passed, 1 failed (ftls-sim did not start)"
	exit 1
fi
if [ "$mode" = window ]; then
	export FTLS_SIM_WINDOW="$path" FTLS_SIM_PID="$pid" FTLS_HW_BACKEND=sim FTLS_TEST_BACKENDS=cpu,sim
else
	export FTLS_FPGA_DEV="$path" FTLS_SIM_PID="$pid" FTLS_HW_BACKEND=fpga \
		FTLS_TEST_BACKENDS=cpu,fpga FTLS_HW_QUICK=1
	unset FTLS_SIM_WINDOW
fi
t0=$(date +%s)
out=$(tests/run-unit.sh "$@" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^unit: '
stop
cat "$log"
echo "$name: tests took $(( $(date +%s) - t0 )) s"
line=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
p=${line%% *}
f=${line##* }
[ -n "$line" ] || { p=0; f=1; }
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "$name: $p passed, $f failed"
[ "$f" -eq 0 ]
