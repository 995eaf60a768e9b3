/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz ratchet_decrypt on a fixed responder session: no crash, and a
 * failed decryption leaves the state exactly as it was. */
#include "tests/fuzz/fuzz.h"

static uint8_t *pristine;
static size_t pristine_len;

static void
setup(void)
{
	struct fuzz_fixture f;

	fuzz_fixture_init(&f);
	FUZZ_CHECK(ratchet_encode(f.b, &pristine, &pristine_len) == 0);
	fuzz_fixture_wipe(&f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t seed[32] = { 0xF0 };
	struct ratchet_session *s = NULL;
	struct rng_seeded rng;
	uint8_t *pt = NULL, *after = NULL;
	size_t pt_len = 0, after_len = 0;

	if (pristine == NULL) {
		setup();
	}
	FUZZ_CHECK(ratchet_decode(pristine, pristine_len, &s) == 0);
	rng_seeded_init(&rng, seed);
	if (ratchet_decrypt(s, &rng.rng, data, size, &pt, &pt_len) == 0) {
		mem_wipe_free(pt, pt_len);
	} else {
		FUZZ_CHECK(pt == NULL && pt_len == 0);
		FUZZ_CHECK(ratchet_encode(s, &after, &after_len) == 0);
		FUZZ_CHECK(after_len == pristine_len &&
		    memcmp(after, pristine, after_len) == 0);
		mem_wipe_free(after, after_len);
	}
	rng_seeded_wipe(&rng);
	ratchet_free(s);
	return 0;
}
