/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* System and seeded random sources. */
#include "crypto/rng.h"

#include <sodium.h>
#include <string.h>

static void
system_fill(void *ctx, uint8_t *buf, size_t n)
{
	(void)ctx;
	randombytes_buf(buf, n);
}

const struct rng rng_system = { system_fill, NULL };

void
rng_fill(const struct rng *r, uint8_t *buf, size_t n)
{
	if (n > 0) {
		r->fill(r->ctx, buf, n);
	}
}

static void
seeded_fill(void *ctx, uint8_t *buf, size_t n)
{
	static const uint8_t zero_nonce[crypto_stream_chacha20_NONCEBYTES];
	static const uint8_t zero_block[64];
	struct rng_seeded *s = ctx;
	size_t take;

	while (n > 0) {
		if (s->used == sizeof(s->block)) {
			/* Block i of the keystream is the XOR of zeros with
			 * the stream at initial counter i. */
			(void)crypto_stream_chacha20_xor_ic(s->block,
			    zero_block, sizeof(s->block), zero_nonce,
			    s->counter, s->key);
			s->counter++;
			s->used = 0;
		}
		take = sizeof(s->block) - s->used;
		if (take > n) {
			take = n;
		}
		memcpy(buf, s->block + s->used, take);
		sodium_memzero(s->block + s->used, take);
		s->used += take;
		buf += take;
		n -= take;
	}
}

void
rng_seeded_init(struct rng_seeded *s, const uint8_t seed[static 32])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->key, seed, sizeof(s->key));
	s->used = sizeof(s->block);
	s->rng.fill = seeded_fill;
	s->rng.ctx = s;
}

void
rng_seeded_wipe(struct rng_seeded *s)
{
	sodium_memzero(s, sizeof(*s));
}
