/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sealed envelope: an ephemeral-static layer hides the sender's identity
 * key, a static-static layer (keyed also by the first) proves it. */
#include "crypto/envelope.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"
#include "crypto/labels.h"

#define EPH_OFF 1
#define C1_OFF (EPH_OFF + KEY_LEN)
#define C1_LEN (KEY_LEN + AEAD_TAG_LEN)
#define C2_OFF (C1_OFF + C1_LEN)
#define AD1_LEN (1 + 2 * KEY_LEN)
#define AD2_LEN (AD1_LEN + C1_LEN)

/* Keys of both layers. Secret. */
struct layer_keys {
	uint8_t ck[KEY_LEN];
	uint8_t k1[AEAD_KEY_LEN];
	uint8_t n1[AEAD_NONCE_LEN];
	uint8_t k2[AEAD_KEY_LEN];
	uint8_t n2[AEAD_NONCE_LEN];
};

/*
 * Layer 1: CK || K1 || N1 = HKDF(salt = E || IKr, ikm = X25519(e, IKr_x),
 * LABEL_ENVELOPE_EPH, 88). IKr is the recipient's Ed25519 identity key.
 */
static int
derive_eph(struct layer_keys *k, const uint8_t dh[static KEY_LEN],
    const uint8_t eph[static KEY_LEN], const uint8_t ikr[static KEY_LEN])
{
	uint8_t salt[2 * KEY_LEN];
	uint8_t okm[KEY_LEN + AEAD_KEY_LEN + AEAD_NONCE_LEN];
	int r;

	memcpy(salt, eph, KEY_LEN);
	memcpy(salt + KEY_LEN, ikr, KEY_LEN);
	r = hkdf_sha256(okm, sizeof(okm), salt, sizeof(salt), dh, KEY_LEN,
	    (const uint8_t *)LABEL_ENVELOPE_EPH, LABEL_LEN(LABEL_ENVELOPE_EPH));
	memcpy(k->ck, okm, KEY_LEN);
	memcpy(k->k1, okm + KEY_LEN, AEAD_KEY_LEN);
	memcpy(k->n1, okm + KEY_LEN + AEAD_KEY_LEN, AEAD_NONCE_LEN);
	sodium_memzero(okm, sizeof(okm));
	return r;
}

/* Layer 2: K2 || N2 = HKDF(salt = CK, ikm = X25519(IKs_x, IKr_x),
 * LABEL_ENVELOPE_STATIC, 56). */
static int
derive_static(struct layer_keys *k, const uint8_t dh[static KEY_LEN])
{
	uint8_t okm[AEAD_KEY_LEN + AEAD_NONCE_LEN];
	int r;

	r = hkdf_sha256(okm, sizeof(okm), k->ck, KEY_LEN, dh, KEY_LEN,
	    (const uint8_t *)LABEL_ENVELOPE_STATIC,
	    LABEL_LEN(LABEL_ENVELOPE_STATIC));
	memcpy(k->k2, okm, AEAD_KEY_LEN);
	memcpy(k->n2, okm + AEAD_KEY_LEN, AEAD_NONCE_LEN);
	sodium_memzero(okm, sizeof(okm));
	return r;
}

/* Layer 1 AD = version || E || IKr; layer 2 AD = that || c1. Returns the
 * length: layer 2's once c1 exists in env (with_c1), else layer 1's. */
static size_t
encode_ad(uint8_t ad[static AD2_LEN], const uint8_t *env,
    const uint8_t ikr[static KEY_LEN], int with_c1)
{
	ad[0] = env[0];
	memcpy(ad + 1, env + EPH_OFF, KEY_LEN);
	memcpy(ad + 1 + KEY_LEN, ikr, KEY_LEN);
	if (!with_c1) {
		return AD1_LEN;
	}
	memcpy(ad + AD1_LEN, env + C1_OFF, C1_LEN);
	return AD2_LEN;
}

static int
known_type(uint8_t t)
{
	return t == ENVELOPE_RATCHET || t == ENVELOPE_PREKEY;
}

int
envelope_seal(const struct rng *rng, const struct identity_key *sender,
    const char *sender_user, uint32_t sender_device,
    const uint8_t recipient_ik[static KEY_LEN], uint8_t content_type,
    const uint8_t *content, size_t content_len, uint8_t **out,
    size_t *out_len)
{
	struct x25519_keypair e;
	struct layer_keys k;
	struct wire_writer w;
	uint8_t ikr_x[KEY_LEN], dh[KEY_LEN], ad[AD2_LEN];
	size_t adlen;
	uint8_t *env = NULL, *inner = NULL, *pad;
	size_t ulen = strlen(sender_user), inner_len = 0, env_len = 0;
	int r = ERR_INTERNAL;

	*out = NULL;
	*out_len = 0;
	memset(&e, 0, sizeof(e));
	memset(&k, 0, sizeof(k));
	memset(dh, 0, sizeof(dh));
	wire_writer_init(&w, ENVELOPE_INNER_FIXED + ENVELOPE_MAX_CONTENT);
	if (ulen == 0 || ulen > ENVELOPE_MAX_USER || !known_type(content_type) ||
	    (content == NULL && content_len > 0)) {
		r = ERR_ARG;
		goto out;
	}
	if (content_len > ENVELOPE_MAX_CONTENT) {
		r = ERR_TOO_LONG;
		goto out;
	}
	if ((r = key_identity_to_x25519(ikr_x, recipient_ik)) != 0) {
		goto out;
	}
	/* Inner: u8 type || u8 ulen || user padded with zeros to 64 bytes ||
	 * u32 device || vec32 content. */
	wire_put_u8(&w, content_type);
	wire_put_u8(&w, (uint8_t)ulen);
	wire_put_bytes(&w, (const uint8_t *)sender_user, ulen);
	if ((pad = wire_put_space(&w, ENVELOPE_MAX_USER - ulen)) != NULL) {
		memset(pad, 0, ENVELOPE_MAX_USER - ulen);
	}
	wire_put_u32(&w, sender_device);
	wire_put_vec32(&w, content, content_len);
	if ((r = wire_writer_finish(&w, &inner, &inner_len)) != 0) {
		goto out;
	}
	env_len = C2_OFF + inner_len + AEAD_TAG_LEN;
	if ((env = mem_alloc(env_len)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	x25519_keypair_generate(rng, &e);
	env[0] = SUITE_VERSION;
	memcpy(env + EPH_OFF, e.pk, KEY_LEN);
	if ((r = key_dh(dh, e.sk, ikr_x)) != 0 ||
	    (r = derive_eph(&k, dh, e.pk, recipient_ik)) != 0) {
		goto out;
	}
	adlen = encode_ad(ad, env, recipient_ik, 0);
	aead_seal(env + C1_OFF, sender->ed_pk, KEY_LEN, ad, adlen, k.n1, k.k1);
	adlen = encode_ad(ad, env, recipient_ik, 1);
	if ((r = key_dh(dh, sender->x_sk, ikr_x)) != 0 ||
	    (r = derive_static(&k, dh)) != 0) {
		goto out;
	}
	aead_seal(env + C2_OFF, inner, inner_len, ad, adlen, k.n2, k.k2);
	*out = env;
	*out_len = env_len;
	env = NULL;
	r = 0;
out:
	wire_writer_wipe(&w);
	x25519_keypair_wipe(&e);
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(dh, sizeof(dh));
	mem_wipe_free(inner, inner_len);
	mem_wipe_free(env, env_len);
	return r;
}

/* Parses the inner layer into the outputs. */
static int
parse_inner(const uint8_t *inner, size_t len, struct envelope_sender *sender,
    uint8_t *content_type, uint8_t **content, size_t *content_len)
{
	struct wire_reader rd;
	const uint8_t *user, *body;
	uint8_t ulen;
	size_t blen;
	int r;

	wire_reader_init(&rd, inner, len);
	if ((r = wire_get_u8(&rd, content_type)) != 0 ||
	    (r = wire_get_u8(&rd, &ulen)) != 0 ||
	    (r = wire_get_view(&rd, &user, ENVELOPE_MAX_USER)) != 0 ||
	    (r = wire_get_u32(&rd, &sender->device_id)) != 0 ||
	    (r = wire_get_vec32(&rd, &body, &blen, ENVELOPE_MAX_CONTENT)) !=
		0 ||
	    (r = wire_end(&rd)) != 0) {
		return ERR_INVALID;
	}
	if (!known_type(*content_type)) {
		return ERR_TYPE;
	}
	/* Canonical: 1..64 bytes, no NUL inside, zeros after. */
	if (ulen == 0 || ulen > ENVELOPE_MAX_USER ||
	    memchr(user, '\0', ulen) != NULL ||
	    !sodium_is_zero(user + ulen, ENVELOPE_MAX_USER - (size_t)ulen)) {
		return ERR_INVALID;
	}
	memcpy(sender->user, user, ulen);
	sender->user[ulen] = '\0';
	/* One byte even for empty content, so success is never NULL. */
	if ((*content = mem_alloc(blen > 0 ? blen : 1)) == NULL) {
		return ERR_NOMEM;
	}
	if (blen > 0) {
		memcpy(*content, body, blen);
	}
	*content_len = blen;
	return 0;
}

int
envelope_open(const struct identity_key *self, const uint8_t *env,
    size_t len, struct envelope_sender *sender, uint8_t *content_type,
    uint8_t **content, size_t *content_len)
{
	struct layer_keys k;
	uint8_t ad[AD2_LEN], dh[KEY_LEN], sender_x[KEY_LEN];
	uint8_t *inner = NULL;
	size_t inner_len = 0, adlen;
	int r = ERR_INTERNAL;

	memset(sender, 0, sizeof(*sender));
	*content_type = 0;
	*content = NULL;
	*content_len = 0;
	memset(&k, 0, sizeof(k));
	memset(dh, 0, sizeof(dh));
	if (len < 1) {
		return ERR_SHORT;
	}
	if (env[0] != SUITE_VERSION) {
		return ERR_VERSION;
	}
	if (len < ENVELOPE_OVERHEAD) {
		return ERR_SHORT;
	}
	if (len > ENVELOPE_MAX_LEN) {
		return ERR_TOO_LONG;
	}
	adlen = encode_ad(ad, env, self->ed_pk, 0);
	if ((r = key_dh(dh, self->x_sk, env + EPH_OFF)) != 0 ||
	    (r = derive_eph(&k, dh, env + EPH_OFF, self->ed_pk)) != 0 ||
	    (r = aead_open(sender->ik, env + C1_OFF, C1_LEN, ad, adlen, k.n1,
		 k.k1)) != 0 ||
	    (r = key_identity_to_x25519(sender_x, sender->ik)) != 0 ||
	    (r = key_dh(dh, self->x_sk, sender_x)) != 0 ||
	    (r = derive_static(&k, dh)) != 0) {
		goto out;
	}
	inner_len = len - C2_OFF - AEAD_TAG_LEN;
	if ((inner = mem_alloc(inner_len)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	adlen = encode_ad(ad, env, self->ed_pk, 1);
	if ((r = aead_open(inner, env + C2_OFF, len - C2_OFF, ad, adlen, k.n2,
		 k.k2)) != 0 ||
	    (r = parse_inner(inner, inner_len, sender, content_type, content,
		 content_len)) != 0) {
		goto out;
	}
	r = 0;
out:
	if (r != 0) {
		memset(sender, 0, sizeof(*sender));
		*content_type = 0;
	}
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(dh, sizeof(dh));
	mem_wipe_free(inner, inner_len);
	return r;
}
