/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Bucket padding of plaintexts before encryption. */
#include "crypto/pad.h"

#include <string.h>

#include "common/err.h"

#define PAD_MAX_LOG2 20
#if PAD_MAX != (1U << PAD_MAX_LOG2)
#error "PAD_MAX_LOG2 does not match PAD_MAX"
#endif

/* floor(log2 v) for 0 < v <= PAD_MAX, in a fixed number of steps. */
static size_t
floor_log2(size_t v)
{
	size_t r = 0, i;

	for (i = 1; i <= PAD_MAX_LOG2; i++) {
		r += (size_t)((v >> i) != 0);
	}
	return r;
}

size_t
pad_bucket(size_t n)
{
	size_t b, len, e, s, mask;

	if (n >= PAD_MAX) {
		return 0;
	}
	len = n + 1;
	for (b = PAD_MIN_BUCKET; b <= PAD_POW2_MAX; b *= 2) {
		if (len <= b) {
			return b;
		}
	}
	/*
	 * Padme: round L up to a multiple of 2^(E - S), which leaves S
	 * significant bits after the leading one, so a bucket leaks
	 * O(log log L) bits and adds less than L / 2^S (at most 6.25%).
	 * Here E >= 14, so the rounding unit is at least 1024 bytes: every
	 * bucket is a multiple of 64, which pad_remove's word scan relies
	 * on. SECURITY: pad_remove calls this on the secret unpadded
	 * length, so the steps must be the same for every L in a bucket
	 * (floor_log2 runs a fixed count, nothing exits early).
	 */
	e = floor_log2(len);
	s = floor_log2(e) + 1;
	mask = ((size_t)1 << (e - s)) - 1;
	b = (len + mask) & ~mask;
	return b <= PAD_MAX ? b : 0;
}

int
pad_is_bucket(size_t len)
{
	return len > 0 && pad_bucket(len - 1) == len;
}

int
pad_apply(uint8_t *out, size_t out_cap, size_t *out_len, const uint8_t *in,
    size_t len)
{
	size_t b = pad_bucket(len);

	*out_len = 0;
	if (b == 0) {
		return ERR_TOO_LONG;
	}
	if (out_cap < b) {
		return ERR_ARG;
	}
	if (len > 0) {
		memmove(out, in, len);
	}
	out[len] = 0x80;
	memset(out + len + 1, 0, b - len - 1);
	*out_len = b;
	return 0;
}

static uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--) {
		v = (v << 8) | p[i];
	}
	return v;
}

int
pad_remove(const uint8_t *buf, size_t len, size_t *out_len)
{
	uint64_t w, nz, m, last = 0, found = 0, c, cnz, cm, cval = 0;
	size_t k, idx = 0, pos = 0, t;

	*out_len = 0;
	if (!pad_is_bucket(len)) {
		return ERR_INVALID;
	}
	/*
	 * SECURITY: branch-free and without secret-dependent addresses, so
	 * the time does not depend on where the marker is. Pass 1 keeps the
	 * last non-zero 64-bit word (buckets are multiples of 64 bytes);
	 * pass 2 the last non-zero byte in it, which must be 0x80.
	 */
	for (k = 0; k < len / 8; k++) {
		w = load_le64(buf + 8 * k);
		nz = (w | (0 - w)) >> 63;
		m = 0 - nz;
		last = (last & ~m) | (w & m);
		idx = (idx & ~(size_t)m) | (k & (size_t)m);
		found |= nz;
	}
	for (t = 0; t < 8; t++) {
		c = (last >> (8 * t)) & 0xFF;
		cnz = (c + 0xFF) >> 8;
		cm = 0 - cnz;
		pos = (pos & ~(size_t)cm) | (t & (size_t)cm);
		cval = (cval & ~cm) | (c & cm);
	}
	if ((found & (((cval ^ 0x80) - 1) >> 63)) == 0) {
		return ERR_INVALID;
	}
	/* Canonical only: the bucket must be the one the length maps to. */
	if (pad_bucket(8 * idx + pos) != len) {
		return ERR_INVALID;
	}
	*out_len = 8 * idx + pos;
	return 0;
}
