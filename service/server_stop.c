/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Shutdown that cannot hang: every aio stopped before anything closes, and
 * nng_close (which can hang in nng 1.5.2 under load) run on a helper
 * thread with a deadline. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "service/server.h"
#include "service/server_impl.h"

/* nng_close on a helper thread, waited for with a deadline. */
struct closer {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int done;
	int abandoned;
	nng_socket sock;
	struct pipe_hub *hub;
};

static void
closer_free(struct closer *c)
{
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void *
closer_main(void *arg)
{
	struct closer *c = arg;
	int abandoned;

	nng_close(c->sock);
	pthread_mutex_lock(&c->lock);
	c->done = 1;
	abandoned = c->abandoned;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->lock);
	if (abandoned) {
		/* Nobody waits any more: the hub can go now. */
		pthread_mutex_destroy(&c->hub->lock);
		free(c->hub);
		closer_free(c);
	}
	return NULL;
}

static int
closer_wait(struct closer *c)
{
	struct timespec ts;
	int done;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += SERVER_CLOSE_TIMEOUT_MS / 1000;
	ts.tv_nsec += (long)(SERVER_CLOSE_TIMEOUT_MS % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->done &&
	    pthread_cond_timedwait(&c->cv, &c->lock, &ts) != ETIMEDOUT) {
	}
	done = c->done;
	c->abandoned = !done;
	pthread_mutex_unlock(&c->lock);
	return done;
}

/* Returns 1 if the socket closed in time (then the hub may be freed), 0
 * if the close was abandoned (the closer thread frees the hub). */
static int
close_bounded(struct server *s)
{
	pthread_condattr_t ca;
	struct closer *c;
	pthread_t t;

	if ((c = mem_zalloc(sizeof(*c))) == NULL) {
		return 0;
	}
	c->sock = s->sock;
	c->hub = s->hub;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&t, NULL, closer_main, c) != 0) {
		closer_free(c);
		return 0;
	}
	pthread_detach(t);
	if (!closer_wait(c)) {
		log_warn("nng_close did not finish in %d ms: socket abandoned",
		    SERVER_CLOSE_TIMEOUT_MS);
		return 0;
	}
	closer_free(c);
	return 1;
}

static void
stop_slots(struct server *s, struct server_req *all)
{
	struct server_req *r;
	unsigned i;

	/* No slot is created or freed once stopping is set, so the list is
	 * stable. nng_aio_stop waits for a running callback. */
	for (r = all; r != NULL; r = r->all_next) {
		nng_aio_stop(r->aio);
	}
	for (i = 0; i < s->nthreads; i++) {
		pthread_join(s->threads[i], NULL);
	}
	s->nthreads = 0;
}

static void
free_slots(struct server *s)
{
	struct server_req *r, *next;

	for (r = s->all; r != NULL; r = next) {
		next = r->all_next;
		srv_slot_free(r);
	}
	s->all = NULL;
	s->freelist = NULL;
	s->qhead = s->qtail = NULL;
}

void
server_stop(struct server *s)
{
	struct server_req *all;
	size_t i;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->stopping = 1;
	all = s->all;
	pthread_cond_broadcast(&s->work_cv);
	pthread_mutex_unlock(&s->lock);

	http_stop(s);
	stop_slots(s, all);
	for (i = 0; i < s->nlisteners_ok; i++) {
		nng_listener_close(s->listeners[i]);
	}
	s->nlisteners_ok = 0;
	/* From here on pipe callbacks are no-ops. */
	pthread_mutex_lock(&s->hub->lock);
	s->hub->closed = 1;
	pthread_mutex_unlock(&s->hub->lock);
	free_slots(s);
	s->hub_owned = 1;
	if (nng_socket_id(s->sock) > 0) {
		s->hub_owned = close_bounded(s);
	}
}

void
server_free(struct server *s)
{
	size_t i;

	if (s == NULL) {
		return;
	}
	if (s->hub != NULL) {
		server_stop(s);
		if (s->hub_owned) {
			pthread_mutex_destroy(&s->hub->lock);
			free(s->hub);
		}
	}
	if (s->tls != NULL) {
		nng_tls_config_free(s->tls);
	}
	park_free_tables(s);
	for (i = 0; s->urls != NULL && i < s->cfg.nlisten; i++) {
		free(s->urls[i]);
	}
	free(s->urls);
	free(s->tls_cert_file);
	free(s->tls_key_file);
	free(s->listeners);
	free(s->threads);
	pthread_cond_destroy(&s->work_cv);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
