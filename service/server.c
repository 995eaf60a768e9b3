/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The rep0 server: socket and listeners, the receive/reply cycle of the
 * context slots, the worker threads and shutdown. Parking and pipe events
 * live in server_park.c, shutdown in server_stop.c, HTTP and signals in
 * server_http.c. */
#include "service/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "service/metrics.h"
#include "service/server_impl.h"

/* Largest certificate or key file read. */
#define PEM_MAX ((size_t)1 << 20)

int
srv_nng_err(const char *what, int rv)
{
	log_err("%s: %s", what, nng_strerror(rv));
	return ERR_NET;
}

static char *
dup_str(const char *s)
{
	size_t n;
	char *d;

	if (s == NULL) {
		return NULL;
	}
	n = strlen(s) + 1;
	if ((d = mem_alloc(n)) != NULL) {
		memcpy(d, s, n);
	}
	return d;
}

static int
is_tls_url(const char *u)
{
	return strncmp(u, "tls+tcp://", 10) == 0 ||
	    strncmp(u, "wss://", 6) == 0;
}

/* Copies cfg into s with the defaults applied. */
static int
copy_config(struct server *s, const struct server_config *cfg)
{
	size_t i;

	s->cfg = *cfg;
	if (cfg->nlisten == 0 || cfg->listen == NULL) {
		log_err("no listen address");
		return ERR_CONFIG;
	}
	s->cfg.max_frame = cfg->max_frame ? cfg->max_frame :
					    SERVER_DEFAULT_MAX_FRAME;
	if (s->cfg.max_frame > SIZE_MAX - SERVER_REQ_HEADER) {
		return ERR_CONFIG;
	}
	s->cfg.contexts = cfg->contexts ? cfg->contexts :
					  SERVER_DEFAULT_CONTEXTS;
	s->cfg.workers = cfg->workers ? cfg->workers : SERVER_DEFAULT_WORKERS;
	s->cfg.max_parked = cfg->max_parked ? cfg->max_parked :
					      SERVER_DEFAULT_MAX_PARKED;
	s->cfg.send_timeout_ms = cfg->send_timeout_ms > 0 ?
	    cfg->send_timeout_ms :
	    SERVER_DEFAULT_SEND_TIMEOUT_MS;
	if ((s->urls = mem_zalloc(cfg->nlisten * sizeof(char *))) == NULL) {
		return ERR_NOMEM;
	}
	for (i = 0; i < cfg->nlisten; i++) {
		PANIC_IF(cfg->listen[i] == NULL);
		if ((s->urls[i] = dup_str(cfg->listen[i])) == NULL) {
			return ERR_NOMEM;
		}
	}
	s->cfg.listen = (const char *const *)s->urls;
	s->tls_cert_file = dup_str(cfg->tls_cert_file);
	s->tls_key_file = dup_str(cfg->tls_key_file);
	if ((cfg->tls_cert_file != NULL && s->tls_cert_file == NULL) ||
	    (cfg->tls_key_file != NULL && s->tls_key_file == NULL)) {
		return ERR_NOMEM;
	}
	s->cfg.tls_cert_file = s->tls_cert_file;
	s->cfg.tls_key_file = s->tls_key_file;
	return 0;
}

/* Reads a whole (small) file as a NUL-terminated string. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;
	int r = ERR_CONFIG;

	*out = NULL;
	*len = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		log_err("%s: %s", path, strerror(errno));
		goto out;
	}
	if ((buf = mem_zalloc(PEM_MAX + 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	if (ferror(f) || n == 0 || n > PEM_MAX) {
		log_err("%s: unreadable, empty or too large", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = PEM_MAX + 1;
	buf = NULL;
	r = 0;
out:
	mem_wipe_free(buf, PEM_MAX + 1);
	if (f != NULL) {
		fclose(f);
	}
	return r;
}

/* One TLS server configuration shared by every TLS listener. */
static int
tls_setup(struct server *s)
{
	char *cert = NULL, *key = NULL;
	size_t certlen = 0, keylen = 0;
	int r = ERR_CONFIG, rv;

	if (s->tls_cert_file == NULL || s->tls_key_file == NULL) {
		log_err("a TLS listener needs tls_cert_file and tls_key_file");
		return ERR_CONFIG;
	}
	if ((r = read_file(s->tls_cert_file, &cert, &certlen)) != 0 ||
	    (r = read_file(s->tls_key_file, &key, &keylen)) != 0) {
		goto out;
	}
	if ((rv = nng_tls_config_alloc(&s->tls, NNG_TLS_MODE_SERVER)) != 0) {
		r = srv_nng_err("nng_tls_config_alloc", rv);
		goto out;
	}
	if ((rv = nng_tls_config_own_cert(s->tls, cert, key, NULL)) != 0) {
		log_err("TLS certificate %s / key %s: %s", s->tls_cert_file,
		    s->tls_key_file, nng_strerror(rv));
		r = ERR_CONFIG;
		goto out;
	}
	r = 0;
out:
	mem_wipe_free(cert, certlen);
	mem_wipe_free(key, keylen);
	return r;
}

static int
listeners_create(struct server *s)
{
	size_t i;
	int rv, r;

	s->listeners = mem_zalloc(s->cfg.nlisten * sizeof(nng_listener));
	if (s->listeners == NULL) {
		return ERR_NOMEM;
	}
	for (i = 0; i < s->cfg.nlisten; i++) {
		const char *u = s->urls[i];

		if (is_tls_url(u) && s->tls == NULL &&
		    (r = tls_setup(s)) != 0) {
			return r;
		}
		if ((rv = nng_listener_create(&s->listeners[i], s->sock,
			 u)) != 0) {
			log_err("listen %s: %s", u, nng_strerror(rv));
			return rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP ?
			    ERR_CONFIG :
			    ERR_NET;
		}
		s->nlisteners_ok = i + 1;
		if (is_tls_url(u) &&
		    (rv = nng_listener_set_ptr(s->listeners[i],
			 NNG_OPT_TLS_CONFIG, s->tls)) != 0) {
			return srv_nng_err("NNG_OPT_TLS_CONFIG", rv);
		}
	}
	return 0;
}

static void
register_metrics(struct server *s)
{
	struct metrics *m = s->cfg.metrics;

	if (m == NULL) {
		return;
	}
	s->m_requests = metrics_counter(m, "sealpost_server_requests_total",
	    NULL, "Requests received.");
	s->m_parked = metrics_gauge(m, "sealpost_server_parked",
	    NULL, "Requests parked now (long polls).");
	s->m_parked_total = metrics_counter(m,
	    "sealpost_server_parked_total", NULL, "Requests parked.");
	s->m_wake_event = metrics_counter(m, "sealpost_server_wakes_total",
	    "reason=\"event\"", "Parked requests re-run.");
	s->m_wake_timeout = metrics_counter(m, "sealpost_server_wakes_total",
	    "reason=\"timeout\"", "Parked requests re-run.");
	s->m_park_refused = metrics_counter(m,
	    "sealpost_server_park_refused_total", NULL,
	    "Parks refused because max_parked was reached.");
	s->m_dropped = metrics_counter(m,
	    "sealpost_server_parked_dropped_total", NULL,
	    "Parked requests dropped because their connection closed.");
	s->m_reply_err = metrics_counter(m,
	    "sealpost_server_reply_errors_total", NULL,
	    "Replies that could not be sent.");
	s->m_pipes = metrics_gauge(m, "sealpost_server_connections", NULL,
	    "Open connections.");
}

static void *worker_main(void *arg);

static int
workers_start(struct server *s)
{
	unsigned i;

	s->threads = mem_zalloc(s->cfg.workers * sizeof(pthread_t));
	if (s->threads == NULL) {
		return ERR_NOMEM;
	}
	for (i = 0; i < s->cfg.workers; i++) {
		if (pthread_create(&s->threads[i], NULL, worker_main, s) !=
		    0) {
			log_err("pthread_create failed");
			return ERR_SYS;
		}
		s->nthreads = i + 1;
	}
	return 0;
}

static int
socket_setup(struct server *s)
{
	nng_pipe_ev ev[] = { NNG_PIPE_EV_ADD_PRE, NNG_PIPE_EV_REM_POST };
	size_t i;
	int rv;

	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		return srv_nng_err("nng_rep0_open", rv);
	}
	/* SECURITY: nng's default is unlimited. nng counts the req0
	 * request-id header in the frame, so a body of max_frame fits. */
	if ((rv = nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ,
		 s->cfg.max_frame + SERVER_REQ_HEADER)) != 0) {
		return srv_nng_err("NNG_OPT_RECVMAXSZ", rv);
	}
	for (i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		if ((rv = nng_pipe_notify(s->sock, ev[i], pipe_cb, s->hub)) !=
		    0) {
			return srv_nng_err("nng_pipe_notify", rv);
		}
	}
	return 0;
}

static int
server_init(struct server *s, const struct server_config *cfg)
{
	pthread_condattr_t ca;
	int r;

	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		return ERR_SYS;
	}
	if (pthread_condattr_init(&ca) != 0) {
		return ERR_SYS;
	}
	r = pthread_cond_init(&s->work_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (r != 0) {
		return ERR_SYS;
	}
	if ((s->hub = mem_zalloc(sizeof(*s->hub))) == NULL) {
		return ERR_NOMEM;
	}
	if (pthread_mutex_init(&s->hub->lock, NULL) != 0) {
		free(s->hub);
		s->hub = NULL;
		return ERR_SYS;
	}
	s->hub->srv = s;
	if ((r = copy_config(s, cfg)) != 0 || (r = park_init(s)) != 0) {
		return r;
	}
	register_metrics(s);
	return 0;
}

int
server_new(const struct server_config *cfg, server_handler handler,
    void *arg, struct server **out)
{
	struct server *s = NULL;
	int r = ERR_INTERNAL;

	*out = NULL;
	if ((s = mem_zalloc(sizeof(*s))) == NULL) {
		return ERR_NOMEM;
	}
	s->handler = handler;
	s->arg = arg;
	if ((r = server_init(s, cfg)) != 0 || (r = socket_setup(s)) != 0 ||
	    (r = listeners_create(s)) != 0 || (r = workers_start(s)) != 0) {
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	server_free(s);
	return r;
}

int
srv_slot_new(struct server *s, struct server_req **out)
{
	struct server_req *r;
	int rv;

	*out = NULL;
	if ((r = mem_zalloc(sizeof(*r))) == NULL) {
		return ERR_NOMEM;
	}
	r->srv = s;
	if ((rv = nng_aio_alloc(&r->aio, srv_slot_cb, r)) != 0) {
		free(r);
		return srv_nng_err("nng_aio_alloc", rv);
	}
	if ((rv = nng_ctx_open(&r->ctx, s->sock)) != 0) {
		nng_aio_free(r->aio);
		free(r);
		return srv_nng_err("nng_ctx_open", rv);
	}
	*out = r;
	return 0;
}

/* Frees a slot that has no operation pending and is in no list. */
void
srv_slot_free(struct server_req *r)
{
	nng_msg *m;

	if (r->aio != NULL) {
		nng_aio_stop(r->aio);
		if ((m = nng_aio_get_msg(r->aio)) != NULL) {
			nng_msg_free(m);
		}
		nng_aio_free(r->aio);
		r->aio = NULL;
		nng_ctx_close(r->ctx);
	}
	if (r->msg != NULL) {
		nng_msg_free(r->msg);
	}
	free(r);
}

static void
all_link_locked(struct server *s, struct server_req *r)
{
	r->all_prev = NULL;
	r->all_next = s->all;
	if (s->all != NULL) {
		s->all->all_prev = r;
	}
	s->all = r;
}

static void
all_unlink_locked(struct server *s, struct server_req *r)
{
	if (r->all_prev != NULL) {
		r->all_prev->all_next = r->all_next;
	} else {
		s->all = r->all_next;
	}
	if (r->all_next != NULL) {
		r->all_next->all_prev = r->all_prev;
	}
	r->all_next = r->all_prev = NULL;
}

static void
post_recv(struct server_req *r)
{
	nng_aio_set_timeout(r->aio, NNG_DURATION_DEFAULT);
	nng_ctx_recv(r->ctx, r->aio);
}

int
server_start(struct server *s)
{
	struct server_req *r;
	unsigned i;
	size_t j;
	int rv, ret;

	pthread_mutex_lock(&s->lock);
	ret = s->started || s->stopping ? ERR_STATE : 0;
	s->started = 1;
	pthread_mutex_unlock(&s->lock);
	if (ret != 0) {
		return ret;
	}
	for (i = 0; i < s->cfg.contexts; i++) {
		if ((ret = srv_slot_new(s, &r)) != 0) {
			return ret;
		}
		pthread_mutex_lock(&s->lock);
		all_link_locked(s, r);
		r->active = 1;
		r->state = S_RECV;
		s->nactive++;
		pthread_mutex_unlock(&s->lock);
		post_recv(r);
	}
	for (j = 0; j < s->nlisteners_ok; j++) {
		if ((rv = nng_listener_start(s->listeners[j], 0)) != 0) {
			log_err("listen %s: %s", s->urls[j], nng_strerror(rv));
			return ERR_NET;
		}
	}
	return 0;
}

int
server_bound_port(struct server *s, size_t i)
{
	int port = -1;

	if (i >= s->nlisteners_ok || !s->started ||
	    nng_listener_get_int(s->listeners[i], NNG_OPT_TCP_BOUND_PORT,
		&port) != 0) {
		return -1;
	}
	return port;
}

/* Called with the lock held: hands r to a worker. */
void
srv_enqueue_locked(struct server *s, struct server_req *r)
{
	r->state = S_QUEUED;
	r->qnext = NULL;
	if (s->qtail != NULL) {
		s->qtail->qnext = r;
	} else {
		s->qhead = r;
	}
	s->qtail = r;
	pthread_cond_signal(&s->work_cv);
}

/* r finished (replied, or its request was dropped): receive again, or
 * rest on the free list if the pool already has enough contexts (which
 * happens after a parked request came back). */
void
srv_recycle(struct server_req *r)
{
	struct server *s = r->srv;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if (r->active && s->nactive > s->cfg.contexts) {
		r->active = 0;
		s->nactive--;
	}
	if (!r->active) {
		r->state = S_IDLE;
		r->qnext = s->freelist;
		s->freelist = r;
		s->nfree++;
		pthread_mutex_unlock(&s->lock);
		return;
	}
	r->state = S_RECV;
	pthread_mutex_unlock(&s->lock);
	post_recv(r);
}

static void
drop_msg(struct server_req *r)
{
	nng_msg *m;

	if ((m = nng_aio_get_msg(r->aio)) != NULL) {
		nng_aio_set_msg(r->aio, NULL);
		nng_msg_free(m);
	}
	if (r->msg != NULL) {
		nng_msg_free(r->msg);
		r->msg = NULL;
	}
}

/* A receive finished: hand the request to a worker. */
static void
on_recv(struct server *s, struct server_req *r, int rv)
{
	if (rv != 0) {
		pthread_mutex_unlock(&s->lock);
		if (rv != NNG_ECLOSED && rv != NNG_ECANCELED) {
			log_warn("receive: %s", nng_strerror(rv));
			post_recv(r);
		}
		return;
	}
	r->msg = nng_aio_get_msg(r->aio);
	nng_aio_set_msg(r->aio, NULL);
	r->pipe = (uint32_t)nng_pipe_id(nng_msg_get_pipe(r->msg));
	r->woken = SERVER_WAKE_NONE;
	srv_enqueue_locked(s, r);
	pthread_mutex_unlock(&s->lock);
	metric_add(s->m_requests, 1);
}

/* The one callback of a slot's aio; what finished depends on the state. */
void
srv_slot_cb(void *arg)
{
	struct server_req *r = arg;
	struct server *s = r->srv;
	int rv = nng_aio_result(r->aio);

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		/* server_stop frees what the aio still holds. */
		pthread_mutex_unlock(&s->lock);
		return;
	}
	switch (r->state) {
	case S_RECV:
		on_recv(s, r, rv); /* unlocks */
		return;
	case S_SEND:
		pthread_mutex_unlock(&s->lock);
		if (rv != 0) {
			metric_add(s->m_reply_err, 1);
			log_debug("reply: %s", nng_strerror(rv));
			drop_msg(r);
		}
		srv_recycle(r);
		return;
	case S_PARKED:
		if (rv == 0) { /* the park deadline */
			park_remove_locked(s, r);
			r->woken = SERVER_WAKE_TIMEOUT;
			srv_enqueue_locked(s, r);
			metric_add(s->m_wake_timeout, 1);
		}
		break;
	case S_WOKEN:
		r->woken = SERVER_WAKE_EVENT;
		srv_enqueue_locked(s, r);
		metric_add(s->m_wake_event, 1);
		break;
	case S_DROP:
		drop_msg(r);
		r->state = S_IDLE;
		r->qnext = s->freelist;
		s->freelist = r;
		s->nfree++;
		break;
	case S_IDLE:
	case S_QUEUED:
		break;
	}
	pthread_mutex_unlock(&s->lock);
}

/* Frees one surplus idle slot (outside the lock: nng_aio_free waits for
 * the slot's callback to return). */
static void
trim_free(struct server *s)
{
	struct server_req *r = NULL;

	pthread_mutex_lock(&s->lock);
	if (!s->stopping && s->nfree > s->cfg.contexts) {
		r = s->freelist;
		s->freelist = r->qnext;
		s->nfree--;
		all_unlink_locked(s, r);
	}
	pthread_mutex_unlock(&s->lock);
	if (r != NULL) {
		srv_slot_free(r);
	}
}

static void *
worker_main(void *arg)
{
	struct server *s = arg;
	struct server_req *r;
	int done;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->stopping && s->qhead == NULL) {
			pthread_cond_wait(&s->work_cv, &s->lock);
		}
		if (s->stopping) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		r = s->qhead;
		if ((s->qhead = r->qnext) == NULL) {
			s->qtail = NULL;
		}
		r->qnext = NULL;
		r->seq = s->wake_seq;
		done = 0;
		r->done = &done;
		pthread_mutex_unlock(&s->lock);

		s->handler(r, s->arg);
		/* r may belong to another thread by now: only look at done. */
		PANIC_IF(!done);
		trim_free(s);
	}
}

/* Marks the running handler's request as handed back. */
static void
finish_run(struct server_req *r)
{
	int *done = r->done;

	PANIC_IF(done == NULL);
	r->done = NULL;
	*done = 1;
}

void
server_reply(struct server_req *req, const uint8_t *p, size_t n)
{
	struct server *s = req->srv;
	nng_msg *m = NULL;
	int rv;

	PANIC_IF(p == NULL && n > 0);
	finish_run(req);
	if ((rv = nng_msg_alloc(&m, n)) != 0) {
		log_err("reply: %s", nng_strerror(rv));
		metric_add(s->m_reply_err, 1);
		drop_msg(req);
		srv_recycle(req);
		return;
	}
	if (n > 0) {
		memcpy(nng_msg_body(m), p, n); /* p may point into req->msg */
	}
	nng_msg_free(req->msg);
	req->msg = NULL;
	pthread_mutex_lock(&s->lock);
	req->state = S_SEND;
	pthread_mutex_unlock(&s->lock);
	nng_aio_set_msg(req->aio, m);
	nng_aio_set_timeout(req->aio, s->cfg.send_timeout_ms);
	nng_ctx_send(req->ctx, req->aio);
}

uint32_t
server_req_pipe(const struct server_req *req)
{
	return req->pipe;
}

const uint8_t *
server_req_data(const struct server_req *req, size_t *len)
{
	*len = nng_msg_len(req->msg);
	return nng_msg_body(req->msg);
}

int
server_req_woken(const struct server_req *req)
{
	return req->woken;
}

struct server *
server_req_server(const struct server_req *req)
{
	return req->srv;
}

size_t
server_parked_count(struct server *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->nparked;
	pthread_mutex_unlock(&s->lock);
	return n;
}
