#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Checks that the documentation matches the programs: every invocation of
# sealpost-keyserver or sealpost-relay in README.md and docs/OPERATIONS.md
# uses options its --help lists (and, for the key server, admin commands its
# synopsis lists; the relay takes no argument), every `--option` the text
# mentions exists, every admin command mentioned exists, and the
# configuration tables of docs/OPERATIONS.md name real options, in the right
# section, with the defaults --help shows.
# Usage: check-docs.sh  (from anywhere; SEALPOST_BIN: the programs' folder,
# build/bin by default). Prints a line per check; last line: "docs: N
# passed, M failed"; exits non-zero on any failure.

set -u

cd "$(dirname "$0")/../.." || exit 1
bin=${SEALPOST_BIN:-build/bin}
DOCS="README.md docs/OPERATIONS.md"
PROGS="sealpost-keyserver sealpost-relay"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

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

# --- what the programs say ----------------------------------------------

# For each program: $tmp/P.help (the whole --help), $tmp/P.synopsis (before
# "Options:"), $tmp/P.opts (lines "--name KIND SECTION", KIND = arg, bool or
# flag) and $tmp/P.defaults (lines "--name<TAB>default").
for p in $PROGS; do
	if ! "$bin/$p" --help >"$tmp/$p.help" 2>&1; then
		fail "$bin/$p --help"
		sed 's/^/        /' "$tmp/$p.help"
		echo "docs: $passed passed, $failed failed"
		exit 1
	fi
	sed '/^Options:/,$d' "$tmp/$p.help" >"$tmp/$p.synopsis"
	awk '/^\[[a-z]+\]$/ { sec = substr($0, 2, length($0) - 2) }
	    /^  --[a-z]/ {
		name = $1; kind = "flag"
		if (match(name, /\[?=/)) {
			kind = substr(name, RSTART, 1) == "[" ? "bool" : "arg"
			name = substr(name, 1, RSTART - 1)
		}
		print name, kind, (sec == "" ? "-" : sec)
	    }' "$tmp/$p.help" >"$tmp/$p.opts"
	sed -n 's/^  \(--[a-z0-9-]*\).*\[default: \(.*\)\]$/\1	\2/p' \
	    "$tmp/$p.help" >"$tmp/$p.defaults"
done

# --- what the documentation says ----------------------------------------

# Records, tab-separated:
#   inv  WHERE PROG ARGS       an invocation (code line or `span`)
#   cli  WHERE TEXT            an invocation of the client `sealpost`
#   opt  WHERE CTX --NAME      an option mentioned in a `span`
#   cmd  WHERE NOUN VERB       an admin command mentioned in a `span`
#   key  WHERE PROG SEC KEY DEFAULT   a key of a configuration section: a
#        table row, a `key = default` span, or a line of an example INI
#        file (SEC "-": any section; DEFAULT "*": not checked)
# CTX is the program the text is about: the only one its paragraph names,
# else the one its "##" section is about, else "any".
extract() {
	awk -v file="$1" '
	function prog_of(s) {
		if (s ~ /sealpost-keyserver/ && s !~ /sealpost-relay/)
			return "sealpost-keyserver"
		if (s ~ /sealpost-relay/ && s !~ /sealpost-keyserver/)
			return "sealpost-relay"
		return ""
	}
	function trim(s) {
		sub(/^[ \t]+/, "", s)
		sub(/[ \t]+$/, "", s)
		return s
	}
	# An invocation inside text s (code, or a span): from the program
	# name (any leading path dropped) to the end or a shell operator.
	function invocation(s, where,    p, a) {
		if (match(s, /(^|[ \/])sealpost-(keyserver|relay)( |$)/)) {
			s = substr(s, RSTART)
			sub(/^[ \/]/, "", s)
			sub(/ *(\||;|&&|>|#).*$/, "", s)
			p = s; sub(/ .*$/, "", p)
			a = s; sub(/^[^ ]*/, "", a)
			printf "inv\t%s\t%s\t%s\n", where, p, trim(a)
			return 1
		}
		if (s ~ /(^|[ \/])sealpost [^ ]/) {
			printf "cli\t%s\t%s\n", where, trim(s)
			return 1
		}
		return 0
	}
	function span(c, where, ctx) {
		c = trim(c)
		# A span that starts with a program: an invocation if it has
		# arguments, else a mere mention of its name.
		if (c ~ /^([^ ]*\/)?sealpost(-keyserver|-relay)?( |$)/) {
			invocation(c, where)
			return
		}
		# "key = value" in a configuration section: a default.
		if (inconf && section != "" &&
		    match(c, /^[a-z][a-z0-9-]* = /)) {
			printf "key\t%s\t%s\t-\t%s\t%s\n", where, section,
			    substr(c, 1, RLENGTH - 3), substr(c, RLENGTH + 1)
			return
		}
		if (match(c, /^(invite|user|device) [a-z]+/)) {
			printf "cmd\t%s\t%s\n", where, substr(c, 1, RLENGTH)
			ctx = "sealpost-keyserver"
		}
		while (match(c, /--[a-z][a-z0-9-]*/)) {
			printf "opt\t%s\t%s\t%s\n", where, ctx,
			    substr(c, RSTART, RLENGTH)
			c = substr(c, RSTART + RLENGTH)
		}
	}
	function cell(s) {
		s = trim(s)
		gsub(/`/, "", s)
		return s
	}
	# A row of a configuration table: | [section |] `key` | default | ...
	function table_row(s, where,    f, n, sec, key, def) {
		n = split(s, f, /\|/)
		if (cell(f[2]) ~ /^(server|keyserver|relay)$/ && n >= 5) {
			sec = cell(f[2]); key = f[3]; def = f[4]
		} else {
			sec = "-"; key = f[2]; def = f[3]
		}
		if (trim(key) !~ /^`[a-z][a-z0-9-]*`$/)
			return
		printf "key\t%s\t%s\t%s\t%s\t%s\n", where, section, sec,
		    cell(key), cell(def)
	}
	# A paragraph (or table row): its spans, with the paragraph context.
	function flush(    i, ctx, all, s, c, where) {
		if (np == 0)
			return
		all = ""
		for (i = 1; i <= np; i++)
			all = all " " ptext[i]
		ctx = prog_of(all)
		if (ctx == "")
			ctx = section != "" ? section : "any"
		for (i = 1; i <= np; i++) {
			s = ptext[i]
			where = file ":" pline[i]
			while (match(s, /`[^`]*`/)) {
				c = substr(s, RSTART + 1, RLENGTH - 2)
				s = substr(s, RSTART + RLENGTH)
				span(c, where, ctx)
			}
		}
		np = 0
	}
	{ line = $0 }
	# Fenced code.
	/^```/ { flush(); fenced = !fenced; next }
	# Code: fenced, or indented by four spaces or a tab.
	fenced || /^(    |\t)/ {
		flush()
		if (cont != "") {
			code = code " " line
		} else {
			code = line; codeline = NR
		}
		if (code ~ /\\$/) {
			sub(/[ \t]*\\$/, "", code)
			cont = "y"
			next
		}
		cont = ""
		code = trim(code)
		if (invocation(code, file ":" codeline))
			next
		# An example INI file in a configuration section: its keys
		# must exist in their section (the values are examples).
		if (inconf && section != "") {
			if (code ~ /^\[[a-z]+\]$/)
				inisec = substr(code, 2, length(code) - 2)
			else if (match(code, /^[a-z][a-z0-9-]* *=/)) {
				k = substr(code, 1, RLENGTH)
				sub(/ *=$/, "", k)
				printf "key\t%s\t%s\t%s\t%s\t*\n",
				    file ":" codeline, section,
				    inisec == "" ? "-" : inisec, k
			}
		}
		next
	}
	/^#+ / {
		flush()
		if (/^## /)
			section = prog_of(line)
		if (/^##+ /)
			inconf = (line ~ /^### Configuration/)
		next
	}
	/^[ \t]*$/ { flush(); next }
	/^\|/ {
		flush()
		ptext[++np] = line; pline[np] = NR
		if (inconf && section != "")
			table_row(line, file ":" NR)
		flush()
		next
	}
	{
		# A span cut by the line break: join the next line to it.
		if (carry != "") {
			ptext[np] = ptext[np] " " line
		} else {
			ptext[++np] = line; pline[np] = NR
		}
		n = gsub(/`/, "`", ptext[np])
		carry = n % 2 ? "y" : ""
	}
	END { flush() }
	' "$1"
}

for f in $DOCS; do
	if [ ! -f "$f" ]; then
		fail "$f: missing"
		continue
	fi
	extract "$f"
done >"$tmp/records"

# --- checks ---------------------------------------------------------------

# has_opt PROG --NAME: 0 if PROG's --help lists it (or its synopsis shows
# it, as for the options of an admin command).
has_opt() {
	grep -q "^$2 " "$tmp/$1.opts" ||
	    grep -q -e "$2\$" -e "$2[^a-z0-9-]" "$tmp/$1.synopsis"
}

# check_opt WHERE CTX --NAME
check_opt() {
	case $3 in
	--option)
		skip "$1: $3 is a placeholder"
		return
		;;
	esac
	if [ "$2" = any ]; then
		for p in $PROGS; do
			if has_opt "$p" "$3"; then
				pass "$1: $3 ($p)"
				return
			fi
		done
		fail "$1: $3 is an option of no program"
	elif has_opt "$2" "$3"; then
		pass "$1: $2 $3"
	else
		fail "$1: $2 has no option $3"
	fi
}

# check_cmd WHERE NOUN VERB: the key server's synopsis lists the command.
check_cmd() {
	if grep -E -q "(^|[ |]) *$2 $3( |$)" "$tmp/sealpost-keyserver.synopsis"
	then
		pass "$1: sealpost-keyserver $2 $3"
	else
		fail "$1: sealpost-keyserver has no command '$2 $3'"
	fi
}

# check_inv WHERE PROG ARGS...: options exist, and take a value or not;
# for the key server the words left are a command, the relay takes none.
check_inv() {
	where=$1
	p=$2
	shift 2
	words=""
	want_value=""
	for a; do
		if [ -n "$want_value" ]; then
			want_value=""
			continue
		fi
		case $a in
		--*=*)
			check_opt "$where" "$p" "${a%%=*}"
			;;
		--*)
			check_opt "$where" "$p" "$a"
			if grep -q "^$a arg " "$tmp/$p.opts"; then
				want_value=y
			fi
			;;
		*)
			words="$words $a"
			;;
		esac
	done
	if [ -n "$want_value" ]; then
		fail "$where: $p: the last option lacks its value"
	fi
	# shellcheck disable=SC2086 # split the words on purpose
	set -- $words
	if [ "$p" = sealpost-keyserver ] && [ $# -gt 0 ]; then
		check_cmd "$where" "$1" "${2:-}"
	elif [ $# -gt 0 ]; then
		fail "$where: $p takes no argument, given '${words# }'"
	fi
}

# check_key WHERE PROG SECTION KEY DEFAULT: a key of a configuration
# section, in its section ("-": any), with its default ("*": any).
check_key() {
	line=$(grep "^--$4 " "$tmp/$2.opts")
	if [ -z "$line" ]; then
		fail "$1: $2 has no option $4"
		return
	fi
	sec=${line##* }
	if [ "$3" != - ] && [ "$3" != "$sec" ]; then
		fail "$1: $2 $4 is in [$sec], not [$3]"
		return
	fi
	if [ "$5" = "*" ]; then
		pass "$1: $2 [$sec] $4"
		return
	fi
	def=$(sed -n "s/^--$4	//p" "$tmp/$2.defaults")
	if [ "$5" = none ]; then
		want=""
	else
		want=$5
	fi
	if [ "$def" = "$want" ]; then
		pass "$1: $2 [$sec] $4 = ${def:-(none)}"
	else
		fail "$1: $2 $4 defaults to '${def:-(none)}', the docs say '$5'"
	fi
}

tab=$(printf '\t')
set -f
while IFS=$tab read -r kind where a b c d; do
	case $kind in
	inv)
		# shellcheck disable=SC2086 # the arguments, as words
		check_inv "$where" "$a" $b
		;;
	cli)
		skip "$where: '$a': the sealpost client is not built yet"
		;;
	opt)
		check_opt "$where" "$a" "$b"
		;;
	cmd)
		# shellcheck disable=SC2086 # noun and verb
		check_cmd "$where" $a
		;;
	key)
		check_key "$where" "$a" "$b" "$c" "$d"
		;;
	esac
done <"$tmp/records"
set +f

echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
