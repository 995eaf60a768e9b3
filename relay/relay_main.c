/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-relay: configuration, the daemon's life cycle and the sweeper
 * thread (TTL expiry, revoked devices' queues). */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "relay/relay.h"

#define PROG "sealpost-relay"

#define OPT(sec, key, type, def, arg, help, field, min, max)                 \
	{ sec, key, type, def, arg, help,                                    \
		offsetof(struct relay_config, field), min, max }

static const struct config_option options[] = {
	DAEMON_OPTIONS(struct relay_config, srv, "tcp://127.0.0.1:7402",
	    "sealpost-relay", "4MiB", "http://127.0.0.1:7482"),
	OPT("relay", "db", CONFIG_STRING, "/var/lib/sealpost/relay.db",
	    "FILE", "SQLite database of the queues", db, 0, 0),
	OPT("relay", "directory", CONFIG_STRING,
	    "/var/lib/sealpost/keyserver.db", "FILE",
	    "the key server's database, read only: devices and their keys",
	    directory, 0, 0),
	OPT("relay", "max-envelope", CONFIG_SIZE, "64KiB", "SIZE",
	    "largest envelope accepted", max_envelope, 64, 16 << 20),
	OPT("relay", "ttl", CONFIG_DURATION, "30d", "DURATION",
	    "how long an unfetched envelope is kept before it becomes a "
	    "tombstone", ttl, 1000, (int64_t)3650 * 86400 * 1000),
	OPT("relay", "max-messages", CONFIG_INT, "10000", "N",
	    "envelopes one device's queue may hold", max_messages, 1,
	    100000000),
	OPT("relay", "max-bytes", CONFIG_SIZE, "64MiB", "SIZE",
	    "envelope bytes one device's queue may hold", max_bytes, 1024,
	    (int64_t)1 << 40),
	OPT("relay", "sweep-interval", CONFIG_DURATION, "60s", "DURATION",
	    "how often expired envelopes and revoked devices' queues are "
	    "cleaned up", sweep_interval, 10, 86400000),
	OPT("relay", "sync-full", CONFIG_BOOL, "no", NULL,
	    "fsync every commit (survives power loss, not only crashes)",
	    sync_full, 0, 0),
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

/* Collects queues for relay_sweep, which may not delete while listing. */
struct qlist {
	char (*user)[PROTO_MAX_USER + 1];
	uint32_t *dev;
	size_t n, cap;
};

static void
collect(const char *user, uint32_t device_id, void *arg)
{
	struct qlist *q = arg;
	void *u, *d;

	if (q->n == q->cap) {
		size_t cap = q->cap == 0 ? 64 : 2 * q->cap;

		if ((u = realloc(q->user, cap * sizeof(*q->user))) == NULL) {
			return;
		}
		q->user = u;
		if ((d = realloc(q->dev, cap * sizeof(*q->dev))) == NULL) {
			return;
		}
		q->dev = d;
		q->cap = cap;
	}
	snprintf(q->user[q->n], sizeof(q->user[q->n]), "%s", user);
	q->dev[q->n++] = device_id;
}

void
relay_sweep(struct relay *r)
{
	struct qlist q = { NULL, NULL, 0, 0 };
	uint64_t expired = 0, pruned = 0;
	struct kd_device d;
	size_t i;
	int rc;

	rc = relay_store_sweep(r->store, clock_wall_ms(), &expired, &pruned);
	if (rc != 0) {
		log_warn_r(rc, "sweep");
	}
	metric_add(r->expired, expired);
	if (relay_store_queues(r->store, collect, &q) == 0) {
		for (i = 0; i < q.n; i++) {
			rc = kd_device_get(r->dir, q.user[i], q.dev[i], &d);
			if ((rc == ERR_NOT_FOUND || (rc == 0 && d.revoked)) &&
			    relay_store_delete_queue(r->store, q.user[i],
				q.dev[i]) == 0) {
				log_info("deleted the queue of a revoked "
					 "device");
			}
		}
	}
	free(q.user);
	free(q.dev);
}

static void *
sweeper(void *arg)
{
	struct relay *r = arg;
	struct timespec until;

	pthread_mutex_lock(&r->stop_lock);
	while (!r->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += r->cfg.sweep_interval / 1000;
		until.tv_nsec += (r->cfg.sweep_interval % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&r->stop_cond, &r->stop_lock,
			&until) == ETIMEDOUT &&
		    !r->stopping) {
			pthread_mutex_unlock(&r->stop_lock);
			relay_sweep(r);
			pthread_mutex_lock(&r->stop_lock);
		}
	}
	pthread_mutex_unlock(&r->stop_lock);
	return NULL;
}

static int64_t
gauge(struct relay *r, int which)
{
	struct relay_store_stats st;

	if (relay_store_stats(r->store, &st) != 0) {
		return -1;
	}
	switch (which) {
	case 0:
		return (int64_t)st.envelopes;
	case 1:
		return (int64_t)st.bytes;
	case 2:
		return (int64_t)st.tombstones;
	default:
		return (int64_t)st.queues;
	}
}

static int64_t
g_messages(void *arg)
{
	return gauge(arg, 0);
}

static int64_t
g_bytes(void *arg)
{
	return gauge(arg, 1);
}

static int64_t
g_tombstones(void *arg)
{
	return gauge(arg, 2);
}

static int64_t
g_queues(void *arg)
{
	return gauge(arg, 3);
}

static int
healthy(void *arg)
{
	return gauge(arg, 3) >= 0;
}

static int
init_metrics(struct relay *r)
{
	if ((r->metrics = metrics_new()) == NULL ||
	    metrics_gauge_fn(r->metrics, "sealpost_relay_queued_messages",
		NULL, "Envelopes waiting in all queues.", g_messages,
		r) == NULL ||
	    metrics_gauge_fn(r->metrics, "sealpost_relay_queued_bytes", NULL,
		"Envelope bytes waiting in all queues.", g_bytes, r) == NULL ||
	    metrics_gauge_fn(r->metrics, "sealpost_relay_tombstones", NULL,
		"Expiry and overflow tombstones waiting to be fetched.",
		g_tombstones, r) == NULL ||
	    metrics_gauge_fn(r->metrics, "sealpost_relay_queues", NULL,
		"Device queues.", g_queues, r) == NULL) {
		return ERR_NOMEM;
	}
	return relay_metrics_init(r);
}

static int
start(struct relay *r)
{
	struct relay_store_config sc;
	struct server_config vc;
	int rc;

	memset(&sc, 0, sizeof(sc));
	sc.ttl_ms = r->cfg.ttl;
	sc.max_messages = (uint64_t)r->cfg.max_messages;
	sc.max_bytes = r->cfg.max_bytes;
	sc.sync_full = r->cfg.sync_full;
	if ((rc = relay_store_open(r->cfg.db, &sc, &r->store)) != 0) {
		log_err_r(rc, "cannot open the queue database %s", r->cfg.db);
		return rc;
	}
	if ((rc = kd_store_open_readonly(r->cfg.directory, &r->dir)) != 0) {
		log_err_r(rc, "cannot read the directory %s",
		    r->cfg.directory);
		return rc;
	}
	if ((rc = auth_new(r->cfg.srv.server_id, NULL, &r->auth)) != 0 ||
	    (rc = init_metrics(r)) != 0) {
		return rc;
	}
	memset(&vc, 0, sizeof(vc));
	daemon_server_config(&r->cfg.srv, &vc);
	vc.pipe_event = relay_pipe_event;
	vc.arg = r;
	vc.metrics = r->metrics;
	if ((rc = server_new(&vc, relay_handle, r, &r->server)) != 0 ||
	    (rc = server_start(r->server)) != 0) {
		return rc;
	}
	if (pthread_create(&r->sweeper, NULL, sweeper, r) != 0) {
		return ERR_SYS;
	}
	r->sweeper_started = 1;
	return daemon_started(r->server, &r->cfg.srv, r->metrics, healthy);
}

static void
stop(struct relay *r)
{
	if (r->sweeper_started) {
		pthread_mutex_lock(&r->stop_lock);
		r->stopping = 1;
		pthread_cond_signal(&r->stop_cond);
		pthread_mutex_unlock(&r->stop_lock);
		pthread_join(r->sweeper, NULL);
	}
	if (r->server != NULL) {
		server_stop(r->server);
	}
}

/* Loads the configuration; returns an exit code, or -1 to go on. */
static int
configure(struct relay *r, int argc, char **argv)
{
	int argi = argc, rc;

	if ((rc = daemon_configure(PROG, NULL, options, NOPTIONS, &r->cfg,
		 &r->cfg.srv, argc, argv, &argi)) >= 0) {
		return rc;
	}
	if (argi < argc) {
		log_err("unexpected argument '%s'; see --help", argv[argi]);
		return 2;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct relay r;
	int rc;

	/* Before any thread exists, so every thread inherits the mask. */
	server_block_signals();
	if (sodium_init() < 0) {
		fprintf(stderr, PROG ": libsodium failed to initialise\n");
		return 1;
	}
	memset(&r, 0, sizeof(r));
	PANIC_IF(pthread_mutex_init(&r.stop_lock, NULL) != 0 ||
	    pthread_cond_init(&r.stop_cond, NULL) != 0);
	log_init(PROG, LOG_LEVEL_INFO, 0);
	if ((rc = configure(&r, argc, argv)) < 0) {
		if ((rc = start(&r)) == 0) {
			rc = server_run_until_signal(r.server);
			log_notice("shutting down");
		}
		stop(&r);
		if (rc != 0) {
			log_err_r(rc, "stopped");
		}
		rc = rc == 0 ? 0 : 1;
	}
	server_free(r.server);
	metrics_free(r.metrics);
	auth_free(r.auth);
	kd_store_close(r.dir);
	relay_store_close(r.store);
	config_free(options, NOPTIONS, &r.cfg);
	pthread_cond_destroy(&r.stop_cond);
	pthread_mutex_destroy(&r.stop_lock);
	return rc;
}
