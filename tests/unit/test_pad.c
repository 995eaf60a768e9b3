/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for crypto/pad: bucket sizes, the 0x80-then-zeros padding and
 * its strict removal. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "crypto/pad.h"

/* A plaintext full of bytes that look like padding: 0x80 and 0x00. */
static void
fill_tricky(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:
			p[i] = 0x80;
			break;
		case 1:
			p[i] = 0x00;
			break;
		default:
			p[i] = (uint8_t)(i * 31 + 7);
			break;
		}
	}
}

static void
test_bucket_sizes(void **state)
{
	static const struct {
		size_t n, bucket;
	} v[] = {
		{ 0, 64 },
		{ 1, 64 },
		{ 62, 64 },
		{ 63, 64 },
		{ 64, 128 },
		{ 127, 128 },
		{ 128, 256 },
		{ 255, 256 },
		{ 8191, 8192 },
		{ 8192, 16384 },
		{ 16383, 16384 },
		{ 16384, 17408 }, /* above 16384: Padme, steps of 1024 */
		{ 16385, 17408 },
		{ 17407, 17408 },
		{ 17408, 18432 },
		{ 20000, 20480 },
		{ 20479, 20480 },
		{ 20480, 21504 },
		{ 32766, 32768 },
		{ 32767, 32768 },
		{ 32768, 34816 }, /* 2^15 <= L: steps of 2048 */
		{ 49151, 49152 },
		{ 65535, 65536 },
		{ 65536, 67584 },
		{ 100000, 100352 },
		{ PAD_MAX - 16385, PAD_MAX - 16384 },
		{ PAD_MAX - 16384, PAD_MAX }, /* 2^19 <= L: steps of 16384 */
		{ PAD_MAX - 1, PAD_MAX },
		{ PAD_MAX, 0 },
		{ PAD_MAX + 1, 0 },
		{ PAD_MAX * 4, 0 },
		{ SIZE_MAX - 1, 0 },
		{ SIZE_MAX, 0 },
	};
	size_t i;

	(void)state;
	assert_int_equal(PAD_MAX, 1048576);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (pad_bucket(v[i].n) != v[i].bucket) {
			fail_msg("pad_bucket(%zu) = %zu, want %zu", v[i].n,
			    pad_bucket(v[i].n), v[i].bucket);
		}
	}
}

/* pad_bucket is monotonic, always leaves room for the marker, and only
 * ever returns bucket sizes. */
static void
test_bucket_properties(void **state)
{
	size_t n, b, prev = 0;

	(void)state;
	for (n = 0; n < 70000; n++) {
		b = pad_bucket(n);
		assert_true(b >= n + 1);
		assert_true(b >= prev);
		assert_true(pad_is_bucket(b));
		prev = b;
	}
}

/*
 * Every length (a million calls, well under a second): each bucket holds
 * the marker, is a multiple of 64 (pad_remove scans 8-byte words), costs
 * at most 12% above 16 KiB (Padme's bound; 2^-S <= 6.25% in this range),
 * never shrinks, and there are exactly 169 of them.
 */
static void
test_bucket_range(void **state)
{
	size_t n, b, len, prev = 0, count = 0;

	(void)state;
	for (n = 0; n < PAD_MAX; n++) {
		b = pad_bucket(n);
		len = n + 1;
		if (b < len || b % 64 != 0 || b < prev || b > PAD_MAX) {
			fail_msg("pad_bucket(%zu) = %zu (previous %zu)", n, b,
			    prev);
		}
		if (len > 16384 && (100 * (b - len) > 12 * len ||
		    16 * (b - len) > len)) {
			fail_msg("pad_bucket(%zu) = %zu: overhead", n, b);
		}
		if (b != prev) {
			assert_true(pad_is_bucket(b));
			count++;
		}
		prev = b;
	}
	assert_int_equal(count, 169);
}

/* The Padme rule from the paper, computed by hand for L = n + 1:
 * E = floor(log2 L), S = floor(log2 E) + 1, L rounded up to a multiple of
 * 2^(E - S). */
static void
test_bucket_padme(void **state)
{
	static const struct {
		size_t n, bucket;
	} v[] = {
		/* L = 16385: E = 14, S = 4, unit 2^10: 17 * 1024 */
		{ 16384, 17408 },
		/* L = 40001: E = 15, S = 4, unit 2^11: 20 * 2048 */
		{ 40000, 40960 },
		/* L = 65537: E = 16, S = 5, unit 2^11: 33 * 2048 */
		{ 65536, 67584 },
		/* L = 100001: E = 16, S = 5, unit 2^11: 49 * 2048 */
		{ 100000, 100352 },
		/* L = 200001: E = 17, S = 5, unit 2^12: 49 * 4096 */
		{ 200000, 200704 },
		/* L = 300001: E = 18, S = 5, unit 2^13: 37 * 8192 */
		{ 300000, 303104 },
		/* L = 600001: E = 19, S = 5, unit 2^14: 37 * 16384 */
		{ 600000, 606208 },
		/* L = 2^20: E = 20, S = 5, unit 2^15: exactly PAD_MAX */
		{ PAD_MAX - 1, PAD_MAX },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (pad_bucket(v[i].n) != v[i].bucket) {
			fail_msg("pad_bucket(%zu) = %zu, want %zu", v[i].n,
			    pad_bucket(v[i].n), v[i].bucket);
		}
	}
}

static void
test_is_bucket(void **state)
{
	static const size_t yes[] = { 64, 128, 256, 512, 1024, 2048, 4096,
		8192, 16384, 17408, 20480, 32768, 34816, 49152, 65536, 67584,
		81920, PAD_MAX - 16384, PAD_MAX };
	static const size_t no[] = { 0, 1, 32, 63, 65, 96, 192, 1000, 16383,
		16385, 16448, 17472, 32769, 33792, 66560, PAD_MAX - 8192,
		PAD_MAX - 1, PAD_MAX + 1, PAD_MAX + 16384, SIZE_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (pad_is_bucket(yes[i]) != 1) {
			fail_msg("pad_is_bucket(%zu) != 1", yes[i]);
		}
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		if (pad_is_bucket(no[i]) != 0) {
			fail_msg("pad_is_bucket(%zu) != 0", no[i]);
		}
	}
}

/* Pads n bytes, checks the layout exactly, and removes the padding. */
static void
round_trip(uint8_t *in, uint8_t *out, size_t cap, size_t n)
{
	size_t len = 0, back = 0, i, b = pad_bucket(n);

	fill_tricky(in, n);
	memset(out, 0xee, cap);
	assert_ok(pad_apply(out, cap, &len, in, n));
	assert_int_equal(len, b);
	if (n > 0) {
		assert_mem_eq(out, in, n);
	}
	assert_int_equal(out[n], 0x80);
	for (i = n + 1; i < b; i++) {
		if (out[i] != 0) {
			fail_msg("len %zu: byte %zu is %02x", n, i, out[i]);
		}
	}
	if (b < cap) {
		assert_int_equal(out[b], 0xee); /* nothing written past */
	}
	assert_ok(pad_remove(out, len, &back));
	if (back != n) {
		fail_msg("pad_remove: %zu, want %zu", back, n);
	}
}

static void
test_round_trip_small(void **state)
{
	uint8_t in[512], out[512];
	size_t n;

	(void)state;
	for (n = 0; n <= 300; n++) {
		round_trip(in, out, sizeof(out), n);
	}
}

static void
test_round_trip_large(void **state)
{
	static const size_t lens[] = { 1000, 8191, 16383, 16384, 17407,
		20000, 20480, 32767, 32768, 49151, 65535, PAD_MAX - 16385,
		PAD_MAX - 16384, PAD_MAX - 1 };
	uint8_t *in, *out;
	size_t i;

	(void)state;
	in = malloc(PAD_MAX);
	out = malloc(PAD_MAX + 1);
	assert_non_null(in);
	assert_non_null(out);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		round_trip(in, out, PAD_MAX + 1, lens[i]);
	}
	free(in);
	free(out);
}

/* An empty plaintext may be passed as NULL. */
static void
test_apply_empty(void **state)
{
	uint8_t out[64];
	size_t len = 0, back = 99;

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_ok(pad_apply(out, sizeof(out), &len, NULL, 0));
	assert_int_equal(len, 64);
	assert_int_equal(out[0], 0x80);
	assert_ok(pad_remove(out, len, &back));
	assert_int_equal(back, 0);
}

/* A plaintext that is all 0x80 bytes, right up to the marker. */
static void
test_remove_marker_like_data(void **state)
{
	uint8_t buf[64];
	size_t back = 0;

	(void)state;
	memset(buf, 0x80, sizeof(buf));
	assert_ok(pad_remove(buf, sizeof(buf), &back));
	assert_int_equal(back, 63);
	memset(buf, 0xff, sizeof(buf));
	buf[63] = 0x80;
	assert_ok(pad_remove(buf, sizeof(buf), &back));
	assert_int_equal(back, 63);
}

static void
test_remove_no_marker(void **state)
{
	static const size_t buckets[] = { 64, 128, 16384, 17408, 32768 };
	uint8_t *buf;
	size_t i, back;

	(void)state;
	buf = calloc(1, 32768);
	assert_non_null(buf);
	for (i = 0; i < sizeof(buckets) / sizeof(buckets[0]); i++) {
		back = 99;
		assert_err(pad_remove(buf, buckets[i], &back), ERR_INVALID);
		assert_int_equal(back, 0);
	}
	/* Data but no marker: the last non-zero byte is not 0x80. */
	memset(buf, 0x41, 10);
	assert_err(pad_remove(buf, 64, &back), ERR_INVALID);
	buf[9] = 0x81;
	assert_err(pad_remove(buf, 64, &back), ERR_INVALID);
	buf[9] = 0x00;
	buf[8] = 0xc0;
	assert_err(pad_remove(buf, 64, &back), ERR_INVALID);
	free(buf);
}

/* Any non-zero byte (other than a later 0x80) after the marker. */
static void
test_remove_junk_after_marker(void **state)
{
	static const uint8_t junk[] = { 0x01, 0x7f, 0x81, 0xff, 0x08 };
	uint8_t in[20], buf[128];
	size_t len = 0, back, i, j;

	(void)state;
	fill_tricky(in, sizeof(in));
	for (j = 0; j < sizeof(junk); j++) {
		for (i = sizeof(in) + 1; i < 64; i++) {
			assert_ok(pad_apply(buf, sizeof(buf), &len, in,
			    sizeof(in)));
			buf[i] = junk[j];
			back = 99;
			assert_err(pad_remove(buf, len, &back), ERR_INVALID);
			assert_int_equal(back, 0);
		}
	}
}

/* A valid padding read at a length that is not a bucket. */
static void
test_remove_not_bucket(void **state)
{
	static const size_t lens[] = { 0, 1, 8, 63, 65, 72, 100, 127 };
	uint8_t buf[128];
	size_t len = 0, back, i;

	(void)state;
	assert_ok(pad_apply(buf, sizeof(buf), &len, (const uint8_t *)"hi",
	    2));
	assert_int_equal(len, 64);
	memset(buf + 64, 0, 64);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		back = 99;
		assert_err(pad_remove(buf, lens[i], &back), ERR_INVALID);
		assert_int_equal(back, 0);
	}
	/* 128 is a bucket, but not the one a 2-byte plaintext maps to:
	 * padding must be canonical. */
	back = 99;
	assert_err(pad_remove(buf, 128, &back), ERR_INVALID);
	assert_int_equal(back, 0);
	assert_ok(pad_remove(buf, 64, &back));
	assert_int_equal(back, 2);
}

static void
test_apply_errors(void **state)
{
	uint8_t in[200], out[256], *big, *bigout;
	size_t len;

	(void)state;
	memset(in, 0x61, sizeof(in));
	len = 99;
	assert_err(pad_apply(out, 63, &len, in, 0), ERR_ARG);
	assert_int_equal(len, 0);
	assert_err(pad_apply(out, 127, &len, in, 64), ERR_ARG);
	assert_err(pad_apply(out, 0, &len, in, 0), ERR_ARG);
	assert_err(pad_apply(out, 255, &len, in, 200), ERR_ARG);
	assert_ok(pad_apply(out, 256, &len, in, 200));
	assert_int_equal(len, 256);

	big = calloc(1, PAD_MAX + 1);
	bigout = malloc(PAD_MAX + 16384);
	assert_non_null(big);
	assert_non_null(bigout);
	len = 99;
	assert_err(pad_apply(bigout, PAD_MAX + 16384, &len, big, PAD_MAX),
	    ERR_TOO_LONG);
	assert_int_equal(len, 0);
	assert_err(pad_apply(bigout, PAD_MAX + 16384, &len, big,
		       PAD_MAX + 1),
	    ERR_TOO_LONG);
	assert_ok(pad_apply(bigout, PAD_MAX, &len, big, PAD_MAX - 1));
	assert_int_equal(len, PAD_MAX);
	free(big);
	free(bigout);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_sizes),
		cmocka_unit_test(test_bucket_properties),
		cmocka_unit_test(test_bucket_range),
		cmocka_unit_test(test_bucket_padme),
		cmocka_unit_test(test_is_bucket),
		cmocka_unit_test(test_round_trip_small),
		cmocka_unit_test(test_round_trip_large),
		cmocka_unit_test(test_apply_empty),
		cmocka_unit_test(test_remove_marker_like_data),
		cmocka_unit_test(test_remove_no_marker),
		cmocka_unit_test(test_remove_junk_after_marker),
		cmocka_unit_test(test_remove_not_bucket),
		cmocka_unit_test(test_apply_errors),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_pad: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
