#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Test-time TLS material for the integration tests: a self-signed CA, a
# server certificate it signs (localhost, 127.0.0.1), and a second,
# unrelated CA. Usage: gen_cert.sh DIR. Writes ca.pem, server.pem,
# server.key and other-ca.pem into DIR. Needs the openssl CLI.
set -eu

[ $# -eq 1 ] || { echo "usage: gen_cert.sh DIR" >&2; exit 2; }
d=$1
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"

# shellcheck disable=SC2086 # $ec is a word list on purpose
openssl req -x509 $ec -days 2 -subj /CN=sealpost-test-ca \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign \
	-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null
# shellcheck disable=SC2086
openssl req $ec -subj /CN=localhost \
	-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
cat >"$d/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
	-CAcreateserial -days 2 -extfile "$d/server.ext" \
	-out "$d/server.pem" 2>/dev/null
# shellcheck disable=SC2086
openssl req -x509 $ec -days 2 -subj /CN=sealpost-other-ca \
	-addext basicConstraints=critical,CA:TRUE \
	-keyout "$d/other-ca.key" -out "$d/other-ca.pem" 2>/dev/null
chmod 600 "$d"/*.key
