/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Test-only glue for libsignal-protocol-c: a signal_context whose crypto
 * provider runs on OpenSSL libcrypto, with optional seeded randomness. */
#ifndef SEALPOST_SIGNAL_PROVIDER_H
#define SEALPOST_SIGNAL_PROVIDER_H

#include <stdint.h>

#include <signal_protocol.h>

#include "crypto/rng.h"

/* OpenSSL's headers stay out: their ERR_STATE clashes with common/err.h. */
struct evp_mac_st;

/*
 * One libsignal context and what its provider needs. Caller-owned; the
 * provider points at it, so it must not move while ctx lives. Not thread
 * safe (no locking functions are set: one thread per env).
 */
struct signal_env {
	signal_context *ctx;
	struct evp_mac_st *hmac;  /* OpenSSL's EVP_MAC for HMAC-SHA256 */
	struct rng_seeded seeded; /* used when deterministic */
	int deterministic;
};

/*
 * Creates env->ctx. seed NULL: randomness from OpenSSL's RAND_bytes; else
 * every random byte libsignal asks for comes from rng_seeded(seed), so runs
 * are reproducible. 0, or -1 (env is then wiped). Free with
 * signal_env_wipe.
 */
int signal_env_init(struct signal_env *env, const uint8_t *seed);

/* Destroys the context and wipes env; a wiped env may be wiped again. */
void signal_env_wipe(struct signal_env *env);

#endif
