/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Builders of hkdf.json, kdf.json, rng.json and padding.json: each case's
 * output from its input, by the library, cross-checked against vec.h. */
#ifndef SEALPOST_VEC_BASIC_H
#define SEALPOST_VEC_BASIC_H

#include "crypto/hkdf.h"
#include "crypto/labels.h"
#include "crypto/pad.h"
#include "crypto/ratchet_impl.h"
#include "tests/vectors/vec.h"

/* ---- hkdf.json ---- */

static inline void
hkdf_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t sn, in_n, fn, L;
	uint8_t *salt = vec_get_bytes(vc, in, "salt", &sn);
	uint8_t *ikm = vec_get_bytes(vc, in, "ikm", &in_n);
	uint8_t *info = vec_get_bytes(vc, in, "info", &fn);
	uint8_t prk[32], prk2[32], *okm, *okm2;

	(void)cases;
	L = (size_t)vec_get_int(vc, in, "length", 1, HKDF_MAX_OUT);
	okm = mem_zalloc(L);
	okm2 = mem_zalloc(L);
	PANIC_IF(okm == NULL || okm2 == NULL);
	hkdf_extract(prk, sn > 0 ? salt : NULL, sn, ikm, in_n);
	VEC_CHECK(vc, hkdf_sha256(okm, L, sn > 0 ? salt : NULL, sn, ikm, in_n,
		      info, fn) == 0,
	    "hkdf_sha256");
	vec_hkdf(okm2, L, prk2, salt, sn, ikm, in_n, (const char *)info, fn);
	vec_same(vc, "hkdf prk", prk, prk2, 32);
	vec_same(vc, "hkdf okm", okm, okm2, L);
	VEC_CHECK(vc, hkdf_expand(okm2, L, prk, info, fn) == 0, "hkdf_expand");
	vec_same(vc, "hkdf expand", okm, okm2, L);
	vec_put_hex(out, "prk", prk, 32);
	vec_put_hex(out, "okm", okm, L);
	mem_wipe_free(okm, L);
	mem_wipe_free(okm2, L);
	mem_wipe_free(salt, sn + 1);
	mem_wipe_free(ikm, in_n + 1);
	mem_wipe_free(info, fn + 1);
}

/* A length HKDF refuses (with empty salt, ikm and info): the error, and by
 * how much it is over the limit. */
static inline void
hkdf_length_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t L = (size_t)vec_get_int(vc, in, "length", 0, 1 << 20);
	uint8_t *okm = mem_zalloc(L + 1);
	int r;

	(void)cases;
	PANIC_IF(okm == NULL);
	r = hkdf_sha256(okm, L, NULL, 0, okm, 0, NULL, 0);
	VEC_CHECK(vc, r == ERR_ARG, "hkdf accepted length %zu", L);
	vec_put_str(out, "error", err_name(r));
	vec_put_int(out, "over_limit_by", L > 0 ? (long long)(L -
	    HKDF_MAX_OUT) : 0);
	mem_wipe_free(okm, L + 1);
}

static inline void
hmac_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t kn, mn;
	uint8_t *key = vec_get_bytes(vc, in, "key", &kn);
	uint8_t *msg = vec_get_bytes(vc, in, "message", &mn);
	uint8_t mac[32], mac2[32];

	(void)cases;
	hmac_sha256(mac, key, kn, msg, mn);
	vec_hmac(mac2, key, kn, msg, mn);
	vec_same(vc, "hmac", mac, mac2, 32);
	vec_put_hex(out, "mac", mac, 32);
	mem_wipe_free(key, kn + 1);
	mem_wipe_free(msg, mn + 1);
}

static const char *const vec_hkdf_spec[] = { "hash-mac-kdf", NULL };

static inline json_t *
vec_build_hkdf(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "hkdf", hkdf_case },
		{ "hkdf_length", hkdf_length_case },
		{ "hmac", hmac_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("hkdf.json",
	    "HKDF-SHA256 (RFC 5869 appendix A.1-A.3, "
	    "absent and empty salt, refused lengths) "
	    "and HMAC-SHA256 (RFC 4231 and the "
	    "one-byte messages of KDF_CK). Salt \"\" "
	    "is the absent salt (32 zero bytes).",
	    vec_hkdf_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

/* ---- kdf.json ---- */

static inline void
kdf_rk_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	uint8_t rk[32], dh[32], ck[32], nhk[32], okm[96];

	(void)cases;
	vec_get_hex(vc, in, "rk", rk, 32);
	vec_get_hex(vc, in, "dh", dh, 32);
	VEC_HKDF_LABEL(okm, 96, rk, 32, dh, 32, LABEL_RATCHET_RK);
	VEC_CHECK(vc, ratchet_kdf_rk(rk, ck, nhk, dh) == 0, "kdf_rk failed");
	vec_same(vc, "kdf_rk rk", rk, okm, 32);
	vec_same(vc, "kdf_rk ck", ck, okm + 32, 32);
	vec_same(vc, "kdf_rk nhk", nhk, okm + 64, 32);
	vec_put_hex(out, "okm", okm, 96);
	vec_put_hex(out, "rk_next", rk, 32);
	vec_put_hex(out, "ck", ck, 32);
	vec_put_hex(out, "nhk", nhk, 32);
	sodium_memzero(okm, sizeof(okm));
}

static inline void
kdf_ck_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	static const uint8_t one = 1, two = 2;
	uint8_t ck[32], mk[32], ref_mk[32], ref_ck[32];
	long long i, n = vec_get_int(vc, in, "steps", 1, 64);
	json_t *chain = vec_arr(), *st;

	(void)cases;
	vec_get_hex(vc, in, "ck", ck, 32);
	for (i = 0; i < n; i++) {
		st = vec_obj();
		vec_put_int(st, "n", i);
		vec_put_hex(st, "ck", ck, 32);
		vec_hmac(ref_mk, ck, 32, &one, 1);
		vec_hmac(ref_ck, ck, 32, &two, 1);
		ratchet_kdf_ck(ck, mk);
		vec_same(vc, "kdf_ck mk", mk, ref_mk, 32);
		vec_same(vc, "kdf_ck ck", ck, ref_ck, 32);
		vec_put_hex(st, "mk", mk, 32);
		vec_put_hex(st, "ck_next", ck, 32);
		vec_push(chain, st);
	}
	vec_put(out, "chain", chain);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
}

static inline void
message_keys_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	uint8_t mk[32], key[32], nonce[24], okm[56];

	(void)cases;
	vec_get_hex(vc, in, "mk", mk, 32);
	VEC_HKDF_LABEL(okm, 56, NULL, 0, mk, 32, LABEL_MESSAGE_KEYS);
	VEC_CHECK(vc, ratchet_message_keys(mk, key, nonce) == 0,
	    "message_keys");
	vec_same(vc, "body key", key, okm, 32);
	vec_same(vc, "body nonce", nonce, okm + 32, 24);
	vec_put_hex(out, "okm", okm, 56);
	vec_put_hex(out, "body_key", key, 32);
	vec_put_hex(out, "body_nonce", nonce, 24);
	sodium_memzero(okm, sizeof(okm));
}

static const char *const vec_kdf_spec[] = { "ratchet-kdf", "hash-mac-kdf",
	"labels", NULL };

static inline json_t *
vec_build_kdf(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "kdf_rk", kdf_rk_case },
		{ "kdf_ck", kdf_ck_case },
		{ "message_keys", message_keys_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("kdf.json",
	    "The ratchet KDFs: KDF_RK (rk, dh -> OKM "
	    "split rk_next, ck, nhk), KDF_CK chains "
	    "(ck -> mk, ck_next, step by step) and "
	    "message-key expansion (mk -> body_key, "
	    "body_nonce).",
	    vec_kdf_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

/* ---- rng.json ---- */

static inline void
rng_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	const json_t *pieces = vec_get(vc, in, "pieces"), *p;
	struct rng_seeded s;
	uint8_t seed[32], buf[1024], ref[1024];
	static const uint8_t zero_nonce[8];
	json_t *drawn = vec_arr();
	size_t i, k, total = 0;

	(void)cases;
	vec_get_hex(vc, in, "seed", seed, 32);
	rng_seeded_init(&s, seed);
	json_array_foreach(pieces, i, p) {
		k = json_is_integer(p) ? (size_t)json_integer_value(p) : 0;
		if (k == 0 || k > sizeof(buf) - total) {
			vec_fail(vc, "rng: bad piece %zu", i);
			break;
		}
		rng_fill(&s.rng, buf + total, k);
		vec_push(drawn, vec_hex(buf + total, k));
		total += k;
	}
	crypto_stream_chacha20(ref, total, zero_nonce, seed);
	vec_same(vc, "rng stream", buf, ref, total);
	vec_put(out, "drawn", drawn);
	vec_put_hex(out, "stream", buf, total);
	rng_seeded_wipe(&s);
}

static const char *const vec_rng_spec[] = { "test-rng", "rng-draws", NULL };

static inline json_t *
vec_build_rng(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "stream", rng_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("rng.json",
	    "The deterministic test RNG: a seed and "
	    "the sizes of successive draws (pieces); "
	    "drawn lists each draw, stream is their "
	    "concatenation, which does not depend on "
	    "the piece sizes.",
	    vec_rng_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

/* ---- padding.json ---- */

/* Output: the bucket and the padding it adds (marker and zeros), or
 * ERR_TOO_LONG and by how much the length is over the largest paddable
 * one (2^20 - 1). */
static inline void
bucket_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t n = (size_t)vec_get_int(vc, in, "length", 0, 1 << 21);
	size_t b = pad_bucket(n);

	(void)cases;
	VEC_CHECK(vc, b == vec_bucket(n), "bucket(%zu)", n);
	if (b == 0) {
		vec_put(out, "bucket", json_null());
		vec_put_str(out, "error", err_name(ERR_TOO_LONG));
		vec_put_int(out, "over_limit_by",
		    (long long)(n - PAD_MAX + 1));
	} else {
		vec_put_int(out, "bucket", (long long)b);
		vec_put_int(out, "padding_bytes", (long long)(b - n));
		VEC_CHECK(vc, pad_is_bucket(b), "bucket %zu", b);
	}
}

/* Output: whether the length is a bucket size, and bucket(length - 1) -
 * length, which is 0 exactly then (null for length 0). */
static inline void
is_bucket_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t n = (size_t)vec_get_int(vc, in, "length", 0, 1 << 21);
	size_t b = n > 0 ? vec_bucket(n - 1) : 0;

	(void)cases;
	VEC_CHECK(vc, pad_is_bucket(n) == (n > 0 && b == n), "is_bucket(%zu)",
	    n);
	vec_put_bool(out, "is_bucket", pad_is_bucket(n));
	if (n == 0 || b == 0) {
		vec_put(out, "bucket_minus_length", json_null());
	} else {
		vec_put_int(out, "bucket_minus_length", (long long)b -
		    (long long)n);
	}
}

static inline void
pad_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	size_t n, b, got = 0, back = 0;
	uint8_t *pt = vec_get_bytes(vc, in, "plaintext", &n), *buf, *ref;

	(void)cases;
	b = vec_bucket(n);
	buf = mem_zalloc(b + 1);
	ref = mem_zalloc(b + 1);
	PANIC_IF(buf == NULL || ref == NULL);
	memcpy(ref, pt, n);
	ref[n] = 0x80;
	VEC_CHECK(vc, pad_apply(buf, b, &got, pt, n) == 0 && got == b, "pad");
	vec_same(vc, "padded", buf, ref, b);
	VEC_CHECK(vc, pad_remove(buf, b, &back) == 0 && back == n, "unpad");
	vec_put_int(out, "bucket", (long long)b);
	vec_put_hex(out, "padded", buf, b);
	mem_wipe_free(buf, b + 1);
	mem_wipe_free(ref, b + 1);
	mem_wipe_free(pt, n + 1);
}

static inline int
pad_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	size_t got;

	(void)vc;
	(void)base;
	(void)neg;
	return pad_remove(p, n, &got);
}

static inline void
pad_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, pad_neg_run);
}

static const char *const vec_padding_spec[] = { "padding-buckets",
	"padding-marker", "padding-removal", NULL };

static inline json_t *
vec_build_padding(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "bucket", bucket_case },
		{ "is_bucket", is_bucket_case },
		{ "pad", pad_case },
		{ "negative", pad_neg_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("padding.json",
	    "Padding buckets of plaintext lengths "
	    "around every boundary (null bucket: "
	    "too long), which lengths are bucket "
	    "sizes, padded plaintexts, and padded "
	    "buffers that removal rejects (the case "
	    "name gives the reason).",
	    vec_padding_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

#endif
