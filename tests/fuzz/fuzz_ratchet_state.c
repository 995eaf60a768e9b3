/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz ratchet_decode: no crash, and what decodes re-encodes to itself. */
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ratchet_session *s = NULL;
	uint8_t *out = NULL;
	size_t out_len = 0;

	FUZZ_CHECK(sodium_init() >= 0);
	if (ratchet_decode(data, size, &s) != 0) {
		FUZZ_CHECK(s == NULL);
		return 0;
	}
	FUZZ_CHECK(ratchet_encode(s, &out, &out_len) == 0);
	FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
	mem_wipe_free(out, out_len);
	ratchet_free(s);
	return 0;
}
