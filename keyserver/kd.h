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
	int64_t link_ttl; /* ms, 1 s..PROTO_LINK_TTL_MS */
};

/* Request outcomes counted per type: every request type below this. */
#define KD_NTYPES (PROTO_LINK_GET + 1)

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

/* The identity of the authenticated device behind a request. */
struct kd_who {
	char user[PROTO_MAX_USER + 1];
	uint32_t device;
	uint8_t ik[PROTO_KEY_LEN];
};

/* The device pipe is bound to, still active in the directory (an admin
 * may have revoked it or disabled its account since it authenticated):
 * 0, ERR_UNAUTH, ERR_REVOKED or ERR_DISABLED (the pipe is then unbound),
 * or a store error. who is filled on success only. */
WUR int kd_authed(struct kd *k, uint32_t pipe, struct kd_who *who)
    NONNULL(1, 3);

/*
 * The device-link rendezvous handlers (kd_handlers_link.c): each decodes
 * body, checks the authentication its part needs, and writes the success
 * reply to w, or returns the error. LINK_OPEN runs for an authenticated
 * who. LINK_GET may park req instead: it then returns 0 with *parked set
 * and nothing written, and req belongs to the server.
 */
WUR int kd_handle_link_open(struct kd *k, const struct kd_who *who,
    struct wire_reader *body, struct wire_writer *w) NONNULL(1, 2, 3, 4);
WUR int kd_handle_link_put(struct kd *k, struct server_req *req,
    struct wire_reader *body, struct wire_writer *w) NONNULL(1, 2, 3, 4);
WUR int kd_handle_link_get(struct kd *k, struct server_req *req,
    struct wire_reader *body, struct wire_writer *w, int *parked)
    NONNULL(1, 2, 3, 4, 5);

/* Registers the daemon's metrics in k->metrics (set before). */
WUR int kd_metrics_init(struct kd *k) NONNULL(1);

/* The server handler and pipe hook; arg is the struct kd. */
void kd_handle(struct server_req *req, void *arg) NONNULL(1, 2);
void kd_pipe_event(uint32_t pipe, int added, const char *peer, void *arg);

/* Runs an admin command (argv[0] is "invite", "user" or "device") on
 * k->store; returns the process exit code (0, 1 failure, 2 usage). */
int kd_admin(struct kd *k, int argc, char **argv) NONNULL(1, 3);

#endif
