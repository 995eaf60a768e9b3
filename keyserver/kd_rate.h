/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Token buckets per (requesting device, target device) for prekey claims.
 * Keys are hashed with a random key, so nobody can aim collisions. */
#ifndef SEALPOST_KD_RATE_H
#define SEALPOST_KD_RATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

#define KD_RATE_SLOTS 65536 /* buckets kept; idle ones are reused */

struct kd_rate;

/* per_minute tokens refill each minute, up to burst. Thread safe. */
WUR int kd_rate_new(int64_t per_minute, int64_t burst, struct kd_rate **out)
    NONNULL(3);
void kd_rate_free(struct kd_rate *r);

/*
 * Takes one token from the bucket of every pair (from, to[i]) for
 * i < n (n <= 32, else ERR_ARG), or none at all: 0 if each had a token,
 * ERR_RATE otherwise.
 * Pairs are named by strings (e.g. "alice/1" and "bob/2").
 */
WUR int kd_rate_take(struct kd_rate *r, int64_t now_ms, const char *from,
    const char *const *to, size_t n) NONNULL(1, 3);

#endif
