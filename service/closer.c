/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* nng_close on a helper thread, waited for with a deadline. */
#include "service/closer.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "common/log.h"
#include "common/mem.h"

struct closer {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	int done;
	int abandoned;
	nng_socket sock;
	void (*after)(void *arg);
	void *arg;
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
		/* Nobody waits any more: what the close used can go. */
		if (c->after != NULL) {
			c->after(c->arg);
		}
		closer_free(c);
	}
	return NULL;
}

static int
closer_wait(struct closer *c, int timeout_ms)
{
	struct timespec ts;
	int done;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
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

int
closer_close(nng_socket sock, int timeout_ms, void (*done)(void *arg),
    void *arg)
{
	pthread_condattr_t ca;
	struct closer *c;
	pthread_t t;

	if ((c = mem_zalloc(sizeof(*c))) == NULL) {
		return 0;
	}
	c->sock = sock;
	c->after = done;
	c->arg = arg;
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
	if (!closer_wait(c, timeout_ms)) {
		log_warn("nng_close did not finish in %d ms: socket abandoned",
		    timeout_ms);
		return 0;
	}
	closer_free(c);
	return 1;
}
