/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz identity_decode_secret: no crash; what decodes re-encodes. */
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct identity_key *ik = NULL;
	uint8_t out[IDENTITY_SECRET_LEN];

	FUZZ_CHECK(sodium_init() >= 0);
	if (identity_decode_secret(data, size, &ik) != 0) {
		FUZZ_CHECK(ik == NULL);
		return 0;
	}
	identity_encode_secret(ik, out);
	FUZZ_CHECK(size == sizeof(out) && memcmp(out, data, size) == 0);
	sodium_memzero(out, sizeof(out));
	identity_free(ik);
	return 0;
}
