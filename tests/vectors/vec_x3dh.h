/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Builders of x3dh.json and envelope.json, each value recomputed from the
 * specification on plain libsodium and compared with the library's. */
#ifndef SEALPOST_VEC_X3DH_H
#define SEALPOST_VEC_X3DH_H

#include "common/wire.h"
#include "crypto/envelope.h"
#include "crypto/x3dh.h"
#include "tests/vectors/vec_keys.h"

/* ---- x3dh.json ---- */

/* Both parties of one X3DH run. */
struct vx3dh {
	struct identity_key *alice;
	struct identity_key *bob;
	struct x25519_keypair spk;
	struct x25519_keypair opk;
	struct x3dh_bundle bundle;
	struct x3dh_header hdr;
	struct x3dh_output xa; /* initiator's output */
	struct x3dh_output xb; /* responder's output */
};

static inline void
vx3dh_free(struct vx3dh *x)
{
	identity_free(x->alice);
	identity_free(x->bob);
	sodium_memzero(x, sizeof(*x));
}

/* Identities, prekeys and the signed bundle from the input. 0 or -1. */
static inline int
vx3dh_setup(struct vec_ctx *vc, const json_t *in, struct vx3dh *x)
{
	uint8_t sk[32];
	struct x3dh_bundle *b = &x->bundle;

	memset(x, 0, sizeof(*x));
	x->alice = vec_identity(vc, in, "alice_seed");
	x->bob = vec_identity(vc, in, "bob_seed");
	if (x->alice == NULL || x->bob == NULL) {
		return -1;
	}
	vec_get_hex(vc, in, "spk_sk", sk, 32);
	x25519_keypair_from_secret(&x->spk, sk);
	memcpy(b->ik, x->bob->ed_pk, 32);
	b->spk_id = (uint32_t)vec_get_int(vc, in, "spk_id", 0, UINT32_MAX);
	memcpy(b->spk, x->spk.pk, 32);
	prekey_sign(x->bob, PREKEY_SIGNED, b->spk_id, b->spk, b->spk_sig);
	b->opk_kind = (uint8_t)vec_get_int(vc, in, "opk_kind", 0, 2);
	if (b->opk_kind != X3DH_OPK_NONE) {
		vec_get_hex(vc, in, "opk_sk", sk, 32);
		x25519_keypair_from_secret(&x->opk, sk);
		b->opk_id = (uint32_t)vec_get_int(vc, in, "opk_id", 0,
		    UINT32_MAX);
		memcpy(b->opk, x->opk.pk, 32);
	}
	if (b->opk_kind == X3DH_OPK_LAST_RESORT) {
		prekey_sign(x->bob, PREKEY_LAST_RESORT, b->opk_id, b->opk,
		    b->opk_sig);
	}
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

/* The initiator's DHs and output, recomputed from the specification. */
static inline void
x3dh_reference(struct vec_ctx *vc, const struct vx3dh *x,
    const uint8_t ek_sk[static 32], json_t *out)
{
	const struct x3dh_bundle *b = &x->bundle;
	uint8_t ikm[160], okm[96], bx[32], ek_pk[32], hdr[74];
	size_t ndh = b->opk_kind != X3DH_OPK_NONE ? 4 : 3, i;
	static const char *const names[] = { "dh1", "dh2", "dh3", "dh4" };
	int bad = 0;

	memset(ikm, 0xFF, 32);
	bad |= crypto_sign_ed25519_pk_to_curve25519(bx, b->ik);
	bad |= crypto_scalarmult_base(ek_pk, ek_sk);
	bad |= vec_dh(ikm + 32, x->alice->x_sk, b->spk);
	bad |= vec_dh(ikm + 64, ek_sk, bx);
	bad |= vec_dh(ikm + 96, ek_sk, b->spk);
	if (ndh == 4) {
		bad |= vec_dh(ikm + 128, ek_sk, b->opk);
	}
	VEC_CHECK(vc, bad == 0, "x3dh reference DH");
	VEC_HKDF_LABEL(okm, 96, NULL, 0, ikm, 32 + 32 * ndh, LABEL_X3DH);
	vec_same(vc, "x3dh sk", x->xa.sk, okm, 32);
	vec_same(vc, "x3dh hka", x->xa.hka, okm + 32, 32);
	vec_same(vc, "x3dh nhkb", x->xa.nhkb, okm + 64, 32);
	vec_same(vc, "x3dh ad a", x->xa.ad, x->alice->ed_pk, 32);
	vec_same(vc, "x3dh ad b", x->xa.ad + 32, b->ik, 32);
	vec_same(vc, "x3dh ek", x->hdr.ek, ek_pk, 32);
	hdr[0] = 0x01;
	memcpy(hdr + 1, x->alice->ed_pk, 32);
	memcpy(hdr + 33, ek_pk, 32);
	vec_put_u32(hdr + 65, b->spk_id);
	hdr[69] = b->opk_kind;
	vec_put_u32(hdr + 70, ndh == 4 ? b->opk_id : 0);
	vec_put_hex(out, "ek_pk", ek_pk, 32);
	for (i = 0; i < ndh; i++) {
		vec_put_hex(out, names[i], ikm + 32 + 32 * i, 32);
	}
	vec_put_hex(out, "ikm", ikm, 32 + 32 * ndh);
	vec_put_hex(out, "okm", okm, 96);
	vec_put_hex(out, "sk", okm, 32);
	vec_put_hex(out, "hka", okm + 32, 32);
	vec_put_hex(out, "nhkb", okm + 64, 32);
	vec_put_hex(out, "ad", x->xa.ad, 64);
	vec_put_hex(out, "header", hdr, 74);
	sodium_memzero(ikm, sizeof(ikm));
	sodium_memzero(okm, sizeof(okm));
}

/* The header as the library encodes it, decoded again, and the
 * responder's output from it, which must equal the initiator's. */
static inline void
x3dh_respond_check(struct vec_ctx *vc, struct vx3dh *x, const json_t *out)
{
	struct wire_writer w;
	struct wire_reader rd;
	struct x3dh_header h2;
	uint8_t *enc = NULL, want[74];
	size_t n = 0;

	wire_writer_init(&w, 256);
	x3dh_header_encode(&w, &x->hdr);
	VEC_CHECK(vc, wire_writer_finish(&w, &enc, &n) == 0 && n == 74,
	    "x3dh header encode");
	vec_get_hex(vc, out, "header", want, 74);
	if (enc != NULL && n == 74) {
		vec_same(vc, "x3dh header", enc, want, 74);
		wire_reader_init(&rd, enc, n);
		VEC_CHECK(vc, x3dh_header_decode(&rd, &h2) == 0 &&
			x3dh_respond(x->bob, x->spk.sk,
			    h2.opk_kind ? x->opk.sk : NULL, &h2, &x->xb) == 0,
		    "x3dh respond");
		vec_same(vc, "x3dh responder", (const uint8_t *)&x->xb,
		    (const uint8_t *)&x->xa, sizeof(x->xa));
	}
	mem_wipe_free(enc, n);
}

/* Runs X3DH on inputs in with the initiator's rng and records it. */
static inline void
vec_x3dh_run(struct vec_ctx *vc, const json_t *in, json_t *out,
    struct vec_rng *rng, struct vx3dh *x)
{
	const struct x3dh_bundle *b = &x->bundle;

	if (vx3dh_setup(vc, in, x) != 0) {
		return;
	}
	vec_put_hex(out, "alice_ik", x->alice->ed_pk, 32);
	vec_put_hex(out, "alice_x25519_sk", x->alice->x_sk, 32);
	vec_put_hex(out, "bob_ik", x->bob->ed_pk, 32);
	vec_put_hex(out, "bob_x25519_pk", x->bob->x_pk, 32);
	vec_put_hex(out, "spk_pk", b->spk, 32);
	vec_put_hex(out, "spk_sig", b->spk_sig, 64);
	if (b->opk_kind != X3DH_OPK_NONE) {
		vec_put_hex(out, "opk_pk", b->opk, 32);
	}
	if (b->opk_kind == X3DH_OPK_LAST_RESORT) {
		vec_put_hex(out, "opk_sig", b->opk_sig, 64);
	}
	vec_rng_reset(rng);
	VEC_CHECK(vc,
	    x3dh_initiate(&rng->rng, x->alice, b, &x->hdr, &x->xa) == 0,
	    "x3dh_initiate");
	VEC_CHECK(vc, rng->ndrawn == 32, "x3dh drew %zu bytes", rng->ndrawn);
	vec_put_hex(out, "rng_drawn", rng->drawn, 32);
	x3dh_reference(vc, x, rng->drawn, out);
	x3dh_respond_check(vc, x, out);
}

static inline void
x3dh_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct vec_rng rng;
	struct vx3dh x;
	uint8_t seed[32];

	(void)cases;
	vec_get_hex(vc, in, "rng_seed", seed, 32);
	vec_rng_init(&rng, seed);
	vec_x3dh_run(vc, in, out, &rng, &x);
	vx3dh_free(&x);
	vec_rng_wipe(&rng);
}

/* Decodes a header ("header"; with "respond": true, then responds to it),
 * or initiates with a replaced signature ("spk_sig", "opk_sig"). */
static inline int
x3dh_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	const json_t *in = json_object_get(base, "input");
	const char *target = vec_get_str(vc, neg, "target");
	struct vec_rng rng;
	struct wire_reader rd;
	struct vx3dh x;
	int r = ERR_INTERNAL;

	if (vx3dh_setup(vc, in, &x) != 0) {
		vx3dh_free(&x);
		return r;
	}
	vec_rng_init(&rng, x.spk.sk);
	wire_reader_init(&rd, p, n);
	if (strcmp(target, "header") == 0 &&
	    !json_is_true(json_object_get(neg, "respond"))) {
		r = x3dh_header_decode(&rd, &x.hdr);
	} else if (strcmp(target, "header") == 0) {
		if ((r = x3dh_header_decode(&rd, &x.hdr)) == 0) {
			r = x3dh_respond(x.bob, x.spk.sk, x.hdr.opk_kind ?
			    x.opk.sk : NULL, &x.hdr, &x.xb);
		}
	} else if (strcmp(target, "spk_sig") == 0 && n == 64) {
		memcpy(x.bundle.spk_sig, p, 64);
		r = x3dh_initiate(&rng.rng, x.alice, &x.bundle, &x.hdr, &x.xa);
	} else if (strcmp(target, "opk_sig") == 0 && n == 64) {
		memcpy(x.bundle.opk_sig, p, 64);
		r = x3dh_initiate(&rng.rng, x.alice, &x.bundle, &x.hdr, &x.xa);
	} else {
		vec_fail(vc, "x3dh negative: target %s", target);
	}
	VEC_CHECK(vc, r == 0 || rng.ndrawn == 0,
	    "failed x3dh drew randomness");
	vx3dh_free(&x);
	vec_rng_wipe(&rng);
	return r;
}

static inline void
x3dh_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, x3dh_neg_run);
}

static const char *const vec_x3dh_spec[] = { "x3dh-bundle",
	"x3dh-initiator", "x3dh-responder", "x3dh-kdf", "x3dh-header",
	"x3dh-no-opk", "prekey-signatures", "x25519", NULL };

static inline json_t *
vec_build_x3dh(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "x3dh", x3dh_case },
		{ "negative", x3dh_neg_case },
		{ NULL, NULL },
	};

	json_t *f = vec_file_new("x3dh.json",
	    "X3DH with a one-time prekey, without, and "
	    "with the last-resort prekey: identity "
	    "seeds, prekey secrets and ids, the "
	    "initiator's RNG seed (rng_drawn is the "
	    "ephemeral secret), DH1..DH4, the HKDF "
	    "input and output split SK/HKa/NHKb, AD "
	    "and the 74-byte header; the responder "
	    "derives the same output. Negative cases "
	    "decode or respond to a mutated header, or "
	    "initiate with a mutated signature.",
	    vec_x3dh_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

/* ---- envelope.json ---- */

/* Layer keys and ciphertexts from the specification, compared with the
 * sealed envelope env (len bytes). */
static inline void
envelope_reference(struct vec_ctx *vc, const struct identity_key *s,
    const struct identity_key *rc, const uint8_t e_sk[static 32],
    const uint8_t *inner, size_t ilen, const uint8_t *env, size_t len,
    json_t *out)
{
	uint8_t e[32], dh1[32], salt[64], okm1[88], ad[113], c1[48];
	uint8_t dh2[32], okm2[56], *c2 = mem_zalloc(ilen + 16);
	int bad;

	PANIC_IF(c2 == NULL);
	bad = crypto_scalarmult_base(e, e_sk);
	bad |= vec_dh(dh1, e_sk, rc->x_pk);
	bad |= vec_dh(dh2, s->x_sk, rc->x_pk);
	VEC_CHECK(vc, bad == 0, "envelope reference DH");
	memcpy(salt, e, 32);
	memcpy(salt + 32, rc->ed_pk, 32);
	VEC_HKDF_LABEL(okm1, 88, salt, 64, dh1, 32, LABEL_ENVELOPE_EPH);
	ad[0] = 0x01;
	memcpy(ad + 1, salt, 64);
	vec_seal(c1, s->ed_pk, 32, ad, 65, okm1 + 64, okm1 + 32);
	memcpy(ad + 65, c1, 48);
	VEC_HKDF_LABEL(okm2, 56, okm1, 32, dh2, 32, LABEL_ENVELOPE_STATIC);
	vec_seal(c2, inner, ilen, ad, 113, okm2 + 32, okm2);
	VEC_CHECK(vc, len == 81 + ilen + 16, "envelope length");
	if (len == 81 + ilen + 16) {
		vec_same(vc, "envelope head", env, ad, 33);
		vec_same(vc, "envelope c1", env + 33, c1, 48);
		vec_same(vc, "envelope c2", env + 81, c2, ilen + 16);
	}
	vec_put_hex(out, "ephemeral_pk", e, 32);
	vec_put_hex(out, "dh1", dh1, 32);
	vec_put_hex(out, "salt1", salt, 64);
	vec_put_hex(out, "okm1", okm1, 88);
	vec_put_hex(out, "ck", okm1, 32);
	vec_put_hex(out, "k1", okm1 + 32, 32);
	vec_put_hex(out, "n1", okm1 + 64, 24);
	vec_put_hex(out, "ad1", ad, 65);
	vec_put_hex(out, "c1", c1, 48);
	vec_put_hex(out, "dh2", dh2, 32);
	vec_put_hex(out, "okm2", okm2, 56);
	vec_put_hex(out, "k2", okm2, 32);
	vec_put_hex(out, "n2", okm2 + 32, 24);
	vec_put_hex(out, "ad2", ad, 113);
	vec_put_hex(out, "inner", inner, ilen);
	vec_put_hex(out, "c2", c2, ilen + 16);
	sodium_memzero(okm1, sizeof(okm1));
	sodium_memzero(okm2, sizeof(okm2));
	mem_wipe_free(c2, ilen + 16);
}

/* The inner encoding from the specification (*n bytes, heap). */
static inline uint8_t *
envelope_inner(struct vec_ctx *vc, const json_t *in, const uint8_t *content,
    size_t clen, size_t *n)
{
	const char *user = vec_get_str(vc, in, "sender_user");
	size_t ulen = strlen(user) > 64 ? 64 : strlen(user);
	uint8_t *p = mem_zalloc(74 + clen + 1);

	PANIC_IF(p == NULL);
	p[0] = (uint8_t)vec_get_int(vc, in, "content_type", 0, 255);
	p[1] = (uint8_t)ulen;
	memcpy(p + 2, user, ulen);
	vec_put_u32(p + 66, (uint32_t)vec_get_int(vc, in, "sender_device",
				0, UINT32_MAX));
	vec_put_u32(p + 70, (uint32_t)clen);
	memcpy(p + 74, content, clen);
	*n = 74 + clen;
	return p;
}

/* Opens env as the recipient and records what it gives. */
static inline void
envelope_open_record(struct vec_ctx *vc, const struct identity_key *rc,
    const uint8_t *env, size_t len, json_t *out)
{
	struct envelope_sender snd;
	uint8_t type = 0, *content = NULL;
	size_t clen = 0;
	json_t *o = vec_obj();
	int r = envelope_open(rc, env, len, &snd, &type, &content, &clen);

	vec_put(out, "open", o);
	VEC_CHECK(vc, r == 0, "envelope_open: %s", err_name(r));
	if (r == 0) {
		vec_put_int(o, "content_type", type);
		vec_put_str(o, "sender_user", snd.user);
		vec_put_int(o, "sender_device", snd.device_id);
		vec_put_hex(o, "sender_ik", snd.ik, 32);
		vec_put_hex(o, "content", content, clen);
	}
	mem_wipe_free(content, clen);
}

static inline void
envelope_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct identity_key *s = vec_identity(vc, in, "sender_seed");
	struct identity_key *rc = vec_identity(vc, in, "recipient_seed");
	struct vec_rng rng;
	uint8_t seed[32], *content, *inner, *env = NULL;
	size_t clen, ilen, len = 0;
	int r;

	(void)cases;
	vec_get_hex(vc, in, "rng_seed", seed, 32);
	vec_rng_init(&rng, seed);
	content = vec_get_bytes(vc, in, "content", &clen);
	inner = envelope_inner(vc, in, content, clen, &ilen);
	if (s != NULL && rc != NULL) {
		r = envelope_seal(&rng.rng, s,
		    vec_get_str(vc, in, "sender_user"),
		    (uint32_t)vec_get_int(vc, in, "sender_device", 0,
			UINT32_MAX),
		    rc->ed_pk, inner[0], content, clen, &env, &len);
		VEC_CHECK(vc, r == 0 && rng.ndrawn == 32, "envelope_seal: %s",
		    err_name(r));
	}
	if (env != NULL) {
		vec_put_hex(out, "sender_ik", s->ed_pk, 32);
		vec_put_hex(out, "sender_x25519_pk", s->x_pk, 32);
		vec_put_hex(out, "recipient_ik", rc->ed_pk, 32);
		vec_put_hex(out, "recipient_x25519_pk", rc->x_pk, 32);
		vec_put_hex(out, "rng_drawn", rng.drawn, 32);
		envelope_reference(vc, s, rc, rng.drawn, inner, ilen, env, len,
		    out);
		vec_put_hex(out, "envelope", env, len);
		envelope_open_record(vc, rc, env, len, out);
	}
	mem_wipe_free(env, len);
	mem_wipe_free(inner, ilen + 1);
	mem_wipe_free(content, clen + 1);
	vec_rng_wipe(&rng);
	identity_free(s);
	identity_free(rc);
}

static inline int
envelope_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	const json_t *in = json_object_get(base, "input");
	struct identity_key *rc = vec_identity(vc, in, "recipient_seed");
	struct envelope_sender snd;
	uint8_t type, *content = NULL;
	size_t clen = 0;
	int r = ERR_INTERNAL;

	VEC_CHECK(vc, strcmp(vec_get_str(vc, neg, "target"), "envelope") == 0,
	    "envelope negative target");
	if (rc != NULL) {
		r = envelope_open(rc, p, n, &snd, &type, &content, &clen);
	}
	mem_wipe_free(content, clen);
	identity_free(rc);
	return r;
}

static inline void
envelope_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, envelope_neg_run);
}

static const char *const vec_envelope_spec[] = { "envelope-format",
	"envelope-keys", "envelope-seal", "envelope-open", "conversions",
	NULL };

static inline json_t *
vec_build_envelope(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "seal", envelope_case },
		{ "negative", envelope_neg_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("envelope.json",
	    "Sealed envelopes made with a seeded RNG "
	    "(rng_drawn is the ephemeral secret): "
	    "both layers' DH, HKDF output split, AD "
	    "and ciphertext, the inner encoding, the "
	    "envelope and what opening it gives; "
	    "negative cases open a mutated envelope.",
	    vec_envelope_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

#endif
