/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* AES-256-CBC with PKCS#7 padding on OpenSSL, for the interop tests: kept
 * apart because OpenSSL's headers clash with common/err.h (ERR_STATE). */
#ifndef SEALPOST_AES_CBC_H
#define SEALPOST_AES_CBC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Encrypts (enc 1) or decrypts (enc 0) len bytes of in into out, which has
 * room for len + 16 bytes; *out_len gets the output length. 0, or -1 on
 * any failure (bad padding included).
 */
int aes256_cbc(int enc, const uint8_t key[static 32],
    const uint8_t iv[static 16], const uint8_t *in, size_t len, uint8_t *out,
    size_t *out_len);

#endif
