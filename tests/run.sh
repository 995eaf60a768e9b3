#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Run test suites and total their results.
# Usage: run.sh SUITE...  where each SUITE is either a directory, whose
# test_* executables are cmocka binaries, or a command (one shell word list,
# quoted) that prints a plain "N passed, M failed" line as its summary.
# Last line: "tests: N passed, M failed".

set -u

[ $# -gt 0 ] || { echo "usage: run.sh SUITE..." >&2; exit 2; }
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

# run_cmd NAME CMD: a suite that prints its own "N passed, M failed" line.
run_cmd() {
	name=$1
	ran=$((ran + 1))
	echo "--- $name"
	# shellcheck disable=SC2086 # the command is a word list on purpose
	{ timeout -k 10 "$TEST_TIMEOUT" $2 2>&1; echo $? >"$tmp/rc"; } |
	    tee "$tmp/out"
	rc=$(cat "$tmp/rc")
	line=$(grep -E '(^|: )[0-9]+ passed, [0-9]+ failed' "$tmp/out" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		broken="$broken
  $name: no summary line (exit $rc)"
		return
	fi
	p=$(echo "$line" | sed -E 's/.*(^|: )([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		broken="$broken
  $name: exit $rc"
	fi
}

run_dir() {
	dir=$1
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

}

for suite in "$@"; do
	if [ -d "$suite" ]; then
		run_dir "$suite"
	else
		run_cmd "${suite%% *}" "$suite"
	fi
done

if [ "$ran" -eq 0 ]; then
	echo "run.sh: no test suites found" >&2
fi
if [ -n "$broken" ]; then
	echo "failed binaries:$broken"
fi
echo "tests: $passed passed, $failed failed"
[ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
