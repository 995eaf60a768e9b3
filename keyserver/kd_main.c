/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver: configuration, the daemon's life cycle, and the admin
 * commands that work on the local database. */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/err.h"
#include "common/log.h"
#include "keyserver/kd.h"

#define PROG "sealpost-keyserver"

#define OPT(sec, key, type, def, arg, help, field, min, max)                 \
	{ sec, key, type, def, arg, help, offsetof(struct kd_config, field),  \
		min, max }

static const struct config_option options[] = {
	DAEMON_OPTIONS(struct kd_config, srv, "tcp://127.0.0.1:7401",
	    "sealpost-keyserver", "1MiB", "http://127.0.0.1:7481"),
	OPT("keyserver", "db", CONFIG_STRING,
	    "/var/lib/sealpost/keyserver.db", "FILE",
	    "SQLite database of the directory", db, 0, 0),
	OPT("keyserver", "registration", CONFIG_STRING, "invite",
	    "POLICY", "invite (an admin-made token is needed) or open",
	    registration, 0, 0),
	OPT("keyserver", "claim-rate", CONFIG_INT, "60", "N",
	    "prekey claims per minute per (requesting device, target device)",
	    claim_rate, 1, 1000000),
	OPT("keyserver", "claim-burst", CONFIG_INT, "20", "N",
	    "claims a pair may make at once before the rate applies",
	    claim_burst, 1, 1000000),
	OPT("keyserver", "max-prekeys", CONFIG_INT, "10000", "N",
	    "one-time prekeys a device may keep in stock", max_prekeys, 1,
	    1000000),
	OPT("keyserver", "link-ttl", CONFIG_DURATION, "10m", "DURATION",
	    "how long a device-link rendezvous slot lives (1s to 10m)",
	    link_ttl, 1000, PROTO_LINK_TTL_MS),
};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char synopsis[] =
    "[command]\n"
    "\n"
    "Without a command, runs the key directory daemon. Commands work on\n"
    "the local database (--db) and may run while the daemon does:\n"
    "  invite create [--uses N] [--expires DURATION] [--user NAME]\n"
    "  invite list\n"
    "  invite revoke ID\n"
    "  user list\n"
    "  user disable NAME | user enable NAME\n"
    "  device list NAME\n"
    "  device revoke NAME ID";

static int64_t
stock_gauge(void *arg)
{
	return kd_prekey_stock(arg);
}

static int
healthy(void *arg)
{
	return kd_prekey_stock(((struct kd *)arg)->store) >= 0;
}

static int
start(struct kd *k)
{
	struct server_config sc;
	int r;

	if ((r = auth_new(k->cfg.srv.server_id, NULL, &k->auth)) != 0 ||
	    (r = kd_rate_new(k->cfg.claim_rate, k->cfg.claim_burst,
		 &k->rate)) != 0) {
		return r;
	}
	if ((k->metrics = metrics_new()) == NULL ||
	    metrics_gauge_fn(k->metrics, "sealpost_keyserver_prekeys",
		NULL, "One-time prekeys in stock, all devices.", stock_gauge,
		k->store) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = kd_metrics_init(k)) != 0) {
		return r;
	}
	memset(&sc, 0, sizeof(sc));
	daemon_server_config(&k->cfg.srv, &sc);
	sc.pipe_event = kd_pipe_event;
	sc.arg = k;
	sc.metrics = k->metrics;
	if ((r = server_new(&sc, kd_handle, k, &k->server)) != 0 ||
	    (r = server_start(k->server)) != 0) {
		return r;
	}
	if ((r = daemon_started(k->server, &k->cfg.srv, k->metrics,
		 healthy)) != 0) {
		return r;
	}
	log_notice("registration %s",
	    k->open_registration ? "open" : "by invite");
	return 0;
}

static int
run_daemon(struct kd *k)
{
	int r;

	if ((r = start(k)) == 0) {
		r = server_run_until_signal(k->server);
		log_notice("shutting down");
	}
	if (k->server != NULL) {
		server_stop(k->server);
	}
	return r;
}

/* Loads the configuration; returns an exit code, or -1 to go on. */
static int
configure(struct kd *k, int argc, char **argv, int *argi)
{
	int rc;

	if ((rc = daemon_configure(PROG, synopsis, options, NOPTIONS, &k->cfg,
		 &k->cfg.srv, argc, argv, argi)) >= 0) {
		return rc;
	}
	if (strcmp(k->cfg.registration, "open") == 0) {
		k->open_registration = 1;
	} else if (strcmp(k->cfg.registration, "invite") != 0) {
		log_err("registration must be 'invite' or 'open', not '%s'",
		    k->cfg.registration);
		return 2;
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct kd k;
	int argi = argc, rc, r;

	/* Before any thread exists, so every thread inherits the mask. */
	server_block_signals();
	if (sodium_init() < 0) {
		fprintf(stderr, PROG ": libsodium failed to initialise\n");
		return 1;
	}
	memset(&k, 0, sizeof(k));
	log_init(PROG, LOG_LEVEL_INFO, 0);
	if ((rc = configure(&k, argc, argv, &argi)) >= 0) {
		config_free(options, NOPTIONS, &k.cfg);
		return rc;
	}
	if ((r = kd_store_open(k.cfg.db, &k.store)) != 0) {
		log_err_r(r, "cannot open the database %s", k.cfg.db);
		rc = 1;
	} else if (argi < argc) {
		rc = kd_admin(&k, argc - argi, argv + argi);
	} else {
		r = run_daemon(&k);
		rc = r == 0 ? 0 : 1;
		if (r != 0) {
			log_err_r(r, "stopped");
		}
	}
	server_free(k.server);
	metrics_free(k.metrics);
	kd_rate_free(k.rate);
	auth_free(k.auth);
	kd_store_close(k.store);
	config_free(options, NOPTIONS, &k.cfg);
	return rc;
}
