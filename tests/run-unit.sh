#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs cmocka unit-test programs and closes with one "N passed, N failed" line.
# A program that dies (sanitizer report, signal) or exits non-zero with no failure counted is
# one failure: nothing that goes wrong is silently lost.
set -u
pass=0 fail=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E '^\[  (FAILED|PASSED|  OK  ) \]|ERROR|runtime error|Sanitizer' | grep -v '^\[       OK' | sed "s|^|$(basename "$t"): |"
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; printf '%s\n' "$out" | tail -n 30
    echo "$(basename "$t"): exited with status $rc"
  fi
  pass=$((pass + p)); fail=$((fail + f))
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
