/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* HKDF-SHA256 (RFC 5869) on libsodium's HMAC-SHA256; libsodium 1.0.18 has
 * no HKDF of its own. */
#include "crypto/hkdf.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"

void
hmac_sha256(uint8_t out[static HKDF_HASH_LEN], const uint8_t *key,
    size_t key_len, const uint8_t *msg, size_t msg_len)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, msg, msg_len);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
hkdf_extract(uint8_t prk[static HKDF_HASH_LEN], const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len)
{
	static const uint8_t zeros[HKDF_HASH_LEN];

	if (salt == NULL || salt_len == 0) {
		salt = zeros;
		salt_len = sizeof(zeros);
	}
	hmac_sha256(prk, salt, salt_len, ikm, ikm_len);
}

int
hkdf_expand(uint8_t *out, size_t out_len,
    const uint8_t prk[static HKDF_HASH_LEN], const uint8_t *info,
    size_t info_len)
{
	crypto_auth_hmacsha256_state base, st;
	uint8_t t[HKDF_HASH_LEN];
	uint8_t counter;
	size_t off, take;

	if (out_len == 0 || out_len > HKDF_MAX_OUT) {
		if (out_len > 0) {
			memset(out, 0, out_len);
		}
		return ERR_ARG;
	}
	/* The keyed state is the same for every block: key it once. */
	crypto_auth_hmacsha256_init(&base, prk, HKDF_HASH_LEN);
	for (off = 0, counter = 1; off < out_len; counter++) {
		st = base;
		if (off > 0) {
			crypto_auth_hmacsha256_update(&st, t, sizeof(t));
		}
		if (info_len > 0) {
			crypto_auth_hmacsha256_update(&st, info, info_len);
		}
		crypto_auth_hmacsha256_update(&st, &counter, 1);
		crypto_auth_hmacsha256_final(&st, t);
		take = out_len - off < sizeof(t) ? out_len - off : sizeof(t);
		memcpy(out + off, t, take);
		off += take;
	}
	sodium_memzero(&base, sizeof(base));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return 0;
}

int
hkdf_sha256(uint8_t *out, size_t out_len, const uint8_t *salt,
    size_t salt_len, const uint8_t *ikm, size_t ikm_len, const uint8_t *info,
    size_t info_len)
{
	uint8_t prk[HKDF_HASH_LEN];
	int r;

	hkdf_extract(prk, salt, salt_len, ikm, ikm_len);
	r = hkdf_expand(out, out_len, prk, info, info_len);
	sodium_memzero(prk, sizeof(prk));
	return r;
}
