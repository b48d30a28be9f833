#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Starts ftls-sim --pci on a private device directory (a simulated PCIe card: BAR image file,
# vendor/device ids, DMA through the host's hugetlbfs files), runs the given test programs
# against it through the unchanged `fpga` bus (FTLS_FPGA_DEV=DIR, FTLS_HW_BACKEND=fpga,
# FTLS_TEST_BACKENDS=cpu,fpga, FTLS_SIM_PID for the reset/removal tests), stops the simulator
# (its report is printed) and closes with "fpga-bus: N passed, N failed". Needs root (physical
# addresses) and reserved 2 MiB hugepages (the Makefile's hugepages target). The simulator is
# stopped on every exit path. Usage: check-fpga-bus.sh FTLS_SIM TEST_PROGRAM...
set -u
sim=$1
shift
if [ "$(id -u)" != 0 ] || [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)" -lt 16 ]; then
  echo "fpga-bus: needs root and reserved hugepages (make hugepages)"
  echo "fpga-bus: 0 passed, 1 failed"
  exit 1
fi
dir=/dev/shm/ftls-pci-check-$$
log=$(mktemp /tmp/ftls-pci-check.XXXXXX)
"$sim" --pci "$dir" --max-seconds 900 >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap 'stop; rm -f "$log"' EXIT
for _ in $(seq 300); do
  grep -q serving "$log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q serving "$log"; then
  cat "$log"
  echo "fpga-bus: 0 passed, 1 failed (ftls-sim --pci did not start)"
  exit 1
fi
export FTLS_FPGA_DEV="$dir" FTLS_SIM_PID="$pid" FTLS_HW_BACKEND=fpga FTLS_TEST_BACKENDS=cpu,fpga FTLS_HW_QUICK=1
unset FTLS_SIM_WINDOW
t0=$(date +%s)
out=$(tests/run-unit.sh "$@" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^unit: '
stop
cat "$log"
echo "fpga-bus: tests took $(( $(date +%s) - t0 )) s"
line=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
p=${line%% *}
f=${line##* }
[ -n "$line" ] || { p=0; f=1; }
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "fpga-bus: $p passed, $f failed"
[ "$f" -eq 0 ]
