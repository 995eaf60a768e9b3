/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Certificate pinning for the client's tls+tcp:// and wss:// connections:
 * an nng TLS engine on mbed TLS that accepts exactly the server certificate
 * whose SHA-256 was pinned, and a probe for trust on first use. */
#ifndef SEALPOST_CLI_TLS_H
#define SEALPOST_CLI_TLS_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

/* A pin: SHA-256 of the DER encoding of the server's leaf certificate. */
#define CLI_TLS_PIN_LEN 32
#define CLI_TLS_PIN_HEX_LEN (2 * CLI_TLS_PIN_LEN)

/* The engine's ca_chain accepts, besides PEM certificates, this prefix
 * followed by exactly CLI_TLS_PIN_HEX_LEN hex digits. */
#define CLI_TLS_PIN_CHAIN_PREFIX "sealpost-pin:"

/* nng_tls_engine_name() once cli_tls_init has run. */
#define CLI_TLS_ENGINE_NAME "sealpost-pin"

/*
 * Registers the pinning engine with nng in place of nng's own, for the
 * whole process: every TLS configuration allocated afterwards uses it (ones
 * allocated before keep nng's engine). Calls sodium_init (the engine draws
 * its randomness from randombytes_buf). Idempotent and thread safe
 * (pthread_once): later calls return the first call's result.
 *
 * What the engine does with an nng_tls_config:
 *  - client mode only: allocating a server config fails (NNG_ENOTSUP);
 *  - nng_tls_config_ca_chain takes either a CLI_TLS_PIN_CHAIN_PREFIX pin
 *    (no CRL) or PEM CA certificates (and an optional PEM CRL); once per
 *    config, else NNG_EINVAL;
 *  - a pin accepts exactly the leaf certificate it names: chain, names and
 *    dates are not checked. A CA chain is verified as usual, with the host
 *    name set by nng_tls_config_server_name, which is then required;
 *  - a connection whose config has neither, or a CA chain and no server
 *    name, is refused before any byte is sent (fail closed);
 *  - verification cannot be turned off (auth modes other than REQUIRED
 *    give NNG_ENOTSUP); no client certificates (NNG_ENOTSUP); TLS 1.2;
 *  - a failed check fails the TLS handshake with NNG_EPEERAUTH, so the
 *    dial or the request fails, and is logged once per config.
 * Returns 0, or ERR_NET (nng or libsodium could not be initialised).
 */
WUR int cli_tls_init(void);

/* 1 if url's scheme needs TLS (tls+tcp, tls+tcp4, tls+tcp6, wss, wss4,
 * wss6; any case), else 0. Looks at the scheme only. Thread safe. */
int cli_url_is_tls(const char *url) NONNULL(1);

/*
 * A client TLS configuration that accepts exactly the server certificate
 * whose SHA-256 is pin; server_name (NULL or "": none) is sent as SNI and
 * not checked. Calls cli_tls_init. On success *out holds one reference:
 * set it on a dialer with nng_dialer_set_ptr(dl, NNG_OPT_TLS_CONFIG, cfg),
 * which takes its own, then drop this one with nng_tls_config_free. Do not
 * change the configuration afterwards. Returns 0, ERR_NET (nng refused,
 * logged) or ERR_NOMEM; *out is NULL on failure. Thread safe.
 */
WUR int cli_tls_config_pin(const uint8_t pin[static CLI_TLS_PIN_LEN],
    const char *server_name, nng_tls_config **out) NONNULL(1, 3);

/*
 * Trust on first use: connects to url (tls+tcp://host:port or
 * wss://host[:port][/path], see cli_url_is_tls), completes a TLS 1.2
 * handshake without verifying anything, and returns in fp the SHA-256 of
 * the DER of the server's leaf certificate, and in desc[desc_cap] (cut to
 * fit, always NUL-terminated if desc_cap > 0) a short description such as
 * "CN=relay.example.org, expires 2027-01-05", made of printable ASCII only
 * (the certificate is the server's word: show it, never trust it). Sends
 * the host name as SNI unless it is an IP address; sends no application
 * data. Connecting and the handshake together take at most timeout_ms
 * (> 0); name resolution is not bounded by it.
 * Returns 0; ERR_ARG (not a TLS URL, no host or port, timeout_ms <= 0);
 * ERR_NET (resolution, connection or handshake failed); ERR_TIMEOUT;
 * ERR_INVALID (the server sent no certificate); ERR_NOMEM. fp is zero and
 * desc empty on failure. Thread safe; calls sodium_init, needs no
 * cli_tls_init.
 */
WUR int cli_tls_probe(const char *url, int timeout_ms,
    uint8_t fp[static CLI_TLS_PIN_LEN], char *desc, size_t desc_cap)
    NONNULL(1, 3, 4);

/* Writes fp as 64 lower-case hex digits and a NUL into out. */
void cli_tls_pin_format(const uint8_t fp[static CLI_TLS_PIN_LEN],
    char out[static CLI_TLS_PIN_HEX_LEN + 1]) NONNULL(1, 2);

/*
 * Parses a pin: 64 hex digits in either case, either run together or as
 * 32 pairs separated by single ':' (as `openssl x509 -noout -fingerprint
 * -sha256` prints them), optionally after a case-insensitive "sha256:" or
 * "sha256 Fingerprint=" prefix, with blanks (space, tab, CR, LF) allowed
 * around the whole. Returns 0 or ERR_INVALID (fp is then zero).
 */
WUR int cli_tls_pin_parse(const char *s, uint8_t fp[static CLI_TLS_PIN_LEN])
    NONNULL(1, 2);

#endif
