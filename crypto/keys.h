/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Device identity keys (Ed25519, X25519 form for DH), X25519 prekeys,
 * prekey signatures and the checked DH and signature primitives. */
#ifndef SEALPOST_KEYS_H
#define SEALPOST_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/wire.h"
#include "crypto/rng.h"

#define KEY_LEN 32
#define SIG_LEN 64
#define IDENTITY_SECRET_LEN 33 /* version byte || Ed25519 seed */

/*
 * A device identity: the Ed25519 key pair and its X25519 form. Lives in
 * guarded memory (mem_secure_alloc); identity_free wipes it. Immutable
 * after creation, so it may be shared between threads.
 */
struct identity_key {
	uint8_t ed_sk[64]; /* libsodium form: seed || public key */
	uint8_t ed_pk[KEY_LEN];
	uint8_t x_sk[KEY_LEN];
	uint8_t x_pk[KEY_LEN];
};

/* Creates a fresh identity from 32 bytes of rng. 0 or ERR_NOMEM; *out is
 * NULL on failure. */
WUR int identity_new(const struct rng *rng, struct identity_key **out)
    NONNULL(1, 2);
/* Creates the identity of a 32-byte Ed25519 seed. */
WUR int identity_from_seed(const uint8_t seed[static 32],
    struct identity_key **out) NONNULL(1, 2);
void identity_free(struct identity_key *ik);

/* Secret encoding: SUITE_VERSION || seed (33 bytes). The caller wipes out.
 * Decoding gives ERR_SHORT, ERR_TRAILING (wrong length) or ERR_VERSION. */
void identity_encode_secret(const struct identity_key *ik,
    uint8_t out[static IDENTITY_SECRET_LEN]) NONNULL(1, 2);
WUR int identity_decode_secret(const uint8_t *p, size_t len,
    struct identity_key **out) NONNULL(1, 3);

/* Ed25519 signature of msg. */
void identity_sign(const struct identity_key *ik, const uint8_t *msg,
    size_t len, uint8_t sig[static SIG_LEN]) NONNULL(1, 4);

/* The signature of the bytes a *_tbs encoder wrote into tbs, which is
 * consumed (wiped and freed) on every path. 0, or the writer's sticky
 * error (sig is then zeroed). */
WUR int identity_sign_tbs(const struct identity_key *ik,
    struct wire_writer *tbs, uint8_t sig[static SIG_LEN]) NONNULL(1, 2, 3);

/* 0 if pk is a canonical Ed25519 point of the prime-order subgroup and not
 * of small order, else ERR_KEY. */
WUR int key_check_identity(const uint8_t pk[static KEY_LEN]) NONNULL(1);

/* The X25519 form of an Ed25519 identity public key; ERR_KEY if invalid. */
WUR int key_identity_to_x25519(uint8_t x_pk[static KEY_LEN],
    const uint8_t ed_pk[static KEY_LEN]) NONNULL(1, 2);

/* Strict Ed25519 verification: ERR_KEY for an invalid public key, ERR_AUTH
 * for any bad, non-canonical or small-order-R signature. */
WUR int key_verify(const uint8_t ed_pk[static KEY_LEN], const uint8_t *msg,
    size_t len, const uint8_t sig[static SIG_LEN]) NONNULL(1, 4);

/* key_verify of the bytes written into tbs, which is consumed on every
 * path; a writer in error is returned as its error. */
WUR int key_verify_tbs(const uint8_t ed_pk[static KEY_LEN],
    struct wire_writer *tbs, const uint8_t sig[static SIG_LEN])
    NONNULL(1, 2, 3);

/* out = X25519(sk, pk). ERR_KEY if pk is of small order (all-zero output);
 * out is then zeroed. */
WUR int key_dh(uint8_t out[static KEY_LEN], const uint8_t sk[static KEY_LEN],
    const uint8_t pk[static KEY_LEN]) NONNULL(1, 2, 3);

/* A caller-owned X25519 key pair. Wipe with x25519_keypair_wipe. */
struct x25519_keypair {
	uint8_t sk[KEY_LEN];
	uint8_t pk[KEY_LEN];
};

void x25519_keypair_generate(const struct rng *rng, struct x25519_keypair *kp)
    NONNULL(1, 2);
/* Recomputes pk from sk. */
void x25519_keypair_from_secret(struct x25519_keypair *kp,
    const uint8_t sk[static KEY_LEN]) NONNULL(1, 2);
void x25519_keypair_wipe(struct x25519_keypair *kp) NONNULL(1);

/* Signed prekeys: the medium-term one, and the last-resort one that stands
 * in for a one-time prekey when the stock is empty. */
enum prekey_kind {
	PREKEY_SIGNED = 1,
	PREKEY_LAST_RESORT = 2,
};

/* sig = Ed25519(ik, label(kind) || u32 id || pk). */
void prekey_sign(const struct identity_key *ik, enum prekey_kind kind,
    uint32_t id, const uint8_t pk[static KEY_LEN], uint8_t sig[static SIG_LEN])
    NONNULL(1, 4, 5);
/* Checks such a signature by identity ik_pub: 0, ERR_ARG (kind), ERR_KEY
 * (ik_pub invalid) or ERR_AUTH. */
WUR int prekey_verify(const uint8_t ik_pub[static KEY_LEN],
    enum prekey_kind kind, uint32_t id, const uint8_t pk[static KEY_LEN],
    const uint8_t sig[static SIG_LEN]) NONNULL(1, 4, 5);

/* The 8-byte public-key fingerprint used in logs: the first 8 bytes of
 * SHA-256(pk), as 16 lower-case hex characters and a NUL. */
void key_log_id(const uint8_t pk[static KEY_LEN], char out[static 17])
    NONNULL(1, 2);

#endif
