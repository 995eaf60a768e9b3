#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Checks that the documentation matches the programs: every invocation of
# sealpost-keyserver or sealpost-relay in README.md, docs/OPERATIONS.md,
# SECURITY.md and the examples of the manual pages uses options its --help
# lists (and, for the key server, admin commands its synopsis lists; the
# relay takes no argument); every invocation of the client sealpost uses
# global options, a command, options of that command (each option that
# takes a value followed by one) and, for a command with subcommands
# (devices), a subcommand, all as `sealpost [COMMAND] --help` lists them;
# every `--option` the text mentions exists; every admin command mentioned
# exists; the configuration tables of docs/OPERATIONS.md name real options,
# in the right section, with the defaults --help shows; and sealpost(1)
# documents every command and option of the client, and no other.
# Usage: check-docs.sh  (from anywhere; SEALPOST_BIN: the programs' folder,
# build/bin by default). Prints a line per check; last line: "docs: N
# passed, M failed"; exits non-zero on any failure.

set -u

cd "$(dirname "$0")/../.." || exit 1
bin=${SEALPOST_BIN:-build/bin}
DOCS="README.md docs/OPERATIONS.md SECURITY.md"
MANPAGES="packaging/man/sealpost.1 packaging/man/sealpost-keyserver.8
packaging/man/sealpost-relay.8"
CLIENT_MAN=packaging/man/sealpost.1
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

# The client's help: lines "NAME KIND" (KIND arg: it takes a value, shown
# as a word in capitals after it; else flag) from the usage line and the
# option lines, and "sub WORD" for each lower-case word of the usage line
# (a subcommand, as devices has).
cli_help_parse() {
	awk '
	function opts(n, t,    i, j, kind) {
		for (i = 1; i <= n; i++) {
			if (t[i] !~ /^-/)
				continue
			# "-f, --follow": names share the kind of the last.
			for (j = i; j < n && t[j] ~ /^-.*,$/; j++)
				;
			kind = (j < n && t[j + 1] ~ /^[A-Z][A-Z0-9_]*$/ &&
			    t[j + 1] != "OPTIONS") ? "arg" : "flag"
			for (; i <= j; i++) {
				sub(/,$/, "", t[i])
				print t[i], kind
			}
			i = j
		}
	}
	# "usage: sealpost CMD --user NAME [--follow] list | revoke ID": an
	# option whose bracket closes after its name takes no value.
	NR == 1 && /^usage:/ {
		n = split($0, t, " ")
		for (i = 3; i <= n; i++) {
			w = t[i]
			sub(/^\[+/, "", w)
			if (w ~ /^-.*\]$/) {
				sub(/\]+$/, "", w)
				print w, "flag"
			} else if (w ~ /^-/) {
				v = i < n ? t[i + 1] : ""
				sub(/\]+$/, "", v)
				print w, (v ~ /^[A-Z][A-Z0-9_]*$/ &&
				    v != "OPTIONS") ? "arg" : "flag"
			} else if (i > 3 && w ~ /^[a-z]+$/) {
				print "sub", w
			}
		}
		next
	}
	/^  -/ {
		n = split($0, t, " ")
		# Only the names and what follows them: the text after.
		opts(n < 4 ? n : 4, t)
	}' "$1"
}

if ! "$bin/sealpost" --help >"$tmp/cli.help" 2>&1; then
	fail "$bin/sealpost --help"
	sed 's/^/        /' "$tmp/cli.help"
	echo "docs: $passed passed, $failed failed"
	exit 1
fi
awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 }
    on && /^  [a-z]/ { print $1 }' "$tmp/cli.help" >"$tmp/cli.cmds"
cli_help_parse "$tmp/cli.help" | grep -v '^sub ' >"$tmp/cli.global"
: >"$tmp/cli.all"
while read -r c; do
	if ! "$bin/sealpost" "$c" --help >"$tmp/cli.$c.help" 2>&1 </dev/null
	then
		fail "$bin/sealpost $c --help"
		sed 's/^/        /' "$tmp/cli.$c.help"
		continue
	fi
	cli_help_parse "$tmp/cli.$c.help" >"$tmp/cli.$c.parsed"
	grep -v '^sub ' "$tmp/cli.$c.parsed" | sort -u >"$tmp/cli.$c.opts"
	sed -n 's/^sub //p' "$tmp/cli.$c.parsed" >"$tmp/cli.$c.subs"
	cat "$tmp/cli.$c.opts" >>"$tmp/cli.all"
done <"$tmp/cli.cmds"
cat "$tmp/cli.global" >>"$tmp/cli.all"
# As a program for check_opt: every option of any command.
sort -u "$tmp/cli.all" | awk '{ print $1, $2, "-" }' >"$tmp/sealpost.opts"
: >"$tmp/sealpost.synopsis"

# --- what the documentation says ----------------------------------------

# Records, tab-separated:
#   inv  WHERE PROG ARGS       an invocation (code line or `span`)
#   cli  WHERE ARGS            an invocation of the client `sealpost`, its
#        arguments as shell words (a quoted string is one word, QUOTED)
#   opt  WHERE CTX --NAME      an option mentioned in a `span`
#   cmd  WHERE NOUN VERB       an admin command mentioned in a `span`
#   key  WHERE PROG SEC KEY DEFAULT   a key of a configuration section: a
#        table row, a `key = default` span, or a line of an example INI
#        file (SEC "-": any section; DEFAULT "*": not checked)
# CTX is the program the text is about: the only one its paragraph names,
# else the one its "##" section is about, else "any". A paragraph names the
# client with an invocation span (`sealpost send ...`), `sealpost` followed
# by "client" or "command", or sealpost(1); a section heading that speaks
# of clients is about the client.
# extract FILE [NAME]: NAME (default FILE) is what WHERE calls the file.
extract() {
	awk -v file="${2:-$1}" '
	function prog_of(s,    k, r) {
		k = s ~ /sealpost-keyserver/
		r = s ~ /sealpost-relay/
		if (s ~ /`([^` ]*\/)?sealpost [a-z]/ ||
		    s ~ /`sealpost` (client|command)/ || s ~ /sealpost\(1\)/)
			return k || r ? "any" : "sealpost"
		if (k && !r)
			return "sealpost-keyserver"
		if (r && !k)
			return "sealpost-relay"
		return ""
	}
	# s with each quoted string made one word: QUOTED, or the program
	# if it quotes the path of sealpost.
	function unquote(s,    out, q, re) {
		out = ""
		re = "\"[^\"]*\"|\047[^\047]*\047"
		while (match(s, re)) {
			q = substr(s, RSTART + 1, RLENGTH - 2)
			if (q !~ /^([^ ]*\/)?sealpost$/)
				q = "QUOTED"
			out = out substr(s, 1, RSTART - 1) q
			s = substr(s, RSTART + RLENGTH)
		}
		return out s
	}
	# The invocations of the client in shell text s: a simple command
	# whose program is sealpost (after variable assignments, sudo or
	# env), up to a redirection, a comment or a background "&".
	function client(s, where,    n, seg, i, c, a, found) {
		gsub(/\t/, " ", s)
		n = split(unquote(s), seg, /\|\||&&|[|;`]|\$\(/)
		found = 0
		for (i = 1; i <= n; i++) {
			c = trim(seg[i])
			sub(/^\$ +/, "", c)
			while (match(c, /^[A-Za-z_][A-Za-z0-9_]*=[^ ]* +/) ||
			    match(c, /^(sudo|env|exec|nohup|time|command) +/) ||
			    match(c, /^-u +[^ ]+ +/) ||
			    match(c, /^-[a-zA-Z] +/))
				c = substr(c, RLENGTH + 1)
			if (c !~ /^([^ ]*\/)?sealpost( |$)/)
				continue
			sub(/ +([0-9]*[<>]|#|&).*$/, "", c)
			a = c
			sub(/^[^ ]*/, "", a)
			if (trim(a) != "") {
				printf "cli\t%s\t%s\n", where, trim(a)
				found = 1
			}
		}
		return found
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
			sub(/ *(\||;|&|[0-9]*[<>]|#).*$/, "", s)
			p = s; sub(/ .*$/, "", p)
			a = s; sub(/^[^ ]*/, "", a)
			printf "inv\t%s\t%s\t%s\n", where, p, trim(a)
			return 1
		}
		return client(s, where)
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
		if (/^## /) {
			section = prog_of(line)
			if (section == "" && line ~ /[Cc]lient/)
				section = "sealpost"
		}
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

# The examples of a manual page (.Bd -literal blocks) as indented code,
# every other line blank, so that line numbers stay.
man_examples() {
	awk '/^\.Bd -literal/ { lit = 1; print ""; next }
	    /^\.Ed/ { lit = 0; print ""; next }
	    lit { gsub(/\\e/, "\\"); print "    " $0; next }
	    { print "" }' "$1"
}

for f in $DOCS; do
	if [ ! -f "$f" ]; then
		fail "$f: missing"
		continue
	fi
	extract "$f"
done >"$tmp/records"
for f in $MANPAGES; do
	if [ ! -f "$f" ]; then
		fail "$f: missing"
		continue
	fi
	man_examples "$f" >"$tmp/man.examples"
	extract "$tmp/man.examples" "$f"
done >>"$tmp/records"

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
		for p in $PROGS sealpost; do
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

# cli_kind FILE --NAME: "arg" or "flag" if FILE (lines "NAME KIND") lists
# the option, else nothing.
cli_kind() {
	awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}

# check_cli WHERE ARGS...: an invocation of the client: global options,
# a command `sealpost --help` lists, options that `sealpost COMMAND --help`
# lists (an option that takes a value consumes the next word, whatever it
# is: a placeholder, a variable), and for a command with subcommands, one
# of them first.
check_cli() {
	where=$1
	shift
	cmd=""
	want=""
	subdone=""
	info=""
	for a; do
		if [ -n "$want" ]; then
			case $a in
			-?*) fail "$where: $want takes a value, not '$a'" ;;
			esac
			want=""
			continue
		fi
		if [ -z "$cmd" ]; then
			opts=$tmp/cli.global
			who=sealpost
		else
			opts=$tmp/cli.$cmd.opts
			who="sealpost $cmd"
		fi
		case $a in
		--*=*)
			case $(cli_kind "$opts" "${a%%=*}") in
			arg) pass "$where: $who ${a%%=*}=VALUE" ;;
			flag) fail "$where: $who ${a%%=*} takes no value" ;;
			*) fail "$where: $who has no option ${a%%=*}" ;;
			esac
			;;
		-?*)
			case $(cli_kind "$opts" "$a") in
			arg)
				pass "$where: $who $a"
				want="$who $a"
				;;
			flag)
				pass "$where: $who $a"
				case $a in --help | --version) info=y ;; esac
				;;
			*)
				fail "$where: $who has no option $a"
				;;
			esac
			;;
		*)
			if [ -n "$cmd" ]; then
				if [ -z "$subdone" ] && [ -s "$tmp/cli.$cmd.subs" ]
				then
					subdone=y
					if grep -qx -e "$a" "$tmp/cli.$cmd.subs"; then
						pass "$where: sealpost $cmd $a"
					else
						fail "$where: sealpost $cmd has no\
 subcommand '$a' (only $(paste -s -d, "$tmp/cli.$cmd.subs"))"
					fi
				fi
			elif [ -n "$info" ]; then
				break
			elif grep -qx -e "$a" "$tmp/cli.cmds"; then
				pass "$where: sealpost $a"
				cmd=$a
			else
				fail "$where: sealpost has no command '$a'"
				return
			fi
			;;
		esac
	done
	if [ -n "$want" ]; then
		fail "$where: $want lacks its value"
	fi
	if [ -z "$cmd" ] && [ -z "$info" ]; then
		fail "$where: sealpost without a command"
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
		# shellcheck disable=SC2086 # the arguments, as words
		check_cli "$where" $a
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

# --- the client's manual page --------------------------------------------

# sealpost(1) documents every command (an item ".It Cm NAME", or ".Cm NAME"
# opening an .It Xo item) and every option of the client, and no option
# the client lacks.
if [ -f "$CLIENT_MAN" ]; then
	while read -r c; do
		if grep -E -q "^\.(It )?Cm $c( |\$)" "$CLIENT_MAN"; then
			pass "$CLIENT_MAN: command $c"
		else
			fail "$CLIENT_MAN: command $c is not documented"
		fi
	done <"$tmp/cli.cmds"
	# Options as "Fl \-name" and "Fl x", possibly several on a line.
	grep -o -e 'Fl \\-[a-z][a-z0-9-]*' -e 'Fl [a-zA-Z]\( \|$\)' \
	    "$CLIENT_MAN" |
	    sed -e 's/^Fl \\/-/' -e 's/^Fl /-/' -e 's/ $//' |
	    sort -u >"$tmp/man.opts"
	awk '{ print $1 }' "$tmp/sealpost.opts" | sort -u >"$tmp/cli.names"
	while read -r o; do
		if grep -qx -e "$o" "$tmp/man.opts"; then
			pass "$CLIENT_MAN: option $o"
		else
			fail "$CLIENT_MAN: option $o is not documented"
		fi
	done <"$tmp/cli.names"
	while read -r o; do
		if ! grep -qx -e "$o" "$tmp/cli.names"; then
			fail "$CLIENT_MAN: documents $o, which sealpost lacks"
		fi
	done <"$tmp/man.opts"
fi

echo "docs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
