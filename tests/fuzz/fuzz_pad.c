/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz pad_remove: no crash, and an accepted buffer is exactly what
 * pad_apply makes of the plaintext it yields. */
#include "tests/fuzz/fuzz.h"

#include "crypto/pad.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *again;
	size_t n = 0, len = 0;

	if (pad_remove(data, size, &n) != 0) {
		FUZZ_CHECK(n == 0);
		return 0;
	}
	FUZZ_CHECK((again = malloc(size)) != NULL);
	FUZZ_CHECK(pad_apply(again, size, &len, data, n) == 0);
	FUZZ_CHECK(len == size && memcmp(again, data, size) == 0);
	free(again);
	return 0;
}
