/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Builders of keys.json and fingerprint.json: each case's output from its
 * input, by the library, cross-checked against plain libsodium. */
#ifndef SEALPOST_VEC_KEYS_H
#define SEALPOST_VEC_KEYS_H

#include "crypto/fingerprint.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "tests/vectors/vec.h"

/* The identity of a 32-byte seed input field; NULL after a failure. */
static inline struct identity_key *
vec_identity(struct vec_ctx *vc, const json_t *in, const char *field)
{
	struct identity_key *ik = NULL;
	uint8_t seed[32];

	vec_get_hex(vc, in, field, seed, 32);
	VEC_CHECK(vc, identity_from_seed(seed, &ik) == 0, "identity %s",
	    field);
	sodium_memzero(seed, sizeof(seed));
	return ik;
}

/* ---- keys.json ---- */

static inline void
identity_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct identity_key *ik = vec_identity(vc, in, "seed"), *back = NULL;
	uint8_t h[64], xpk[32], enc[IDENTITY_SECRET_LEN];
	char log_id[17];

	(void)cases;
	if (ik == NULL) {
		return;
	}
	/* x25519 secret: SHA-512(seed)[0:32], clamped. */
	crypto_hash_sha512(h, ik->ed_sk, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	vec_same(vc, "x25519 sk", ik->x_sk, h, 32);
	VEC_CHECK(vc, crypto_scalarmult_base(xpk, h) == 0, "x25519 base");
	vec_same(vc, "x25519 pk", ik->x_pk, xpk, 32);
	identity_encode_secret(ik, enc);
	VEC_CHECK(vc, enc[0] == 0x01, "secret encoding version");
	vec_same(vc, "secret encoding", enc + 1, ik->ed_sk, 32);
	VEC_CHECK(vc, identity_decode_secret(enc, sizeof(enc), &back) == 0 &&
		sodium_memcmp(back->ed_pk, ik->ed_pk, 32) == 0,
	    "secret decoding");
	VEC_CHECK(vc, key_check_identity(ik->ed_pk) == 0, "identity check");
	key_log_id(ik->ed_pk, log_id);
	vec_put_hex(out, "ed25519_pk", ik->ed_pk, 32);
	vec_put_hex(out, "ed25519_sk", ik->ed_sk, 64);
	vec_put_hex(out, "x25519_sk", ik->x_sk, 32);
	vec_put_hex(out, "x25519_pk", ik->x_pk, 32);
	vec_put_hex(out, "secret_encoding", enc, sizeof(enc));
	vec_put_str(out, "log_id", log_id);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(enc, sizeof(enc));
	identity_free(back);
	identity_free(ik);
}

/* PREKEY_SIGNED or PREKEY_LAST_RESORT from "signed" / "last_resort" in
 * field. */
static inline enum prekey_kind
vec_prekey_kind(struct vec_ctx *vc, const json_t *in, const char *field)
{
	const char *k = vec_get_str(vc, in, field);

	if (strcmp(k, "last_resort") == 0) {
		return PREKEY_LAST_RESORT;
	}
	VEC_CHECK(vc, strcmp(k, "signed") == 0, "prekey kind \"%s\"", k);
	return PREKEY_SIGNED;
}

static inline void
prekey_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct identity_key *ik = vec_identity(vc, in, "identity_seed");
	enum prekey_kind kind = vec_prekey_kind(vc, in, "kind");
	uint32_t id = (uint32_t)vec_get_int(vc, in, "id", 0, UINT32_MAX);
	const char *label = kind == PREKEY_SIGNED ? LABEL_SIG_SIGNED_PREKEY :
						    LABEL_SIG_LAST_RESORT;
	size_t ll = strlen(label);
	struct x25519_keypair kp;
	uint8_t sk[32], msg[96], sig[64], ref[64], pk[32];

	(void)cases;
	if (ik == NULL) {
		return;
	}
	vec_get_hex(vc, in, "prekey_sk", sk, 32);
	x25519_keypair_from_secret(&kp, sk);
	VEC_CHECK(vc, crypto_scalarmult_base(pk, sk) == 0, "prekey base");
	vec_same(vc, "prekey pk", kp.pk, pk, 32);
	memcpy(msg, label, ll);
	vec_put_u32(msg + ll, id);
	memcpy(msg + ll + 4, pk, 32);
	prekey_sign(ik, kind, id, kp.pk, sig);
	crypto_sign_detached(ref, NULL, msg, ll + 36, ik->ed_sk);
	vec_same(vc, "prekey signature", sig, ref, 64);
	VEC_CHECK(vc, prekey_verify(ik->ed_pk, kind, id, kp.pk, sig) == 0,
	    "prekey verify");
	vec_put_hex(out, "identity_pk", ik->ed_pk, 32);
	vec_put_hex(out, "prekey_pk", kp.pk, 32);
	vec_put_hex(out, "signed_message", msg, ll + 36);
	vec_put_hex(out, "signature", sig, 64);
	x25519_keypair_wipe(&kp);
	sodium_memzero(sk, sizeof(sk));
	identity_free(ik);
}

static inline void
log_id_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	uint8_t pk[32], h[32];
	char id[17], ref[17];

	(void)cases;
	vec_get_hex(vc, in, "public_key", pk, 32);
	crypto_hash_sha256(h, pk, 32);
	sodium_bin2hex(ref, sizeof(ref), h, 8);
	key_log_id(pk, id);
	VEC_CHECK(vc, strcmp(id, ref) == 0, "log id");
	vec_put_hex(out, "sha256", h, 32);
	vec_put_str(out, "log_id", id);
}

/* Runs a keys.json negative: decode a secret encoding, or verify a prekey
 * signature of the base case with one part replaced, or as the kind named
 * by the optional "verify_kind". */
static inline int
keys_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	const char *target = vec_get_str(vc, neg, "target");
	const json_t *in = json_object_get(base, "input");
	const json_t *bo = json_object_get(base, "output");
	struct identity_key *ik = NULL;
	uint8_t ikp[32], pk[32], sig[64];
	enum prekey_kind kind;
	uint32_t id;
	int r;

	if (strcmp(target, "secret_encoding") == 0) {
		r = identity_decode_secret(p, n, &ik);
		identity_free(ik);
		return r;
	}
	kind = vec_prekey_kind(vc, in, "kind");
	id = (uint32_t)vec_get_int(vc, in, "id", 0, UINT32_MAX);
	vec_get_hex(vc, bo, "identity_pk", ikp, 32);
	vec_get_hex(vc, bo, "prekey_pk", pk, 32);
	vec_get_hex(vc, bo, "signature", sig, 64);
	if (strcmp(target, "identity_pk") == 0 && n == 32) {
		memcpy(ikp, p, 32);
	} else if (strcmp(target, "signature") == 0 && n == 64) {
		memcpy(sig, p, 64);
	} else {
		vec_fail(vc, "keys negative: target %s, %zu bytes", target, n);
	}
	if (json_object_get(neg, "verify_kind") != NULL) {
		kind = vec_prekey_kind(vc, neg, "verify_kind");
	}
	return prekey_verify(ikp, kind, id, pk, sig);
}

static inline void
keys_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, keys_neg_run);
}

static const char *const vec_keys_spec[] = { "identity-key", "conversions",
	"identity-secret", "x25519-keys", "prekey-signatures", "ed25519",
	"log-id", NULL };

static inline json_t *
vec_build_keys(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "identity", identity_case },
		{ "prekey_signature", prekey_case },
		{ "log_id", log_id_case },
		{ "negative", keys_neg_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("keys.json",
	    "Identity keys from their Ed25519 seed "
	    "(ed25519_sk is libsodium's seed || pk; "
	    "the X25519 form of both halves), the "
	    "identity secret encoding, signed and "
	    "last-resort prekey signatures with the "
	    "exact signed message, log ids, and "
	    "rejected encodings and signatures.",
	    vec_keys_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

/* ---- fingerprint.json ---- */

/* The half of id and key, iterated SHA-512 written out. */
static inline void
vec_fp_half(char out[static 31], const char *id, const uint8_t *key,
    size_t klen, unsigned iterations)
{
	crypto_hash_sha512_state st;
	uint8_t h[64], z[2] = { 0, 0 };
	unsigned i;
	uint64_t v;
	int k, j;

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, z, 2);
	crypto_hash_sha512_update(&st, key, klen);
	crypto_hash_sha512_update(&st, (const uint8_t *)id, strlen(id));
	crypto_hash_sha512_update(&st, key, klen);
	crypto_hash_sha512_final(&st, h);
	for (i = 1; i < iterations; i++) {
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, h, 64);
		crypto_hash_sha512_update(&st, key, klen);
		crypto_hash_sha512_final(&st, h);
	}
	for (k = 0; k < 6; k++) {
		for (v = 0, j = 0; j < 5; j++) {
			v = v << 8 | h[5 * k + j];
		}
		snprintf(out + 5 * k, 6, "%05u", (unsigned)(v % 100000));
	}
}

/* Puts both halves and the safety number (smaller half first). */
static inline void
vec_fp_put(json_t *out, const char *a, const char *b)
{
	char sn[61];

	snprintf(sn, sizeof(sn), "%s%s", strcmp(a, b) <= 0 ? a : b,
	    strcmp(a, b) <= 0 ? b : a);
	vec_put_str(out, "local_half", a);
	vec_put_str(out, "remote_half", b);
	vec_put_str(out, "safety_number", sn);
}

static inline void
fp_raw_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	const char *lid = vec_get_str(vc, in, "local_id");
	const char *rid = vec_get_str(vc, in, "remote_id");
	unsigned it = (unsigned)vec_get_int(vc, in, "iterations", 1, 100000);
	uint8_t *lk, *rk;
	size_t ln, rn;
	char a[31], b[31], ra[31], rb[31];

	(void)cases;
	lk = vec_get_bytes(vc, in, "local_key", &ln);
	rk = vec_get_bytes(vc, in, "remote_key", &rn);
	VEC_CHECK(vc,
	    fingerprint_half_raw(lid, strlen(lid), lk, ln, it, a) == 0 &&
		fingerprint_half_raw(rid, strlen(rid), rk, rn, it, b) == 0,
	    "fingerprint_half_raw");
	vec_fp_half(ra, lid, lk, ln, it);
	vec_fp_half(rb, rid, rk, rn, it);
	VEC_CHECK(vc, strcmp(a, ra) == 0 && strcmp(b, rb) == 0, "fp halves");
	vec_fp_put(out, a, b);
	mem_wipe_free(lk, ln + 1);
	mem_wipe_free(rk, rn + 1);
}

static inline void
fp_identity_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct identity_key *l = vec_identity(vc, in, "local_seed");
	struct identity_key *r = vec_identity(vc, in, "remote_seed");
	const char *lid = vec_get_str(vc, in, "local_id");
	const char *rid = vec_get_str(vc, in, "remote_id");
	uint8_t lk[33] = { 0x05 }, rk[33] = { 0x05 };
	char a[31], b[31], ra[31], rb[31], sn1[61], sn2[61];
	int bad;

	(void)cases;
	if (l != NULL && r != NULL) {
		memcpy(lk + 1, l->x_pk, 32);
		memcpy(rk + 1, r->x_pk, 32);
		bad = fingerprint_half(lid, strlen(lid), l->ed_pk, a);
		bad |= fingerprint_half(rid, strlen(rid), r->ed_pk, b);
		bad |= fingerprint_safety_number(lid, l->ed_pk, rid, r->ed_pk,
		    sn1);
		bad |= fingerprint_safety_number(rid, r->ed_pk, lid, l->ed_pk,
		    sn2);
		VEC_CHECK(vc, bad == 0, "fingerprint");
		vec_fp_half(ra, lid, lk, 33, FINGERPRINT_ITERATIONS);
		vec_fp_half(rb, rid, rk, 33, FINGERPRINT_ITERATIONS);
		VEC_CHECK(vc, strcmp(a, ra) == 0 && strcmp(b, rb) == 0 &&
			strcmp(sn1, sn2) == 0,
		    "fingerprint halves");
		vec_put_hex(out, "local_ik", l->ed_pk, 32);
		vec_put_hex(out, "local_key", lk, 33);
		vec_put_hex(out, "remote_ik", r->ed_pk, 32);
		vec_put_hex(out, "remote_key", rk, 33);
		vec_fp_put(out, a, b);
		VEC_CHECK(vc, strcmp(sn1, json_string_value(json_object_get(
				      out, "safety_number"))) == 0,
		    "safety number");
	}
	identity_free(l);
	identity_free(r);
}

static inline int
fp_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	const char *target = vec_get_str(vc, neg, "target");
	const char *id = vec_get_str(vc, json_object_get(base, "input"),
	    "local_id");
	char half[31];

	VEC_CHECK(vc, strcmp(target, "local_ik") == 0 && n == 32,
	    "fingerprint negative: %s", target);
	return n == 32 ? fingerprint_half(id, strlen(id), p, half) : ERR_ARG;
}

static inline void
fp_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, fp_neg_run);
}

static const char *const vec_fp_spec[] = { "fingerprint-half",
	"fingerprint-full", "conversions", NULL };

static inline json_t *
vec_build_fingerprint(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "raw", fp_raw_case },
		{ "identity", fp_identity_case },
		{ "negative", fp_neg_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("fingerprint.json",
	    "Safety numbers: raw cases take libsignal's "
	    "0x05-prefixed X25519 keys and an "
	    "iteration count (the first is "
	    "libsignal-protocol-c's published "
	    "vector); identity cases take two "
	    "identity seeds. Ids are ASCII strings.",
	    vec_fp_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

#endif
