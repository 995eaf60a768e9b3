/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Plaintext padding to fixed buckets (ISO/IEC 7816-4 marker 0x80, then
 * zeros), so ciphertext sizes reveal only a bucket. */
#ifndef SEALPOST_PAD_H
#define SEALPOST_PAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

#define PAD_MIN_BUCKET 64
#define PAD_STEP 16384      /* buckets above this are multiples of it */
#define PAD_MAX (1U << 20)  /* largest padded plaintext */

/* The bucket for an n-byte plaintext: the smallest of 64, 128, ..., 16384
 * that is >= n + 1, or above that n + 1 rounded up to a multiple of 16384.
 * Returns 0 if that exceeds PAD_MAX. */
size_t pad_bucket(size_t n);

/* 1 if len is a bucket size, else 0. */
int pad_is_bucket(size_t len);

/* Writes pad_bucket(len) bytes to out (capacity out_cap). ERR_TOO_LONG if
 * the plaintext is too long, ERR_ARG if out is too small. */
WUR int pad_apply(uint8_t *out, size_t out_cap, size_t *out_len,
    const uint8_t *in, size_t len) NONNULL(1, 3);

/* The unpadded length of buf, found in constant time. ERR_INVALID unless
 * the last non-zero byte is the 0x80 marker and len is exactly the bucket
 * of the unpadded length (padding is canonical). */
WUR int pad_remove(const uint8_t *buf, size_t len, size_t *out_len)
    NONNULL(1, 3);

#endif
