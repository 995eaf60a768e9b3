/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Claim rate limiting with token buckets in a two-way set-associative
 * table: a pair's bucket lives in one of two slots, and a new pair takes
 * the slot used least recently. */
#include "keyserver/kd_rate.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"

struct bucket {
	uint64_t key; /* 0: free */
	double tokens;
	int64_t at_ms;
};

struct kd_rate {
	pthread_mutex_t lock;
	double per_ms;
	double burst;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct bucket slots[KD_RATE_SLOTS];
};

int
kd_rate_new(int64_t per_minute, int64_t burst, struct kd_rate **out)
{
	struct kd_rate *r;

	*out = NULL;
	if (per_minute < 1 || burst < 1) {
		return ERR_ARG;
	}
	if ((r = mem_zalloc(sizeof(*r))) == NULL) {
		return ERR_NOMEM;
	}
	r->per_ms = (double)per_minute / 60000.0;
	r->burst = (double)burst;
	randombytes_buf(r->hkey, sizeof(r->hkey));
	PANIC_IF(pthread_mutex_init(&r->lock, NULL) != 0);
	*out = r;
	return 0;
}

void
kd_rate_free(struct kd_rate *r)
{
	if (r == NULL) {
		return;
	}
	pthread_mutex_destroy(&r->lock);
	mem_wipe_free(r, sizeof(*r));
}

static uint64_t
pair_key(const struct kd_rate *r, const char *from, const char *to)
{
	uint8_t buf[2 * 64 + 2], h[crypto_shorthash_BYTES];
	size_t a = strlen(from), b = strlen(to);
	uint64_t k = 0;
	size_t i;

	a = a > 64 ? 64 : a;
	b = b > 64 ? 64 : b;
	memcpy(buf, from, a);
	buf[a] = '>';
	memcpy(buf + a + 1, to, b);
	crypto_shorthash(h, buf, a + 1 + b, r->hkey);
	for (i = 0; i < sizeof(h); i++) {
		k = (k << 8) | h[i];
	}
	return k != 0 ? k : 1;
}

/* The bucket of key, refilled to now; a fresh full one if absent. */
static struct bucket *
lookup(struct kd_rate *r, uint64_t key, int64_t now_ms)
{
	size_t i = (size_t)(key % (KD_RATE_SLOTS / 2)) * 2;
	struct bucket *b = NULL, *s0 = &r->slots[i], *s1 = &r->slots[i + 1];
	double t;

	if (s0->key == key) {
		b = s0;
	} else if (s1->key == key) {
		b = s1;
	} else {
		b = s0->at_ms <= s1->at_ms ? s0 : s1;
		b->key = key;
		b->tokens = r->burst;
		b->at_ms = now_ms;
		return b;
	}
	if (now_ms > b->at_ms) {
		t = b->tokens + (double)(now_ms - b->at_ms) * r->per_ms;
		b->tokens = t < r->burst ? t : r->burst;
		b->at_ms = now_ms;
	}
	return b;
}

int
kd_rate_take(struct kd_rate *r, int64_t now_ms, const char *from,
    const char *const *to, size_t n)
{
	struct bucket *b[32];
	uint64_t key[32];
	size_t i;
	int ok = 1;

	if (n > sizeof(b) / sizeof(b[0])) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&r->lock);
	for (i = 0; i < n; i++) {
		key[i] = pair_key(r, from, to[i]);
		b[i] = lookup(r, key[i], now_ms);
		if (b[i]->tokens < 1.0) {
			ok = 0;
		}
	}
	/* A later lookup of this request may have reused an earlier one's
	 * slot (a keyed-hash collision): that pair then starts afresh. */
	for (i = 0; ok && i < n; i++) {
		if (b[i]->key == key[i]) {
			b[i]->tokens -= 1.0;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ok ? 0 : ERR_RATE;
}
