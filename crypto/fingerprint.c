/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Signal's numeric fingerprint (display version 0). */
#include "crypto/fingerprint.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"

/* The key as libsignal serialises a Curve25519 public key. */
#define DJB_TYPE 0x05
#define DJB_KEY_LEN (1 + KEY_LEN)

int
fingerprint_half_raw(const char *id, size_t id_len, const uint8_t *key,
    size_t key_len, unsigned iterations,
    char out[static FINGERPRINT_HALF_DIGITS + 1])
{
	static const uint8_t version[2] = { 0x00, 0x00 };
	crypto_hash_sha512_state st;
	uint8_t hash[crypto_hash_sha512_BYTES];
	unsigned i;
	int k;

	memset(out, 0, FINGERPRINT_HALF_DIGITS + 1);
	if (id_len == 0 || id_len > FINGERPRINT_MAX_ID || key_len == 0 ||
	    iterations == 0) {
		return ERR_ARG;
	}
	/* hash_0 = version || key || id; hash_i = SHA-512(hash_(i-1) || key).
	 * The first round therefore hashes the unhashed concatenation. */
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, version, sizeof(version));
	crypto_hash_sha512_update(&st, key, key_len);
	crypto_hash_sha512_update(&st, (const uint8_t *)id, id_len);
	crypto_hash_sha512_update(&st, key, key_len);
	crypto_hash_sha512_final(&st, hash);
	for (i = 1; i < iterations; i++) {
		crypto_hash_sha512_init(&st);
		crypto_hash_sha512_update(&st, hash, sizeof(hash));
		crypto_hash_sha512_update(&st, key, key_len);
		crypto_hash_sha512_final(&st, hash);
	}
	/* Six 5-byte big-endian chunks, each mod 100000 as 5 digits. */
	for (k = 0; k < 6; k++) {
		const uint8_t *c = hash + 5 * k;
		uint64_t v = ((uint64_t)c[0] << 32) | ((uint64_t)c[1] << 24) |
		    ((uint64_t)c[2] << 16) | ((uint64_t)c[3] << 8) | c[4];

		snprintf(out + 5 * k, 6, "%05u", (unsigned)(v % 100000));
	}
	return 0;
}

int
fingerprint_half(const char *id, size_t id_len,
    const uint8_t ik[static KEY_LEN],
    char out[static FINGERPRINT_HALF_DIGITS + 1])
{
	uint8_t key[DJB_KEY_LEN];
	int r;

	memset(out, 0, FINGERPRINT_HALF_DIGITS + 1);
	key[0] = DJB_TYPE;
	if ((r = key_identity_to_x25519(key + 1, ik)) != 0) {
		return r;
	}
	return fingerprint_half_raw(id, id_len, key, sizeof(key),
	    FINGERPRINT_ITERATIONS, out);
}

int
fingerprint_safety_number(const char *local_id,
    const uint8_t local_ik[static KEY_LEN], const char *remote_id,
    const uint8_t remote_ik[static KEY_LEN],
    char out[static SAFETY_NUMBER_DIGITS + 1])
{
	char a[FINGERPRINT_HALF_DIGITS + 1], b[FINGERPRINT_HALF_DIGITS + 1];
	const char *first, *second;
	int r;

	memset(out, 0, SAFETY_NUMBER_DIGITS + 1);
	if ((r = fingerprint_half(local_id, strlen(local_id), local_ik, a)) !=
		0 ||
	    (r = fingerprint_half(remote_id, strlen(remote_id), remote_ik,
		 b)) != 0) {
		return r;
	}
	/* Smaller half first, so both parties display the same number. */
	if (strcmp(a, b) <= 0) {
		first = a;
		second = b;
	} else {
		first = b;
		second = a;
	}
	memcpy(out, first, FINGERPRINT_HALF_DIGITS);
	memcpy(out + FINGERPRINT_HALF_DIGITS, second, FINGERPRINT_HALF_DIGITS);
	out[SAFETY_NUMBER_DIGITS] = '\0';
	return 0;
}
