/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz envelope_open for a fixed recipient: no crash, outputs cleared on
 * failure, well-formed sender fields on success. */
#include "tests/fuzz/fuzz.h"

#include "crypto/envelope.h"

static struct identity_key *bob;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envelope_sender sender;
	uint8_t seed[32], type = 0xFF, *content = NULL;
	size_t content_len = 0;

	if (bob == NULL) {
		FUZZ_CHECK(sodium_init() >= 0);
		fuzz_seed(seed, 0xB0);
		FUZZ_CHECK(identity_from_seed(seed, &bob) == 0);
	}
	if (envelope_open(bob, data, size, &sender, &type, &content,
		&content_len) != 0) {
		FUZZ_CHECK(content == NULL && content_len == 0 && type == 0);
		FUZZ_CHECK(sender.user[0] == '\0');
		return 0;
	}
	FUZZ_CHECK(size == ENVELOPE_OVERHEAD + content_len);
	FUZZ_CHECK(strlen(sender.user) >= 1 &&
	    strlen(sender.user) <= ENVELOPE_MAX_USER);
	FUZZ_CHECK(key_check_identity(sender.ik) == 0);
	mem_wipe_free(content, content_len);
	return 0;
}
