/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Identity keys, prekey signatures, checked DH and verification. */
#include "crypto/keys.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/labels.h"

int
identity_from_seed(const uint8_t seed[static 32], struct identity_key **out)
{
	struct identity_key *ik = NULL;
	int r = ERR_INTERNAL;

	*out = NULL;
	if ((ik = mem_secure_alloc(sizeof(*ik))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (crypto_sign_seed_keypair(ik->ed_pk, ik->ed_sk, seed) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(ik->x_sk, ik->ed_sk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(ik->x_pk, ik->ed_pk) != 0) {
		r = ERR_INTERNAL;
		goto out;
	}
	*out = ik;
	ik = NULL;
	r = 0;
out:
	identity_free(ik);
	return r;
}

int
identity_new(const struct rng *rng, struct identity_key **out)
{
	uint8_t seed[32];
	int r;

	rng_fill(rng, seed, sizeof(seed));
	r = identity_from_seed(seed, out);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

void
identity_free(struct identity_key *ik)
{
	mem_secure_free(ik, sizeof(*ik));
}

void
identity_encode_secret(const struct identity_key *ik,
    uint8_t out[static IDENTITY_SECRET_LEN])
{
	out[0] = SUITE_VERSION;
	/* libsodium's secret key is seed || public key. */
	memcpy(out + 1, ik->ed_sk, 32);
}

int
identity_decode_secret(const uint8_t *p, size_t len, struct identity_key **out)
{
	struct wire_reader rd;
	uint8_t seed[32];
	uint8_t version;
	int r;

	*out = NULL;
	wire_reader_init(&rd, p, len);
	if ((r = wire_get_u8(&rd, &version)) != 0) {
		goto out;
	}
	if (version != SUITE_VERSION) {
		r = ERR_VERSION;
		goto out;
	}
	if ((r = wire_get_bytes(&rd, seed, sizeof(seed))) != 0 ||
	    (r = wire_end(&rd)) != 0 || (r = identity_from_seed(seed, out)) != 0) {
		goto out;
	}
out:
	sodium_memzero(seed, sizeof(seed));
	return r;
}

void
identity_sign(const struct identity_key *ik, const uint8_t *msg, size_t len,
    uint8_t sig[static SIG_LEN])
{
	/* Cannot fail for a well-formed secret key. */
	PANIC_IF(crypto_sign_detached(sig, NULL, msg, len, ik->ed_sk) != 0);
}

int
key_check_identity(const uint8_t pk[static KEY_LEN])
{
	/* SECURITY: is_valid_point rejects non-canonical encodings, points
	 * of small order and points outside the prime-order subgroup. */
	return crypto_core_ed25519_is_valid_point(pk) == 1 ? 0 : ERR_KEY;
}

int
key_identity_to_x25519(uint8_t x_pk[static KEY_LEN],
    const uint8_t ed_pk[static KEY_LEN])
{
	if (key_check_identity(ed_pk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(x_pk, ed_pk) != 0) {
		memset(x_pk, 0, KEY_LEN);
		return ERR_KEY;
	}
	return 0;
}

int
key_verify(const uint8_t ed_pk[static KEY_LEN], const uint8_t *msg,
    size_t len, const uint8_t sig[static SIG_LEN])
{
	if (key_check_identity(ed_pk) != 0) {
		return ERR_KEY;
	}
	/* SECURITY: libsodium 1.0.18 (built without ED25519_COMPAT) rejects
	 * S >= L and small-order R, so signatures are non-malleable. */
	if (crypto_sign_verify_detached(sig, msg, len, ed_pk) != 0) {
		return ERR_AUTH;
	}
	return 0;
}

int
key_dh(uint8_t out[static KEY_LEN], const uint8_t sk[static KEY_LEN],
    const uint8_t pk[static KEY_LEN])
{
	/* SECURITY: libsodium returns -1 when the result is all zero, i.e.
	 * pk is of small order; the output is then useless and refused. */
	if (crypto_scalarmult(out, sk, pk) != 0) {
		sodium_memzero(out, KEY_LEN);
		return ERR_KEY;
	}
	return 0;
}

void
x25519_keypair_from_secret(struct x25519_keypair *kp,
    const uint8_t sk[static KEY_LEN])
{
	if (kp->sk != sk) {
		memcpy(kp->sk, sk, KEY_LEN);
	}
	/* Cannot fail: only an all-zero result is refused, and the base
	 * point times a clamped scalar is never zero. */
	PANIC_IF(crypto_scalarmult_base(kp->pk, kp->sk) != 0);
}

void
x25519_keypair_generate(const struct rng *rng, struct x25519_keypair *kp)
{
	rng_fill(rng, kp->sk, sizeof(kp->sk));
	x25519_keypair_from_secret(kp, kp->sk);
}

void
x25519_keypair_wipe(struct x25519_keypair *kp)
{
	sodium_memzero(kp, sizeof(*kp));
}

/* The signed message: label(kind) || u32 id || pk. Returns its length or 0
 * for an unknown kind. */
static size_t
prekey_message(uint8_t *buf, size_t cap, enum prekey_kind kind, uint32_t id,
    const uint8_t pk[static KEY_LEN])
{
	const char *label;
	size_t llen;

	switch (kind) {
	case PREKEY_SIGNED:
		label = LABEL_SIG_SIGNED_PREKEY;
		llen = LABEL_LEN(LABEL_SIG_SIGNED_PREKEY);
		break;
	case PREKEY_LAST_RESORT:
		label = LABEL_SIG_LAST_RESORT;
		llen = LABEL_LEN(LABEL_SIG_LAST_RESORT);
		break;
	default:
		return 0;
	}
	PANIC_IF(cap < llen + 4 + KEY_LEN);
	memcpy(buf, label, llen);
	buf[llen] = (uint8_t)(id >> 24);
	buf[llen + 1] = (uint8_t)(id >> 16);
	buf[llen + 2] = (uint8_t)(id >> 8);
	buf[llen + 3] = (uint8_t)id;
	memcpy(buf + llen + 4, pk, KEY_LEN);
	return llen + 4 + KEY_LEN;
}

void
prekey_sign(const struct identity_key *ik, enum prekey_kind kind, uint32_t id,
    const uint8_t pk[static KEY_LEN], uint8_t sig[static SIG_LEN])
{
	uint8_t msg[96];
	size_t n = prekey_message(msg, sizeof(msg), kind, id, pk);

	PANIC_IF(n == 0);
	identity_sign(ik, msg, n, sig);
}

int
prekey_verify(const uint8_t ik_pub[static KEY_LEN], enum prekey_kind kind,
    uint32_t id, const uint8_t pk[static KEY_LEN],
    const uint8_t sig[static SIG_LEN])
{
	uint8_t msg[96];
	size_t n = prekey_message(msg, sizeof(msg), kind, id, pk);

	if (n == 0) {
		return ERR_ARG;
	}
	return key_verify(ik_pub, msg, n, sig);
}

void
key_log_id(const uint8_t pk[static KEY_LEN], char out[static 17])
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, KEY_LEN);
	sodium_bin2hex(out, 17, h, 8);
}

int
identity_sign_tbs(const struct identity_key *ik, struct wire_writer *tbs,
    uint8_t sig[static SIG_LEN])
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	memset(sig, 0, SIG_LEN);
	if ((r = wire_writer_finish(tbs, &p, &n)) != 0) {
		return r;
	}
	identity_sign(ik, p, n, sig);
	mem_wipe_free(p, n);
	return 0;
}

int
key_verify_tbs(const uint8_t ed_pk[static KEY_LEN], struct wire_writer *tbs,
    const uint8_t sig[static SIG_LEN])
{
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	if ((r = wire_writer_finish(tbs, &p, &n)) != 0) {
		return r;
	}
	r = key_verify(ed_pk, p, n, sig);
	mem_wipe_free(p, n);
	return r;
}
