/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Bounded big-endian reader and writer. */
#include "common/wire.h"

#include <string.h>

#include "common/err.h"
#include "common/mem.h"

void
wire_reader_init(struct wire_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
}

size_t
wire_remaining(const struct wire_reader *r)
{
	return r->len - r->off;
}

/* SECURITY: the bounds check is n > len - off, which cannot overflow. */
static int
check(const struct wire_reader *r, size_t n)
{
	return n > r->len - r->off ? ERR_SHORT : 0;
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		v = (v << 8) | p[i];
	}
	return v;
}

static int
get_int(struct wire_reader *r, size_t n, uint64_t *v)
{
	*v = 0;
	if (check(r, n) != 0) {
		return ERR_SHORT;
	}
	*v = get_be(r->p + r->off, n);
	r->off += n;
	return 0;
}

int
wire_get_u8(struct wire_reader *r, uint8_t *v)
{
	uint64_t x;
	int ret = get_int(r, 1, &x);

	*v = (uint8_t)x;
	return ret;
}

int
wire_get_u16(struct wire_reader *r, uint16_t *v)
{
	uint64_t x;
	int ret = get_int(r, 2, &x);

	*v = (uint16_t)x;
	return ret;
}

int
wire_get_u32(struct wire_reader *r, uint32_t *v)
{
	uint64_t x;
	int ret = get_int(r, 4, &x);

	*v = (uint32_t)x;
	return ret;
}

int
wire_get_u64(struct wire_reader *r, uint64_t *v)
{
	return get_int(r, 8, v);
}

int
wire_get_bytes(struct wire_reader *r, uint8_t *out, size_t n)
{
	if (check(r, n) != 0) {
		if (out != NULL && n > 0) {
			memset(out, 0, n);
		}
		return ERR_SHORT;
	}
	if (n > 0) {
		memcpy(out, r->p + r->off, n);
	}
	r->off += n;
	return 0;
}

int
wire_get_view(struct wire_reader *r, const uint8_t **v, size_t n)
{
	*v = NULL;
	if (check(r, n) != 0) {
		return ERR_SHORT;
	}
	*v = r->p + r->off;
	r->off += n;
	return 0;
}

int
wire_get_rest(struct wire_reader *r, const uint8_t **v, size_t *n)
{
	*n = r->len - r->off;
	*v = r->p + r->off;
	r->off = r->len;
	return 0;
}

static int
get_vec(struct wire_reader *r, size_t width, const uint8_t **v, size_t *n,
    size_t max)
{
	size_t start = r->off;
	uint64_t len;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = get_int(r, width, &len)) != 0) {
		return ret;
	}
	if (len > max) {
		r->off = start;
		return ERR_TOO_LONG;
	}
	if ((ret = wire_get_view(r, v, (size_t)len)) != 0) {
		r->off = start;
		return ret;
	}
	*n = (size_t)len;
	return 0;
}

int
wire_get_vec8(struct wire_reader *r, const uint8_t **v, size_t *n, size_t max)
{
	return get_vec(r, 1, v, n, max);
}

int
wire_get_vec16(struct wire_reader *r, const uint8_t **v, size_t *n,
    size_t max)
{
	return get_vec(r, 2, v, n, max);
}

int
wire_get_vec32(struct wire_reader *r, const uint8_t **v, size_t *n,
    size_t max)
{
	return get_vec(r, 4, v, n, max);
}

int
wire_end(const struct wire_reader *r)
{
	return r->off == r->len ? 0 : ERR_TRAILING;
}

void
wire_writer_init(struct wire_writer *w, size_t max)
{
	memset(w, 0, sizeof(*w));
	w->max = max;
}

uint8_t *
wire_put_space(struct wire_writer *w, size_t n)
{
	uint8_t *nbuf, *p;
	size_t ncap;

	if (w->err != 0) {
		return NULL;
	}
	if (n > w->max - w->len) {
		w->err = ERR_TOO_LONG;
		return NULL;
	}
	if (n > w->cap - w->len) {
		ncap = w->cap < 64 ? 64 : w->cap;
		while (ncap - w->len < n) {
			ncap = ncap > w->max / 2 ? w->max : ncap * 2;
		}
		/* SECURITY: no realloc, so old bytes are wiped, not leaked. */
		if ((nbuf = mem_alloc(ncap)) == NULL) {
			w->err = ERR_NOMEM;
			return NULL;
		}
		if (w->len > 0) {
			memcpy(nbuf, w->buf, w->len);
		}
		mem_wipe_free(w->buf, w->cap);
		w->buf = nbuf;
		w->cap = ncap;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static void
put_be(struct wire_writer *w, uint64_t v, size_t n)
{
	uint8_t *p = wire_put_space(w, n);
	size_t i;

	if (p == NULL) {
		return;
	}
	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	}
}

void
wire_put_u8(struct wire_writer *w, uint8_t v)
{
	put_be(w, v, 1);
}

void
wire_put_u16(struct wire_writer *w, uint16_t v)
{
	put_be(w, v, 2);
}

void
wire_put_u32(struct wire_writer *w, uint32_t v)
{
	put_be(w, v, 4);
}

void
wire_put_u64(struct wire_writer *w, uint64_t v)
{
	put_be(w, v, 8);
}

void
wire_put_bytes(struct wire_writer *w, const uint8_t *p, size_t n)
{
	uint8_t *d;

	if (n == 0) {
		return;
	}
	if ((d = wire_put_space(w, n)) != NULL) {
		memcpy(d, p, n);
	}
}

static void
put_vec(struct wire_writer *w, size_t width, const uint8_t *p, size_t n)
{
	if (w->err == 0 && width < 8 && (uint64_t)n >> (8 * width) != 0) {
		w->err = ERR_TOO_LONG;
		return;
	}
	put_be(w, n, width);
	wire_put_bytes(w, p, n);
}

void
wire_put_vec8(struct wire_writer *w, const uint8_t *p, size_t n)
{
	put_vec(w, 1, p, n);
}

void
wire_put_vec16(struct wire_writer *w, const uint8_t *p, size_t n)
{
	put_vec(w, 2, p, n);
}

void
wire_put_vec32(struct wire_writer *w, const uint8_t *p, size_t n)
{
	put_vec(w, 4, p, n);
}

int
wire_writer_finish(struct wire_writer *w, uint8_t **outp, size_t *lenp)
{
	int r = w->err;

	*outp = NULL;
	*lenp = 0;
	if (r == 0 && w->len == 0) {
		r = ERR_INTERNAL;
	}
	if (r != 0) {
		wire_writer_wipe(w);
		return r;
	}
	*outp = w->buf;
	*lenp = w->len;
	/* The caller frees with the exact length; shrink-wiping is not
	 * needed because bytes past len were never written. */
	memset(w, 0, sizeof(*w));
	return 0;
}

void
wire_writer_wipe(struct wire_writer *w)
{
	mem_wipe_free(w->buf, w->cap);
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->err = 0;
}
