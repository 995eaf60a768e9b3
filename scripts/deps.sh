#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Install the Debian packages Sealpost needs to build and test.
# This is the one list of required packages: append new ones here.

PACKAGES="gcc libc6-dev pkg-config libsodium-dev libcmocka-dev libjansson-dev
libnng-dev libmbedtls-dev libsqlite3-dev libinih-dev libedit-dev openssl
mandoc
python3 python3-cryptography
libsignal-protocol-c-dev libolm-dev libssl-dev"

set -eu

if ! command -v dpkg-query >/dev/null 2>&1; then
	if command -v pkg-config >/dev/null 2>&1 &&
	    pkg-config --exists libsodium cmocka; then
		echo "deps: not a Debian system; pkg-config finds libsodium and cmocka"
		exit 0
	fi
	echo "deps: not a Debian system; install the equivalents of: $PACKAGES" >&2
	exit 1
fi

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
missing=${missing# }

if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi

echo "deps: missing packages: $missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: not root; install them with:" >&2
	echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
	exit 1
fi

install_missing() {
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
	    --no-install-recommends $missing
}

lists_empty() {
	! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1
}

if lists_empty; then
	apt-get update
	install_missing
elif ! install_missing; then
	echo "deps: install failed; running apt-get update and retrying" >&2
	apt-get update
	install_missing
fi
echo "deps: installed $missing"
