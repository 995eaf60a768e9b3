/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* X3DH: DH1..DH4 into HKDF-SHA256, giving the root seed and the two first
 * header keys the header-encrypted Double Ratchet needs. */
#include "crypto/x3dh.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "crypto/hkdf.h"
#include "crypto/labels.h"

#define X3DH_OKM_LEN (3 * KEY_LEN)

/* SK || HKa || NHKb = HKDF(salt = 0^32, F || DH1 || DH2 || DH3 [|| DH4],
 * LABEL_X3DH); F = 32 bytes of 0xFF as in Signal's X3DH for X25519. */
static int
derive(const uint8_t dh[static 4 * KEY_LEN], size_t ndh,
    const uint8_t ik_a[static KEY_LEN], const uint8_t ik_b[static KEY_LEN],
    struct x3dh_output *out)
{
	uint8_t ikm[KEY_LEN + 4 * KEY_LEN];
	uint8_t okm[X3DH_OKM_LEN];
	int r;

	memset(ikm, 0xFF, KEY_LEN);
	memcpy(ikm + KEY_LEN, dh, ndh * KEY_LEN);
	r = hkdf_sha256(okm, sizeof(okm), NULL, 0, ikm, KEY_LEN + ndh * KEY_LEN,
	    (const uint8_t *)LABEL_X3DH, LABEL_LEN(LABEL_X3DH));
	if (r == 0) {
		memcpy(out->sk, okm, KEY_LEN);
		memcpy(out->hka, okm + KEY_LEN, KEY_LEN);
		memcpy(out->nhkb, okm + 2 * KEY_LEN, KEY_LEN);
		memcpy(out->ad, ik_a, KEY_LEN);
		memcpy(out->ad + KEY_LEN, ik_b, KEY_LEN);
	}
	sodium_memzero(ikm, sizeof(ikm));
	sodium_memzero(okm, sizeof(okm));
	return r;
}

static int
check_bundle(const struct x3dh_bundle *b, uint8_t ik_x[static KEY_LEN])
{
	int r;

	if ((r = key_identity_to_x25519(ik_x, b->ik)) != 0 ||
	    (r = prekey_verify(b->ik, PREKEY_SIGNED, b->spk_id, b->spk,
		 b->spk_sig)) != 0) {
		return r;
	}
	switch (b->opk_kind) {
	case X3DH_OPK_NONE:
	case X3DH_OPK_ONE_TIME:
		return 0;
	case X3DH_OPK_LAST_RESORT:
		return prekey_verify(b->ik, PREKEY_LAST_RESORT, b->opk_id,
		    b->opk, b->opk_sig);
	default:
		return ERR_INVALID;
	}
}

int
x3dh_initiate(const struct rng *rng, const struct identity_key *self,
    const struct x3dh_bundle *bundle, struct x3dh_header *hdr,
    struct x3dh_output *out)
{
	struct x25519_keypair ek;
	uint8_t ik_b[KEY_LEN];
	uint8_t dh[4 * KEY_LEN];
	size_t ndh = 3;
	int r;

	memset(hdr, 0, sizeof(*hdr));
	memset(out, 0, sizeof(*out));
	memset(&ek, 0, sizeof(ek));
	memset(dh, 0, sizeof(dh));
	if ((r = check_bundle(bundle, ik_b)) != 0) {
		goto out;
	}
	x25519_keypair_generate(rng, &ek);
	if ((r = key_dh(dh, self->x_sk, bundle->spk)) != 0 ||
	    (r = key_dh(dh + KEY_LEN, ek.sk, ik_b)) != 0 ||
	    (r = key_dh(dh + 2 * KEY_LEN, ek.sk, bundle->spk)) != 0) {
		goto out;
	}
	if (bundle->opk_kind != X3DH_OPK_NONE) {
		if ((r = key_dh(dh + 3 * KEY_LEN, ek.sk, bundle->opk)) != 0) {
			goto out;
		}
		ndh = 4;
	}
	if ((r = derive(dh, ndh, self->ed_pk, bundle->ik, out)) != 0) {
		goto out;
	}
	memcpy(hdr->ik, self->ed_pk, KEY_LEN);
	memcpy(hdr->ek, ek.pk, KEY_LEN);
	hdr->spk_id = bundle->spk_id;
	hdr->opk_kind = bundle->opk_kind;
	hdr->opk_id = bundle->opk_kind != X3DH_OPK_NONE ? bundle->opk_id : 0;
	r = 0;
out:
	if (r != 0) {
		memset(hdr, 0, sizeof(*hdr));
		x3dh_output_wipe(out);
	}
	x25519_keypair_wipe(&ek);
	sodium_memzero(dh, sizeof(dh));
	return r;
}

int
x3dh_respond(const struct identity_key *self,
    const uint8_t spk_sk[static KEY_LEN], const uint8_t *opk_sk,
    const struct x3dh_header *hdr, struct x3dh_output *out)
{
	uint8_t ik_a[KEY_LEN];
	uint8_t dh[4 * KEY_LEN];
	size_t ndh = 3;
	int r;

	memset(out, 0, sizeof(*out));
	memset(dh, 0, sizeof(dh));
	if (hdr->opk_kind > X3DH_OPK_LAST_RESORT) {
		r = ERR_INVALID;
		goto out;
	}
	if ((hdr->opk_kind == X3DH_OPK_NONE) != (opk_sk == NULL)) {
		r = ERR_ARG;
		goto out;
	}
	if ((r = key_identity_to_x25519(ik_a, hdr->ik)) != 0 ||
	    (r = key_dh(dh, spk_sk, ik_a)) != 0 ||
	    (r = key_dh(dh + KEY_LEN, self->x_sk, hdr->ek)) != 0 ||
	    (r = key_dh(dh + 2 * KEY_LEN, spk_sk, hdr->ek)) != 0) {
		goto out;
	}
	if (opk_sk != NULL) {
		if ((r = key_dh(dh + 3 * KEY_LEN, opk_sk, hdr->ek)) != 0) {
			goto out;
		}
		ndh = 4;
	}
	r = derive(dh, ndh, hdr->ik, self->ed_pk, out);
out:
	if (r != 0) {
		x3dh_output_wipe(out);
	}
	sodium_memzero(dh, sizeof(dh));
	return r;
}

void
x3dh_output_wipe(struct x3dh_output *out)
{
	sodium_memzero(out, sizeof(*out));
}

void
x3dh_header_encode(struct wire_writer *w, const struct x3dh_header *hdr)
{
	wire_put_u8(w, SUITE_VERSION);
	wire_put_bytes(w, hdr->ik, KEY_LEN);
	wire_put_bytes(w, hdr->ek, KEY_LEN);
	wire_put_u32(w, hdr->spk_id);
	wire_put_u8(w, hdr->opk_kind);
	wire_put_u32(w, hdr->opk_id);
}

int
x3dh_header_decode(struct wire_reader *rd, struct x3dh_header *hdr)
{
	size_t start = rd->off;
	uint8_t version;
	int r;

	memset(hdr, 0, sizeof(*hdr));
	if ((r = wire_get_u8(rd, &version)) != 0) {
		goto out;
	}
	if (version != SUITE_VERSION) {
		r = ERR_VERSION;
		goto out;
	}
	if ((r = wire_get_bytes(rd, hdr->ik, KEY_LEN)) != 0 ||
	    (r = wire_get_bytes(rd, hdr->ek, KEY_LEN)) != 0 ||
	    (r = wire_get_u32(rd, &hdr->spk_id)) != 0 ||
	    (r = wire_get_u8(rd, &hdr->opk_kind)) != 0 ||
	    (r = wire_get_u32(rd, &hdr->opk_id)) != 0 ||
	    (r = key_check_identity(hdr->ik)) != 0) {
		goto out;
	}
	if (hdr->opk_kind > X3DH_OPK_LAST_RESORT ||
	    (hdr->opk_kind == X3DH_OPK_NONE && hdr->opk_id != 0)) {
		r = ERR_INVALID;
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		memset(hdr, 0, sizeof(*hdr));
		rd->off = start;
	}
	return r;
}
