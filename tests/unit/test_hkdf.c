/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for crypto/hkdf: RFC 5869 (HKDF-SHA256) test cases 1-3 and
 * RFC 4231 HMAC-SHA256 test cases 1, 2 and 6, plus the length limits. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "crypto/hkdf.h"

struct hkdf_vector {
	const char *name;
	const char *ikm;
	const char *salt;
	const char *info;
	size_t len;
	const char *prk;
	const char *okm;
};

/* RFC 5869 appendix A.1-A.3. */
static const struct hkdf_vector rfc5869[] = {
	{ "A.1", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
	    "077709362c2e32df0ddc3f0dc47bba63"
	    "90b6c73bb50f9c3122ec844ad7c2b3e5",
	    "3cb25f25faacd57a90434f64d0362f2a"
	    "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865" },
	{ "A.2",
	    "000102030405060708090a0b0c0d0e0f"
	    "101112131415161718191a1b1c1d1e1f"
	    "202122232425262728292a2b2c2d2e2f"
	    "303132333435363738393a3b3c3d3e3f"
	    "404142434445464748494a4b4c4d4e4f",
	    "606162636465666768696a6b6c6d6e6f"
	    "707172737475767778797a7b7c7d7e7f"
	    "808182838485868788898a8b8c8d8e8f"
	    "909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
	    "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	    82,
	    "06a6b88c5853361a06104c9ceb35b45c"
	    "ef760014904671014a193f40c15fc244",
	    "b11e398dc80327a1c8e7f78c596a4934"
	    "4f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09"
	    "da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f"
	    "1d87" },
	{ "A.3", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42,
	    "19ef24a32c717b167f33a91d6f648bdf"
	    "96596776afdb6377ac434c1c293ccb04",
	    "8da4e775a563c18f715f802a063c5a31"
	    "b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8" },
};

#define NVEC (sizeof(rfc5869) / sizeof(rfc5869[0]))

/* The decoded fields of one vector. */
struct hkdf_case {
	uint8_t ikm[80], salt[80], info[80], prk[32], okm[82];
	size_t ikm_len, salt_len, info_len, okm_len;
};

static void
load(const struct hkdf_vector *v, struct hkdf_case *c)
{
	memset(c, 0, sizeof(*c));
	c->ikm_len = test_unhex(c->ikm, sizeof(c->ikm), v->ikm);
	c->salt_len = test_unhex(c->salt, sizeof(c->salt), v->salt);
	c->info_len = test_unhex(c->info, sizeof(c->info), v->info);
	assert_int_equal(test_unhex(c->prk, sizeof(c->prk), v->prk), 32);
	c->okm_len = test_unhex(c->okm, sizeof(c->okm), v->okm);
	assert_int_equal(c->okm_len, v->len);
}

/* Empty fields are passed as NULL/0, as callers with no salt do. */
static const uint8_t *
or_null(const uint8_t *p, size_t n)
{
	return n > 0 ? p : NULL;
}

static void
test_rfc5869_extract(void **state)
{
	struct hkdf_case c;
	uint8_t prk[HKDF_HASH_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < NVEC; i++) {
		load(&rfc5869[i], &c);
		memset(prk, 0xee, sizeof(prk));
		hkdf_extract(prk, or_null(c.salt, c.salt_len), c.salt_len,
		    c.ikm, c.ikm_len);
		assert_mem_eq(prk, c.prk, sizeof(prk));
	}
}

static void
test_rfc5869_expand(void **state)
{
	struct hkdf_case c;
	uint8_t okm[82 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < NVEC; i++) {
		load(&rfc5869[i], &c);
		memset(okm, 0xee, sizeof(okm));
		assert_ok(hkdf_expand(okm, c.okm_len, c.prk,
		    or_null(c.info, c.info_len), c.info_len));
		assert_mem_eq(okm, c.okm, c.okm_len);
		assert_int_equal(okm[c.okm_len], 0xee); /* no overrun */
	}
}

static void
test_rfc5869_full(void **state)
{
	struct hkdf_case c;
	uint8_t okm[82 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < NVEC; i++) {
		load(&rfc5869[i], &c);
		memset(okm, 0xee, sizeof(okm));
		assert_ok(hkdf_sha256(okm, c.okm_len,
		    or_null(c.salt, c.salt_len), c.salt_len, c.ikm, c.ikm_len,
		    or_null(c.info, c.info_len), c.info_len));
		assert_mem_eq(okm, c.okm, c.okm_len);
		assert_int_equal(okm[c.okm_len], 0xee);
	}
}

/* A NULL salt is 32 zero bytes (RFC 5869 2.2). */
static void
test_extract_null_salt(void **state)
{
	static const uint8_t zeros[32];
	static const uint8_t ikm[] = "input keying material";
	uint8_t a[32], b[32], c[32];

	(void)state;
	hkdf_extract(a, NULL, 0, ikm, sizeof(ikm));
	hkdf_extract(b, zeros, sizeof(zeros), ikm, sizeof(ikm));
	/* (A shorter all-zero salt would give the same HMAC key.) */
	hkdf_extract(c, ikm, 1, ikm, sizeof(ikm));
	assert_mem_eq(a, b, 32);
	assert_memory_not_equal(a, c, 32);
}

/* Shorter outputs are prefixes of longer ones; info changes everything. */
static void
test_expand_prefix(void **state)
{
	struct hkdf_case c;
	uint8_t okm[82], part[82];
	size_t n;

	(void)state;
	load(&rfc5869[1], &c);
	for (n = 1; n <= sizeof(okm); n++) {
		assert_ok(hkdf_expand(part, n, c.prk, c.info, c.info_len));
		assert_mem_eq(part, c.okm, n);
	}
	assert_ok(hkdf_expand(okm, sizeof(okm), c.prk, c.info,
	    c.info_len - 1));
	assert_memory_not_equal(okm, c.okm, 32);
}

static void
test_expand_limits(void **state)
{
	static const uint8_t prk[HKDF_HASH_LEN] = { 1, 2, 3 };
	static const uint8_t ikm[] = { 0x0b, 0x0b };
	/* SHA-256 of the 8160-byte OKM of this prk with info "x", from an
	 * independent HKDF (Python hmac). */
	static const char *const digest_hex =
	    "522c5f30bbd4a1a3ca3fb844bfdb4728"
	    "0b8fe9f4608740467c7b4ea7e9706bf8";
	uint8_t *out, digest[32], want[32], one[1];
	size_t i;

	(void)state;
	out = malloc(HKDF_MAX_OUT + 1);
	assert_non_null(out);
	assert_int_equal(HKDF_MAX_OUT, 255 * 32);

	assert_err(hkdf_expand(one, 0, prk, NULL, 0), ERR_ARG);
	memset(out, 0xee, HKDF_MAX_OUT + 1);
	assert_err(hkdf_expand(out, HKDF_MAX_OUT + 1, prk, NULL, 0),
	    ERR_ARG);
	for (i = 0; i < HKDF_MAX_OUT + 1; i++) {
		assert_int_equal(out[i], 0);
	}
	assert_err(hkdf_sha256(out, 0, NULL, 0, ikm, sizeof(ikm), NULL, 0),
	    ERR_ARG);
	assert_err(hkdf_sha256(out, HKDF_MAX_OUT + 1, NULL, 0, ikm,
		       sizeof(ikm), NULL, 0),
	    ERR_ARG);

	memset(out, 0xee, HKDF_MAX_OUT + 1);
	assert_ok(hkdf_expand(out, HKDF_MAX_OUT, prk, (const uint8_t *)"x",
	    1));
	assert_int_equal(out[HKDF_MAX_OUT], 0xee);
	crypto_hash_sha256(digest, out, HKDF_MAX_OUT);
	test_unhex(want, sizeof(want), digest_hex);
	assert_mem_eq(digest, want, sizeof(want));
	free(out);
}

/* RFC 4231 4.2, 4.3 and 4.7 (key longer than the block). */
static void
test_hmac_rfc4231(void **state)
{
	static const char *const data1 = "Hi There";
	static const char *const key2 = "Jefe";
	static const char *const data2 = "what do ya want for nothing?";
	static const char *const data6 =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	uint8_t key[131], want[32], mac[32];

	(void)state;
	memset(key, 0x0b, 20);
	test_unhex(want, sizeof(want),
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7");
	hmac_sha256(mac, key, 20, (const uint8_t *)data1, strlen(data1));
	assert_mem_eq(mac, want, 32);

	test_unhex(want, sizeof(want),
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	hmac_sha256(mac, (const uint8_t *)key2, strlen(key2),
	    (const uint8_t *)data2, strlen(data2));
	assert_mem_eq(mac, want, 32);

	memset(key, 0xaa, sizeof(key));
	test_unhex(want, sizeof(want),
	    "60e431591ee0b67f0d8a26aacbf5b77f"
	    "8e0bc6213728c5140546040f0ee37f54");
	hmac_sha256(mac, key, sizeof(key), (const uint8_t *)data6,
	    strlen(data6));
	assert_mem_eq(mac, want, 32);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5869_extract),
		cmocka_unit_test(test_rfc5869_expand),
		cmocka_unit_test(test_rfc5869_full),
		cmocka_unit_test(test_extract_null_salt),
		cmocka_unit_test(test_expand_prefix),
		cmocka_unit_test(test_expand_limits),
		cmocka_unit_test(test_hmac_rfc4231),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_hkdf: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
