/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* What both daemons' main() share: the [server] options, loading the
 * configuration, the ready file, and the wall clock. */
#ifndef SEALPOST_DAEMON_H
#define SEALPOST_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "service/config.h"
#include "service/server.h"

/* The [server] section, embedded in each daemon's configuration. */
struct daemon_config {
	char *server_id;
	struct config_list listen;
	char *tls_cert;
	char *tls_key;
	uint64_t max_frame;
	int64_t contexts;
	int64_t workers;
	char *http;
	char *log_level;
	char *ready_file;
};

#define DAEMON_OPT(type, field, key, ctype, def, arg, help, member, min, max) \
	{ "server", key, ctype, def, arg, help,                               \
		offsetof(type, field.member), min, max }

/* The [server] option rows of a daemon whose configuration type has a
 * struct daemon_config named field; the defaults differ per daemon. */
#define DAEMON_OPTIONS(type, field, listen_def, id_def, frame_def, http_def) \
	DAEMON_OPT(type, field, "listen", CONFIG_LIST, listen_def, "URL",     \
	    "where to listen: tcp://, tls+tcp://, ws://, wss:// or ipc://; "  \
	    "repeat for several",                                             \
	    listen, 0, 0),                                                    \
	    DAEMON_OPT(type, field, "server-id", CONFIG_STRING, id_def, "ID", \
		"this server's name in device authentication signatures; "    \
		"unique per deployment",                                      \
		server_id, 0, 0),                                             \
	    DAEMON_OPT(type, field, "tls-cert", CONFIG_STRING, NULL, "FILE",  \
		"PEM certificate (chain) for tls+tcp:// and wss://",          \
		tls_cert, 0, 0),                                              \
	    DAEMON_OPT(type, field, "tls-key", CONFIG_STRING, NULL, "FILE",   \
		"PEM private key for tls+tcp:// and wss://", tls_key, 0, 0),  \
	    DAEMON_OPT(type, field, "max-frame", CONFIG_SIZE, frame_def,      \
		"SIZE",                                                       \
		"largest request accepted; larger ones close the connection", \
		max_frame, 1024, 64 << 20),                                   \
	    DAEMON_OPT(type, field, "contexts", CONFIG_INT, "64", "N",        \
		"requests received at once", contexts, 1, 4096),              \
	    DAEMON_OPT(type, field, "workers", CONFIG_INT, "4", "N",          \
		"handler threads", workers, 1, 256),                          \
	    DAEMON_OPT(type, field, "http", CONFIG_STRING, http_def, "URL",   \
		"/healthz and /metrics listener; empty to disable", http, 0,  \
		0),                                                           \
	    DAEMON_OPT(type, field, "log-level", CONFIG_STRING, "info",       \
		"LEVEL", "err, warning, notice, info or debug", log_level, 0, \
		0),                                                           \
	    DAEMON_OPT(type, field, "ready-file", CONFIG_STRING, NULL, "FILE",\
		"once listening, write the bound addresses here (for "        \
		"scripts)",                                                   \
		ready_file, 0, 0)

/*
 * Loads cfg from opts and argv (see config_load) and sets up logging from
 * d->log_level. Returns -1 when the daemon should go on (*argi is the
 * first non-option argument), else the exit code: 0 after --help,
 * --version or --print-config (printed here), 2 for a bad configuration
 * (logged).
 */
int daemon_configure(const char *prog, const char *synopsis,
    const struct config_option *opts, size_t n, void *cfg,
    const struct daemon_config *d, int argc, char **argv, int *argi)
    NONNULL(1, 3, 5, 6, 8, 9);

/* The server_config fields d names (the caller adds the rest). */
void daemon_server_config(const struct daemon_config *d,
    struct server_config *sc) NONNULL(1, 2);

/* Starts HTTP if d->http is set, and writes the ready file if d asks for
 * one: "listen URL PORT" per listener and "http PORT", atomically (temp
 * file and rename). 0, or the error (logged). */
WUR int daemon_started(struct server *s, const struct daemon_config *d,
    struct metrics *m, int (*healthy)(void *arg)) NONNULL(1, 2);

#endif
