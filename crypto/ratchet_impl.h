/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Layout of struct ratchet_session: seen only by crypto/ratchet*.c and the
 * unit tests. */
#ifndef SEALPOST_RATCHET_IMPL_H
#define SEALPOST_RATCHET_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/keys.h"
#include "crypto/ratchet.h"
#include "crypto/x3dh.h"

#define RATCHET_STATE_VERSION 0x01

/* Which optional fields of the core are set. */
#define RF_DHR (1U << 0)
#define RF_CKS (1U << 1)
#define RF_CKR (1U << 2)
#define RF_HKS (1U << 3)
#define RF_HKR (1U << 4)
#define RF_ALL (RF_DHR | RF_CKS | RF_CKR | RF_HKS | RF_HKR)

/* Everything but the skipped keys: small enough to copy, so a decryption
 * works on a copy and commits it only on success. */
struct ratchet_core {
	uint8_t ad[X3DH_AD_LEN];
	struct x25519_keypair dhs;
	uint8_t dhr[KEY_LEN];
	uint8_t rk[KEY_LEN];
	uint8_t cks[KEY_LEN];
	uint8_t ckr[KEY_LEN];
	uint8_t hks[KEY_LEN];
	uint8_t hkr[KEY_LEN];
	uint8_t nhks[KEY_LEN];
	uint8_t nhkr[KEY_LEN];
	uint32_t ns;   /* next sending message number */
	uint32_t nr;   /* next receiving message number */
	uint32_t pn;   /* length of the previous sending chain */
	uint32_t step; /* receiving DH ratchet steps taken */
	uint32_t flags;
};

struct ratchet_skipped {
	uint8_t hk[KEY_LEN]; /* header key of the chain */
	uint8_t mk[KEY_LEN];
	uint32_t n;
	uint32_t step; /* value of core.step when the chain was current */
};

/* Most room the skipped keys need: the kept ones plus those one message
 * may add (the rest of the old chain and the start of the new one) before
 * they are committed. */
#define RATCHET_SKIP_CAP (RATCHET_MAX_SKIPPED + 2 * RATCHET_MAX_SKIP)

/* The skipped keys live in their own guarded array, grown on demand: most
 * sessions hold none, and guarded memory costs by the page. */
struct ratchet_session {
	struct ratchet_core c;
	size_t nskipped; /* oldest first */
	size_t cap;      /* entries allocated at skipped */
	struct ratchet_skipped *skipped;
};

/* The ratchet's KDFs, exposed for tests and vector generation.
 * KDF_RK: RK', CK, NHK = HKDF(salt = RK, ikm = dh, LABEL_RATCHET_RK, 96);
 * rk is updated in place. 0 or ERR_INTERNAL. */
int ratchet_kdf_rk(uint8_t rk[static KEY_LEN], uint8_t ck[static KEY_LEN],
    uint8_t nhk[static KEY_LEN], const uint8_t dh[static KEY_LEN]);
/* KDF_CK: MK = HMAC-SHA256(CK, 0x01); CK' = HMAC-SHA256(CK, 0x02), in
 * place. */
void ratchet_kdf_ck(uint8_t ck[static KEY_LEN], uint8_t mk[static KEY_LEN]);
/* Body key and nonce: HKDF(salt = 0^32, ikm = MK, LABEL_MESSAGE_KEYS, 56). */
int ratchet_message_keys(const uint8_t mk[static KEY_LEN],
    uint8_t key[static 32], uint8_t nonce[static 24]);

/* Allocates a zeroed session in guarded memory; NULL on failure. */
struct ratchet_session *ratchet_alloc(void);

/* Makes room for n skipped keys in all (n <= RATCHET_SKIP_CAP): 0 or
 * ERR_NOMEM, leaving the held keys as they were. */
int ratchet_reserve(struct ratchet_session *s, size_t n);

#endif
