#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Regenerates the vectors into a fresh directory and compares them byte for
# byte with the committed ones.
# Usage: check-regen.sh GEN DIR   (GEN: the gen_vectors binary; DIR: the
# directory of committed *.json files). Last line: "regen: N passed, M
# failed"; exits non-zero on any difference.

set -u

if [ $# -ne 2 ]; then
	echo "usage: check-regen.sh GEN DIR" >&2
	exit 2
fi
gen=$1
dir=$2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/regen.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0

if ! "$gen" "$tmp" >"$tmp/gen.log" 2>&1; then
	sed 's/^/  /' "$tmp/gen.log"
	echo "FAILED $gen $tmp"
	echo "regen: 0 passed, 1 failed"
	exit 1
fi

# Every generated file must match the committed one.
for f in "$tmp"/*.json; do
	[ -e "$f" ] || continue
	name=${f##*/}
	if [ ! -f "$dir/$name" ]; then
		echo "MISSING $name (generated, not in $dir)"
		failed=$((failed + 1))
	elif cmp -s "$f" "$dir/$name"; then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "DIFFERS $name"
		diff -u "$dir/$name" "$f" | sed -n '3,14p' | sed 's/^/  /'
		failed=$((failed + 1))
	fi
done

# And every committed file must still be generated.
for f in "$dir"/*.json; do
	[ -e "$f" ] || continue
	name=${f##*/}
	if [ ! -f "$tmp/$name" ]; then
		echo "EXTRA $name (in $dir, no longer generated)"
		failed=$((failed + 1))
	fi
done

if [ $((passed + failed)) -eq 0 ]; then
	echo "no vector files generated"
	failed=1
fi
echo "regen: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
