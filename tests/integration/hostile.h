/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Hostile input shared by the daemons' bad-input tests: well-formed frames
 * to cut, random frames, truncations, and the check of each reply. */
#ifndef SEALPOST_TEST_HOSTILE_H
#define SEALPOST_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/wire.h"
#include "crypto/rng.h"
#include "tests/integration/client.h"

/* A complete, well-formed frame of one request type. */
struct frame {
	uint8_t type;
	uint8_t *p;
	size_t len;
};

/* Makes f a frame of type around body (consumed and wiped). */
void frame_finish(struct frame *f, uint8_t type, struct wire_writer *body);

/*
 * Sends p[len] and checks the reply: want > 1 or negative, an ERROR with
 * that code; want == 1, any ERROR; want == 0, any reply (OK or ERROR) but
 * never silence. Fails the test otherwise.
 */
void hostile_expect(struct conn *c, const uint8_t *p, size_t len, int want);

/* Random frames of 0..63 bytes and of the sizes in big[], each raw, with a
 * valid version, and with a valid version and each of types[] in turn;
 * every one must get a reply. */
void hostile_random(struct conn *c, struct rng_seeded *rs,
    const uint8_t *types, size_t ntypes, const size_t *big, size_t nbig);

/* Every proper prefix of every frame (ERR_SHORT) and each with one byte
 * more (ERR_TRAILING). Unless authed, frames of a type at or above
 * first_authed are refused with ERR_UNAUTH before their body is read. */
void hostile_truncations(struct conn *c, const struct frame *f, size_t n,
    int authed, uint8_t first_authed);

/* After the abuse: d is alive, /healthz answers 200 "ok", /metrics 200,
 * and it exits 0 on SIGTERM. */
void hostile_survived(struct daemon *d);

#endif
