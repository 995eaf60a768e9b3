/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz x3dh_header_decode: no crash, a failure consumes nothing, and what
 * decodes re-encodes to the bytes it consumed. */
#include "tests/fuzz/fuzz.h"

#include "common/wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x3dh_header hdr;
	struct wire_reader rd;
	struct wire_writer w;
	uint8_t *out = NULL;
	size_t out_len = 0;

	FUZZ_CHECK(sodium_init() >= 0);
	wire_reader_init(&rd, data, size);
	if (x3dh_header_decode(&rd, &hdr) != 0) {
		FUZZ_CHECK(rd.off == 0);
		return 0;
	}
	FUZZ_CHECK(rd.off == X3DH_HEADER_LEN);
	wire_writer_init(&w, 1024);
	x3dh_header_encode(&w, &hdr);
	FUZZ_CHECK(wire_writer_finish(&w, &out, &out_len) == 0);
	FUZZ_CHECK(out_len == X3DH_HEADER_LEN &&
	    memcmp(out, data, out_len) == 0);
	mem_wipe_free(out, out_len);
	return 0;
}
