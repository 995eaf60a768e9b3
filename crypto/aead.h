/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* XChaCha20-Poly1305 (IETF) as every layer of the protocol uses it. */
#ifndef SEALPOST_AEAD_H
#define SEALPOST_AEAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

#define AEAD_KEY_LEN 32
#define AEAD_NONCE_LEN 24
#define AEAD_TAG_LEN 16

/* c (mlen + AEAD_TAG_LEN bytes) = ciphertext || tag. c may equal m. */
void aead_seal(uint8_t *c, const uint8_t *m, size_t mlen, const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[static AEAD_NONCE_LEN],
    const uint8_t key[static AEAD_KEY_LEN]) NONNULL(1, 6, 7);

/* m (clen - AEAD_TAG_LEN bytes) from c. ERR_SHORT if clen < AEAD_TAG_LEN,
 * ERR_AUTH if the tag does not verify (checked in constant time; m is then
 * zeroed). m may equal c. */
WUR int aead_open(uint8_t *m, const uint8_t *c, size_t clen,
    const uint8_t *ad, size_t ad_len, const uint8_t nonce[static AEAD_NONCE_LEN],
    const uint8_t key[static AEAD_KEY_LEN]) NONNULL(1, 2, 6, 7);

#endif
