/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Long-poll parking and pipe events. A parked request keeps its rep0
 * context and sleeps on its own aio (nng_sleep_aio): the deadline
 * completes it, server_wake or a closed pipe cancels it, and the slot
 * callback re-runs or drops it according to its state. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "service/metrics.h"
#include "service/server.h"
#include "service/server_impl.h"

static size_t
key_bucket(const struct server *s, uint64_t key)
{
	/* Fibonacci hashing: the top bits of key * 2^64/phi. */
	uint64_t h = key * UINT64_C(0x9e3779b97f4a7c15);

	return (size_t)(h >> 32) & (s->nbuckets - 1);
}

static size_t
pipe_bucket(uint32_t id)
{
	return (size_t)((id * UINT32_C(0x9e3779b1)) >> 20) &
	    (PIPE_BUCKETS - 1);
}

int
park_init(struct server *s)
{
	size_t n = 64;

	while (n < s->cfg.max_parked / 2 && n < ((size_t)1 << 15)) {
		n *= 2;
	}
	s->nbuckets = n;
	s->kbuckets = mem_zalloc(n * sizeof(*s->kbuckets));
	s->last_wake = mem_zalloc(n * sizeof(*s->last_wake));
	if (s->kbuckets == NULL || s->last_wake == NULL) {
		return ERR_NOMEM;
	}
	return 0;
}

/* After server_stop: slots are gone, only pipe records remain. */
void
park_free_tables(struct server *s)
{
	struct pipe_rec *p, *next;
	size_t i;

	for (i = 0; i < PIPE_BUCKETS; i++) {
		for (p = s->pbuckets[i]; p != NULL; p = next) {
			next = p->next;
			free(p);
		}
		s->pbuckets[i] = NULL;
	}
	free(s->kbuckets);
	free(s->last_wake);
	s->kbuckets = NULL;
	s->last_wake = NULL;
}

static struct pipe_rec *
pipe_find_locked(struct server *s, uint32_t id)
{
	struct pipe_rec *p;

	for (p = s->pbuckets[pipe_bucket(id)]; p != NULL; p = p->next) {
		if (p->id == id) {
			return p;
		}
	}
	return NULL;
}

static void
pipe_unlink_locked(struct server *s, struct pipe_rec *rec)
{
	struct pipe_rec **pp = &s->pbuckets[pipe_bucket(rec->id)];

	while (*pp != rec) {
		pp = &(*pp)->next;
	}
	*pp = rec->next;
}

/* Takes r out of the key bucket and its pipe's list. */
void
park_remove_locked(struct server *s, struct server_req *r)
{
	size_t b = key_bucket(s, r->key);

	if (r->kprev != NULL) {
		r->kprev->knext = r->knext;
	} else {
		s->kbuckets[b] = r->knext;
	}
	if (r->knext != NULL) {
		r->knext->kprev = r->kprev;
	}
	if (r->pprev != NULL) {
		r->pprev->pnext = r->pnext;
	} else if (r->prec != NULL) {
		r->prec->parked = r->pnext;
	}
	if (r->pnext != NULL) {
		r->pnext->pprev = r->pprev;
	}
	r->knext = r->kprev = r->pnext = r->pprev = NULL;
	r->prec = NULL;
	s->nparked--;
	metric_set(s->m_parked, (int64_t)s->nparked);
	if (!r->active) {
		r->active = 1;
		s->nactive++;
	}
}

static void
park_insert_locked(struct server *s, struct server_req *r,
    struct pipe_rec *rec)
{
	size_t b = key_bucket(s, r->key);

	r->kprev = NULL;
	r->knext = s->kbuckets[b];
	if (r->knext != NULL) {
		r->knext->kprev = r;
	}
	s->kbuckets[b] = r;
	r->prec = rec;
	r->pprev = NULL;
	r->pnext = rec->parked;
	if (r->pnext != NULL) {
		r->pnext->pprev = r;
	}
	rec->parked = r;
	s->nparked++;
	metric_set(s->m_parked, (int64_t)s->nparked);
	metric_add(s->m_parked_total, 1);
}

/* Makes sure the free list holds a slot to replace the one being parked. */
static int
ensure_spare(struct server *s)
{
	struct server_req *n;
	int r;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		if (s->freelist != NULL || s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return 0;
		}
		pthread_mutex_unlock(&s->lock);
		if ((r = srv_slot_new(s, &n)) != 0) {
			return r;
		}
		pthread_mutex_lock(&s->lock);
		if (s->stopping) {
			/* Not linked anywhere, nothing pending. */
			pthread_mutex_unlock(&s->lock);
			nng_ctx_close(n->ctx);
			nng_aio_free(n->aio);
			free(n);
			return 0;
		}
		n->state = S_IDLE;
		n->all_prev = NULL;
		n->all_next = s->all;
		if (s->all != NULL) {
			s->all->all_prev = n;
		}
		s->all = n;
		n->qnext = s->freelist;
		s->freelist = n;
		s->nfree++;
		pthread_mutex_unlock(&s->lock);
	}
}

/* Under the lock, with a spare on the free list: parks req and returns
 * the spare, now active, for the caller to start receiving on. */
static struct server_req *
park_locked(struct server *s, struct server_req *req, struct pipe_rec *rec,
    nng_duration ms)
{
	struct server_req *spare = s->freelist;

	s->freelist = spare->qnext;
	s->nfree--;
	spare->qnext = NULL;
	spare->active = 1;
	spare->state = S_RECV;
	req->active = 0;
	req->state = S_PARKED;
	park_insert_locked(s, req, rec);
	nng_aio_set_timeout(req->aio, NNG_DURATION_DEFAULT);
	nng_sleep_aio(ms, req->aio);
	return spare;
}

int
server_park(struct server_req *req, uint64_t key, int64_t timeout_ms)
{
	struct server *s = req->srv;
	struct server_req *spare = NULL;
	struct pipe_rec *rec;
	nng_duration ms;
	int r, gone = 0;

	PANIC_IF(req->done == NULL);
	ms = timeout_ms < 0 ? 0 :
	    timeout_ms > INT32_MAX ? INT32_MAX : (nng_duration)timeout_ms;
	/* Another park may take the spare between ensure_spare() and the
	 * lock: then try again. */
	for (;;) {
		if ((r = ensure_spare(s)) != 0) {
			return r;
		}
		pthread_mutex_lock(&s->lock);
		if (s->freelist != NULL || s->stopping) {
			break;
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (s->stopping) {
		/* server_stop frees the slot and its request. */
		req->state = S_IDLE;
	} else if (s->nparked >= s->cfg.max_parked) {
		pthread_mutex_unlock(&s->lock);
		metric_add(s->m_park_refused, 1);
		return ERR_QUOTA;
	} else if ((rec = pipe_find_locked(s, req->pipe)) == NULL) {
		gone = 1; /* its pipe already closed */
	} else if (s->last_wake[key_bucket(s, key)] > req->seq) {
		/* A wake raced with this run: run again now. */
		req->woken = SERVER_WAKE_EVENT;
		srv_enqueue_locked(s, req);
	} else {
		req->key = key;
		spare = park_locked(s, req, rec, ms);
	}
	*req->done = 1;
	req->done = NULL;
	pthread_mutex_unlock(&s->lock);
	if (gone) {
		metric_add(s->m_dropped, 1);
		nng_msg_free(req->msg);
		req->msg = NULL;
		srv_recycle(req);
	}
	if (spare != NULL) {
		nng_aio_set_timeout(spare->aio, NNG_DURATION_DEFAULT);
		nng_ctx_recv(spare->ctx, spare->aio);
	}
	return 0;
}

void
server_wake(struct server *s, uint64_t key)
{
	struct server_req *r, *next;
	size_t b = key_bucket(s, key);

	pthread_mutex_lock(&s->lock);
	s->last_wake[b] = ++s->wake_seq;
	for (r = s->kbuckets[b]; r != NULL; r = next) {
		next = r->knext;
		if (r->key != key || r->state != S_PARKED) {
			continue;
		}
		park_remove_locked(s, r);
		r->state = S_WOKEN;
		/* Completes the sleep with NNG_ECANCELED; the callback,
		 * which needs this lock, sees S_WOKEN. */
		nng_aio_cancel(r->aio);
	}
	pthread_mutex_unlock(&s->lock);
}

/* "a.b.c.d:port", "[v6]:port", "ipc" or "unknown". */
static void
format_peer(nng_pipe p, char *out, size_t cap)
{
	nng_sockaddr sa;
	char ip[INET6_ADDRSTRLEN];

	snprintf(out, cap, "unknown");
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0) {
		return;
	}
	switch (sa.s_family) {
	case NNG_AF_INET:
		if (inet_ntop(AF_INET, &sa.s_in.sa_addr, ip, sizeof(ip))) {
			snprintf(out, cap, "%s:%u", ip,
			    (unsigned)ntohs(sa.s_in.sa_port));
		}
		break;
	case NNG_AF_INET6:
		if (inet_ntop(AF_INET6, sa.s_in6.sa_addr, ip, sizeof(ip))) {
			snprintf(out, cap, "[%s]:%u", ip,
			    (unsigned)ntohs(sa.s_in6.sa_port));
		}
		break;
	case NNG_AF_IPC:
	case NNG_AF_ABSTRACT:
		snprintf(out, cap, "ipc");
		break;
	default:
		break;
	}
}

/* ADD_PRE runs before nng starts the pipe, so before any request of it can
 * reach a handler: the record (and the add event) exist first. */
static void
pipe_added(struct server *s, nng_pipe p)
{
	struct pipe_rec *rec;
	uint32_t id = (uint32_t)nng_pipe_id(p);
	size_t b = pipe_bucket(id);

	if ((rec = mem_zalloc(sizeof(*rec))) == NULL) {
		log_err("pipe %u: out of memory, closing it", id);
		nng_pipe_close(p);
		return;
	}
	rec->id = id;
	format_peer(p, rec->peer, sizeof(rec->peer));
	pthread_mutex_lock(&s->lock);
	rec->next = s->pbuckets[b];
	s->pbuckets[b] = rec;
	rec->announced = s->cfg.pipe_event != NULL;
	pthread_mutex_unlock(&s->lock);
	metric_gauge_add(s->m_pipes, 1);
	if (s->cfg.pipe_event != NULL) {
		s->cfg.pipe_event(id, 1, rec->peer, s->cfg.arg);
	}
}

static void
pipe_removed(struct server *s, uint32_t id)
{
	struct pipe_rec *rec;
	struct server_req *r, *next;

	pthread_mutex_lock(&s->lock);
	if ((rec = pipe_find_locked(s, id)) == NULL) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pipe_unlink_locked(s, rec);
	for (r = rec->parked; r != NULL; r = next) {
		next = r->pnext;
		park_remove_locked(s, r);
		r->active = 0; /* back to the free list, not the pool */
		s->nactive--;
		r->state = S_DROP;
		nng_aio_cancel(r->aio);
		metric_add(s->m_dropped, 1);
	}
	pthread_mutex_unlock(&s->lock);
	metric_gauge_add(s->m_pipes, -1);
	if (rec->announced) {
		s->cfg.pipe_event(id, 0, rec->peer, s->cfg.arg);
	}
	free(rec);
}

void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct pipe_hub *hub = arg;

	/* The hub lock serialises events against server_stop, which
	 * sets closed before the server goes away. */
	pthread_mutex_lock(&hub->lock);
	if (!hub->closed) {
		if (ev == NNG_PIPE_EV_ADD_PRE) {
			pipe_added(hub->srv, p);
		} else if (ev == NNG_PIPE_EV_REM_POST) {
			pipe_removed(hub->srv, (uint32_t)nng_pipe_id(p));
		}
	}
	pthread_mutex_unlock(&hub->lock);
}
