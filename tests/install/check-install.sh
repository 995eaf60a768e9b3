#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Installs Sealpost into a temporary DESTDIR with PREFIX=/usr, checks what
# was installed (files, --version of the three programs, the client's
# self-test, man pages, systemd units, example configurations), then
# uninstalls and checks that nothing is left.
# Usage: check-install.sh  (from anywhere; MAKE overrides the make command).
# Prints a line per check; last line: "install: N passed, M failed"; exits
# non-zero on any failure.

set -u

cd "$(dirname "$0")/../.." || exit 1
MAKE=${MAKE:-make}
PREFIX=/usr
PROGS="sealpost-keyserver sealpost-relay"
CLIENT=sealpost

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
dest=$tmp/root
mkdir "$dest" "$tmp/work" || exit 1

passed=0
failed=0

pass() {
	echo "ok      $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAILED  $1"
	failed=$((failed + 1))
}

skip() {
	echo "skip    $1"
}

# show FILE: indent a log into the report.
show() {
	sed -n '1,20s/^/        /p' "$1"
}

version=$(sed -n 's/^#define SEALPOST_VERSION "\(.*\)"$/\1/p' \
    common/version.h 2>/dev/null)

bindir=$PREFIX/bin
man1=$PREFIX/share/man/man1
man8=$PREFIX/share/man/man8
unitdir=$PREFIX/lib/systemd/system
exdir=$PREFIX/share/doc/sealpost/examples
manpages="$man1/sealpost.1 $man8/sealpost-keyserver.8 $man8/sealpost-relay.8"
expected="$bindir/sealpost $bindir/sealpost-keyserver $bindir/sealpost-relay
$manpages
$unitdir/sealpost-keyserver.service $unitdir/sealpost-relay.service
$exdir/keyserver.conf $exdir/relay.conf"

# --- make install -----------------------------------------------------------

if $MAKE install DESTDIR="$dest" PREFIX="$PREFIX" >"$tmp/install.log" 2>&1
then
	pass "make install DESTDIR=... PREFIX=$PREFIX"
else
	fail "make install DESTDIR=... PREFIX=$PREFIX"
	show "$tmp/install.log"
	echo "install: $passed passed, $failed failed"
	exit 1
fi

for f in $expected; do
	case $f in
	"$bindir"/*) want=x ;;
	*) want=f ;;
	esac
	if [ ! -f "$dest$f" ]; then
		fail "installed: $f missing"
	elif [ "$want" = x ] && [ ! -x "$dest$f" ]; then
		fail "installed: $f is not executable"
	elif [ "$want" = f ] && [ -x "$dest$f" ]; then
		fail "installed: $f is executable"
	else
		pass "installed: $f"
	fi
done

# --- binaries ---------------------------------------------------------------

for p in $CLIENT $PROGS; do
	b=$dest$bindir/$p
	[ -x "$b" ] || continue
	out=$("$b" --version 2>&1)
	rc=$?
	want="$p ${version:-[0-9]*.[0-9]*.[0-9]*}"
	# shellcheck disable=SC2254 # $want is a pattern on purpose
	case $rc:$out in
	0:$want) pass "$p --version: $out" ;;
	*) fail "$p --version: exit $rc, '$out' (want '$p ${version:-X.Y.Z}')" ;;
	esac
done

# The client works without a home or a network: its self-test recomputes
# the published test vectors built into it.
b=$dest$bindir/$CLIENT
if [ -x "$b" ]; then
	if "$b" selftest >"$tmp/selftest.out" 2>&1; then
		pass "$CLIENT selftest: $(tail -n 1 "$tmp/selftest.out")"
	else
		fail "$CLIENT selftest"
		show "$tmp/selftest.out"
	fi
fi

# --- man pages --------------------------------------------------------------

for f in $manpages; do
	m=$dest$f
	page=${f##*/}
	p=${page%.*}
	[ -f "$m" ] || continue
	if ! command -v man >/dev/null 2>&1; then
		skip "man -l $page: man is not installed"
	elif man -l -Tutf8 "$m" >"$tmp/man.out" 2>"$tmp/man.err" &&
	    [ ! -s "$tmp/man.err" ] &&
	    grep -q "$p" "$tmp/man.out"; then
		pass "man -l $page"
	else
		fail "man -l $page"
		show "$tmp/man.err"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		# Warnings and worse fail; style notes (such as a page that
		# refers to one not installed system-wide) do not.
		if mandoc -Tlint -Wwarning "$m" >"$tmp/lint.out" 2>&1; then
			pass "mandoc -Tlint $page"
		else
			fail "mandoc -Tlint $page"
			show "$tmp/lint.out"
		fi
	fi
done

# --- systemd units ----------------------------------------------------------

# Whether systemd-analyze verify works here at all (it may not in a
# container): try it on a unit that is surely valid.
analyze_works() {
	command -v systemd-analyze >/dev/null 2>&1 || return 1
	mkdir -p "$tmp/probe" || return 1
	printf '[Service]\nExecStart=/bin/sh -c true\n' \
	    >"$tmp/probe/sealpost-probe.service"
	systemd-analyze verify --man=no "$tmp/probe/sealpost-probe.service" \
	    >"$tmp/probe.log" 2>&1
}

for p in $PROGS; do
	u=$dest$unitdir/$p.service
	[ -f "$u" ] || continue
	if grep -q '@[A-Z]*@' "$u"; then
		fail "$p.service: placeholder left: $(grep '@[A-Z]*@' "$u")"
	elif grep -q "^ExecStart=$bindir/$p " "$u"; then
		pass "$p.service: ExecStart=$bindir/$p"
	else
		fail "$p.service: ExecStart is not $bindir/$p:\
 $(grep '^ExecStart=' "$u")"
	fi
	# The units point at the installed paths; verify copies that point
	# into DESTDIR instead, side by side so that the relay finds the
	# key server's unit.
	sed "s|^ExecStart=$bindir/|ExecStart=$dest$bindir/|" "$u" \
	    >"$tmp/work/$p.service"
done

if ! analyze_works; then
	if command -v systemd-analyze >/dev/null 2>&1; then
		skip "systemd-analyze verify: cannot run here:\
 $(head -n 1 "$tmp/probe.log")"
	else
		skip "systemd-analyze verify: systemd-analyze is not installed"
	fi
else
	# With man, Documentation=man:... must resolve to the installed page.
	if command -v man >/dev/null 2>&1; then
		manopt=--man=yes
	else
		manopt=--man=no
	fi
	for p in $PROGS; do
		[ -f "$tmp/work/$p.service" ] || continue
		if (cd "$tmp/work" && MANPATH=$dest$PREFIX/share/man \
		    systemd-analyze verify "$manopt" "./$p.service") \
		    >"$tmp/verify.log" 2>&1 && [ ! -s "$tmp/verify.log" ]; then
			pass "systemd-analyze verify $p.service"
		else
			fail "systemd-analyze verify $p.service"
			show "$tmp/verify.log"
		fi
	done
fi

# --- example configurations -------------------------------------------------

for p in $PROGS; do
	b=$dest$bindir/$p
	c=$dest$exdir/${p#sealpost-}.conf
	if [ ! -x "$b" ] || [ ! -f "$c" ]; then
		continue
	fi
	if "$b" --config "$c" --print-config >"$tmp/print.out" \
	    2>"$tmp/print.err" && [ -s "$tmp/print.out" ]; then
		pass "$p --config $exdir/${c##*/} --print-config"
	else
		fail "$p --config $exdir/${c##*/} --print-config"
		show "$tmp/print.err"
	fi
done

# --- make uninstall ---------------------------------------------------------

if $MAKE uninstall DESTDIR="$dest" PREFIX="$PREFIX" >"$tmp/uninstall.log" \
    2>&1; then
	pass "make uninstall DESTDIR=... PREFIX=$PREFIX"
else
	fail "make uninstall DESTDIR=... PREFIX=$PREFIX"
	show "$tmp/uninstall.log"
fi
for f in $bindir/$CLIENT $man1/sealpost.1; do
	if [ -e "$dest$f" ]; then
		fail "make uninstall leaves $f"
	else
		pass "make uninstall removes $f"
	fi
done
left=$(cd "$dest" && find . ! -type d | sed 's|^\.||' | sort)
if [ -z "$left" ]; then
	pass "make uninstall leaves no installed file"
else
	fail "make uninstall leaves files behind:"
	echo "$left" | sed 's/^/        /'
fi

echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
