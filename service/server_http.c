/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The operator endpoints (GET /healthz, GET /metrics) on nng's HTTP server,
 * and signal handling for a clean shutdown. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "service/metrics.h"
#include "service/server.h"
#include "service/server_impl.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Completes an HTTP handler aio with a text response. */
static void
respond(nng_aio *aio, uint16_t status, const char *type, const char *body,
    size_t len)
{
	nng_http_res *res = NULL;
	int rv;

	if ((rv = nng_http_res_alloc(&res)) != 0 ||
	    (rv = nng_http_res_set_status(res, status)) != 0 ||
	    (rv = nng_http_res_set_header(res, "Content-Type", type)) != 0 ||
	    (rv = nng_http_res_copy_data(res, body, len)) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static struct server *
handler_server(nng_aio *aio)
{
	nng_http_handler *h = nng_aio_get_input(aio, 1);

	return nng_http_handler_get_data(h);
}

static void
on_healthz(nng_aio *aio)
{
	struct server *s = handler_server(aio);

	if (s->healthy == NULL || s->healthy(s->arg)) {
		respond(aio, 200, "text/plain", "ok\n", 3);
	} else {
		respond(aio, 503, "text/plain", "unhealthy\n", 10);
	}
}

static void
on_metrics(nng_aio *aio)
{
	struct server *s = handler_server(aio);
	char *text = NULL;
	size_t len = 0;

	if (metrics_render(s->http_metrics, &text, &len) != 0) {
		respond(aio, 500, "text/plain", "out of memory\n", 14);
		return;
	}
	respond(aio, 200, METRICS_CONTENT_TYPE, text, len);
	free(text);
}

static int
add_handler(struct server *s, nng_http_handler **hp, const char *path,
    void (*cb)(nng_aio *))
{
	int rv;

	*hp = NULL;
	if ((rv = nng_http_handler_alloc(hp, path, cb)) != 0) {
		*hp = NULL;
		return srv_nng_err("nng_http_handler_alloc", rv);
	}
	if ((rv = nng_http_handler_set_method(*hp, "GET")) != 0 ||
	    (rv = nng_http_handler_set_data(*hp, s, NULL)) != 0) {
		nng_http_handler_free(*hp);
		*hp = NULL;
		return srv_nng_err("http handler", rv);
	}
	if ((rv = nng_http_server_add_handler(s->http, *hp)) != 0) {
		nng_http_handler_free(*hp);
		*hp = NULL;
		return srv_nng_err("nng_http_server_add_handler", rv);
	}
	return 0;
}

int
server_http_start(struct server *s, const char *url, struct metrics *m,
    int (*healthy)(void *arg))
{
	nng_url *u = NULL;
	int rv, r = ERR_INTERNAL;

	if (s->http != NULL || s->stopping) {
		return ERR_STATE;
	}
	s->http_metrics = m;
	s->healthy = healthy;
	if ((rv = nng_url_parse(&u, url)) != 0) {
		log_err("http url %s: %s", url, nng_strerror(rv));
		return ERR_CONFIG;
	}
	if ((rv = nng_http_server_hold(&s->http, u)) != 0) {
		r = srv_nng_err("nng_http_server_hold", rv);
		goto out;
	}
	if ((r = add_handler(s, &s->hh_health, "/healthz", on_healthz)) !=
		0 ||
	    (m != NULL &&
		(r = add_handler(s, &s->hh_metrics, "/metrics", on_metrics)) !=
		    0)) {
		goto out;
	}
	if ((rv = nng_http_server_start(s->http)) != 0) {
		log_err("http %s: %s", url, nng_strerror(rv));
		r = ERR_NET;
		goto out;
	}
	r = 0;
out:
	nng_url_free(u);
	if (r != 0) {
		http_stop(s);
	}
	return r;
}

int
server_http_port(struct server *s)
{
	nng_sockaddr sa;

	if (s->http == NULL ||
	    nng_http_server_get_addr(s->http, &sa) != 0) {
		return -1;
	}
	if (sa.s_family == NNG_AF_INET) {
		return ntohs(sa.s_in.sa_port);
	}
	if (sa.s_family == NNG_AF_INET6) {
		return ntohs(sa.s_in6.sa_port);
	}
	return -1;
}

void
http_stop(struct server *s)
{
	if (s->http == NULL) {
		return;
	}
	nng_http_server_stop(s->http);
	/* Handlers added to the server are freed with it; remove ours so a
	 * server shared by address keeps nothing that points at s. */
	if (s->hh_health != NULL) {
		if (nng_http_server_del_handler(s->http, s->hh_health) == 0) {
			nng_http_handler_free(s->hh_health);
		}
		s->hh_health = NULL;
	}
	if (s->hh_metrics != NULL) {
		if (nng_http_server_del_handler(s->http, s->hh_metrics) == 0) {
			nng_http_handler_free(s->hh_metrics);
		}
		s->hh_metrics = NULL;
	}
	nng_http_server_release(s->http);
	s->http = NULL;
}

static void
signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void
server_block_signals(void)
{
	sigset_t set;

	signal_set(&set);
	PANIC_IF(pthread_sigmask(SIG_BLOCK, &set, NULL) != 0);
}

int
server_run_until_signal(struct server *s)
{
	sigset_t set;
	int sig = 0;

	(void)s;
	signal_set(&set);
	if (sigwait(&set, &sig) != 0) {
		log_err("sigwait failed");
		return ERR_SYS;
	}
	log_info("signal %d: shutting down", sig);
	return 0;
}
