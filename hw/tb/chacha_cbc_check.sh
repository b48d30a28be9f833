#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the record-engine testbenches given as arguments (each one quoted command line), print their
# output, add up their "<name>: N passed, N failed" lines and close with one
# "engines: N passed, N failed" line. A testbench that exits non-zero without reporting a failure
# (a crash, a missing file) counts as one failure. Exit status: 0 only if nothing failed.
pass=0
fail=0
for cmd in "$@"; do
	echo "engines: running ${cmd%% *}"
	out=$(sh -c "$cmd" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	line=$(printf '%s\n' "$out" | grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	p=$(printf '%s' "$line" | sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
	f=$(printf '%s' "$line" | sed -n 's/^.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "engines: '$cmd' exited with status $rc without a result line"
		f=1
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "engines: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
