/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* XChaCha20-Poly1305 wrappers with the project's error codes. */
#include "crypto/aead.h"

#include <sodium.h>

#include "common/err.h"

void
aead_seal(uint8_t *c, const uint8_t *m, size_t mlen, const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[static AEAD_NONCE_LEN],
    const uint8_t key[static AEAD_KEY_LEN])
{
	unsigned long long clen;

	/* Only fails for messages over 256 GiB, which no caller allows. */
	PANIC_IF(crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen, m, mlen,
		     ad, ad_len, NULL, nonce, key) != 0);
}

int
aead_open(uint8_t *m, const uint8_t *c, size_t clen, const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[static AEAD_NONCE_LEN],
    const uint8_t key[static AEAD_KEY_LEN])
{
	unsigned long long mlen;

	if (clen < AEAD_TAG_LEN) {
		return ERR_SHORT;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL, c, clen,
		ad, ad_len, nonce, key) != 0) {
		sodium_memzero(m, clen - AEAD_TAG_LEN);
		return ERR_AUTH;
	}
	return 0;
}
