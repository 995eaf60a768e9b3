/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz cli_payload_decode, the client's decoder of a decrypted message:
 * no crash, and what decodes re-encodes to the same bytes. */
#include "tests/fuzz/fuzz.h"

#include "client-cli/cli_payload.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cli_payload p;
	uint8_t *out = NULL;
	size_t out_len = 0;

	if (cli_payload_decode(data, size, &p) != 0) {
		FUZZ_CHECK(p.kind == 0 && p.body == NULL && p.len == 0);
		return 0;
	}
	FUZZ_CHECK(p.len <= CLI_MAX_TEXT);
	FUZZ_CHECK(cli_payload_encode(&p, &out, &out_len) == 0);
	FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
	mem_wipe_free(out, out_len);
	return 0;
}
