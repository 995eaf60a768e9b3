/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The one source of randomness for crypto/: the system RNG in production,
 * a seeded ChaCha20 keystream in tests and vectors. */
#ifndef SEALPOST_RNG_H
#define SEALPOST_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

struct rng {
	void (*fill)(void *ctx, uint8_t *buf, size_t n);
	void *ctx;
};

/* randombytes_buf. Thread safe. */
extern const struct rng rng_system;

/* Fills n bytes from r. */
void rng_fill(const struct rng *r, uint8_t *buf, size_t n) NONNULL(1);

/*
 * Deterministic RNG: the keystream of ChaCha20 (the original 64-bit-nonce
 * variant) under the 32-byte seed, nonce all zero, block counter from 0,
 * consumed byte by byte in order. For tests and vectors only. Not thread
 * safe; the struct holds key material: rng_seeded_wipe it when done.
 */
struct rng_seeded {
	uint8_t key[32];
	uint8_t block[64];
	uint64_t counter;
	size_t used;
	struct rng rng;
};

/* Initialises s from seed; use &s->rng as the RNG. */
void rng_seeded_init(struct rng_seeded *s, const uint8_t seed[static 32])
    NONNULL(1, 2);
void rng_seeded_wipe(struct rng_seeded *s) NONNULL(1);

#endif
