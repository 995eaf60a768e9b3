/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Cross-checks against libolm 3.2.13 where the constructions coincide:
 * X25519 (olm_pk), Ed25519 keys and signatures (olm_pk_signing, accounts,
 * olm_ed25519_verify) and SHA-256. */

/*
 * What coincides, byte for byte:
 *   - X25519: olm_pk's public key of a secret, and its agreement (seen
 *     through olm_pk_encrypt, whose output is rebuilt here from key_dh).
 *   - HKDF-SHA256 with an empty salt and info (olm_pk's key derivation)
 *     equals hkdf_sha256 with a NULL salt (HMAC pads the key with zeros).
 *   - Ed25519 (RFC 8032): same public key from a seed and, signatures
 *     being deterministic, the same signature bytes; each side verifies
 *     the other's.
 *   - SHA-256 (olm_sha256).
 *
 * What does not, and why:
 *   - Olm's ratchet and session format: KDF labels "OLM_ROOT",
 *     "OLM_RATCHET", "OLM_KEYS", AES-256-CBC + HMAC-SHA256 truncated to 8
 *     bytes, a 3DH without signed prekeys; nothing in it is exposed, and
 *     none of it is Sealpost's (X3DH, header-encrypted XChaCha20-Poly1305).
 *     bench/bench_ref.c compares sessions by speed only.
 *   - Olm's identity has two independent keys (Ed25519 for signing,
 *     X25519 for DH, both from the account's randomness); Sealpost derives
 *     its X25519 identity from the Ed25519 one.
 *   - olm_pk_encrypt's 8-byte MAC is HMAC-SHA256 over the empty string
 *     (the ciphertext is not authenticated): asserted below.
 *   - Ed25519 strictness: olm_ed25519_verify accepts a signature whose S
 *     has L added (malleable); Sealpost's key_verify refuses it.
 */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include <olm/olm.h>
#include <olm/pk.h>

#include "crypto/hkdf.h"
#include "crypto/keys.h"
#include "crypto/rng.h"
#include "tests/interop/aes_cbc.h"

#define B64_KEY_LEN 43 /* unpadded base64 of 32 bytes */
#define B64_SIG_LEN 86 /* of 64 bytes */
#define B64_MAC_LEN 11 /* of 8 bytes */
#define PK_MAC_LEN 8
#define CASES 100
#define MAX_PT 300

static int
group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void
seeded(struct rng_seeded *s, uint8_t tag)
{
	uint8_t seed[32] = { 'o', 'l', 'm' };

	seed[31] = tag;
	rng_seeded_init(s, seed);
}

/* Olm's base64: standard alphabet, no padding. */
static void
b64_decode(uint8_t *out, size_t len, const char *in, size_t in_len)
{
	size_t got = 0;

	assert_int_equal(sodium_base642bin(out, len, in, in_len, NULL, &got,
			     NULL, sodium_base64_VARIANT_ORIGINAL_NO_PADDING),
	    0);
	assert_int_equal(got, len);
}

static void
b64_encode(char *out, size_t out_cap, const uint8_t *in, size_t len)
{
	assert_non_null(sodium_bin2base64(out, out_cap, in, len,
	    sodium_base64_VARIANT_ORIGINAL_NO_PADDING));
}

/* Memory for an olm object; olm's constructors take it as given. */
static void *
xalloc(size_t n)
{
	void *p = malloc(n);

	assert_non_null(p);
	return p;
}

/* Olm returns (size_t)-1 on error. */
static void
olm_ok(size_t r)
{
	assert_true(r != olm_error());
}

/* ---------------------------------------------------------------------- */

/* An OlmPkDecryption set to the X25519 secret sk; pk gets its public key
 * as olm_pk computes it. Free with pk_dec_free. */
static OlmPkDecryption *
pk_dec_new(const uint8_t sk[static KEY_LEN], uint8_t pk[static KEY_LEN])
{
	OlmPkDecryption *d = olm_pk_decryption(
	    xalloc(olm_pk_decryption_size()));
	char pub[B64_KEY_LEN + 1];
	uint8_t copy[KEY_LEN];

	assert_non_null(d);
	assert_int_equal(olm_pk_key_length(), B64_KEY_LEN);
	memcpy(copy, sk, KEY_LEN);
	olm_ok(olm_pk_key_from_private(d, pub, B64_KEY_LEN, copy, KEY_LEN));
	b64_decode(pk, KEY_LEN, pub, B64_KEY_LEN);
	sodium_memzero(copy, sizeof(copy));
	return d;
}

static void
pk_dec_free(OlmPkDecryption *d)
{
	olm_clear_pk_decryption(d);
	free(d);
}

/* olm_pk's public keys for RFC 7748 section 6.1's secrets, then for random
 * secrets (unclamped as drawn), against x25519_keypair_from_secret. */
static void
test_pk_public_key(void **state)
{
	static const char *const rfc[][2] = {
		{ "77076d0a7318a57d3c16c17251b26645"
		  "df4c2f87ebc0992ab177fba51db92c2a",
		    "8520f0098930a754748b7ddcb43ef75a"
		    "0dbf3a0d26381af4eba4a98eaa9b4e6a" },
		{ "5dab087e624a8a4b79e17f8b83800ee6"
		  "6f3bb1292618b6fd1c2f8b27ff88e0eb",
		    "de9edb7d7b7dc1b4d35b61c2ece43537"
		    "3f8343c85b78674dadfc7e146f882b4f" },
	};
	struct rng_seeded s;
	struct x25519_keypair kp;
	OlmPkDecryption *d;
	uint8_t sk[KEY_LEN], want[KEY_LEN], pk[KEY_LEN], back[KEY_LEN];
	int i;

	(void)state;
	for (i = 0; i < 2; i++) {
		test_unhex(sk, sizeof(sk), rfc[i][0]);
		test_unhex(want, sizeof(want), rfc[i][1]);
		d = pk_dec_new(sk, pk);
		assert_mem_eq(pk, want, KEY_LEN);
		pk_dec_free(d);
	}
	/* Bob's public key is not Alice's: the comparison is live. */
	test_unhex(sk, sizeof(sk), rfc[0][0]);
	x25519_keypair_from_secret(&kp, sk);
	assert_memory_not_equal(pk, kp.pk, KEY_LEN);

	seeded(&s, 1);
	for (i = 0; i < CASES; i++) {
		x25519_keypair_generate(&s.rng, &kp);
		d = pk_dec_new(kp.sk, pk);
		assert_mem_eq(pk, kp.pk, KEY_LEN);
		/* olm keeps the secret as given. */
		assert_int_equal(olm_pk_get_private_key(d, back, KEY_LEN),
		    KEY_LEN);
		assert_mem_eq(back, kp.sk, KEY_LEN);
		pk_dec_free(d);
	}
	sodium_memzero(back, sizeof(back));
	x25519_keypair_wipe(&kp);
	rng_seeded_wipe(&s);
}

/* olm_pk's message keys from a shared secret: HKDF-SHA256, empty salt and
 * info, 80 bytes: AES key, MAC key, IV. */
struct pk_keys {
	uint8_t aes[32], mac[32], iv[16];
};

static void
pk_keys(struct pk_keys *k, const uint8_t shared[static KEY_LEN])
{
	uint8_t okm[80];

	assert_ok(hkdf_sha256(okm, sizeof(okm), NULL, 0, shared, KEY_LEN,
	    NULL, 0));
	memcpy(k->aes, okm, 32);
	memcpy(k->mac, okm + 32, 32);
	memcpy(k->iv, okm + 64, 16);
	sodium_memzero(okm, sizeof(okm));
}

/* Sealpost's side of olm_pk: ciphertext and MAC for plaintext pt sent to
 * recipient pk with ephemeral secret eph, via key_dh and hkdf_sha256. */
static size_t
pk_seal(uint8_t *ct, uint8_t mac[PK_MAC_LEN], const uint8_t *pt, size_t len,
    const uint8_t eph[static KEY_LEN], const uint8_t pk[static KEY_LEN])
{
	struct pk_keys k;
	uint8_t shared[KEY_LEN], full[32];
	size_t ct_len = 0;

	assert_ok(key_dh(shared, eph, pk));
	pk_keys(&k, shared);
	assert_int_equal(aes256_cbc(1, k.aes, k.iv, pt, len, ct, &ct_len), 0);
	/* libolm's MAC covers its (empty) output buffer, not the
	 * ciphertext. */
	hmac_sha256(full, k.mac, sizeof(k.mac), NULL, 0);
	memcpy(mac, full, PK_MAC_LEN);
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(shared, sizeof(shared));
	return ct_len;
}

/* olm_pk_encrypt with chosen ephemeral secrets: its ephemeral public key,
 * ciphertext and MAC are rebuilt from Sealpost's X25519 and HKDF. */
static void
test_pk_encrypt_agreement(void **state)
{
	struct rng_seeded s;
	struct x25519_keypair rcpt, eph;
	OlmPkEncryption *e;
	uint8_t pt[MAX_PT], ct[MAX_PT + 16], mac[PK_MAC_LEN], got[MAX_PT + 16];
	uint8_t got_eph[KEY_LEN], got_mac[PK_MAC_LEN], n[2], other[KEY_LEN];
	char b64_pk[B64_KEY_LEN + 1], b64_eph[B64_KEY_LEN + 1];
	char b64_mac[B64_MAC_LEN + 1], b64_ct[(MAX_PT + 16) * 4 / 3 + 4];
	size_t len, ct_len, b64_len;
	int i;

	(void)state;
	seeded(&s, 2);
	e = olm_pk_encryption(xalloc(olm_pk_encryption_size()));
	assert_non_null(e);
	assert_int_equal(olm_pk_encrypt_random_length(e), KEY_LEN);
	assert_int_equal(olm_pk_mac_length(e), B64_MAC_LEN);
	for (i = 0; i < CASES; i++) {
		rng_fill(&s.rng, n, sizeof(n));
		len = (size_t)(n[0] | n[1] << 8) % MAX_PT;
		rng_fill(&s.rng, pt, len);
		x25519_keypair_generate(&s.rng, &rcpt);
		x25519_keypair_generate(&s.rng, &eph);
		b64_encode(b64_pk, sizeof(b64_pk), rcpt.pk, KEY_LEN);
		olm_ok(olm_pk_encryption_set_recipient_key(e, b64_pk,
		    B64_KEY_LEN));
		b64_len = olm_pk_ciphertext_length(e, len);
		assert_true(b64_len < sizeof(b64_ct));
		olm_ok(olm_pk_encrypt(e, pt, len, b64_ct, b64_len, b64_mac,
		    B64_MAC_LEN, b64_eph, B64_KEY_LEN, eph.sk, KEY_LEN));

		b64_decode(got_eph, KEY_LEN, b64_eph, B64_KEY_LEN);
		assert_mem_eq(got_eph, eph.pk, KEY_LEN);
		ct_len = pk_seal(ct, mac, pt, len, eph.sk, rcpt.pk);
		b64_decode(got, ct_len, b64_ct, b64_len);
		assert_mem_eq(got, ct, ct_len);
		b64_decode(got_mac, PK_MAC_LEN, b64_mac, B64_MAC_LEN);
		assert_mem_eq(got_mac, mac, PK_MAC_LEN);
		if (i == 0) {
			/* The ephemeral key's DH with a third key gives
			 * another ciphertext. */
			rng_fill(&s.rng, other, sizeof(other));
			x25519_keypair_from_secret(&rcpt, other);
			(void)pk_seal(ct, mac, pt, len, eph.sk, rcpt.pk);
			assert_memory_not_equal(got, ct, ct_len);
		}
	}
	olm_clear_pk_encryption(e);
	free(e);
	x25519_keypair_wipe(&rcpt);
	x25519_keypair_wipe(&eph);
	rng_seeded_wipe(&s);
}

/* The other way: what Sealpost's X25519 and HKDF seal to an olm_pk key
 * opens with olm_pk_decrypt; a flipped MAC bit is refused. */
static void
test_pk_decrypt(void **state)
{
	struct rng_seeded s;
	struct x25519_keypair rcpt, eph;
	OlmPkDecryption *d;
	uint8_t pt[MAX_PT], ct[MAX_PT + 16], mac[PK_MAC_LEN], out[MAX_PT + 16];
	uint8_t pk[KEY_LEN];
	char b64_eph[B64_KEY_LEN + 1], b64_mac[B64_MAC_LEN + 1];
	char b64_ct[(MAX_PT + 16) * 4 / 3 + 4];
	size_t len, ct_len, got;
	int i;

	(void)state;
	seeded(&s, 3);
	for (i = 0; i < CASES; i++) {
		len = (size_t)i * 3 % MAX_PT;
		rng_fill(&s.rng, pt, len);
		x25519_keypair_generate(&s.rng, &rcpt);
		x25519_keypair_generate(&s.rng, &eph);
		d = pk_dec_new(rcpt.sk, pk);
		ct_len = pk_seal(ct, mac, pt, len, eph.sk, pk);
		b64_encode(b64_eph, sizeof(b64_eph), eph.pk, KEY_LEN);
		b64_encode(b64_ct, sizeof(b64_ct), ct, ct_len);
		b64_encode(b64_mac, sizeof(b64_mac), mac, PK_MAC_LEN);
		got = olm_pk_decrypt(d, b64_eph, B64_KEY_LEN, b64_mac,
		    B64_MAC_LEN, b64_ct, strlen(b64_ct), out, sizeof(out));
		assert_int_equal(got, len);
		assert_mem_eq(out, pt, len);

		if (i == 0) {
			mac[0] ^= 1;
			b64_encode(b64_mac, sizeof(b64_mac), mac, PK_MAC_LEN);
			b64_encode(b64_ct, sizeof(b64_ct), ct, ct_len);
			assert_int_equal(olm_pk_decrypt(d, b64_eph,
					     B64_KEY_LEN, b64_mac, B64_MAC_LEN,
					     b64_ct, strlen(b64_ct), out,
					     sizeof(out)),
			    olm_error());
		}
		pk_dec_free(d);
	}
	x25519_keypair_wipe(&rcpt);
	x25519_keypair_wipe(&eph);
	rng_seeded_wipe(&s);
}

/* olm_ed25519_verify on a copy (olm may decode the signature in place):
 * 1 if it verifies, else 0. */
static int
olm_verify(OlmUtility *u, const uint8_t pk[static KEY_LEN],
    const uint8_t *msg, size_t len, const uint8_t sig[static SIG_LEN])
{
	char b64_pk[B64_KEY_LEN + 1], b64_sig[B64_SIG_LEN + 1];

	b64_encode(b64_pk, sizeof(b64_pk), pk, KEY_LEN);
	b64_encode(b64_sig, sizeof(b64_sig), sig, SIG_LEN);
	return olm_ed25519_verify(u, b64_pk, B64_KEY_LEN, msg, len, b64_sig,
		   B64_SIG_LEN) == 0;
}

/* Ed25519 from a seed: olm_pk_signing and identity_from_seed give the same
 * public key and signature bytes; each verifies the other's signatures. */
static void
test_ed25519_signing(void **state)
{
	struct rng_seeded s;
	struct identity_key *ik = NULL;
	OlmPkSigning *sg;
	OlmUtility *u;
	uint8_t seed[32], msg[200], sig[SIG_LEN], osig[SIG_LEN];
	uint8_t pk[KEY_LEN];
	char b64_pk[B64_KEY_LEN + 1], b64_sig[B64_SIG_LEN + 1];
	size_t len;
	int i;

	(void)state;
	seeded(&s, 4);
	sg = olm_pk_signing(xalloc(olm_pk_signing_size()));
	u = olm_utility(xalloc(olm_utility_size()));
	assert_non_null(sg);
	assert_non_null(u);
	assert_int_equal(olm_pk_signing_seed_length(), 32);
	assert_int_equal(olm_pk_signature_length(), B64_SIG_LEN);
	for (i = 0; i < CASES; i++) {
		len = (size_t)i * 2 % sizeof(msg);
		rng_fill(&s.rng, seed, sizeof(seed));
		rng_fill(&s.rng, msg, len);
		assert_ok(identity_from_seed(seed, &ik));
		olm_ok(olm_pk_signing_key_from_seed(sg, b64_pk, B64_KEY_LEN,
		    seed, sizeof(seed)));
		b64_decode(pk, KEY_LEN, b64_pk, B64_KEY_LEN);
		assert_mem_eq(pk, ik->ed_pk, KEY_LEN);

		olm_ok(olm_pk_sign(sg, msg, len, (uint8_t *)b64_sig,
		    B64_SIG_LEN));
		b64_decode(osig, SIG_LEN, b64_sig, B64_SIG_LEN);
		identity_sign(ik, msg, len, sig);
		assert_mem_eq(osig, sig, SIG_LEN);
		assert_ok(key_verify(ik->ed_pk, msg, len, osig));
		assert_int_equal(olm_verify(u, ik->ed_pk, msg, len, sig), 1);

		/* One flipped bit: both refuse. */
		sig[i % SIG_LEN] ^= 0x10;
		assert_err(key_verify(ik->ed_pk, msg, len, sig), ERR_AUTH);
		assert_int_equal(olm_verify(u, ik->ed_pk, msg, len, sig), 0);
		identity_free(ik);
		ik = NULL;
	}
	olm_clear_pk_signing(sg);
	olm_clear_utility(u);
	free(sg);
	free(u);
	sodium_memzero(seed, sizeof(seed));
	rng_seeded_wipe(&s);
}

/* The base64 key after "name":" in an olm identity-keys JSON object. */
static void
json_key(uint8_t out[static KEY_LEN], const char *json, const char *name)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	p = strstr(json, pat);
	assert_non_null(p);
	p += strlen(pat);
	assert_non_null(strchr(p, '"'));
	assert_int_equal(strchr(p, '"') - p, B64_KEY_LEN);
	b64_decode(out, KEY_LEN, p, B64_KEY_LEN);
}

/*
 * An olm account made from known randomness: the first 32 bytes are its
 * Ed25519 seed, the next 32 its X25519 secret. Its Ed25519 key and
 * signatures are Sealpost's for that seed. Its X25519 key is independent:
 * not Sealpost's X25519 form of the Ed25519 key.
 */
static void
test_account_identity(void **state)
{
	static const uint8_t msg[] = "device list v1";
	struct rng_seeded s;
	struct identity_key *ik = NULL;
	struct x25519_keypair kp;
	OlmAccount *a;
	uint8_t rnd[64], ed[KEY_LEN], cv[KEY_LEN], xform[KEY_LEN];
	uint8_t sig[SIG_LEN], osig[SIG_LEN];
	char keys[256], b64_sig[B64_SIG_LEN + 1];
	size_t n;
	int i;

	(void)state;
	seeded(&s, 5);
	for (i = 0; i < 16; i++) {
		a = olm_account(xalloc(olm_account_size()));
		assert_non_null(a);
		assert_int_equal(olm_create_account_random_length(a),
		    sizeof(rnd));
		rng_fill(&s.rng, rnd, sizeof(rnd));
		assert_ok(identity_from_seed(rnd, &ik));
		x25519_keypair_from_secret(&kp, rnd + 32);
		olm_ok(olm_create_account(a, rnd, sizeof(rnd)));
		n = olm_account_identity_keys_length(a);
		assert_true(n < sizeof(keys));
		olm_ok(olm_account_identity_keys(a, keys, n));
		keys[n] = '\0';
		json_key(ed, keys, "ed25519");
		json_key(cv, keys, "curve25519");
		assert_mem_eq(ed, ik->ed_pk, KEY_LEN);
		assert_mem_eq(cv, kp.pk, KEY_LEN);
		assert_ok(key_identity_to_x25519(xform, ed));
		assert_memory_not_equal(xform, cv, KEY_LEN);

		olm_ok(olm_account_sign(a, msg, sizeof(msg), b64_sig,
		    B64_SIG_LEN));
		b64_decode(osig, SIG_LEN, b64_sig, B64_SIG_LEN);
		identity_sign(ik, msg, sizeof(msg), sig);
		assert_mem_eq(osig, sig, SIG_LEN);
		olm_clear_account(a);
		free(a);
		identity_free(ik);
		ik = NULL;
	}
	sodium_memzero(rnd, sizeof(rnd));
	x25519_keypair_wipe(&kp);
	rng_seeded_wipe(&s);
}

/* S + L, little-endian, in place (S < L, so no carry out of 256 bits). */
static void
add_l(uint8_t s[static 32])
{
	static const uint8_t l[32] = { 0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63,
		0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	unsigned c = 0;
	int i;

	for (i = 0; i < 32; i++) {
		c += (unsigned)s[i] + l[i];
		s[i] = (uint8_t)c;
		c >>= 8;
	}
}

/* Does not coincide: malleability. A valid signature with L added to S
 * still verifies in olm; key_verify refuses it. */
static void
test_ed25519_strictness(void **state)
{
	static const uint8_t msg[] = "strict";
	struct rng_seeded s;
	struct identity_key *ik = NULL;
	OlmUtility *u;
	uint8_t sig[SIG_LEN];
	int i;

	(void)state;
	seeded(&s, 6);
	u = olm_utility(xalloc(olm_utility_size()));
	assert_non_null(u);
	for (i = 0; i < 16; i++) {
		assert_ok(identity_new(&s.rng, &ik));
		identity_sign(ik, msg, sizeof(msg), sig);
		add_l(sig + 32);
		if (sig[63] & 0xe0) {
			/* S + L >= 2^253: olm's top-bits check catches it. */
			assert_int_equal(olm_verify(u, ik->ed_pk, msg,
					     sizeof(msg), sig),
			    0);
		} else {
			assert_int_equal(olm_verify(u, ik->ed_pk, msg,
					     sizeof(msg), sig),
			    1);
		}
		assert_err(key_verify(ik->ed_pk, msg, sizeof(msg), sig),
		    ERR_AUTH);
		identity_free(ik);
		ik = NULL;
	}
	olm_clear_utility(u);
	free(u);
	rng_seeded_wipe(&s);
}

/* olm_sha256 against libsodium's SHA-256, on lengths 0..299. */
static void
test_sha256(void **state)
{
	struct rng_seeded s;
	OlmUtility *u;
	uint8_t in[300], want[32], got[32];
	char b64[B64_KEY_LEN + 1];
	size_t len;

	(void)state;
	seeded(&s, 7);
	u = olm_utility(xalloc(olm_utility_size()));
	assert_non_null(u);
	assert_int_equal(olm_sha256_length(u), B64_KEY_LEN);
	for (len = 0; len < sizeof(in); len++) {
		rng_fill(&s.rng, in, len);
		olm_ok(olm_sha256(u, in, len, b64, B64_KEY_LEN));
		b64_decode(got, sizeof(got), b64, B64_KEY_LEN);
		crypto_hash_sha256(want, in, len);
		assert_mem_eq(got, want, sizeof(want));
	}
	/* One byte fewer: another digest. */
	crypto_hash_sha256(want, in, sizeof(in) - 2);
	assert_memory_not_equal(got, want, sizeof(want));
	olm_clear_utility(u);
	free(u);
	rng_seeded_wipe(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pk_public_key),
		cmocka_unit_test(test_pk_encrypt_agreement),
		cmocka_unit_test(test_pk_decrypt),
		cmocka_unit_test(test_ed25519_signing),
		cmocka_unit_test(test_account_identity),
		cmocka_unit_test(test_ed25519_strictness),
		cmocka_unit_test(test_sha256),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
