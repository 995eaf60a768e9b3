/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-relay: configuration, state and request handling
 * (relay_handlers.c), shared by relay_main.c and the tests. The relay reads
 * only routing fields; envelopes are opaque bytes to it. */
#ifndef SEALPOST_RELAY_H
#define SEALPOST_RELAY_H

#include <pthread.h>
#include <stdint.h>

#include "common/compat.h"
#include "keyserver/kd_store.h"
#include "relay/relay_store.h"
#include "service/auth.h"
#include "service/config.h"
#include "service/daemon.h"
#include "service/metrics.h"
#include "service/server.h"

struct relay_config {
	struct daemon_config srv;
	char *db;
	char *directory;
	uint64_t max_envelope;
	int64_t ttl;
	int64_t max_messages;
	uint64_t max_bytes;
	int64_t sweep_interval;
	int sync_full;
};

struct relay {
	struct relay_config cfg;
	struct relay_store *store;
	struct kd_store *dir;
	struct auth *auth;
	struct metrics *metrics;
	struct server *server;
	struct metric *enqueued;
	struct metric *fetched;
	struct metric *acked;
	struct metric *refused;
	struct metric *expired;
	struct metric *req_bad;
	pthread_t sweeper;
	int sweeper_started;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stopping;
};

/* Registers the relay's metrics in r->metrics (set before). */
WUR int relay_metrics_init(struct relay *r) NONNULL(1);

/* The server handler and pipe hook; arg is the struct relay. */
void relay_handle(struct server_req *req, void *arg) NONNULL(1, 2);
void relay_pipe_event(uint32_t pipe, int added, const char *peer,
    void *arg);

/* One sweep: expire messages past their TTL, prune acked rows, delete the
 * queues of revoked devices. */
void relay_sweep(struct relay *r) NONNULL(1);

/* The wake-up key of a device's queue. */
uint64_t relay_queue_key(const char *user, uint32_t device_id) NONNULL(1);

#endif
