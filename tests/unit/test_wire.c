/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for common/wire: every getter on good, truncated and over-long
 * input; the writer's byte order, limits, growth and sticky errors. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "common/mem.h"
#include "common/wire.h"

/* What the mem release hook saw. */
struct released {
	int calls;
	int all_zero;
	size_t total;
};

static struct released seen;

static void
record_release(const void *p, size_t n, void *arg)
{
	const uint8_t *b = p;
	size_t i;

	(void)arg;
	seen.calls++;
	seen.total += n;
	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			seen.all_zero = 0;
		}
	}
}

static void
watch_releases(void)
{
	memset(&seen, 0, sizeof(seen));
	seen.all_zero = 1;
	mem_set_release_hook(record_release, NULL);
}

/* Runs after every test, even a failed one, so no hook leaks onward. */
static int
reset_hooks(void **state)
{
	(void)state;
	mem_fail_after(-1);
	mem_set_release_hook(NULL, NULL);
	return 0;
}

static void
test_get_ints(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xff };
	struct wire_reader r;
	uint8_t a = 0, z = 0;
	uint16_t b = 0;
	uint32_t c = 0;
	uint64_t d = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_int_equal(wire_remaining(&r), 16);
	assert_ok(wire_get_u8(&r, &a));
	assert_int_equal(a, 0x01);
	assert_int_equal(r.off, 1);
	assert_ok(wire_get_u16(&r, &b));
	assert_int_equal(b, 0x0203);
	assert_int_equal(r.off, 3);
	assert_ok(wire_get_u32(&r, &c));
	assert_int_equal(c, 0x04050607UL);
	assert_int_equal(r.off, 7);
	assert_ok(wire_get_u64(&r, &d));
	assert_true(d == 0x08090a0b0c0d0e0fULL);
	assert_int_equal(r.off, 15);
	assert_int_equal(wire_remaining(&r), 1);
	assert_err(wire_end(&r), ERR_TRAILING);
	assert_ok(wire_get_u8(&r, &z));
	assert_int_equal(z, 0xff);
	assert_ok(wire_end(&r));
	assert_int_equal(wire_remaining(&r), 0);
}

/* High bits must survive: no sign extension through int promotion. */
static void
test_get_ints_high_bits(void **state)
{
	uint8_t in[8];
	struct wire_reader r;
	uint16_t b = 0;
	uint32_t c = 0;
	uint64_t d = 0;

	(void)state;
	memset(in, 0xff, sizeof(in));
	wire_reader_init(&r, in, 2);
	assert_ok(wire_get_u16(&r, &b));
	assert_int_equal(b, 0xffff);
	wire_reader_init(&r, in, 4);
	assert_ok(wire_get_u32(&r, &c));
	assert_true(c == 0xffffffffUL);
	in[0] = 0x80;
	in[7] = 0x01;
	wire_reader_init(&r, in, 8);
	assert_ok(wire_get_u64(&r, &d));
	assert_true(d == 0x80ffffffffffff01ULL);
}

/* Each width, from every shorter length: ERR_SHORT, offset kept, zeroed. */
static void
test_get_ints_short(void **state)
{
	static const uint8_t in[8] = { 0xde, 0xad, 0xbe, 0xef, 0xde, 0xad,
		0xbe, 0xef };
	struct wire_reader r;
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;
	size_t n;

	(void)state;
	for (n = 0; n < 8; n++) {
		wire_reader_init(&r, in, n);
		if (n < 1) {
			a = 0xaa;
			assert_err(wire_get_u8(&r, &a), ERR_SHORT);
			assert_int_equal(a, 0);
			assert_int_equal(r.off, 0);
		}
		if (n < 2) {
			b = 0xaaaa;
			assert_err(wire_get_u16(&r, &b), ERR_SHORT);
			assert_int_equal(b, 0);
			assert_int_equal(r.off, 0);
		}
		if (n < 4) {
			c = 0xaaaaaaaaUL;
			assert_err(wire_get_u32(&r, &c), ERR_SHORT);
			assert_int_equal(c, 0);
			assert_int_equal(r.off, 0);
		}
		d = 0xaaaaaaaaaaaaaaaaULL;
		assert_err(wire_get_u64(&r, &d), ERR_SHORT);
		assert_true(d == 0);
		assert_int_equal(r.off, 0);
		assert_int_equal(wire_remaining(&r), n);
	}
}

/* Truncation in the middle of the input keeps the current offset. */
static void
test_get_short_mid(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04 };
	struct wire_reader r;
	uint8_t a = 0;
	uint32_t c = 0x55555555UL;
	uint16_t b = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_u8(&r, &a));
	assert_err(wire_get_u32(&r, &c), ERR_SHORT);
	assert_int_equal(c, 0);
	assert_int_equal(r.off, 1);
	assert_ok(wire_get_u16(&r, &b));
	assert_int_equal(b, 0x0203);
	assert_int_equal(r.off, 3);
}

static void
test_get_bytes(void **state)
{
	static const uint8_t in[] = { 0x10, 0x20, 0x30, 0x40, 0x50 };
	struct wire_reader r;
	uint8_t out[8], zero[8] = { 0 };

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_bytes(&r, out, 0));
	assert_int_equal(r.off, 0);
	assert_ok(wire_get_bytes(&r, out, 2));
	assert_mem_eq(out, in, 2);
	assert_int_equal(r.off, 2);

	memset(out, 0xaa, sizeof(out));
	assert_err(wire_get_bytes(&r, out, 4), ERR_SHORT);
	assert_mem_eq(out, zero, 4);
	assert_int_equal(out[4], 0xaa); /* nothing beyond n is touched */
	assert_int_equal(r.off, 2);

	assert_ok(wire_get_bytes(&r, out, 3));
	assert_mem_eq(out, in + 2, 3);
	assert_ok(wire_end(&r));
	assert_err(wire_get_bytes(&r, out, 1), ERR_SHORT);
	assert_int_equal(out[0], 0);
}

/* A huge n must not wrap the bounds check (n > len - off). */
static void
test_get_huge_lengths(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03 };
	struct wire_reader r;
	const uint8_t *v = in;
	uint8_t a = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_u8(&r, &a));
	assert_err(wire_get_view(&r, &v, SIZE_MAX), ERR_SHORT);
	assert_null(v);
	assert_err(wire_get_view(&r, &v, SIZE_MAX - 1), ERR_SHORT);
	assert_int_equal(r.off, 1);
}

static void
test_get_view(void **state)
{
	static const uint8_t in[] = { 0x10, 0x20, 0x30 };
	struct wire_reader r;
	const uint8_t *v = NULL;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_view(&r, &v, 1));
	assert_ptr_equal(v, in);
	assert_ok(wire_get_view(&r, &v, 2));
	assert_ptr_equal(v, in + 1);
	assert_ok(wire_end(&r));

	wire_reader_init(&r, in, sizeof(in));
	v = in;
	assert_err(wire_get_view(&r, &v, 4), ERR_SHORT);
	assert_null(v);
	assert_int_equal(r.off, 0);
}

static void
test_get_rest(void **state)
{
	static const uint8_t in[] = { 0x10, 0x20, 0x30, 0x40 };
	struct wire_reader r;
	const uint8_t *v = NULL;
	size_t n = 99;
	uint8_t a = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_u8(&r, &a));
	assert_ok(wire_get_rest(&r, &v, &n));
	assert_ptr_equal(v, in + 1);
	assert_int_equal(n, 3);
	assert_int_equal(r.off, 4);
	assert_ok(wire_end(&r));

	/* At the end the rest is empty, not an error. */
	n = 99;
	assert_ok(wire_get_rest(&r, &v, &n));
	assert_int_equal(n, 0);
	assert_ok(wire_end(&r));
}

static void
test_get_vec_good(void **state)
{
	static const uint8_t in[] = { 0x02, 0xa1, 0xa2, 0x00, 0x03, 0xb1,
		0xb2, 0xb3, 0x00, 0x00, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00,
		0x00, 0x00 };
	struct wire_reader r;
	const uint8_t *v = NULL;
	size_t n = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_vec8(&r, &v, &n, 2));
	assert_int_equal(n, 2);
	assert_ptr_equal(v, in + 1);
	assert_ok(wire_get_vec16(&r, &v, &n, 3));
	assert_int_equal(n, 3);
	assert_ptr_equal(v, in + 5);
	assert_ok(wire_get_vec32(&r, &v, &n, 1));
	assert_int_equal(n, 1);
	assert_ptr_equal(v, in + 12);
	/* Empty vectors: a zero max still allows them. */
	assert_ok(wire_get_vec32(&r, &v, &n, 0));
	assert_int_equal(n, 0);
	assert_ok(wire_get_vec8(&r, &v, &n, 0));
	assert_int_equal(n, 0);
	assert_ok(wire_end(&r));
}

/* Lengths read big-endian at full width. */
static void
test_get_vec_wide_lengths(void **state)
{
	uint8_t *in;
	struct wire_reader r;
	const uint8_t *v = NULL;
	size_t n = 0, len = 4 + 0x010203;

	(void)state;
	in = calloc(1, len);
	assert_non_null(in);
	in[0] = 0x00;
	in[1] = 0x01;
	in[2] = 0x02;
	in[3] = 0x03;
	wire_reader_init(&r, in, len);
	assert_ok(wire_get_vec32(&r, &v, &n, SIZE_MAX));
	assert_int_equal(n, 0x010203);
	assert_ok(wire_end(&r));

	wire_reader_init(&r, in + 1, 2 + 0x0102);
	assert_ok(wire_get_vec16(&r, &v, &n, 0xffff));
	assert_int_equal(n, 0x0102);
	assert_ok(wire_end(&r));

	in[3] = 0xff;
	wire_reader_init(&r, in + 3, 1 + 0xff);
	assert_ok(wire_get_vec8(&r, &v, &n, 0xff));
	assert_int_equal(n, 0xff);
	assert_ok(wire_end(&r));
	free(in);
}

/* Truncated prefix or body: ERR_SHORT, nothing consumed, outputs cleared. */
static void
test_get_vec_short(void **state)
{
	static const uint8_t in8[] = { 0x03, 0xa1, 0xa2 };
	static const uint8_t in16[] = { 0x00, 0x03, 0xa1, 0xa2 };
	static const uint8_t in32[] = { 0x00, 0x00, 0x00, 0x03, 0xa1, 0xa2 };
	struct wire_reader r;
	const uint8_t *v;
	size_t n, cut;

	(void)state;
	for (cut = 0; cut <= sizeof(in8); cut++) {
		wire_reader_init(&r, in8, cut);
		v = in8;
		n = 77;
		assert_err(wire_get_vec8(&r, &v, &n, 100), ERR_SHORT);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_int_equal(r.off, 0);
	}
	for (cut = 0; cut <= sizeof(in16); cut++) {
		wire_reader_init(&r, in16, cut);
		v = in16;
		n = 77;
		assert_err(wire_get_vec16(&r, &v, &n, 100), ERR_SHORT);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_int_equal(r.off, 0);
	}
	for (cut = 0; cut <= sizeof(in32); cut++) {
		wire_reader_init(&r, in32, cut);
		v = in32;
		n = 77;
		assert_err(wire_get_vec32(&r, &v, &n, 100), ERR_SHORT);
		assert_null(v);
		assert_int_equal(n, 0);
		assert_int_equal(r.off, 0);
	}
}

/* Over the caller max: ERR_TOO_LONG, nothing consumed; at the max: ok. */
static void
test_get_vec_too_long(void **state)
{
	static const uint8_t in8[] = { 0x03, 0xa1, 0xa2, 0xa3 };
	static const uint8_t in16[] = { 0x00, 0x03, 0xa1, 0xa2, 0xa3 };
	static const uint8_t in32[] = { 0x00, 0x00, 0x00, 0x03, 0xa1, 0xa2,
		0xa3 };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
	struct wire_reader r;
	const uint8_t *v;
	size_t n;

	(void)state;
	wire_reader_init(&r, in8, sizeof(in8));
	v = in8;
	n = 77;
	assert_err(wire_get_vec8(&r, &v, &n, 2), ERR_TOO_LONG);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(r.off, 0);
	assert_ok(wire_get_vec8(&r, &v, &n, 3));
	assert_int_equal(n, 3);

	wire_reader_init(&r, in16, sizeof(in16));
	n = 77;
	assert_err(wire_get_vec16(&r, &v, &n, 2), ERR_TOO_LONG);
	assert_int_equal(n, 0);
	assert_int_equal(r.off, 0);
	assert_ok(wire_get_vec16(&r, &v, &n, 3));

	wire_reader_init(&r, in32, sizeof(in32));
	n = 77;
	assert_err(wire_get_vec32(&r, &v, &n, 2), ERR_TOO_LONG);
	assert_int_equal(n, 0);
	assert_int_equal(r.off, 0);
	assert_ok(wire_get_vec32(&r, &v, &n, 3));

	/* The limit is checked before the body: an absurd length over the
	 * max is ERR_TOO_LONG even though the body is missing. */
	wire_reader_init(&r, huge, sizeof(huge));
	assert_err(wire_get_vec32(&r, &v, &n, 1024), ERR_TOO_LONG);
	assert_int_equal(r.off, 0);
	assert_err(wire_get_vec16(&r, &v, &n, 1024), ERR_TOO_LONG);
	assert_int_equal(r.off, 0);
	assert_err(wire_get_vec8(&r, &v, &n, 16), ERR_TOO_LONG);
	assert_int_equal(r.off, 0);
}

static void
test_end_trailing(void **state)
{
	static const uint8_t in[] = { 0x00, 0x01, 0x02 };
	struct wire_reader r;
	uint16_t b = 0;
	uint8_t a = 0;

	(void)state;
	wire_reader_init(&r, in, sizeof(in));
	assert_ok(wire_get_u16(&r, &b));
	assert_err(wire_end(&r), ERR_TRAILING);
	assert_ok(wire_get_u8(&r, &a));
	assert_ok(wire_end(&r));

	wire_reader_init(&r, in, 0);
	assert_ok(wire_end(&r));
	wire_reader_init(&r, NULL, 0);
	assert_ok(wire_end(&r));
	assert_err(wire_get_u8(&r, &a), ERR_SHORT);
}

/* Writes every kind of field and checks the exact big-endian bytes. */
static void
test_writer_byte_order(void **state)
{
	static const uint8_t want[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
		0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xee,
		0xdd, 0x02, 0xa1, 0xa2, 0x00, 0x01, 0xb1, 0x00, 0x00, 0x00,
		0x02, 0xc1, 0xc2, 0x00, 0x99 };
	static const uint8_t ab[] = { 0xa1, 0xa2 }, bb[] = { 0xb1 },
			     cb[] = { 0xc1, 0xc2 }, eb[] = { 0xee, 0xdd };
	struct wire_writer w;
	uint8_t *out = NULL, *sp;
	size_t len = 0;

	(void)state;
	wire_writer_init(&w, 1024);
	wire_put_u8(&w, 0x01);
	wire_put_u16(&w, 0x0203);
	wire_put_u32(&w, 0x04050607UL);
	wire_put_u64(&w, 0x08090a0b0c0d0e0fULL);
	wire_put_bytes(&w, eb, sizeof(eb));
	wire_put_vec8(&w, ab, sizeof(ab));
	wire_put_vec16(&w, bb, sizeof(bb));
	wire_put_vec32(&w, cb, sizeof(cb));
	wire_put_vec8(&w, NULL, 0);
	sp = wire_put_space(&w, 1);
	assert_non_null(sp);
	*sp = 0x99;
	assert_int_equal(w.err, 0);
	assert_ok(wire_writer_finish(&w, &out, &len));
	assert_non_null(out);
	assert_int_equal(len, sizeof(want));
	assert_mem_eq(out, want, sizeof(want));
	/* finish resets w. */
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	mem_wipe_free(out, len);
}

static void
test_writer_round_trip(void **state)
{
	static const uint8_t blob[] = "sealpost round trip";
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *out = NULL, a = 0, bytes[4];
	const uint8_t *v = NULL;
	uint16_t b = 0;
	uint32_t c = 0;
	uint64_t d = 0;
	size_t len = 0, n = 0;

	(void)state;
	wire_writer_init(&w, 4096);
	wire_put_u8(&w, 0xfe);
	wire_put_u16(&w, 0xfedc);
	wire_put_u32(&w, 0xfedcba98UL);
	wire_put_u64(&w, 0xfedcba9876543210ULL);
	wire_put_vec8(&w, blob, sizeof(blob));
	wire_put_vec16(&w, blob, 5);
	wire_put_vec32(&w, blob, 7);
	wire_put_bytes(&w, blob, 4);
	assert_ok(wire_writer_finish(&w, &out, &len));

	wire_reader_init(&r, out, len);
	assert_ok(wire_get_u8(&r, &a));
	assert_int_equal(a, 0xfe);
	assert_ok(wire_get_u16(&r, &b));
	assert_int_equal(b, 0xfedc);
	assert_ok(wire_get_u32(&r, &c));
	assert_true(c == 0xfedcba98UL);
	assert_ok(wire_get_u64(&r, &d));
	assert_true(d == 0xfedcba9876543210ULL);
	assert_ok(wire_get_vec8(&r, &v, &n, sizeof(blob)));
	assert_int_equal(n, sizeof(blob));
	assert_mem_eq(v, blob, n);
	assert_ok(wire_get_vec16(&r, &v, &n, 5));
	assert_int_equal(n, 5);
	assert_mem_eq(v, blob, 5);
	assert_ok(wire_get_vec32(&r, &v, &n, 7));
	assert_int_equal(n, 7);
	assert_mem_eq(v, blob, 7);
	assert_ok(wire_get_bytes(&r, bytes, 4));
	assert_mem_eq(bytes, blob, 4);
	assert_ok(wire_end(&r));
	mem_wipe_free(out, len);
}

/* Over the writer max: sticky ERR_TOO_LONG, returned by finish. */
static void
test_writer_max(void **state)
{
	struct wire_writer w;
	uint8_t *out = NULL;
	size_t len = 99;

	(void)state;
	wire_writer_init(&w, 5);
	wire_put_u32(&w, 1);
	wire_put_u8(&w, 2); /* exactly at the max: fine */
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 5);
	wire_put_u8(&w, 3);
	assert_err(w.err, ERR_TOO_LONG);
	assert_int_equal(w.len, 5);
	/* Sticky: later puts that would fit are no-ops. */
	wire_put_bytes(&w, NULL, 0);
	wire_put_u8(&w, 4);
	assert_null(wire_put_space(&w, 0));
	assert_err(w.err, ERR_TOO_LONG);
	assert_int_equal(w.len, 5);
	out = (uint8_t *)&len;
	assert_err(wire_writer_finish(&w, &out, &len), ERR_TOO_LONG);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_null(w.buf);

	/* An oversized first put, and a space request past SIZE_MAX. */
	wire_writer_init(&w, 3);
	wire_put_u32(&w, 1);
	assert_err(w.err, ERR_TOO_LONG);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_TOO_LONG);
	wire_writer_init(&w, 16);
	wire_put_u8(&w, 1);
	assert_null(wire_put_space(&w, SIZE_MAX));
	assert_err(wire_writer_finish(&w, &out, &len), ERR_TOO_LONG);
}

/* Lengths that overflow their prefix are ERR_TOO_LONG. */
static void
test_writer_vec_prefix_range(void **state)
{
	struct wire_writer w;
	uint8_t *big, *out = NULL;
	size_t len = 0;

	(void)state;
	big = calloc(1, 65536);
	assert_non_null(big);

	wire_writer_init(&w, 1U << 20);
	wire_put_vec8(&w, big, 255);
	assert_int_equal(w.err, 0);
	assert_int_equal(w.len, 256);
	wire_put_vec8(&w, big, 256);
	assert_err(w.err, ERR_TOO_LONG);
	assert_int_equal(w.len, 256);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_TOO_LONG);
	assert_null(out);

	wire_writer_init(&w, 1U << 20);
	wire_put_vec16(&w, big, 65535);
	assert_int_equal(w.err, 0);
	wire_put_vec16(&w, big, 65536);
	assert_err(w.err, ERR_TOO_LONG);
	assert_int_equal(w.len, 65537);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_TOO_LONG);
	free(big);
}

/* Many small puts force several growths; every byte lands in order. */
static void
test_writer_growth(void **state)
{
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *out = NULL, chunk[37];
	uint32_t i, v = 0;
	size_t len = 0, k;

	(void)state;
	wire_writer_init(&w, 1U << 20);
	for (i = 0; i < 10000; i++) {
		wire_put_u32(&w, i * 2654435761U);
	}
	for (k = 0; k < sizeof(chunk); k++) {
		chunk[k] = (uint8_t)k;
	}
	for (i = 0; i < 100; i++) {
		wire_put_bytes(&w, chunk, sizeof(chunk));
	}
	assert_int_equal(w.err, 0);
	assert_true(w.cap >= w.len);
	assert_ok(wire_writer_finish(&w, &out, &len));
	assert_int_equal(len, 40000 + 3700);

	wire_reader_init(&r, out, len);
	for (i = 0; i < 10000; i++) {
		assert_ok(wire_get_u32(&r, &v));
		assert_true(v == (uint32_t)(i * 2654435761U));
	}
	for (i = 0; i < 100; i++) {
		assert_mem_eq(out + 40000 + i * sizeof(chunk), chunk,
		    sizeof(chunk));
	}
	mem_wipe_free(out, len);
}

/* Growth wipes the old buffer; so does wire_writer_wipe. */
static void
test_writer_wipes(void **state)
{
	struct wire_writer w;
	uint8_t secret[200];
	int calls;

	(void)state;
	memset(secret, 0xaa, sizeof(secret));
	watch_releases();
	wire_writer_init(&w, 4096);
	wire_put_bytes(&w, secret, 10);
	calls = seen.calls;
	wire_put_bytes(&w, secret, sizeof(secret)); /* grows */
	assert_true(seen.calls > calls);
	assert_true(seen.all_zero);

	calls = seen.calls;
	wire_writer_wipe(&w);
	assert_int_equal(seen.calls, calls + 1);
	assert_true(seen.all_zero);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	wire_writer_wipe(&w); /* twice is harmless */
	mem_set_release_hook(NULL, NULL);
}

/* Allocation failure: sticky ERR_NOMEM, even after allocation recovers. */
static void
test_writer_nomem(void **state)
{
	struct wire_writer w;
	uint8_t *out = NULL, fill[100];
	size_t len = 99;

	(void)state;
	memset(fill, 0x5a, sizeof(fill));
	mem_fail_after(0);
	wire_writer_init(&w, 4096);
	wire_put_u8(&w, 1);
	assert_err(w.err, ERR_NOMEM);
	mem_fail_after(-1);
	wire_put_u8(&w, 1);
	assert_err(w.err, ERR_NOMEM);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_NOMEM);
	assert_null(out);
	assert_int_equal(len, 0);

	/* The first buffer succeeds, the growth fails. */
	mem_fail_after(1);
	wire_writer_init(&w, 1U << 16);
	wire_put_u8(&w, 1);
	assert_int_equal(w.err, 0);
	while (w.err == 0 && w.len < 4096) {
		wire_put_bytes(&w, fill, sizeof(fill));
	}
	assert_err(w.err, ERR_NOMEM);
	mem_fail_after(-1);
	wire_put_bytes(&w, fill, 1);
	assert_null(wire_put_space(&w, 1));
	assert_err(wire_writer_finish(&w, &out, &len), ERR_NOMEM);
	assert_null(out);
	assert_null(w.buf);

	/* After a reset the writer works again. */
	wire_writer_init(&w, 16);
	wire_put_u16(&w, 0x1234);
	assert_ok(wire_writer_finish(&w, &out, &len));
	assert_int_equal(len, 2);
	assert_int_equal(out[0], 0x12);
	assert_int_equal(out[1], 0x34);
	mem_wipe_free(out, len);
}

static void
test_writer_empty_finish(void **state)
{
	struct wire_writer w;
	uint8_t *out = NULL;
	size_t len = 99;

	(void)state;
	wire_writer_init(&w, 16);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_INTERNAL);
	assert_null(out);
	assert_int_equal(len, 0);

	/* Zero-length puts add nothing. */
	wire_writer_init(&w, 16);
	wire_put_bytes(&w, NULL, 0);
	assert_int_equal(w.err, 0);
	assert_err(wire_writer_finish(&w, &out, &len), ERR_INTERNAL);
	assert_null(out);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_get_ints, reset_hooks),
		cmocka_unit_test_teardown(test_get_ints_high_bits,
		    reset_hooks),
		cmocka_unit_test_teardown(test_get_ints_short, reset_hooks),
		cmocka_unit_test_teardown(test_get_short_mid, reset_hooks),
		cmocka_unit_test_teardown(test_get_bytes, reset_hooks),
		cmocka_unit_test_teardown(test_get_huge_lengths, reset_hooks),
		cmocka_unit_test_teardown(test_get_view, reset_hooks),
		cmocka_unit_test_teardown(test_get_rest, reset_hooks),
		cmocka_unit_test_teardown(test_get_vec_good, reset_hooks),
		cmocka_unit_test_teardown(test_get_vec_wide_lengths,
		    reset_hooks),
		cmocka_unit_test_teardown(test_get_vec_short, reset_hooks),
		cmocka_unit_test_teardown(test_get_vec_too_long, reset_hooks),
		cmocka_unit_test_teardown(test_end_trailing, reset_hooks),
		cmocka_unit_test_teardown(test_writer_byte_order, reset_hooks),
		cmocka_unit_test_teardown(test_writer_round_trip, reset_hooks),
		cmocka_unit_test_teardown(test_writer_max, reset_hooks),
		cmocka_unit_test_teardown(test_writer_vec_prefix_range,
		    reset_hooks),
		cmocka_unit_test_teardown(test_writer_growth, reset_hooks),
		cmocka_unit_test_teardown(test_writer_wipes, reset_hooks),
		cmocka_unit_test_teardown(test_writer_nomem, reset_hooks),
		cmocka_unit_test_teardown(test_writer_empty_finish,
		    reset_hooks),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_wire: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
