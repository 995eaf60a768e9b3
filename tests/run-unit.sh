#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Run every cmocka unit-test binary in a directory and total the results.
# Usage: run-unit.sh DIR.  Last line: "unit: N passed, M failed".

set -u

dir=${1:?usage: run-unit.sh DIR}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}

# Keep cmocka's plain summary format, whatever the environment says.
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ran=0
broken=""

# sum REGEX FILE: add up the first number of every line matching REGEX.
sum() {
	sed -n "s/$1/\\1/p" "$2" | awk '{ n += $1 } END { print n + 0 }'
}

for t in "$dir"/test_*; do
	if [ ! -f "$t" ] || [ ! -x "$t" ]; then
		continue
	fi
	name=${t##*/}
	ran=$((ran + 1))
	echo "--- $name"
	# No stdbuf here: its LD_PRELOAD breaks ASan's link-order check.
	{ timeout -k 10 "$TEST_TIMEOUT" "$t" 2>&1; echo $? >"$tmp/rc"; } |
	    tee "$tmp/out"
	rc=$(cat "$tmp/rc")

	nrun=$(grep -c '^\[==========\] [0-9][0-9]* test(s) run\.' "$tmp/out")
	p=$(sum '^\[  PASSED  \] \([0-9][0-9]*\) test(s)\.$' "$tmp/out")
	f=$(sum '^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:.*' \
	    "$tmp/out")

	why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${TEST_TIMEOUT}s"
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ "$nrun" -eq 0 ]; then
		why="no cmocka summary (exit $rc)"
	elif grep -q -e '^SUMMARY: [A-Za-z]*Sanitizer' -e '^==[0-9]*==ERROR: ' \
	    "$tmp/out"; then
		why="sanitizer report (exit $rc)"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exit $rc after the summary"
	fi

	passed=$((passed + p))
	if [ -n "$why" ]; then
		# The binary itself failed: count it once, plus any failed
		# tests it had already reported.
		failed=$((failed + f + 1))
		broken="$broken
  $name: $why"
	else
		failed=$((failed + f))
	fi
done

if [ "$ran" -eq 0 ]; then
	echo "run-unit: no test_* executables in $dir" >&2
fi
if [ -n "$broken" ]; then
	echo "failed binaries:$broken"
fi
echo "unit: $passed passed, $failed failed"
[ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
