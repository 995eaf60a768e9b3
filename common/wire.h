/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The one bounded reader and writer for every byte format: big-endian
 * fixed-width integers and u8/u16/u32 length-prefixed vectors. */
#ifndef SEALPOST_WIRE_H
#define SEALPOST_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

/*
 * Reader over caller-owned bytes. Getters either consume exactly what they
 * return or fail with ERR_SHORT (or ERR_TOO_LONG for a length over the
 * caller's maximum) and leave the offset unchanged, zeroing their outputs.
 * Views (pointers into the input) live only as long as the input.
 */
struct wire_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void wire_reader_init(struct wire_reader *r, const uint8_t *p, size_t len)
    NONNULL(1);
/* Bytes not yet consumed. */
size_t wire_remaining(const struct wire_reader *r) NONNULL(1);

WUR int wire_get_u8(struct wire_reader *r, uint8_t *v) NONNULL(1, 2);
WUR int wire_get_u16(struct wire_reader *r, uint16_t *v) NONNULL(1, 2);
WUR int wire_get_u32(struct wire_reader *r, uint32_t *v) NONNULL(1, 2);
WUR int wire_get_u64(struct wire_reader *r, uint64_t *v) NONNULL(1, 2);
/* Copies n bytes into out. */
WUR int wire_get_bytes(struct wire_reader *r, uint8_t *out, size_t n)
    NONNULL(1);
/* Points *v at the next n bytes and consumes them. */
WUR int wire_get_view(struct wire_reader *r, const uint8_t **v, size_t n)
    NONNULL(1, 2);
/* Points *v at the rest of the input and consumes it; *n gets its length. */
WUR int wire_get_rest(struct wire_reader *r, const uint8_t **v, size_t *n)
    NONNULL(1, 2, 3);
/* Length-prefixed vectors: *n gets the length (<= max, else ERR_TOO_LONG
 * before anything is consumed), *v points at the bytes. */
WUR int wire_get_vec8(struct wire_reader *r, const uint8_t **v, size_t *n,
    size_t max) NONNULL(1, 2, 3);
WUR int wire_get_vec16(struct wire_reader *r, const uint8_t **v, size_t *n,
    size_t max) NONNULL(1, 2, 3);
WUR int wire_get_vec32(struct wire_reader *r, const uint8_t **v, size_t *n,
    size_t max) NONNULL(1, 2, 3);
/* 0 if every byte was consumed, else ERR_TRAILING. */
WUR int wire_end(const struct wire_reader *r) NONNULL(1);

/*
 * Writer into a heap buffer that grows up to max bytes. Errors are sticky:
 * after the first failure (ERR_TOO_LONG over max, ERR_NOMEM) every put is
 * a no-op and wire_writer_finish returns that error. The buffer may hold
 * secrets: growth and wipe always zero the old bytes.
 */
struct wire_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t max;
	int err;
};

void wire_writer_init(struct wire_writer *w, size_t max) NONNULL(1);
void wire_put_u8(struct wire_writer *w, uint8_t v) NONNULL(1);
void wire_put_u16(struct wire_writer *w, uint16_t v) NONNULL(1);
void wire_put_u32(struct wire_writer *w, uint32_t v) NONNULL(1);
void wire_put_u64(struct wire_writer *w, uint64_t v) NONNULL(1);
void wire_put_bytes(struct wire_writer *w, const uint8_t *p, size_t n)
    NONNULL(1);
/* Length prefix then bytes; a length over the prefix's range is
 * ERR_TOO_LONG. */
void wire_put_vec8(struct wire_writer *w, const uint8_t *p, size_t n)
    NONNULL(1);
void wire_put_vec16(struct wire_writer *w, const uint8_t *p, size_t n)
    NONNULL(1);
void wire_put_vec32(struct wire_writer *w, const uint8_t *p, size_t n)
    NONNULL(1);
/* Reserves n bytes and returns a pointer to them (to be filled by the
 * caller before the next put), or NULL after an error. */
uint8_t *wire_put_space(struct wire_writer *w, size_t n) NONNULL(1);

/* On success hands the buffer to the caller (*outp, *lenp; free it with
 * mem_wipe_free(*outp, *lenp)) and resets w. On failure wipes w, clears the
 * outputs and returns the sticky error. An empty result is ERR_INTERNAL. */
WUR int wire_writer_finish(struct wire_writer *w, uint8_t **outp,
    size_t *lenp) NONNULL(1, 2, 3);
/* Wipes and frees the buffer; w may be reused after wire_writer_init. */
void wire_writer_wipe(struct wire_writer *w) NONNULL(1);

#endif
