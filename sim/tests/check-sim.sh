#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Starts ftls-sim on a private shared window, runs the given test programs against it with
# FTLS_TEST_BACKENDS=cpu,sim and FTLS_SIM_WINDOW set, stops the simulator (its report is printed)
# and closes with "sim: N passed, N failed". The simulator is stopped on every exit path.
# FTLS_SIM_PID lets a test reset the simulated card (SIGUSR1) in the middle of traffic.
# Usage: check-sim.sh FTLS_SIM TEST_PROGRAM...
set -u
sim=$1
shift
win=/dev/shm/ftls-sim-check-$$
log=$(mktemp /tmp/ftls-sim-check.XXXXXX)
"$sim" --window "$win" --max-seconds 1200 >"$log" 2>&1 &
pid=$!
stop() {
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  rm -f "$win"
}
trap 'stop; rm -f "$log"' EXIT
for _ in $(seq 300); do
  grep -q serving "$log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q serving "$log"; then
  cat "$log"
  echo "sim: 0 passed, 1 failed (ftls-sim did not start)"
  exit 1
fi
export FTLS_SIM_WINDOW="$win" FTLS_SIM_PID="$pid" FTLS_HW_BACKEND=sim FTLS_TEST_BACKENDS=cpu,sim
out=$(tests/run-unit.sh "$@" 2>&1)
rc=$?
printf '%s\n' "$out" | grep -v '^unit: '
stop
cat "$log"
line=$(printf '%s\n' "$out" | sed -n 's/^unit: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
p=${line%% *}
f=${line##* }
[ -n "$line" ] || { p=0; f=1; }
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
echo "sim: $p passed, $f failed"
[ "$f" -eq 0 ]
