/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* AES-256-CBC (PKCS#7) on OpenSSL's EVP interface. */
#include "tests/interop/aes_cbc.h"

#include <limits.h>

#include <openssl/evp.h>

int
aes256_cbc(int enc, const uint8_t key[static 32],
    const uint8_t iv[static 16], const uint8_t *in, size_t len, uint8_t *out,
    size_t *out_len)
{
	EVP_CIPHER_CTX *c;
	int n1 = 0, n2 = 0, r = -1;

	*out_len = 0;
	if (len > INT_MAX - 32 || (c = EVP_CIPHER_CTX_new()) == NULL) {
		return -1;
	}
	if (EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv, enc) == 1 &&
	    EVP_CipherUpdate(c, out, &n1, in, (int)len) == 1 &&
	    EVP_CipherFinal_ex(c, out + n1, &n2) == 1) {
		*out_len = (size_t)n1 + (size_t)n2;
		r = 0;
	}
	EVP_CIPHER_CTX_free(c);
	return r;
}
