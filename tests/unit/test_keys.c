/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for crypto/keys and crypto/rng: RFC 7748 (X25519) and RFC 8032
 * (Ed25519) vectors, small-order and non-canonical keys, strict signature
 * checks, prekey signatures and the seeded ChaCha20 RNG. */
#include "tests/unit/helpers.h"

#include <sodium.h>

#include "common/mem.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "crypto/rng.h"

/* Fails the test unless the n bytes at p are all zero. */
static void
assert_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 0) {
			fail_msg("byte %zu is %02x, want 00", i, p[i]);
		}
	}
}

/* Decodes exactly n bytes of hex. */
static void
unhex_n(uint8_t *out, size_t n, const char *hex)
{
	assert_int_equal(test_unhex(out, n, hex), n);
}

/* RFC 7748 section 5.2: the two single-shot vectors. */
static void
test_x25519_rfc7748_vectors(void **state)
{
	static const char *const v[][3] = {
		{ "a546e36bf0527c9d3b16154b82465edd"
		  "62144c0ac1fc5a18506a2244ba449ac4",
		    "e6db6867583030db3594c1a424b15f7c"
		    "726624ec26b3353b10a903a6d0ab1c4c",
		    "c3da55379de9c6908e94ea4df28d084f"
		    "32eccf03491c71f754b4075577a28552" },
		{ "4b66e9d4d1b4673c5ad22691957d6af5"
		  "c11b6421e0ea01d42ca4169e7918ba0d",
		    "e5210f12786811d3f4b7959d0538ae2c"
		    "31dbe7106fc03c3efc4cd549c715a493",
		    "95cbde9476e8907d7aade45cb4b873f8"
		    "8b595a68799fa152e6f8f7647aac7957" },
	};
	uint8_t k[32], u[32], want[32], out[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unhex_n(k, 32, v[i][0]);
		unhex_n(u, 32, v[i][1]);
		unhex_n(want, 32, v[i][2]);
		assert_ok(key_dh(out, k, u));
		assert_mem_eq(out, want, 32);
	}
}

/* RFC 7748 section 5.2: k = u = 9; k, u = X25519(k, u), k. */
static void
test_x25519_rfc7748_iterated(void **state)
{
	uint8_t k[32] = { 9 }, u[32] = { 9 }, out[32], want[32];
	int i;

	(void)state;
	for (i = 1; i <= 1000; i++) {
		assert_ok(key_dh(out, k, u));
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (i == 1) {
			unhex_n(want, 32,
			    "422c8e7a6227d7bca1350b3e2bb7279f"
			    "7897b87bb6854b783c60e80311ae3079");
			assert_mem_eq(k, want, 32);
		}
	}
	unhex_n(want, 32,
	    "684cf59ba83309552800ef566f2f4d3c"
	    "1c3887c49360e3875f2eb94d99532c51");
	assert_mem_eq(k, want, 32);
}

/* RFC 7748 section 6.1: Alice and Bob. */
static void
test_x25519_rfc7748_dh(void **state)
{
	uint8_t a[32], b[32], apub[32], bpub[32], k[32], out[32];
	struct x25519_keypair kp;

	(void)state;
	unhex_n(a, 32,
	    "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a");
	unhex_n(apub, 32,
	    "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a");
	unhex_n(b, 32,
	    "5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb");
	unhex_n(bpub, 32,
	    "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f");
	unhex_n(k, 32,
	    "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742");

	x25519_keypair_from_secret(&kp, a);
	assert_mem_eq(kp.sk, a, 32);
	assert_mem_eq(kp.pk, apub, 32);
	x25519_keypair_from_secret(&kp, b);
	assert_mem_eq(kp.pk, bpub, 32);

	assert_ok(key_dh(out, a, bpub));
	assert_mem_eq(out, k, 32);
	assert_ok(key_dh(out, b, apub));
	assert_mem_eq(out, k, 32);

	x25519_keypair_wipe(&kp);
	assert_zero((const uint8_t *)&kp, sizeof(kp));
}

/* Points of small order give an all-zero result: ERR_KEY, zeroed out. */
static void
test_x25519_small_order(void **state)
{
	static const char *const bad[] = {
		/* 0 */
		"00000000000000000000000000000000"
		"00000000000000000000000000000000",
		/* 1 */
		"01000000000000000000000000000000"
		"00000000000000000000000000000000",
		/* order 8 */
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"
		"da098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b"
		"04445cc4581c8e86d8224eddd09f1157",
		/* p - 1 (order 2), p (= 0), p + 1 (= 1) */
		"ecffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffff"
		"ffffffffffffffffffffffffffffff7f",
		/* the same points with the ignored top bit set */
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"
		"da098deb9c32b1fd866205165f49b880",
		"00000000000000000000000000000000"
		"00000000000000000000000000000080",
	};
	uint8_t sk[32], pk[32], out[32];
	size_t i;

	(void)state;
	memset(sk, 0x77, sizeof(sk));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unhex_n(pk, 32, bad[i]);
		memset(out, 0xaa, sizeof(out));
		assert_err(key_dh(out, sk, pk), ERR_KEY);
		assert_zero(out, sizeof(out));
	}
}

struct rfc8032_vector {
	const char *sk, *pk, *msg, *sig;
};

/* RFC 8032 section 7.1, TEST 1-3. */
static const struct rfc8032_vector rfc8032[] = {
	{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
	    "",
	    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	    "5fb8821590a33bacc61e39701cf9b46b"
	    "d25bf5f0595bbe24655141438e7a100b" },
	{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
	    "72",
	    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	    "085ac1e43e15996e458f3613d0f11d8c"
	    "387b2eaeb4302aeeb00d291612bb0c00" },
	{ "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
	    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
	    "af82",
	    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
	    "18ff9b538d16f290ae67f760984dc659"
	    "4a7c15e9716ed28dc027beceea1ec40a" },
};

#define NRFC8032 (sizeof(rfc8032) / sizeof(rfc8032[0]))

/* One decoded RFC 8032 vector. */
struct ed_case {
	uint8_t seed[32], pk[32], msg[2], sig[64];
	size_t msg_len;
};

static void
load_ed(size_t i, struct ed_case *c)
{
	unhex_n(c->seed, 32, rfc8032[i].sk);
	unhex_n(c->pk, 32, rfc8032[i].pk);
	c->msg_len = test_unhex(c->msg, sizeof(c->msg), rfc8032[i].msg);
	unhex_n(c->sig, 64, rfc8032[i].sig);
}

static void
test_ed25519_rfc8032(void **state)
{
	struct identity_key *ik = NULL;
	struct ed_case c;
	uint8_t sig[64];
	size_t i;

	(void)state;
	for (i = 0; i < NRFC8032; i++) {
		load_ed(i, &c);
		assert_ok(identity_from_seed(c.seed, &ik));
		assert_mem_eq(ik->ed_pk, c.pk, 32);
		assert_ok(key_check_identity(ik->ed_pk));
		identity_sign(ik, c.msg, c.msg_len, sig);
		assert_mem_eq(sig, c.sig, 64);
		assert_ok(key_verify(c.pk, c.msg, c.msg_len, c.sig));
		identity_free(ik);
		ik = NULL;
	}
}

/* Any flipped bit in the signature or message is ERR_AUTH; so is another
 * signer's key. */
static void
test_ed25519_flipped(void **state)
{
	struct ed_case c, other;
	uint8_t sig[64], msg[2];
	size_t i;
	int bit;

	(void)state;
	load_ed(2, &c);
	load_ed(1, &other);
	for (i = 0; i < 64; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			memcpy(sig, c.sig, 64);
			sig[i] ^= (uint8_t)(1U << bit);
			assert_err(key_verify(c.pk, c.msg, c.msg_len, sig),
			    ERR_AUTH);
		}
	}
	for (i = 0; i < 16; i++) {
		memcpy(msg, c.msg, 2);
		msg[i / 8] ^= (uint8_t)(1U << (i % 8));
		assert_err(key_verify(c.pk, msg, 2, c.sig), ERR_AUTH);
	}
	/* Truncated or extended message. */
	assert_err(key_verify(c.pk, c.msg, 1, c.sig), ERR_AUTH);
	assert_err(key_verify(c.pk, c.msg, 0, c.sig), ERR_AUTH);
	assert_err(key_verify(other.pk, c.msg, c.msg_len, c.sig), ERR_AUTH);
	assert_ok(key_verify(c.pk, c.msg, c.msg_len, c.sig));
}

/* s += L (little-endian, 256 bits); returns the carry out. */
static unsigned
add_order(uint8_t s[32])
{
	static const uint8_t order[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a,
		0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
		0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	unsigned carry = 0, t;
	size_t i;

	for (i = 0; i < 32; i++) {
		t = (unsigned)s[i] + order[i] + carry;
		s[i] = (uint8_t)t;
		carry = t >> 8;
	}
	return carry;
}

/* S' = S + L verifies under a lax check (same point) but must be refused:
 * otherwise signatures are malleable. */
static void
test_ed25519_noncanonical_s(void **state)
{
	struct ed_case c;
	uint8_t sig[64];
	size_t i;

	(void)state;
	for (i = 0; i < NRFC8032; i++) {
		load_ed(i, &c);
		memcpy(sig, c.sig, 64);
		/* S < 2^253 here, so S + L < 2^254 fits with no carry. */
		assert_true(sig[63] < 0x20);
		assert_int_equal(add_order(sig + 32), 0);
		assert_true(sig[63] >= 0x10);
		assert_memory_not_equal(sig, c.sig, 64);
		assert_err(key_verify(c.pk, c.msg, c.msg_len, sig), ERR_AUTH);
	}
}

/* Small-order, non-canonical and mixed-order Ed25519 keys are ERR_KEY. */
static const char *const bad_ed_pks[] = {
	/* identity (order 1) */
	"0100000000000000000000000000000000000000000000000000000000000000",
	/* order 2 (y = -1) */
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	/* order 4 (y = 0, both signs) */
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	/* order 8 */
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	/* non-canonical: y = p (= 0), y = p + 1 (= 1), y = 2^255 - 1 */
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	/* not on the curve (no x for y = 2) */
	"0200000000000000000000000000000000000000000000000000000000000000",
};

#define NBAD_ED (sizeof(bad_ed_pks) / sizeof(bad_ed_pks[0]))

static void
test_check_identity_rejects(void **state)
{
	struct ed_case c;
	uint8_t pk[32], x[32];
	size_t i;

	(void)state;
	for (i = 0; i < NBAD_ED; i++) {
		unhex_n(pk, 32, bad_ed_pks[i]);
		assert_err(key_check_identity(pk), ERR_KEY);
		memset(x, 0xaa, sizeof(x));
		assert_err(key_identity_to_x25519(x, pk), ERR_KEY);
		assert_zero(x, sizeof(x));
	}
	for (i = 0; i < NRFC8032; i++) {
		load_ed(i, &c);
		assert_ok(key_check_identity(c.pk));
	}
}

/* A valid key plus a point of order 8: on the curve, canonical, but
 * outside the prime-order subgroup. */
static void
test_check_identity_mixed_order(void **state)
{
	struct ed_case c;
	uint8_t t[32], mixed[32];

	(void)state;
	load_ed(0, &c);
	unhex_n(t, 32, bad_ed_pks[4]);
	assert_int_equal(crypto_core_ed25519_add(mixed, c.pk, t), 0);
	assert_memory_not_equal(mixed, c.pk, 32);
	assert_err(key_check_identity(mixed), ERR_KEY);
	assert_err(key_verify(mixed, c.msg, c.msg_len, c.sig), ERR_KEY);
}

static void
test_verify_invalid_pk(void **state)
{
	struct ed_case c;
	uint8_t pk[32];
	size_t i;

	(void)state;
	load_ed(0, &c);
	for (i = 0; i < NBAD_ED; i++) {
		unhex_n(pk, 32, bad_ed_pks[i]);
		assert_err(key_verify(pk, c.msg, c.msg_len, c.sig), ERR_KEY);
	}
}

static void
test_identity_secret_codec(void **state)
{
	struct identity_key *ik = NULL, *back = NULL;
	struct ed_case c;
	uint8_t enc[IDENTITY_SECRET_LEN + 1];
	size_t n;

	(void)state;
	assert_int_equal(IDENTITY_SECRET_LEN, 33);
	load_ed(1, &c);
	assert_ok(identity_from_seed(c.seed, &ik));
	memset(enc, 0xee, sizeof(enc));
	identity_encode_secret(ik, enc);
	assert_int_equal(enc[0], 0x01);
	assert_int_equal(enc[0], SUITE_VERSION);
	assert_mem_eq(enc + 1, c.seed, 32);
	assert_int_equal(enc[33], 0xee);

	assert_ok(identity_decode_secret(enc, 33, &back));
	assert_non_null(back);
	assert_mem_eq(back->ed_pk, c.pk, 32);
	assert_mem_eq(back->ed_sk, ik->ed_sk, 64);
	assert_mem_eq(back->x_sk, ik->x_sk, 32);
	assert_mem_eq(back->x_pk, ik->x_pk, 32);
	identity_free(back);

	for (n = 0; n < 33; n++) {
		back = ik;
		assert_err(identity_decode_secret(enc, n, &back), ERR_SHORT);
		assert_null(back);
	}
	back = ik;
	assert_err(identity_decode_secret(enc, 34, &back), ERR_TRAILING);
	assert_null(back);

	enc[0] = 0x02;
	back = ik;
	assert_err(identity_decode_secret(enc, 33, &back), ERR_VERSION);
	assert_null(back);
	enc[0] = 0x00;
	assert_err(identity_decode_secret(enc, 33, &back), ERR_VERSION);
	assert_null(back);
	identity_free(ik);
	sodium_memzero(enc, sizeof(enc));
}

/* The X25519 form: from the Ed25519 public key, from the secret key, and
 * as a working DH key. */
static void
test_identity_x25519_form(void **state)
{
	struct identity_key *ik = NULL;
	struct x25519_keypair kp;
	uint8_t x[32], base[32], s1[32], s2[32];
	size_t i;

	(void)state;
	memset(kp.sk, 0x31, sizeof(kp.sk));
	x25519_keypair_from_secret(&kp, kp.sk);
	for (i = 0; i < NRFC8032; i++) {
		struct ed_case c;

		load_ed(i, &c);
		assert_ok(identity_from_seed(c.seed, &ik));
		memset(x, 0, sizeof(x));
		assert_ok(key_identity_to_x25519(x, ik->ed_pk));
		assert_mem_eq(x, ik->x_pk, 32);
		assert_int_equal(crypto_scalarmult_base(base, ik->x_sk), 0);
		assert_mem_eq(base, ik->x_pk, 32);
		assert_ok(key_dh(s1, ik->x_sk, kp.pk));
		assert_ok(key_dh(s2, kp.sk, x));
		assert_mem_eq(s1, s2, 32);
		identity_free(ik);
		ik = NULL;
	}
	x25519_keypair_wipe(&kp);
}

static void
test_identity_new_seeded(void **state)
{
	uint8_t seed[32];
	struct rng_seeded r1, r2;
	struct identity_key *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	memset(seed, 0x01, sizeof(seed));
	rng_seeded_init(&r1, seed);
	rng_seeded_init(&r2, seed);
	assert_ok(identity_new(&r1.rng, &a));
	assert_ok(identity_new(&r2.rng, &b));
	assert_mem_eq(a->ed_pk, b->ed_pk, 32);
	assert_ok(identity_new(&r1.rng, &c));
	assert_memory_not_equal(a->ed_pk, c->ed_pk, 32);
	identity_free(a);
	identity_free(b);
	identity_free(c);

	a = (void *)seed;
	mem_fail_after(0);
	assert_err(identity_new(&r1.rng, &a), ERR_NOMEM);
	mem_fail_after(-1);
	assert_null(a);
	rng_seeded_wipe(&r1);
	rng_seeded_wipe(&r2);
}

/* The exact signed message: label || u32 big-endian id || pk. */
static size_t
prekey_msg(uint8_t *buf, enum prekey_kind kind, uint32_t id,
    const uint8_t pk[32])
{
	const char *label = kind == PREKEY_SIGNED ? LABEL_SIG_SIGNED_PREKEY
						  : LABEL_SIG_LAST_RESORT;
	size_t n = strlen(label);

	memcpy(buf, label, n);
	buf[n] = (uint8_t)(id >> 24);
	buf[n + 1] = (uint8_t)(id >> 16);
	buf[n + 2] = (uint8_t)(id >> 8);
	buf[n + 3] = (uint8_t)id;
	memcpy(buf + n + 4, pk, 32);
	return n + 4 + 32;
}

static void
test_prekey_sign_verify(void **state)
{
	static const enum prekey_kind kinds[] = { PREKEY_SIGNED,
		PREKEY_LAST_RESORT };
	struct identity_key *ik = NULL, *other = NULL;
	uint8_t seed[32], pk[32], pk2[32], sig[64], bad[64], msg[128];
	uint32_t id = 0x01020304UL;
	size_t k, i, n;

	(void)state;
	memset(seed, 0x5e, sizeof(seed));
	assert_ok(identity_from_seed(seed, &ik));
	seed[0] ^= 1;
	assert_ok(identity_from_seed(seed, &other));
	memset(pk, 0x09, sizeof(pk));
	memcpy(pk2, pk, 32);
	pk2[31] ^= 0x40;

	for (k = 0; k < 2; k++) {
		enum prekey_kind kind = kinds[k];
		enum prekey_kind wrong = kinds[1 - k];

		prekey_sign(ik, kind, id, pk, sig);
		assert_ok(prekey_verify(ik->ed_pk, kind, id, pk, sig));
		/* Pins the format: an independent Ed25519 check. */
		n = prekey_msg(msg, kind, id, pk);
		assert_int_equal(
		    crypto_sign_verify_detached(sig, msg, n, ik->ed_pk), 0);
		assert_ok(key_verify(ik->ed_pk, msg, n, sig));

		assert_err(prekey_verify(ik->ed_pk, wrong, id, pk, sig),
		    ERR_AUTH);
		assert_err(prekey_verify(ik->ed_pk, kind, id + 1, pk, sig),
		    ERR_AUTH);
		assert_err(prekey_verify(ik->ed_pk, kind, id ^ 0x01000000UL,
			       pk, sig),
		    ERR_AUTH);
		assert_err(prekey_verify(ik->ed_pk, kind, id, pk2, sig),
		    ERR_AUTH);
		assert_err(prekey_verify(other->ed_pk, kind, id, pk, sig),
		    ERR_AUTH);
		for (i = 0; i < 64; i++) {
			memcpy(bad, sig, 64);
			bad[i] ^= 0x80;
			assert_err(prekey_verify(ik->ed_pk, kind, id, pk, bad),
			    ERR_AUTH);
		}
		assert_err(prekey_verify(ik->ed_pk, (enum prekey_kind)7, id,
			       pk, sig),
		    ERR_ARG);
		assert_err(prekey_verify(ik->ed_pk, (enum prekey_kind)0, id,
			       pk, sig),
		    ERR_ARG);
		unhex_n(bad, 32, bad_ed_pks[0]);
		assert_err(prekey_verify(bad, kind, id, pk, sig), ERR_KEY);
	}
	identity_free(ik);
	identity_free(other);
}

/* Domain separation: the two kinds sign different messages. */
static void
test_prekey_domain_separation(void **state)
{
	struct identity_key *ik = NULL;
	uint8_t seed[32], pk[32], s1[64], s2[64];

	(void)state;
	memset(seed, 0x33, sizeof(seed));
	memset(pk, 0x44, sizeof(pk));
	assert_ok(identity_from_seed(seed, &ik));
	prekey_sign(ik, PREKEY_SIGNED, 7, pk, s1);
	prekey_sign(ik, PREKEY_LAST_RESORT, 7, pk, s2);
	assert_memory_not_equal(s1, s2, 64);
	assert_err(prekey_verify(ik->ed_pk, PREKEY_LAST_RESORT, 7, pk, s1),
	    ERR_AUTH);
	assert_err(prekey_verify(ik->ed_pk, PREKEY_SIGNED, 7, pk, s2),
	    ERR_AUTH);
	/* A raw signature over pk alone is no prekey signature either. */
	identity_sign(ik, pk, sizeof(pk), s1);
	assert_err(prekey_verify(ik->ed_pk, PREKEY_SIGNED, 7, pk, s1),
	    ERR_AUTH);
	identity_free(ik);
}

static void
test_x25519_keypair_seeded(void **state)
{
	uint8_t seed_a[32], seed_b[32], base[32];
	struct rng_seeded ra, ra2, rb;
	struct x25519_keypair a, a2, b, c, r;
	uint8_t s1[32], s2[32];

	(void)state;
	memset(seed_a, 0xa1, sizeof(seed_a));
	memcpy(seed_b, seed_a, sizeof(seed_b));
	seed_b[31] ^= 1;
	rng_seeded_init(&ra, seed_a);
	rng_seeded_init(&ra2, seed_a);
	rng_seeded_init(&rb, seed_b);
	x25519_keypair_generate(&ra.rng, &a);
	x25519_keypair_generate(&ra2.rng, &a2);
	x25519_keypair_generate(&rb.rng, &b);
	assert_mem_eq(a.sk, a2.sk, 32);
	assert_mem_eq(a.pk, a2.pk, 32);
	assert_memory_not_equal(a.sk, b.sk, 32);
	assert_memory_not_equal(a.pk, b.pk, 32);
	/* The next key from the same stream differs. */
	x25519_keypair_generate(&ra.rng, &c);
	assert_memory_not_equal(a.pk, c.pk, 32);

	x25519_keypair_from_secret(&r, a.sk);
	assert_mem_eq(r.pk, a.pk, 32);
	assert_int_equal(crypto_scalarmult_base(base, a.sk), 0);
	assert_mem_eq(base, a.pk, 32);

	assert_ok(key_dh(s1, a.sk, b.pk));
	assert_ok(key_dh(s2, b.sk, a.pk));
	assert_mem_eq(s1, s2, 32);

	/* The system RNG gives distinct keys. */
	x25519_keypair_generate(&rng_system, &r);
	x25519_keypair_generate(&rng_system, &c);
	assert_memory_not_equal(r.sk, c.sk, 32);

	x25519_keypair_wipe(&a);
	assert_zero((const uint8_t *)&a, sizeof(a));
	rng_seeded_wipe(&ra);
	rng_seeded_wipe(&ra2);
	rng_seeded_wipe(&rb);
}

static void
test_key_log_id(void **state)
{
	uint8_t pk[32], h[32];
	char id[17], id2[17], want[17];
	size_t i;

	(void)state;
	memset(pk, 0x5a, sizeof(pk));
	memset(id, 'Z', sizeof(id));
	key_log_id(pk, id);
	assert_int_equal(id[16], '\0');
	assert_int_equal(strlen(id), 16);
	for (i = 0; i < 16; i++) {
		assert_true((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f'));
	}
	crypto_hash_sha256(h, pk, sizeof(pk));
	sodium_bin2hex(want, sizeof(want), h, 8);
	assert_string_equal(id, want);

	pk[0] ^= 1;
	key_log_id(pk, id2);
	assert_string_not_equal(id, id2);
}

/* The expected ChaCha20 keystream, computed by libsodium directly. */
static void
chacha_stream(uint8_t *out, size_t n, const uint8_t seed[32])
{
	static const uint8_t nonce[crypto_stream_chacha20_NONCEBYTES];

	assert_int_equal(crypto_stream_chacha20(out, n, nonce, seed), 0);
}

static void
test_rng_seeded_keystream(void **state)
{
	static const size_t pieces[] = { 1, 7, 64, 100, 1, 63, 64, 65, 128,
		3, 200 };
	uint8_t seed[32], want[1024], got[1024];
	struct rng_seeded s;
	size_t i, off;

	(void)state;
	for (i = 0; i < 32; i++) {
		seed[i] = (uint8_t)(i * 7 + 1);
	}
	chacha_stream(want, sizeof(want), seed);

	rng_seeded_init(&s, seed);
	memset(got, 0, sizeof(got));
	rng_fill(&s.rng, got, sizeof(got));
	assert_mem_eq(got, want, sizeof(got));
	rng_seeded_wipe(&s);

	rng_seeded_init(&s, seed);
	memset(got, 0, sizeof(got));
	off = 0;
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		rng_fill(&s.rng, got + off, pieces[i]);
		off += pieces[i];
	}
	assert_true(off <= sizeof(got));
	assert_mem_eq(got, want, off);
	/* Zero-length reads consume nothing. */
	rng_fill(&s.rng, got + off, 0);
	rng_fill(&s.rng, got + off, sizeof(got) - off);
	assert_mem_eq(got, want, sizeof(got));
	rng_seeded_wipe(&s);
	assert_zero((const uint8_t *)&s, sizeof(s));
}

/* The all-zero seed gives the first block of RFC 8439 A.1 test vector #1
 * (key, nonce and counter all zero), which the 64-bit-nonce variant shares
 * when the nonce and counter are zero. */
static void
test_rng_seeded_zero_key(void **state)
{
	static const uint8_t zero[32];
	uint8_t want[64], got[64];
	struct rng_seeded s;

	(void)state;
	unhex_n(want, 64,
	    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
	    "da41597c5157488d7724e03fb8d84a37"
	    "6a43b8f41518a11cc387b669b2ee6586");
	rng_seeded_init(&s, zero);
	rng_fill(&s.rng, got, sizeof(got));
	assert_mem_eq(got, want, 64);
	rng_seeded_wipe(&s);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_rfc7748_vectors),
		cmocka_unit_test(test_x25519_rfc7748_iterated),
		cmocka_unit_test(test_x25519_rfc7748_dh),
		cmocka_unit_test(test_x25519_small_order),
		cmocka_unit_test(test_ed25519_rfc8032),
		cmocka_unit_test(test_ed25519_flipped),
		cmocka_unit_test(test_ed25519_noncanonical_s),
		cmocka_unit_test(test_check_identity_rejects),
		cmocka_unit_test(test_check_identity_mixed_order),
		cmocka_unit_test(test_verify_invalid_pk),
		cmocka_unit_test(test_identity_secret_codec),
		cmocka_unit_test(test_identity_x25519_form),
		cmocka_unit_test(test_identity_new_seeded),
		cmocka_unit_test(test_prekey_sign_verify),
		cmocka_unit_test(test_prekey_domain_separation),
		cmocka_unit_test(test_x25519_keypair_seeded),
		cmocka_unit_test(test_key_log_id),
		cmocka_unit_test(test_rng_seeded_keystream),
		cmocka_unit_test(test_rng_seeded_zero_key),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_keys: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
