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
#include "service/closer.h"
#include "service/server.h"
#include "service/server_impl.h"

/* What an abandoned close frees once nng_close returns. */
static void
free_hub(void *arg)
{
	struct pipe_hub *hub = arg;

	pthread_mutex_destroy(&hub->lock);
	free(hub);
}

/* Returns 1 if the socket closed in time (then the hub may be freed), 0
 * if the close was abandoned (the closer thread frees the hub). */
static int
close_bounded(struct server *s)
{
	return closer_close(s->sock, SERVER_CLOSE_TIMEOUT_MS, free_hub,
	    s->hub);
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
