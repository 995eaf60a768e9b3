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
#define PAD_POW2_MAX 16384  /* largest power-of-two bucket; Padme above */
#define PAD_MAX (1U << 20)  /* largest padded plaintext */

/* The bucket for an n-byte plaintext, L = n + 1 (docs/PROTOCOL.md §5.1):
 * the smallest of 64, 128, ..., 16384 that is >= L; above 16384, Padme
 * (Nikitin et al., PETS 2019): with E = floor(log2 L), S = floor(log2 E)
 * + 1, L rounded up to a multiple of 2^(E - S), at most 6.25% over L and
 * always a multiple of 1024. Returns 0 if n >= PAD_MAX. Its time depends
 * only on the bucket, not on n within it. */
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
