/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* libsignal-protocol-c's crypto provider on OpenSSL libcrypto (EVP), for
 * the interop tests and reference benchmarks only. */
#include "tests/interop/signal_provider.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sodium.h>

#define SHA512_LEN 64
#define HMAC_SHA256_LEN 32
#define AES_BLOCK 16

static int
random_cb(uint8_t *data, size_t len, void *user_data)
{
	struct signal_env *env = user_data;

	if (env->deterministic) {
		rng_fill(&env->seeded.rng, data, len);
		return 0;
	}
	if (len > INT32_MAX || RAND_bytes(data, (int)len) != 1) {
		return SG_ERR_UNKNOWN;
	}
	return 0;
}

static int
hmac_init_cb(void **hmac_context, const uint8_t *key, size_t key_len,
    void *user_data)
{
	struct signal_env *env = user_data;
	char digest[] = "SHA256";
	OSSL_PARAM params[2];
	EVP_MAC_CTX *c;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((c = EVP_MAC_CTX_new(env->hmac)) == NULL) {
		return SG_ERR_NOMEM;
	}
	if (EVP_MAC_init(c, key, key_len, params) != 1) {
		EVP_MAC_CTX_free(c);
		return SG_ERR_UNKNOWN;
	}
	*hmac_context = c;
	return 0;
}

static int
hmac_update_cb(void *hmac_context, const uint8_t *data, size_t data_len,
    void *user_data)
{
	(void)user_data;
	return EVP_MAC_update(hmac_context, data, data_len) == 1 ?
	    0 :
	    SG_ERR_UNKNOWN;
}

static int
hmac_final_cb(void *hmac_context, signal_buffer **output, void *user_data)
{
	uint8_t mac[HMAC_SHA256_LEN];
	size_t len = 0;

	(void)user_data;
	if (EVP_MAC_final(hmac_context, mac, &len, sizeof(mac)) != 1 ||
	    len != sizeof(mac)) {
		return SG_ERR_UNKNOWN;
	}
	*output = signal_buffer_create(mac, len);
	sodium_memzero(mac, sizeof(mac));
	return *output == NULL ? SG_ERR_NOMEM : 0;
}

static void
hmac_cleanup_cb(void *hmac_context, void *user_data)
{
	(void)user_data;
	EVP_MAC_CTX_free(hmac_context);
}

static int
sha512_init_cb(void **digest_context, void *user_data)
{
	EVP_MD_CTX *c;

	(void)user_data;
	if ((c = EVP_MD_CTX_new()) == NULL) {
		return SG_ERR_NOMEM;
	}
	if (EVP_DigestInit_ex(c, EVP_sha512(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return SG_ERR_UNKNOWN;
	}
	*digest_context = c;
	return 0;
}

static int
sha512_update_cb(void *digest_context, const uint8_t *data, size_t data_len,
    void *user_data)
{
	(void)user_data;
	return EVP_DigestUpdate(digest_context, data, data_len) == 1 ?
	    0 :
	    SG_ERR_UNKNOWN;
}

/* libsignal reuses a digest context after final (the fingerprint loop), so
 * final starts the next digest too. */
static int
sha512_final_cb(void *digest_context, signal_buffer **output, void *user_data)
{
	uint8_t md[SHA512_LEN];
	unsigned len = 0;

	(void)user_data;
	if (EVP_DigestFinal_ex(digest_context, md, &len) != 1 ||
	    len != sizeof(md) ||
	    EVP_DigestInit_ex(digest_context, EVP_sha512(), NULL) != 1) {
		return SG_ERR_UNKNOWN;
	}
	*output = signal_buffer_create(md, len);
	return *output == NULL ? SG_ERR_NOMEM : 0;
}

static void
sha512_cleanup_cb(void *digest_context, void *user_data)
{
	(void)user_data;
	EVP_MD_CTX_free(digest_context);
}

static const EVP_CIPHER *
aes_cipher(int cipher, size_t key_len)
{
	int cbc = cipher == SG_CIPHER_AES_CBC_PKCS5;

	if (!cbc && cipher != SG_CIPHER_AES_CTR_NOPADDING) {
		return NULL;
	}
	switch (key_len) {
	case 16:
		return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
	case 24:
		return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
	case 32:
		return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
	default:
		return NULL;
	}
}

/* One-shot AES in CBC with PKCS#5 padding or CTR: the output is at most
 * one block longer than the input. */
static int
aes(signal_buffer **output, int enc, int cipher, const uint8_t *key,
    size_t key_len, const uint8_t *iv, size_t iv_len, const uint8_t *in,
    size_t in_len)
{
	const EVP_CIPHER *type = aes_cipher(cipher, key_len);
	EVP_CIPHER_CTX *c = NULL;
	uint8_t *out = NULL;
	int n1 = 0, n2 = 0, r = SG_ERR_UNKNOWN;

	if (type == NULL || iv_len != AES_BLOCK || in_len > INT32_MAX - 32) {
		return SG_ERR_INVAL;
	}
	if ((c = EVP_CIPHER_CTX_new()) == NULL ||
	    (out = malloc(in_len + AES_BLOCK)) == NULL) {
		r = SG_ERR_NOMEM;
		goto out;
	}
	if (EVP_CipherInit_ex(c, type, NULL, key, iv, enc) != 1 ||
	    EVP_CipherUpdate(c, out, &n1, in, (int)in_len) != 1 ||
	    EVP_CipherFinal_ex(c, out + n1, &n2) != 1) {
		goto out;
	}
	if ((*output = signal_buffer_create(out, (size_t)(n1 + n2))) ==
	    NULL) {
		r = SG_ERR_NOMEM;
		goto out;
	}
	r = 0;
out:
	if (out != NULL) {
		sodium_memzero(out, in_len + AES_BLOCK);
	}
	free(out);
	EVP_CIPHER_CTX_free(c);
	return r;
}

static int
encrypt_cb(signal_buffer **output, int cipher, const uint8_t *key,
    size_t key_len, const uint8_t *iv, size_t iv_len,
    const uint8_t *plaintext, size_t plaintext_len, void *user_data)
{
	(void)user_data;
	return aes(output, 1, cipher, key, key_len, iv, iv_len, plaintext,
	    plaintext_len);
}

static int
decrypt_cb(signal_buffer **output, int cipher, const uint8_t *key,
    size_t key_len, const uint8_t *iv, size_t iv_len,
    const uint8_t *ciphertext, size_t ciphertext_len, void *user_data)
{
	(void)user_data;
	return aes(output, 0, cipher, key, key_len, iv, iv_len, ciphertext,
	    ciphertext_len);
}

int
signal_env_init(struct signal_env *env, const uint8_t *seed)
{
	signal_crypto_provider p;

	memset(env, 0, sizeof(*env));
	memset(&p, 0, sizeof(p));
	if (seed != NULL) {
		rng_seeded_init(&env->seeded, seed);
		env->deterministic = 1;
	}
	p.random_func = random_cb;
	p.hmac_sha256_init_func = hmac_init_cb;
	p.hmac_sha256_update_func = hmac_update_cb;
	p.hmac_sha256_final_func = hmac_final_cb;
	p.hmac_sha256_cleanup_func = hmac_cleanup_cb;
	p.sha512_digest_init_func = sha512_init_cb;
	p.sha512_digest_update_func = sha512_update_cb;
	p.sha512_digest_final_func = sha512_final_cb;
	p.sha512_digest_cleanup_func = sha512_cleanup_cb;
	p.encrypt_func = encrypt_cb;
	p.decrypt_func = decrypt_cb;
	p.user_data = env;
	if ((env->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    signal_context_create(&env->ctx, env) != 0 ||
	    signal_context_set_crypto_provider(env->ctx, &p) != 0) {
		signal_env_wipe(env);
		return -1;
	}
	return 0;
}

void
signal_env_wipe(struct signal_env *env)
{
	if (env->ctx != NULL) {
		signal_context_destroy(env->ctx);
	}
	EVP_MAC_free(env->hmac);
	rng_seeded_wipe(&env->seeded);
	memset(env, 0, sizeof(*env));
}
