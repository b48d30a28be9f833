#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs each check target (make check-X), each of which closes with an "N passed, N failed" line,
# and closes the whole suite with the sum. A check that exits non-zero without counting a failure
# counts as one failed test.
set -u
total_p=0 total_f=0 failed_checks=""
log_dir=${FTLS_TEST_LOGS:-build/test-logs}
mkdir -p "$log_dir"
for c in "$@"; do
  echo "=== $c"
  start=$(date +%s)
  make --no-print-directory -s "$c" 2>&1 | tee "$log_dir/$c.log"
  rc=${PIPESTATUS[0]}
  line=$(grep -oE '(^|[^0-9])[0-9]+ passed, [0-9]+ failed' "$log_dir/$c.log" | tail -n 1 |
         sed -E 's/[^0-9]*([0-9]+) passed, ([0-9]+) failed/\1 \2/')
  p=$(printf '%s' "$line" | awk '{print $1+0}')
  f=$(printf '%s' "$line" | awk '{print $2+0}')
  [ -n "$line" ] || { p=0; f=0; }
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  [ "$f" -eq 0 ] || failed_checks="$failed_checks $c"
  total_p=$((total_p + p)); total_f=$((total_f + f))
  echo "=== $c: $p passed, $f failed ($(( $(date +%s) - start ))s)"
done
[ -z "$failed_checks" ] || echo "failing checks:$failed_checks"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
