/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver: the daemon's configuration, state and request
 * handling (kd_handlers.c), shared by kd_main.c and the tests. */
#ifndef SEALPOST_KD_H
#define SEALPOST_KD_H

#include <stdint.h>

#include "common/compat.h"
#include "keyserver/kd_rate.h"
#include "keyserver/kd_store.h"
#include "service/auth.h"
#include "service/config.h"
#include "service/daemon.h"
#include "service/metrics.h"
#include "service/server.h"

struct kd_config {
	struct daemon_config srv;
	char *db;
	char *registration;
	int64_t claim_rate;
	int64_t claim_burst;
	int64_t max_prekeys;
};

/* Request outcomes counted per type. */
#define KD_NTYPES 0x18

struct kd {
	struct kd_config cfg;
	struct kd_store *store;
	struct auth *auth;
	struct kd_rate *rate;
	struct metrics *metrics;
	struct server *server;
	int open_registration;
	struct metric *req_ok[KD_NTYPES];
	struct metric *req_err[KD_NTYPES];
	struct metric *req_bad;
	struct metric *claims_one_time;
	struct metric *claims_last_resort;
	struct metric *auth_fail;
};

/* Registers the daemon's metrics in k->metrics (set before). */
WUR int kd_metrics_init(struct kd *k) NONNULL(1);

/* The server handler and pipe hook; arg is the struct kd. */
void kd_handle(struct server_req *req, void *arg) NONNULL(1, 2);
void kd_pipe_event(uint32_t pipe, int added, const char *peer, void *arg);

/* Runs an admin command (argv[0] is "invite", "user" or "device") on
 * k->store; returns the process exit code (0, 1 failure, 2 usage). */
int kd_admin(struct kd *k, int argc, char **argv) NONNULL(1, 3);

#endif
