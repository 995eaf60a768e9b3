/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* HKDF-SHA256 (RFC 5869) and HMAC-SHA256 on libsodium's HMAC. */
#ifndef SEALPOST_HKDF_H
#define SEALPOST_HKDF_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

#define HKDF_HASH_LEN 32
#define HKDF_MAX_OUT (255 * HKDF_HASH_LEN)

/* PRK = HMAC-SHA256(salt, ikm). A NULL salt (salt_len 0) means 32 zero
 * bytes, as RFC 5869 says. */
void hkdf_extract(uint8_t prk[static HKDF_HASH_LEN], const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len) NONNULL(1);

/* out_len bytes of T(1) || T(2) || ... Returns 0, or ERR_ARG if out_len is
 * 0 or over HKDF_MAX_OUT (out is then zeroed). */
WUR int hkdf_expand(uint8_t *out, size_t out_len,
    const uint8_t prk[static HKDF_HASH_LEN], const uint8_t *info,
    size_t info_len) NONNULL(1, 3);

/* Extract then expand; the PRK is wiped. Returns as hkdf_expand. */
WUR int hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
    size_t info_len) NONNULL(1);

/* out = HMAC-SHA256(key, msg). */
void hmac_sha256(uint8_t out[static HKDF_HASH_LEN], const uint8_t *key,
    size_t key_len, const uint8_t *msg, size_t msg_len) NONNULL(1);

#endif
