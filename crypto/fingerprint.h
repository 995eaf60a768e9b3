/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Safety numbers: Signal's numeric fingerprint (iterated SHA-512, 60
 * digits), fed with the identity key in the encoding libsignal uses. */
#ifndef SEALPOST_FINGERPRINT_H
#define SEALPOST_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "crypto/keys.h"

#define FINGERPRINT_ITERATIONS 5200
#define FINGERPRINT_HALF_DIGITS 30
#define SAFETY_NUMBER_DIGITS 60
#define FINGERPRINT_MAX_ID 255

/* The 30 digits of one side (NUL-terminated), from its stable identifier
 * (the user name, 1..255 bytes) and Ed25519 identity public key. 0, ERR_ARG
 * or ERR_KEY. */
WUR int fingerprint_half(const char *id, size_t id_len,
    const uint8_t ik[static KEY_LEN],
    char out[static FINGERPRINT_HALF_DIGITS + 1]) NONNULL(1, 3, 4);

/* The same from the key as libsignal-protocol-c takes it: key is 0x05 ||
 * the X25519 public key (33 bytes), iterations as given (>= 1). This is the
 * algorithm itself, exposed for cross-checks against libsignal's vectors. */
WUR int fingerprint_half_raw(const char *id, size_t id_len,
    const uint8_t *key, size_t key_len, unsigned iterations,
    char out[static FINGERPRINT_HALF_DIGITS + 1]) NONNULL(1, 3, 6);

/* The 60-digit safety number of two parties (NUL-terminated): both halves,
 * the lexicographically smaller first, so both sides see the same. */
WUR int fingerprint_safety_number(const char *local_id,
    const uint8_t local_ik[static KEY_LEN], const char *remote_id,
    const uint8_t remote_ik[static KEY_LEN],
    char out[static SAFETY_NUMBER_DIGITS + 1]) NONNULL(1, 2, 3, 4, 5);

#endif
