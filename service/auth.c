/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Challenge-response device authentication bound to nng pipes. */
#include "service/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/keys.h"

struct pipe_state {
	uint32_t pipe; /* 0: empty slot */
	int has_nonce;
	int bound;
	int64_t nonce_at;
	uint8_t nonce[PROTO_NONCE_LEN];
	char user[PROTO_MAX_USER + 1];
	uint32_t device_id;
};

/* Open addressing with linear probing, at most half full. */
struct auth {
	pthread_mutex_t lock;
	char server_id[PROTO_MAX_SERVER_ID + 1];
	int64_t (*now_ms)(void);
	struct pipe_state *slots;
	size_t cap; /* a power of two */
	size_t used;
};

int
auth_new(const char *server_id, int64_t (*now_ms)(void), struct auth **out)
{
	struct auth *a;
	size_t n = strlen(server_id);

	*out = NULL;
	if (n == 0 || n > PROTO_MAX_SERVER_ID) {
		return ERR_ARG;
	}
	if ((a = mem_zalloc(sizeof(*a))) == NULL) {
		return ERR_NOMEM;
	}
	a->cap = 256;
	if ((a->slots = mem_zalloc(a->cap * sizeof(a->slots[0]))) == NULL) {
		mem_wipe_free(a, sizeof(*a));
		return ERR_NOMEM;
	}
	memcpy(a->server_id, server_id, n);
	a->now_ms = now_ms != NULL ? now_ms : clock_mono_ms;
	PANIC_IF(pthread_mutex_init(&a->lock, NULL) != 0);
	*out = a;
	return 0;
}

void
auth_free(struct auth *a)
{
	if (a == NULL) {
		return;
	}
	pthread_mutex_destroy(&a->lock);
	mem_wipe_free(a->slots, a->cap * sizeof(a->slots[0]));
	mem_wipe_free(a, sizeof(*a));
}

const char *
auth_server_id(const struct auth *a)
{
	return a->server_id;
}

static size_t
slot_of(const struct auth *a, uint32_t pipe)
{
	/* Fibonacci hashing: pipe ids are sequential. */
	return (size_t)((pipe * 2654435769U) & (uint32_t)(a->cap - 1));
}

/* The slot holding pipe, or NULL. Lock held. */
static struct pipe_state *
find(struct auth *a, uint32_t pipe)
{
	size_t i = slot_of(a, pipe);

	while (a->slots[i].pipe != 0) {
		if (a->slots[i].pipe == pipe) {
			return &a->slots[i];
		}
		i = (i + 1) & (a->cap - 1);
	}
	return NULL;
}

/* Inserts a fresh state for pipe (not present). Lock held. */
static void
insert(struct auth *a, const struct pipe_state *st)
{
	size_t i = slot_of(a, st->pipe);

	while (a->slots[i].pipe != 0) {
		i = (i + 1) & (a->cap - 1);
	}
	a->slots[i] = *st;
	a->used++;
}

static int
grow(struct auth *a)
{
	struct pipe_state *old = a->slots;
	size_t ocap = a->cap, i;

	if ((a->slots = mem_zalloc(2 * ocap * sizeof(old[0]))) == NULL) {
		a->slots = old;
		return ERR_NOMEM;
	}
	a->cap = 2 * ocap;
	a->used = 0;
	for (i = 0; i < ocap; i++) {
		if (old[i].pipe != 0) {
			insert(a, &old[i]);
		}
	}
	mem_wipe_free(old, ocap * sizeof(old[0]));
	return 0;
}

/* Removes slot i, shifting later entries of its probe run back. */
static void
erase(struct auth *a, size_t i)
{
	size_t j = i, k;

	sodium_memzero(&a->slots[i], sizeof(a->slots[i]));
	a->used--;
	for (;;) {
		j = (j + 1) & (a->cap - 1);
		if (a->slots[j].pipe == 0) {
			return;
		}
		k = slot_of(a, a->slots[j].pipe);
		/* Move j back to i unless its home lies cyclically in
		 * (i, j]. */
		if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) {
			continue;
		}
		a->slots[i] = a->slots[j];
		sodium_memzero(&a->slots[j], sizeof(a->slots[j]));
		i = j;
	}
}

void
auth_pipe_event(struct auth *a, uint32_t pipe, int added)
{
	struct pipe_state st, *s;

	if (pipe == 0) {
		return;
	}
	pthread_mutex_lock(&a->lock);
	s = find(a, pipe);
	if (!added) {
		if (s != NULL) {
			erase(a, (size_t)(s - a->slots));
		}
	} else if (s == NULL) {
		if (2 * (a->used + 1) > a->cap && grow(a) != 0) {
			log_err("no memory for pipe %u: it stays unknown",
			    pipe);
		} else {
			memset(&st, 0, sizeof(st));
			st.pipe = pipe;
			insert(a, &st);
		}
	}
	pthread_mutex_unlock(&a->lock);
}

int
auth_challenge(struct auth *a, uint32_t pipe, const struct rng *rng,
    uint8_t nonce[static PROTO_NONCE_LEN])
{
	struct pipe_state *s;
	int r = ERR_NOT_FOUND;

	rng_fill(rng, nonce, PROTO_NONCE_LEN);
	pthread_mutex_lock(&a->lock);
	if ((s = find(a, pipe)) != NULL) {
		memcpy(s->nonce, nonce, PROTO_NONCE_LEN);
		s->nonce_at = a->now_ms();
		s->has_nonce = 1;
		r = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
auth_take_nonce(struct auth *a, uint32_t pipe,
    const uint8_t nonce[static PROTO_NONCE_LEN])
{
	struct pipe_state *s;
	int r = ERR_AUTH;

	pthread_mutex_lock(&a->lock);
	if ((s = find(a, pipe)) != NULL && s->has_nonce) {
		/* SECURITY: single use, whatever the outcome. */
		if (sodium_memcmp(s->nonce, nonce, PROTO_NONCE_LEN) == 0 &&
		    a->now_ms() - s->nonce_at < AUTH_NONCE_TTL_MS) {
			r = 0;
		}
		sodium_memzero(s->nonce, PROTO_NONCE_LEN);
		s->has_nonce = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
auth_verify(struct auth *a, uint32_t pipe, const struct proto_auth *m,
    const uint8_t ik[static PROTO_KEY_LEN])
{
	struct wire_writer w;
	uint8_t *tbs = NULL;
	size_t len = 0;
	int r;

	if ((r = auth_take_nonce(a, pipe, m->nonce)) != 0) {
		return r;
	}
	wire_writer_init(&w, 512);
	proto_auth_tbs(&w, a->server_id, m->nonce, m->user, m->device_id);
	if ((r = wire_writer_finish(&w, &tbs, &len)) != 0) {
		return r;
	}
	r = key_verify(ik, tbs, len, m->sig) == 0 ? 0 : ERR_AUTH;
	mem_wipe_free(tbs, len);
	if (r != 0) {
		return r;
	}
	return auth_bind(a, pipe, m->user, m->device_id);
}

int
auth_bind(struct auth *a, uint32_t pipe, const char *user, uint32_t device_id)
{
	struct pipe_state *s;
	size_t n = strlen(user);
	int r = ERR_NOT_FOUND;

	if (n > PROTO_MAX_USER || device_id == 0) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&a->lock);
	if ((s = find(a, pipe)) != NULL) {
		memset(s->user, 0, sizeof(s->user));
		memcpy(s->user, user, n);
		s->device_id = device_id;
		s->bound = 1;
		r = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

int
auth_lookup(struct auth *a, uint32_t pipe,
    char user[static PROTO_MAX_USER + 1], uint32_t *device_id)
{
	struct pipe_state *s;
	int r = ERR_UNAUTH;

	memset(user, 0, PROTO_MAX_USER + 1);
	*device_id = 0;
	pthread_mutex_lock(&a->lock);
	if ((s = find(a, pipe)) != NULL && s->bound) {
		memcpy(user, s->user, PROTO_MAX_USER + 1);
		*device_id = s->device_id;
		r = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return r;
}

size_t
auth_unbind(struct auth *a, const char *user, uint32_t device_id)
{
	size_t i, n = 0;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->cap; i++) {
		struct pipe_state *s = &a->slots[i];

		if (s->pipe != 0 && s->bound && strcmp(s->user, user) == 0 &&
		    (device_id == 0 || s->device_id == device_id)) {
			s->bound = 0;
			s->device_id = 0;
			memset(s->user, 0, sizeof(s->user));
			n++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

size_t
auth_pipes(struct auth *a, size_t *bound)
{
	size_t i, n;

	*bound = 0;
	pthread_mutex_lock(&a->lock);
	n = a->used;
	for (i = 0; i < a->cap; i++) {
		if (a->slots[i].pipe != 0 && a->slots[i].bound) {
			(*bound)++;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}
