#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Replay each fuzz target's seed corpus through its plain-main build.
# Usage: replay.sh BINDIR CORPUSDIR.  Last line: "fuzz: N passed, M failed".

set -u
bindir=${1:?usage: replay.sh BINDIR CORPUSDIR}
corpus=${2:?usage: replay.sh BINDIR CORPUSDIR}
passed=0
failed=0

for t in "$bindir"/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	dir="$corpus/${name#fuzz_}"
	if [ ! -d "$dir" ]; then
		echo "$name: no corpus at $dir"
		failed=$((failed + 1))
		continue
	fi
	out=$(timeout 120 "$t" "$dir" 2>&1)
	rc=$?
	echo "$out" | tail -n 5
	p=$(echo "$out" | sed -n 's/.*: \([0-9][0-9]*\) passed, [0-9][0-9]* failed$/\1/p' | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$p" ]; then
		passed=$((passed + p))
	else
		echo "$name: FAILED (exit $rc)"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
