/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* X3DH key agreement (Signal's specification) giving the Double Ratchet's
 * shared secret and initial header keys. */
#ifndef SEALPOST_X3DH_H
#define SEALPOST_X3DH_H

#include <stdint.h>

#include "common/compat.h"
#include "common/wire.h"
#include "crypto/keys.h"
#include "crypto/rng.h"

#define X3DH_AD_LEN (2 * KEY_LEN)
#define X3DH_HEADER_LEN 74

/* Which key, if any, stands in the one-time slot of a bundle. */
enum x3dh_opk_kind {
	X3DH_OPK_NONE = 0,
	X3DH_OPK_ONE_TIME = 1,
	X3DH_OPK_LAST_RESORT = 2,
};

/* A responder's prekey bundle as served by the directory. opk_sig is used
 * only for X3DH_OPK_LAST_RESORT. */
struct x3dh_bundle {
	uint8_t ik[KEY_LEN]; /* Ed25519 identity public key */
	uint32_t spk_id;
	uint8_t spk[KEY_LEN];
	uint8_t spk_sig[SIG_LEN];
	uint8_t opk_kind; /* enum x3dh_opk_kind */
	uint32_t opk_id;
	uint8_t opk[KEY_LEN];
	uint8_t opk_sig[SIG_LEN];
};

/* What the initiator sends with its first messages. */
struct x3dh_header {
	uint8_t ik[KEY_LEN]; /* initiator's Ed25519 identity public key */
	uint8_t ek[KEY_LEN]; /* initiator's ephemeral X25519 public key */
	uint32_t spk_id;
	uint8_t opk_kind;
	uint32_t opk_id;
};

/* Output of either side. Secret: wipe with x3dh_output_wipe. */
struct x3dh_output {
	uint8_t sk[KEY_LEN];   /* root key seed */
	uint8_t hka[KEY_LEN];  /* initiator's first sending header key */
	uint8_t nhkb[KEY_LEN]; /* responder's first sending header key */
	uint8_t ad[X3DH_AD_LEN]; /* initiator IK || responder IK (Ed25519) */
};

/*
 * Initiator side: verifies the bundle's signatures, makes an ephemeral key
 * from rng and derives the output. Returns 0; ERR_KEY for an invalid
 * identity or small-order prekey; ERR_AUTH for a bad signature; ERR_INVALID
 * for an unknown opk_kind. On failure *hdr and *out are zeroed.
 */
WUR int x3dh_initiate(const struct rng *rng, const struct identity_key *self,
    const struct x3dh_bundle *bundle, struct x3dh_header *hdr,
    struct x3dh_output *out) NONNULL(1, 2, 3, 4, 5);

/*
 * Responder side. spk_sk is the secret of the signed prekey hdr->spk_id;
 * opk_sk that of the one-time or last-resort key hdr names, or NULL when
 * hdr->opk_kind is X3DH_OPK_NONE (else ERR_ARG). Returns 0, ERR_KEY,
 * ERR_ARG, or ERR_INVALID for an unknown opk_kind; *out is zeroed on
 * failure.
 */
WUR int x3dh_respond(const struct identity_key *self,
    const uint8_t spk_sk[static KEY_LEN], const uint8_t *opk_sk,
    const struct x3dh_header *hdr, struct x3dh_output *out)
    NONNULL(1, 2, 4, 5);

void x3dh_output_wipe(struct x3dh_output *out) NONNULL(1);

/* Header encoding (X3DH_HEADER_LEN bytes): SUITE_VERSION || ik || ek ||
 * u32 spk_id || u8 opk_kind || u32 opk_id. Decoding checks the version
 * (ERR_VERSION), the identity key (ERR_KEY), the kind (ERR_INVALID) and
 * that opk_id is 0 when kind is none (ERR_INVALID); on failure *hdr is
 * zeroed and the reader is left where it was. */
void x3dh_header_encode(struct wire_writer *w, const struct x3dh_header *hdr)
    NONNULL(1, 2);
WUR int x3dh_header_decode(struct wire_reader *r, struct x3dh_header *hdr)
    NONNULL(1, 2);

#endif
