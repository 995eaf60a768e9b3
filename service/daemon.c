/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Shared start-up of the daemons. */
#include "service/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/version.h"

int
daemon_configure(const char *prog, const char *synopsis,
    const struct config_option *opts, size_t n, void *cfg,
    const struct daemon_config *d, int argc, char **argv, int *argi)
{
	int r, level;

	r = config_load(opts, n, cfg, argc, argv, argi);
	switch (r) {
	case CONFIG_OK:
		break;
	case CONFIG_HELP:
		config_usage(stdout, prog, synopsis, opts, n);
		return 0;
	case CONFIG_VERSION:
		printf("%s %s\n", prog, SEALPOST_VERSION);
		return 0;
	case CONFIG_PRINT:
		config_print(stdout, opts, n, cfg);
		return 0;
	default:
		return 2;
	}
	if ((level = log_level_parse(d->log_level)) < 0) {
		log_err("unknown log level '%s'", d->log_level);
		return 2;
	}
	log_init(prog, (enum log_level)level, 0);
	return -1;
}

void
daemon_server_config(const struct daemon_config *d, struct server_config *sc)
{
	sc->listen = (const char *const *)d->listen.v;
	sc->nlisten = d->listen.n;
	sc->tls_cert_file = d->tls_cert;
	sc->tls_key_file = d->tls_key;
	sc->max_frame = (size_t)d->max_frame;
	sc->contexts = (unsigned)d->contexts;
	sc->workers = (unsigned)d->workers;
}

static int
write_ready(struct server *s, const struct daemon_config *d)
{
	char tmp[4096];
	FILE *f;
	size_t i;

	snprintf(tmp, sizeof(tmp), "%s.tmp", d->ready_file);
	if ((f = fopen(tmp, "w")) == NULL) {
		log_err("%s: %s", tmp, strerror(errno));
		return ERR_SYS;
	}
	for (i = 0; i < d->listen.n; i++) {
		fprintf(f, "listen %s %d\n", d->listen.v[i],
		    server_bound_port(s, i));
	}
	if (d->http != NULL && d->http[0] != '\0') {
		fprintf(f, "http %d\n", server_http_port(s));
	}
	if (fclose(f) != 0 || rename(tmp, d->ready_file) != 0) {
		log_err("%s: %s", d->ready_file, strerror(errno));
		return ERR_SYS;
	}
	return 0;
}

int
daemon_started(struct server *s, const struct daemon_config *d,
    struct metrics *m, int (*healthy)(void *arg))
{
	int r;

	if (d->http != NULL && d->http[0] != '\0' &&
	    (r = server_http_start(s, d->http, m, healthy)) != 0) {
		return r;
	}
	if (d->ready_file != NULL && (r = write_ready(s, d)) != 0) {
		return r;
	}
	log_notice("listening on %zu address(es)", d->listen.n);
	return 0;
}
