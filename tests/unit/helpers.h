/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Project asserts on top of cmocka, shared by the unit tests. Include after
 * <cmocka.h>'s prerequisites; this header includes cmocka itself. */
#ifndef SEALPOST_TEST_HELPERS_H
#define SEALPOST_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"

/* Asserts that expr returns the error code want, naming both on failure. */
#define assert_err(expr, want)                                               \
	do {                                                                 \
		int r_ = (expr);                                             \
		int w_ = (want);                                             \
		if (r_ != w_) {                                              \
			fail_msg("%s: got %s (%d), want %s (%d)", #expr,     \
			    err_name(r_), r_, err_name(w_), w_);             \
		}                                                            \
	} while (0)

#define assert_ok(expr) assert_err((expr), 0)

#define assert_mem_eq(a, b, n) assert_memory_equal((a), (b), (n))

/* Decodes a hex string into out (capacity cap); returns the byte count.
 * Fails the test on bad hex or overflow. */
static inline size_t
test_unhex(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex), i;
	unsigned v;

	if (n % 2 != 0 || n / 2 > cap) {
		fail_msg("bad hex length %zu", n);
	}
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			fail_msg("bad hex at %zu", 2 * i);
		}
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

#endif
