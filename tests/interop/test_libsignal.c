/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Cross-checks against libsignal-protocol-c 2.3.3 wherever the two
 * constructions coincide: HKDF, chain and root KDF steps, X25519, safety
 * numbers. */

/*
 * What coincides, byte for byte:
 *   - HKDF-SHA256: libsignal's hkdf with message version 3 is RFC 5869.
 *   - KDF_CK: both take MK seed = HMAC(CK, 0x01), CK' = HMAC(CK, 0x02).
 *   - The root step is HKDF(salt = RK, ikm = DH) in both.
 *   - X25519, and the safety number (displayable fingerprint, version 0)
 *     once Sealpost's Ed25519 identity is mapped to its X25519 form.
 *
 * What does not, and why (each is asserted below, so a change shows up):
 *   - libsignal's hkdf version 2 starts the expand counter at 0, not 1:
 *     not RFC 5869. Sealpost has only the RFC form.
 *   - Labels and lengths: libsignal expands the root step with
 *     "WhisperRatchet" to 64 bytes (RK, CK) and message keys with
 *     "WhisperMessageKeys" to 80 (AES-CBC key, HMAC key, IV). Sealpost uses
 *     "Sealpost-v1 Ratchet" to 96 bytes (RK, CK, next header key) and
 *     "Sealpost-v1 MessageKeys" to 56 (XChaCha20-Poly1305 key and nonce).
 *     The tests feed those labels to libsignal's HKDF instead and get
 *     Sealpost's keys.
 *   - libsignal computes X25519 on small-order points (the all-zero
 *     secret comes out); Sealpost's key_dh refuses them with ERR_KEY.
 *   - Clamping: libsignal's X25519 uses the secret as stored (it clamps
 *     at generation); Sealpost clamps inside X25519. Equal on clamped
 *     secrets, which is what these tests feed libsignal.
 *   - Identity keys: libsignal's are X25519 keys that sign with
 *     curve25519_sign (Ed25519 with the sign bit carried in the
 *     signature); Sealpost's are Ed25519 keys whose X25519 form feeds DH
 *     and the fingerprint. Signatures interoperate once that bit is moved.
 *   - Message formats (protobuf, AES-CBC + truncated HMAC vs padded
 *     XChaCha20-Poly1305 with encrypted headers) share nothing; see
 *     bench/bench_ref.c for the session-level comparison.
 */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

/* libsignal's types and crypto/ratchet_impl.h both define
 * ratchet_message_keys (a struct there, a function here), so libsignal's is
 * renamed in this file. Type names are not link symbols: no ABI change. */
#define ratchet_message_keys signal_ratchet_message_keys
#include <curve.h>
#include <fingerprint.h>
#include <hkdf.h>
#include <ratchet.h>
#include <signal_protocol.h>

#include "tests/interop/signal_provider.h"
#undef ratchet_message_keys

#include "crypto/fingerprint.h"
#include "crypto/hkdf.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "crypto/ratchet_impl.h"
#include "crypto/rng.h"

#define DJB_TYPE 0x05
#define DJB_LEN 33
#define CHAIN_STEPS 2000
#define ROOT_STEPS 64
#define RANDOM_CASES 300
#define SAFETY_PAIRS 24

static const char whisper_ratchet[] = "WhisperRatchet";
static const char whisper_message_keys[] = "WhisperMessageKeys";

static struct signal_env env;

static int
group_setup(void **state)
{
	static const uint8_t seed[32] = { 's', 'i', 'g', 'n', 'a', 'l' };

	(void)state;
	return sodium_init() < 0 || signal_env_init(&env, seed) != 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	signal_env_wipe(&env);
	return 0;
}

/* A per-test deterministic RNG: each test draws from its own seed. */
static void
seeded(struct rng_seeded *s, uint8_t tag)
{
	uint8_t seed[32] = { 'i', 'n', 't', 'e', 'r', 'o', 'p' };

	seed[31] = tag;
	rng_seeded_init(s, seed);
}

/* out_len bytes of libsignal's HKDF (message version 3 or 2). */
static void
sig_hkdf(int version, uint8_t *out, size_t out_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
    size_t info_len)
{
	hkdf_context *kdf = NULL;
	uint8_t *o = NULL;
	ssize_t n;

	assert_int_equal(hkdf_create(&kdf, version, env.ctx), 0);
	n = hkdf_derive_secrets(kdf, &o, ikm, ikm_len, salt, salt_len, info,
	    info_len, out_len);
	assert_true(n >= 0 && (size_t)n == out_len);
	memcpy(out, o, out_len);
	sodium_memzero(o, out_len);
	free(o);
	SIGNAL_UNREF(kdf);
}

/* libsignal's view of an X25519 public key: 0x05 || pk. */
static ec_public_key *
sig_public(const uint8_t pk[static KEY_LEN])
{
	ec_public_key *k = NULL;
	uint8_t djb[DJB_LEN];

	djb[0] = DJB_TYPE;
	memcpy(djb + 1, pk, KEY_LEN);
	assert_int_equal(curve_decode_point(&k, djb, sizeof(djb), env.ctx), 0);
	return k;
}

/* RFC 7748 decodeScalar25519's bit clearing and setting. */
static void
clamp(uint8_t out[static KEY_LEN], const uint8_t sk[static KEY_LEN])
{
	memcpy(out, sk, KEY_LEN);
	out[0] &= 248;
	out[31] &= 127;
	out[31] |= 64;
}

/*
 * libsignal's view of an X25519 secret. libsignal clamps a secret when it
 * generates one and its X25519 then uses the scalar as stored; Sealpost
 * keeps the 32 drawn bytes and clamps inside X25519 (RFC 7748). So the
 * secret is clamped on the way in, unless raw (test_x25519_clamping).
 */
static ec_private_key *
sig_private_raw(const uint8_t sk[static KEY_LEN], int raw)
{
	ec_private_key *k = NULL;
	uint8_t c[KEY_LEN];

	clamp(c, sk);
	assert_int_equal(curve_decode_private_point(&k, raw ? sk : c, KEY_LEN,
			     env.ctx),
	    0);
	sodium_memzero(c, sizeof(c));
	return k;
}

static ec_private_key *
sig_private(const uint8_t sk[static KEY_LEN])
{
	return sig_private_raw(sk, 0);
}

/* X25519(sk, pk) through libsignal. */
static void
sig_dh(uint8_t out[static KEY_LEN], const uint8_t sk[static KEY_LEN],
    const uint8_t pk[static KEY_LEN])
{
	ec_private_key *priv = sig_private(sk);
	ec_public_key *pub = sig_public(pk);
	uint8_t *shared = NULL;

	assert_int_equal(curve_calculate_agreement(&shared, pub, priv),
	    KEY_LEN);
	memcpy(out, shared, KEY_LEN);
	sodium_memzero(shared, KEY_LEN);
	free(shared);
	SIGNAL_UNREF(pub);
	SIGNAL_UNREF(priv);
}

/* The public key libsignal derives from an X25519 secret, without 0x05. */
static void
sig_public_of(uint8_t pk[static KEY_LEN], const uint8_t sk[static KEY_LEN])
{
	ec_private_key *priv = sig_private(sk);
	ec_public_key *pub = NULL;
	signal_buffer *b = NULL;

	assert_int_equal(curve_generate_public_key(&pub, priv), 0);
	assert_int_equal(ec_public_key_serialize(&b, pub), 0);
	assert_int_equal(signal_buffer_len(b), DJB_LEN);
	assert_int_equal(signal_buffer_data(b)[0], DJB_TYPE);
	memcpy(pk, signal_buffer_data(b) + 1, KEY_LEN);
	signal_buffer_free(b);
	SIGNAL_UNREF(pub);
	SIGNAL_UNREF(priv);
}

/* Copies a libsignal buffer of exactly len bytes out and frees it. */
static void
take(uint8_t *out, size_t len, signal_buffer *b)
{
	assert_non_null(b);
	assert_int_equal(signal_buffer_len(b), len);
	memcpy(out, signal_buffer_data(b), len);
	signal_buffer_bzero_free(b);
}

/* ---------------------------------------------------------------------- */

struct hkdf_vec {
	const char *ikm, *salt, *info, *okm;
};

/* RFC 5869 A.1-A.3 (the same inputs tests/unit/test_hkdf.c checks). */
static const struct hkdf_vec rfc5869[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865" },
	{ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	  "404142434445464748494a4b4c4d4e4f",
	    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8" },
};

/* RFC 5869 vectors through both implementations; libsignal's version 2
 * (counter from 0) must differ, which also shows the comparison is live. */
static void
test_hkdf_rfc5869(void **state)
{
	uint8_t ikm[80], salt[80], info[80], okm[82], a[82], b[82];
	size_t i, ikm_len, salt_len, info_len, len;

	(void)state;
	for (i = 0; i < sizeof(rfc5869) / sizeof(rfc5869[0]); i++) {
		ikm_len = test_unhex(ikm, sizeof(ikm), rfc5869[i].ikm);
		salt_len = test_unhex(salt, sizeof(salt), rfc5869[i].salt);
		info_len = test_unhex(info, sizeof(info), rfc5869[i].info);
		len = test_unhex(okm, sizeof(okm), rfc5869[i].okm);
		sig_hkdf(3, a, len, salt, salt_len, ikm, ikm_len, info,
		    info_len);
		assert_ok(hkdf_sha256(b, len, salt, salt_len, ikm, ikm_len,
		    info, info_len));
		assert_mem_eq(a, okm, len);
		assert_mem_eq(b, okm, len);
		sig_hkdf(2, a, len, salt, salt_len, ikm, ikm_len, info,
		    info_len);
		assert_memory_not_equal(a, okm, len);
	}
}

/* Random inputs of many lengths, including empty salt and info, and
 * outputs across block boundaries. */
static void
test_hkdf_random(void **state)
{
	static const size_t lens[] = { 1, 16, 31, 32, 33, 56, 64, 80, 96, 255,
		1000 };
	struct rng_seeded s;
	uint8_t ikm[128], salt[96], info[128], a[1000], b[1000], n[3];
	size_t i, len, ikm_len, salt_len, info_len;

	(void)state;
	seeded(&s, 1);
	for (i = 0; i < RANDOM_CASES; i++) {
		rng_fill(&s.rng, n, sizeof(n));
		ikm_len = 1 + n[0] % (sizeof(ikm) - 1);
		salt_len = n[1] % sizeof(salt);
		info_len = n[2] % sizeof(info);
		len = lens[i % (sizeof(lens) / sizeof(lens[0]))];
		rng_fill(&s.rng, ikm, ikm_len);
		rng_fill(&s.rng, salt, salt_len);
		rng_fill(&s.rng, info, info_len);
		sig_hkdf(3, a, len, salt, salt_len, ikm, ikm_len, info,
		    info_len);
		assert_ok(hkdf_sha256(b, len, salt, salt_len, ikm, ikm_len,
		    info, info_len));
		assert_mem_eq(a, b, len);
		if (i == 0) {
			/* One flipped input bit: the outputs part. */
			ikm[0] ^= 1;
			assert_ok(hkdf_sha256(b, len, salt, salt_len, ikm,
			    ikm_len, info, info_len));
			assert_memory_not_equal(a, b, len);
		}
	}
	rng_seeded_wipe(&s);
}

/* KDF_CK over CHAIN_STEPS steps: libsignal's chain key objects against
 * ratchet_kdf_ck, and libsignal's message keys against hkdf_sha256 of
 * Sealpost's MK seed with libsignal's label. */
static void
test_chain_key(void **state)
{
	struct rng_seeded s;
	hkdf_context *kdf = NULL;
	ratchet_chain_key *ck = NULL, *next = NULL;
	signal_ratchet_message_keys mk;
	signal_buffer *buf = NULL;
	uint8_t zeros[32] = { 0 }, sck[KEY_LEN], smk[KEY_LEN], got[KEY_LEN];
	uint8_t want[80], own[56], key[32], nonce[24];
	uint32_t i;

	(void)state;
	seeded(&s, 2);
	rng_fill(&s.rng, sck, sizeof(sck));
	assert_int_equal(hkdf_create(&kdf, 3, env.ctx), 0);
	assert_int_equal(ratchet_chain_key_create(&ck, kdf, sck, KEY_LEN, 0,
			     env.ctx),
	    0);
	for (i = 0; i < CHAIN_STEPS; i++) {
		assert_int_equal(ratchet_chain_key_get_message_keys(ck, &mk),
		    0);
		assert_int_equal(mk.counter, i);
		ratchet_kdf_ck(sck, smk);
		assert_ok(hkdf_sha256(want, sizeof(want), zeros,
		    sizeof(zeros), smk, KEY_LEN,
		    (const uint8_t *)whisper_message_keys,
		    LABEL_LEN(whisper_message_keys)));
		assert_mem_eq(mk.cipher_key, want, 32);
		assert_mem_eq(mk.mac_key, want + 32, 32);
		assert_mem_eq(mk.iv, want + 64, 16);

		assert_int_equal(ratchet_chain_key_create_next(ck, &next), 0);
		SIGNAL_UNREF(ck);
		ck = next;
		next = NULL;
		assert_int_equal(ratchet_chain_key_get_index(ck), i + 1);
		assert_int_equal(ratchet_chain_key_get_key(ck, &buf), 0);
		take(got, KEY_LEN, buf);
		assert_mem_eq(got, sck, KEY_LEN);
	}
	/* Sealpost's own expansion of the last MK: libsignal's HKDF with
	 * Sealpost's label gives it; libsignal's label does not. */
	assert_int_equal(ratchet_message_keys(smk, key, nonce), 0);
	sig_hkdf(3, own, sizeof(own), zeros, sizeof(zeros), smk, KEY_LEN,
	    (const uint8_t *)LABEL_MESSAGE_KEYS,
	    LABEL_LEN(LABEL_MESSAGE_KEYS));
	assert_mem_eq(own, key, 32);
	assert_mem_eq(own + 32, nonce, 24);
	assert_memory_not_equal(want, key, 32);
	SIGNAL_UNREF(ck);
	SIGNAL_UNREF(kdf);
	sodium_memzero(&mk, sizeof(mk));
	rng_seeded_wipe(&s);
}

/* One libsignal root step: new RK and CK from rk and DH(our, their). */
static void
sig_root_step(hkdf_context *kdf, const uint8_t rk[static KEY_LEN],
    const uint8_t our_sk[static KEY_LEN],
    const uint8_t their_pk[static KEY_LEN], uint8_t new_rk[static KEY_LEN],
    uint8_t new_ck[static KEY_LEN])
{
	ratchet_root_key *root = NULL, *root2 = NULL;
	ratchet_chain_key *chain = NULL;
	ec_private_key *priv = sig_private(our_sk);
	ec_public_key *pub = sig_public(their_pk);
	signal_buffer *b = NULL;

	assert_int_equal(ratchet_root_key_create(&root, kdf, rk, KEY_LEN,
			     env.ctx),
	    0);
	assert_int_equal(ratchet_root_key_create_chain(root, &root2, &chain,
			     pub, priv),
	    0);
	assert_int_equal(ratchet_root_key_get_key(root2, &b), 0);
	take(new_rk, KEY_LEN, b);
	assert_int_equal(ratchet_chain_key_get_key(chain, &b), 0);
	take(new_ck, KEY_LEN, b);
	assert_int_equal(ratchet_chain_key_get_index(chain), 0);
	SIGNAL_UNREF(chain);
	SIGNAL_UNREF(root2);
	SIGNAL_UNREF(root);
	SIGNAL_UNREF(pub);
	SIGNAL_UNREF(priv);
}

/* A chain of ROOT_STEPS root steps with fresh key pairs, each side's root
 * key carried to the next step: DH outputs, then RK and CK, are equal. */
static void
test_root_key(void **state)
{
	struct rng_seeded s;
	hkdf_context *kdf = NULL;
	struct x25519_keypair ours, theirs;
	uint8_t rk_sig[KEY_LEN], rk_sp[KEY_LEN], ck_sig[KEY_LEN];
	uint8_t dh_sig[KEY_LEN], dh[KEY_LEN], out[64], own[96];
	uint8_t rk[KEY_LEN], ck[KEY_LEN], nhk[KEY_LEN];
	int i;

	(void)state;
	seeded(&s, 3);
	assert_int_equal(hkdf_create(&kdf, 3, env.ctx), 0);
	rng_fill(&s.rng, rk_sig, sizeof(rk_sig));
	memcpy(rk_sp, rk_sig, KEY_LEN);
	for (i = 0; i < ROOT_STEPS; i++) {
		x25519_keypair_generate(&s.rng, &ours);
		x25519_keypair_generate(&s.rng, &theirs);
		sig_dh(dh_sig, ours.sk, theirs.pk);
		assert_ok(key_dh(dh, ours.sk, theirs.pk));
		assert_mem_eq(dh_sig, dh, KEY_LEN);

		assert_ok(hkdf_sha256(out, sizeof(out), rk_sp, KEY_LEN, dh,
		    KEY_LEN, (const uint8_t *)whisper_ratchet,
		    LABEL_LEN(whisper_ratchet)));
		/* Sealpost's KDF_RK is the same HKDF under its own label,
		 * as libsignal's HKDF computes it. */
		sig_hkdf(3, own, sizeof(own), rk_sp, KEY_LEN, dh, KEY_LEN,
		    (const uint8_t *)LABEL_RATCHET_RK,
		    LABEL_LEN(LABEL_RATCHET_RK));
		memcpy(rk, rk_sp, KEY_LEN);
		assert_int_equal(ratchet_kdf_rk(rk, ck, nhk, dh), 0);
		assert_mem_eq(own, rk, KEY_LEN);
		assert_mem_eq(own + 32, ck, KEY_LEN);
		assert_mem_eq(own + 64, nhk, KEY_LEN);
		assert_memory_not_equal(own, out, KEY_LEN);

		sig_root_step(kdf, rk_sig, ours.sk, theirs.pk, rk_sig, ck_sig);
		assert_mem_eq(rk_sig, out, KEY_LEN);
		assert_mem_eq(ck_sig, out + 32, KEY_LEN);
		memcpy(rk_sp, out, KEY_LEN);
	}
	x25519_keypair_wipe(&ours);
	x25519_keypair_wipe(&theirs);
	SIGNAL_UNREF(kdf);
	rng_seeded_wipe(&s);
}

/* RFC 7748 section 6.1 through both: public keys and shared secret. */
static void
test_x25519_rfc7748(void **state)
{
	uint8_t a[32], b[32], apub[32], bpub[32], k[32], out[32];
	struct x25519_keypair kp;

	(void)state;
	test_unhex(a, 32,
	    "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a");
	test_unhex(apub, 32,
	    "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a");
	test_unhex(b, 32,
	    "5dab087e624a8a4b79e17f8b83800ee6"
	    "6f3bb1292618b6fd1c2f8b27ff88e0eb");
	test_unhex(bpub, 32,
	    "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f");
	test_unhex(k, 32,
	    "4a5d9d5ba4ce2de1728e3bf480350f25"
	    "e07e21c947d19e3376f09b3c1e161742");
	sig_public_of(out, a);
	assert_mem_eq(out, apub, 32);
	x25519_keypair_from_secret(&kp, a);
	assert_mem_eq(kp.pk, out, 32);
	sig_public_of(out, b);
	assert_mem_eq(out, bpub, 32);
	sig_dh(out, a, bpub);
	assert_mem_eq(out, k, 32);
	sig_dh(out, b, apub);
	assert_mem_eq(out, k, 32);
	assert_ok(key_dh(out, a, bpub));
	assert_mem_eq(out, k, 32);
	/* Alice's own public key in place of Bob's: a different secret. */
	sig_dh(out, a, apub);
	assert_memory_not_equal(out, k, 32);
	x25519_keypair_wipe(&kp);
}

/* Random secrets, unclamped as drawn: same public keys, same secrets. */
static void
test_x25519_random(void **state)
{
	struct rng_seeded s;
	struct x25519_keypair a, b;
	uint8_t pk[KEY_LEN], x[KEY_LEN], y[KEY_LEN];
	int i;

	(void)state;
	seeded(&s, 4);
	for (i = 0; i < RANDOM_CASES; i++) {
		x25519_keypair_generate(&s.rng, &a);
		x25519_keypair_generate(&s.rng, &b);
		sig_public_of(pk, a.sk);
		assert_mem_eq(pk, a.pk, KEY_LEN);
		sig_dh(x, a.sk, b.pk);
		assert_ok(key_dh(y, a.sk, b.pk));
		assert_mem_eq(x, y, KEY_LEN);
		assert_ok(key_dh(y, b.sk, a.pk));
		assert_mem_eq(x, y, KEY_LEN);
	}
	x25519_keypair_wipe(&a);
	x25519_keypair_wipe(&b);
	rng_seeded_wipe(&s);
}

/* Does not coincide: small-order points. libsignal returns X25519's
 * all-zero output; Sealpost refuses with ERR_KEY. */
static void
test_x25519_small_order(void **state)
{
	static const uint8_t zero[KEY_LEN] = { 0 };
	uint8_t one[KEY_LEN] = { 1 }, sk[KEY_LEN], out[KEY_LEN];

	(void)state;
	memset(sk, 0x42, sizeof(sk));
	sig_dh(out, sk, zero);
	assert_mem_eq(out, zero, KEY_LEN);
	assert_err(key_dh(out, sk, zero), ERR_KEY);
	sig_dh(out, sk, one);
	assert_mem_eq(out, zero, KEY_LEN);
	assert_err(key_dh(out, sk, one), ERR_KEY);
}

/* Does not coincide: clamping. libsignal's X25519 uses a secret as stored
 * (it clamps only when it generates one); Sealpost clamps inside X25519.
 * RFC 7748's Alice secret has bit 254 clear, so only the clamped copy gives
 * her public key and shared secret in libsignal. */
static void
test_x25519_clamping(void **state)
{
	uint8_t a[KEY_LEN], ac[KEY_LEN], apub[KEY_LEN], bpub[KEY_LEN];
	uint8_t out[KEY_LEN], want[KEY_LEN];
	ec_private_key *priv;
	ec_public_key *pub;
	uint8_t *shared = NULL;

	(void)state;
	test_unhex(a, 32,
	    "77076d0a7318a57d3c16c17251b26645"
	    "df4c2f87ebc0992ab177fba51db92c2a");
	test_unhex(apub, 32,
	    "8520f0098930a754748b7ddcb43ef75a"
	    "0dbf3a0d26381af4eba4a98eaa9b4e6a");
	test_unhex(bpub, 32,
	    "de9edb7d7b7dc1b4d35b61c2ece43537"
	    "3f8343c85b78674dadfc7e146f882b4f");
	clamp(ac, a);
	assert_memory_not_equal(ac, a, KEY_LEN);
	assert_ok(key_dh(want, a, bpub));
	assert_ok(key_dh(out, ac, bpub));
	assert_mem_eq(out, want, KEY_LEN);

	priv = sig_private_raw(a, 1);
	pub = sig_public(bpub);
	assert_int_equal(curve_calculate_agreement(&shared, pub, priv),
	    KEY_LEN);
	assert_memory_not_equal(shared, want, KEY_LEN);
	free(shared);
	SIGNAL_UNREF(priv);
	priv = sig_private_raw(a, 0);
	assert_int_equal(curve_calculate_agreement(&shared, pub, priv),
	    KEY_LEN);
	assert_mem_eq(shared, want, KEY_LEN);
	free(shared);
	SIGNAL_UNREF(priv);
	SIGNAL_UNREF(pub);
}

/*
 * Identity signatures. libsignal 2.3.3 signs with its X25519 identity key
 * (curve25519_sign: Ed25519 under the converted key, the Edwards sign bit
 * carried in bit 7 of the signature's last byte, where S < 2^253 leaves
 * room). So a Sealpost Ed25519 signature with that bit set from ed_pk
 * verifies in libsignal under 0x05 || x_pk, and a libsignal signature with
 * the bit cleared verifies with key_verify under ed_pk. Without the bit
 * moved, it fails whenever ed_pk's sign bit is 1.
 */
static void
test_identity_signature(void **state)
{
	static const uint8_t msg[] = "Sealpost signed prekey";
	struct rng_seeded s;
	struct identity_key *ik = NULL;
	ec_public_key *pub;
	ec_private_key *priv;
	signal_buffer *b = NULL;
	uint8_t sig[SIG_LEN], xsig[SIG_LEN];
	int i, odd = 0;

	(void)state;
	seeded(&s, 6);
	for (i = 0; i < 32; i++) {
		assert_ok(identity_new(&s.rng, &ik));
		pub = sig_public(ik->x_pk);
		identity_sign(ik, msg, sizeof(msg), sig);
		if (ik->ed_pk[31] & 0x80) {
			odd++;
			assert_int_equal(curve_verify_signature(pub, msg,
					     sizeof(msg), sig, SIG_LEN),
			    0);
		}
		sig[63] |= ik->ed_pk[31] & 0x80;
		assert_int_equal(curve_verify_signature(pub, msg, sizeof(msg),
				     sig, SIG_LEN),
		    1);

		priv = sig_private(ik->x_sk);
		assert_int_equal(curve_calculate_signature(env.ctx, &b, priv,
				     msg, sizeof(msg)),
		    0);
		take(xsig, SIG_LEN, b);
		assert_int_equal(xsig[63] & 0x80, ik->ed_pk[31] & 0x80);
		xsig[63] &= 0x7f;
		assert_ok(key_verify(ik->ed_pk, msg, sizeof(msg), xsig));
		xsig[0] ^= 1;
		assert_err(key_verify(ik->ed_pk, msg, sizeof(msg), xsig),
		    ERR_AUTH);
		SIGNAL_UNREF(priv);
		SIGNAL_UNREF(pub);
		identity_free(ik);
		ik = NULL;
	}
	/* Both sign bits were seen, so both paths ran. */
	assert_true(odd > 0 && odd < i);
	rng_seeded_wipe(&s);
}

/* The published vector of libsignal's tests/test_fingerprint.c, through
 * libsignal itself (which also checks this provider's SHA-512) and through
 * fingerprint_half_raw. */
static void
test_fingerprint_vector(void **state)
{
	static const char alice_id[] = "+14152222222", bob_id[] =
							    "+14153333333";
	static const char want[] = "300354477692869396892869876765"
				   "458257569162576843440918079131";
	uint8_t alice[DJB_LEN], bob[DJB_LEN];
	ec_public_key *ka = NULL, *kb = NULL;
	fingerprint_generator *gen = NULL;
	fingerprint *fp = NULL;
	const char *text;
	char ha[FINGERPRINT_HALF_DIGITS + 1], hb[FINGERPRINT_HALF_DIGITS + 1];

	(void)state;
	test_unhex(alice, sizeof(alice),
	    "0506863bc66d02b40d27b8d49ca7c09e92"
	    "39236f9d7d25d6fcca5ce13c7064d868");
	test_unhex(bob, sizeof(bob),
	    "05f781b6fb32fed9ba1cf2de978d4d5da2"
	    "8dc34046ae814402b5c0dbd96fda907b");
	assert_int_equal(curve_decode_point(&ka, alice, DJB_LEN, env.ctx), 0);
	assert_int_equal(curve_decode_point(&kb, bob, DJB_LEN, env.ctx), 0);
	assert_int_equal(fingerprint_generator_create(&gen,
			     FINGERPRINT_ITERATIONS, 1, env.ctx),
	    0);
	assert_int_equal(fingerprint_generator_create_for(gen, alice_id, ka,
			     bob_id, kb, &fp),
	    0);
	text = displayable_fingerprint_text(fingerprint_get_displayable(fp));
	assert_string_equal(text, want);

	assert_ok(fingerprint_half_raw(alice_id, strlen(alice_id), alice,
	    DJB_LEN, FINGERPRINT_ITERATIONS, ha));
	assert_ok(fingerprint_half_raw(bob_id, strlen(bob_id), bob, DJB_LEN,
	    FINGERPRINT_ITERATIONS, hb));
	assert_string_equal(ha,
	    displayable_fingerprint_local(fingerprint_get_displayable(fp)));
	assert_string_equal(hb,
	    displayable_fingerprint_remote(fingerprint_get_displayable(fp)));
	assert_memory_equal(want, ha, FINGERPRINT_HALF_DIGITS);
	assert_memory_equal(want + FINGERPRINT_HALF_DIGITS, hb,
	    FINGERPRINT_HALF_DIGITS);
	/* One iteration fewer: another number. */
	assert_ok(fingerprint_half_raw(alice_id, strlen(alice_id), alice,
	    DJB_LEN, FINGERPRINT_ITERATIONS - 1, ha));
	assert_memory_not_equal(want, ha, FINGERPRINT_HALF_DIGITS);
	SIGNAL_UNREF(fp);
	fingerprint_generator_free(gen);
	SIGNAL_UNREF(ka);
	SIGNAL_UNREF(kb);
}

/* libsignal's 60-digit text for two parties; the keys are the X25519 forms
 * libsignal derives from the identities' X25519 secrets. */
static void
sig_safety_number(fingerprint_generator *gen, const char *local_id,
    const struct identity_key *local, const char *remote_id,
    const struct identity_key *remote, char out[SAFETY_NUMBER_DIGITS + 1])
{
	ec_public_key *kl, *kr;
	fingerprint *fp = NULL;
	const char *text;
	uint8_t pk[KEY_LEN];

	sig_public_of(pk, local->x_sk);
	kl = sig_public(pk);
	sig_public_of(pk, remote->x_sk);
	kr = sig_public(pk);
	assert_int_equal(fingerprint_generator_create_for(gen, local_id, kl,
			     remote_id, kr, &fp),
	    0);
	text = displayable_fingerprint_text(fingerprint_get_displayable(fp));
	assert_int_equal(strlen(text), SAFETY_NUMBER_DIGITS);
	memcpy(out, text, SAFETY_NUMBER_DIGITS + 1);
	SIGNAL_UNREF(fp);
	SIGNAL_UNREF(kl);
	SIGNAL_UNREF(kr);
}

/* Random identities: libsignal's displayable fingerprint equals
 * fingerprint_safety_number from the Ed25519 public keys alone. */
static void
test_safety_number_random(void **state)
{
	struct rng_seeded s;
	struct identity_key *a = NULL, *b = NULL;
	fingerprint_generator *gen = NULL;
	char ida[24], idb[24], x[SAFETY_NUMBER_DIGITS + 1];
	char y[SAFETY_NUMBER_DIGITS + 1];
	uint8_t n[4];
	int i;

	(void)state;
	seeded(&s, 5);
	assert_int_equal(fingerprint_generator_create(&gen,
			     FINGERPRINT_ITERATIONS, 1, env.ctx),
	    0);
	for (i = 0; i < SAFETY_PAIRS; i++) {
		rng_fill(&s.rng, n, sizeof(n));
		snprintf(ida, sizeof(ida), "+1415%07u",
		    (unsigned)(n[0] | n[1] << 8) % 10000000U);
		snprintf(idb, sizeof(idb), "user%u", (unsigned)n[2] * n[3]);
		assert_ok(identity_new(&s.rng, &a));
		assert_ok(identity_new(&s.rng, &b));
		sig_safety_number(gen, ida, a, idb, b, x);
		assert_ok(fingerprint_safety_number(ida, a->ed_pk, idb,
		    b->ed_pk, y));
		assert_string_equal(x, y);
		/* The other side sees the same number. */
		sig_safety_number(gen, idb, b, ida, a, x);
		assert_string_equal(x, y);
		if (i == 0) {
			/* A third key in place of b's: another number. */
			identity_free(b);
			assert_ok(identity_new(&s.rng, &b));
			sig_safety_number(gen, ida, a, idb, b, x);
			assert_string_not_equal(x, y);
		}
		identity_free(a);
		identity_free(b);
		a = b = NULL;
	}
	fingerprint_generator_free(gen);
	rng_seeded_wipe(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_hkdf_random),
		cmocka_unit_test(test_chain_key),
		cmocka_unit_test(test_root_key),
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_x25519_random),
		cmocka_unit_test(test_x25519_small_order),
		cmocka_unit_test(test_x25519_clamping),
		cmocka_unit_test(test_identity_signature),
		cmocka_unit_test(test_fingerprint_vector),
		cmocka_unit_test(test_safety_number_random),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
