/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* What the parts of cli_tls share: cli_tls.c (API, pins), cli_tls_engine.c
 * (the nng engine) and cli_tls_probe.c. Seen only by them and tests. */
#ifndef SEALPOST_CLI_TLS_IMPL_H
#define SEALPOST_CLI_TLS_IMPL_H

#include <mbedtls/x509_crt.h>
#include <nng/nng.h>
#include <nng/supplemental/tls/engine.h>
#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli_tls.h"
#include "common/compat.h"

/* The engine that cli_tls_init registers. Static storage. */
const nng_tls_engine *cli_tls_engine(void);

/* SHA-256 of crt's DER encoding as received (crt->raw). */
void cli_tls_leaf_hash(const mbedtls_x509_crt *crt,
    uint8_t out[static CLI_TLS_PIN_LEN]) NONNULL(1, 2);

/* 1 if cli_tls_leaf_hash(crt) equals pin (compared in constant time),
 * else 0. */
int cli_tls_leaf_matches(const mbedtls_x509_crt *crt,
    const uint8_t pin[static CLI_TLS_PIN_LEN]) NONNULL(1, 2);

/* "CN=<subject CN>, expires YYYY-MM-DD" into out[cap] (cut to fit,
 * NUL-terminated if cap > 0). Bytes of the CN outside printable ASCII
 * become '?', and a long CN is cut. */
void cli_tls_describe(const mbedtls_x509_crt *crt, char *out, size_t cap)
    NONNULL(1, 2);

/* An mbed TLS f_rng drawing from libsodium's randombytes_buf (which must
 * be initialised). Always 0. Thread safe. */
int cli_tls_rng(void *arg, unsigned char *buf, size_t len);

#endif
