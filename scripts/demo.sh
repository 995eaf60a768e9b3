#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# The Sealpost demo: a key server and a relay on loopback (TLS with a
# freshly made certificate, SQLite in a temporary directory), an invite,
# alice with two devices and bob, messages both ways (one while bob is
# offline), a safety number comparison, then everything stopped.
# `make demo` builds first; this script only runs the programs in
# $SEALPOST_BIN (default build/bin). Exit status 0 when every step worked.
# SEALPOST_DEMO_KEEP=1 keeps the temporary directory.
set -eu

BIN=${SEALPOST_BIN:-build/bin}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
for p in sealpost sealpost-keyserver sealpost-relay; do
	[ -x "$BIN/$p" ] || { echo "demo: $BIN/$p is missing: run make demo" >&2; exit 1; }
done
command -v openssl >/dev/null 2>&1 ||
	{ echo "demo: openssl is missing: run make deps" >&2; exit 1; }

D=$(mktemp -d "${TMPDIR:-/tmp}/sealpost-demo.XXXXXX")
chmod 700 "$D"
KS_PID=
RELAY_PID=
LINK_PID=
passed=0
failed=0

cleanup() {
	for pid in $LINK_PID $RELAY_PID $KS_PID; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $LINK_PID $RELAY_PID $KS_PID; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${SEALPOST_DEMO_KEEP:-0}" = 1 ]; then
		echo "demo: kept $D"
	else
		rm -rf "$D"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf '   ok: %s\n' "$*"; }
die() {
	failed=$((failed + 1))
	printf '   FAILED: %s\n' "$*"
	for f in "$D"/*.log; do
		[ -s "$f" ] && { echo "---- $f"; tail -n 20 "$f"; }
	done
	echo "demo: $passed passed, $failed failed"
	exit 1
}

# sp HOME ARGS...: the client, as the user of that home.
sp() {
	h=$1
	shift
	"$BIN/sealpost" --home "$D/$h" "$@"
}

# wait_for FILE PATTERN SECONDS [PID]: until FILE has a line matching
# PATTERN; fails after SECONDS, or as soon as process PID is gone.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le $(($3 * 20)) ] || return 1
		if [ $# -gt 3 ] && ! kill -0 "$4" 2>/dev/null; then
			grep -q "$2" "$1" 2>/dev/null
			return
		fi
		sleep 0.05
	done
}

# start NAME ARGS...: a daemon in the background; sets PID and PORT.
start() {
	name=$1
	shift
	"$BIN/$name" "$@" --ready-file "$D/$name.ready" --http '' \
	    >"$D/$name.log" 2>&1 &
	PID=$!
	wait_for "$D/$name.ready" '^listen' 20 $PID ||
	    die "$name did not start (see its log)"
	PORT=$(awk '/^listen/ { print $3; exit }' "$D/$name.ready")
}

say "Sealpost demo in $D"
echo "   (SQLite stores, TLS on loopback, nothing outside this directory)"

say "A TLS certificate for the servers (self-signed, localhost)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 1 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$D/server.key" -out "$D/server.pem" 2>/dev/null ||
    die "openssl could not make a certificate"
chmod 600 "$D/server.key"
FP=$(openssl x509 -in "$D/server.pem" -noout -fingerprint -sha256 |
    sed 's/.*=//')
ok "certificate SHA-256 $FP"

say "The key server and the relay"
start sealpost-keyserver --db "$D/keyserver.db" \
    --listen tls+tcp://127.0.0.1:0 \
    --tls-cert "$D/server.pem" --tls-key "$D/server.key"
KS_PID=$PID
KS=tls+tcp://127.0.0.1:$PORT
start sealpost-relay --db "$D/relay.db" --directory "$D/keyserver.db" \
    --listen tls+tcp://127.0.0.1:0 \
    --tls-cert "$D/server.pem" --tls-key "$D/server.key"
RELAY_PID=$PID
RELAY=tls+tcp://127.0.0.1:$PORT
ok "key server at $KS, relay at $RELAY"

say "The administrator makes an invite for alice and bob"
"$BIN/sealpost-keyserver" --db "$D/keyserver.db" invite create --uses 2 \
    >"$D/invite.out" 2>>"$D/admin.log" || die "invite create failed"
cat "$D/invite.out"
TOKEN=$(awk '{ for (i = 1; i < NF; i++) if ($i == "token") print $(i + 1) }' \
    "$D/invite.out")
[ -n "$TOKEN" ] || die "no invite token"
ok "invite made"

say "alice sets up her phone; bob his laptop (certificates pinned)"
sp alice-phone init --user alice --keyserver "$KS" --relay "$RELAY" \
    --invite "$TOKEN" --pin "$FP" || die "alice's init failed"
sp bob init --user bob --keyserver "$KS" --relay "$RELAY" \
    --invite "$TOKEN" --pin "$FP" || die "bob's init failed"
ok "two accounts"

say "alice links her laptop with a one-time code"
sp alice-phone --json devices link --yes >"$D/link.out" 2>"$D/link.log" &
LINK_PID=$!
wait_for "$D/link.out" link_code 20 "$LINK_PID" || die "no link code"
CODE=$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$D/link.out" | head -n 1)
echo "   the phone shows the code $CODE"
sp alice-laptop init --user alice --keyserver "$KS" --relay "$RELAY" \
    --link "$CODE" --pin "$FP" || die "the laptop could not join"
wait "$LINK_PID" || die "the phone did not approve the laptop"
LINK_PID=
sp alice-phone devices list
ok "alice has two devices"

say "bob is offline; alice writes from her phone"
sp alice-phone send bob "Hi Bob, the relay keeps this for you until you are back." ||
    die "alice could not send"
ok "queued on the relay for bob's device, sealed: the relay cannot read it"

say "bob comes online and receives"
sp bob receive >"$D/bob1.out" || die "bob could not receive"
cat "$D/bob1.out"
grep -q "alice/1: Hi Bob" "$D/bob1.out" || die "bob did not get alice's message"
ok "bob got it"

say "bob answers; it goes to both of alice's devices"
sp bob send alice "Got it! Both your devices get this." ||
    die "bob could not answer"
sp alice-phone receive >"$D/phone.out" || die "the phone could not receive"
echo "   alice's phone:"
sed 's/^/   /' "$D/phone.out"
sp alice-laptop receive >"$D/laptop.out" || die "the laptop could not receive"
echo "   alice's laptop (with a copy of what the phone sent):"
sed 's/^/   /' "$D/laptop.out"
grep -q "bob/1: Got it" "$D/phone.out" || die "the phone missed bob's answer"
grep -q "bob/1: Got it" "$D/laptop.out" || die "the laptop missed bob's answer"
grep -q "you -> bob: Hi Bob" "$D/laptop.out" ||
    die "the laptop missed the copy of alice's message"
ok "both of alice's devices have the whole conversation"

say "alice and bob compare safety numbers"
sp alice-phone --json verify bob --confirm >"$D/verify-alice.json" ||
    die "alice could not verify bob"
sp bob --json verify alice --confirm >"$D/verify-bob.json" ||
    die "bob could not verify alice"
# The number of the pair (alice's phone, bob's laptop), seen from each side.
NA=$(sed -n 's/.*"device":1,"safety_number":"\([0-9]*\)".*/\1/p' \
    "$D/verify-alice.json")
NB=$(sed -n 's/.*"device":1,"safety_number":"\([0-9]*\)".*/\1/p' \
    "$D/verify-bob.json")
echo "   alice's phone shows: $(echo "$NA" | sed 's/...../& /g')"
echo "   bob's laptop shows:  $(echo "$NB" | sed 's/...../& /g')"
[ -n "$NA" ] && [ "$NA" = "$NB" ] || die "the safety numbers differ"
ok "the numbers match: nobody substituted a key"

say "bob's status: nothing left waiting, alice verified"
sp bob status >"$D/status.out" || die "bob's status failed"
sed 's/^/   /' "$D/status.out"
grep -q "0 waiting on the relay" "$D/status.out" ||
    die "the relay still holds acknowledged messages"
ok "status"

say "Stopping the servers"
kill "$RELAY_PID" "$KS_PID"
wait "$RELAY_PID" || die "the relay did not stop cleanly"
wait "$KS_PID" || die "the key server did not stop cleanly"
RELAY_PID=
KS_PID=
ok "stopped"

echo
echo "demo: $passed passed, $failed failed"
