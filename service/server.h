/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The nng REQ/REP server both daemons share: a pool of rep0 contexts, a
 * pool of handler threads, long-poll parking, pipe events, clean shutdown
 * and an HTTP endpoint for /healthz and /metrics. */
#ifndef SEALPOST_SERVER_H
#define SEALPOST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

struct metrics;
struct server;
struct server_req;

#define SERVER_DEFAULT_MAX_FRAME ((size_t)1 << 20)
/* The req0 request-id header nng counts in a received frame (one hop). */
#define SERVER_REQ_HEADER ((size_t)4)
#define SERVER_DEFAULT_CONTEXTS 64U
#define SERVER_DEFAULT_WORKERS 4U
#define SERVER_DEFAULT_MAX_PARKED ((size_t)100000)
#define SERVER_DEFAULT_SEND_TIMEOUT_MS 10000
/* How long server_stop() waits for nng_close() before abandoning it. */
#define SERVER_CLOSE_TIMEOUT_MS 5000

/* Why a handler runs (server_req_woken). */
enum server_wake {
	SERVER_WAKE_NONE = 0,	 /* first run of a fresh request */
	SERVER_WAKE_EVENT = 1,	 /* server_wake() on its key */
	SERVER_WAKE_TIMEOUT = 2, /* its park timeout expired */
};

/*
 * Zero (or NULL) fields take their defaults. The strings are copied by
 * server_new().
 * listen: URLs tcp://, tls+tcp://, ws://, wss://, ipc://; a port of 0 lets
 *   the OS choose (see server_bound_port()).
 * tls_cert_file, tls_key_file: PEM files for the TLS URLs (both required
 *   when one is used).
 * max_frame: the largest request body. NNG_OPT_RECVMAXSZ is set to
 *   max_frame + SERVER_REQ_HEADER, because nng counts the 4-byte req0
 *   request id in the frame. nng 1.5.2 drops a larger frame by closing
 *   that connection (the handler never sees it, the peer gets no reply; a
 *   req0 client reconnects and resends, and is closed again until its own
 *   timeout); other connections are untouched. A protocol that wants a
 *   typed ERROR for big requests checks its own, smaller limit.
 * contexts: rep0 contexts receiving at once; a parked request does not
 *   hold one of them.
 * workers: handler threads (handlers may block, e.g. on SQLite).
 * max_parked: bound on parked requests (server_park() says ERR_QUOTA).
 * send_timeout_ms: a reply not handed to the transport within this time
 *   (a peer that stopped reading) is dropped, freeing its context.
 * pipe_event: called on an nng thread when a connection (pipe) is added
 *   (before any request of it reaches a handler) and once when it is
 *   removed, with the peer "a.b.c.d:port", "[v6]:port", "ipc" or
 *   "unknown" (cached at add: nng may have lost it by removal). The add
 *   is reported from NNG_PIPE_EV_ADD_PRE, which nng runs before it starts
 *   the pipe, so it always precedes the pipe's first request. It must be
 *   quick and must not call server functions other than server_wake().
 * metrics: if set, the server registers sealpost_server_* counters and
 *   the parked gauge there; it must outlive the server.
 */
struct server_config {
	const char *const *listen;
	size_t nlisten;
	const char *tls_cert_file;
	const char *tls_key_file;
	size_t max_frame;
	unsigned contexts;
	unsigned workers;
	size_t max_parked;
	int send_timeout_ms;
	void (*pipe_event)(uint32_t pipe, int added, const char *peer,
	    void *arg);
	void *arg;
	struct metrics *metrics;
};

/*
 * The request handler runs on a worker thread. Before it returns it must
 * either reply (server_reply) or park (server_park returned 0); after
 * either it must not touch req again. Returning without doing either is
 * misuse (PANIC).
 */
typedef void (*server_handler)(struct server_req *req, void *arg);

/*
 * Creates a server: opens the rep0 socket, sets NNG_OPT_RECVMAXSZ, creates
 * (does not start) the listeners and starts the worker threads. arg is
 * passed to handler and to the healthy() callback of server_http_start().
 * Returns 0 and *out, or ERR_CONFIG (bad URL, TLS URL without cert/key,
 * unreadable cert/key), ERR_NET (nng; logged), ERR_NOMEM, ERR_SYS.
 * *out is NULL on failure. Call server_block_signals() before this if
 * server_run_until_signal() will be used.
 */
WUR int server_new(const struct server_config *cfg, server_handler handler,
    void *arg, struct server **out) NONNULL(1, 2, 4);

/* Starts the receive contexts and every listener. 0, ERR_NET (address in
 * use, ...; logged) or ERR_STATE if already started or stopped. */
WUR int server_start(struct server *s) NONNULL(1);

/* The TCP port listener i (in cfg->listen order) is bound to, useful with
 * port 0; -1 if i is out of range, not started, or not TCP-based. */
int server_bound_port(struct server *s, size_t i) NONNULL(1);

/*
 * Stops everything without hanging: marks the server stopping, stops the
 * HTTP server, stops every aio (nng_aio_stop), lets running handlers
 * finish (a reply they send is dropped) and joins the workers, closes the
 * contexts, then closes the socket on a helper thread and waits at most
 * SERVER_CLOSE_TIMEOUT_MS for it (nng 1.5.2 may hang in nng_close under
 * load; past the limit the socket is abandoned and logged). Parked
 * requests are freed without reply. Call once, from a thread that is not
 * a handler or an nng callback. Idempotent.
 */
void server_stop(struct server *s) NONNULL(1);

/* Stops (if needed) and frees the server; NULL is a no-op. */
void server_free(struct server *s);

/* Number of parked requests now (also the sealpost_server_parked gauge).
 * Thread safe. */
size_t server_parked_count(struct server *s) NONNULL(1);

/*
 * Blocks SIGINT and SIGTERM in the calling thread. Call it first in main(),
 * before any thread (nng's included) exists, so every thread inherits the
 * mask and server_run_until_signal() receives them through sigwait().
 */
void server_block_signals(void);

/* Waits (sigwait) until SIGINT or SIGTERM arrives, then returns 0; the
 * caller then calls server_stop(). ERR_SYS if sigwait fails. */
WUR int server_run_until_signal(struct server *s) NONNULL(1);

/*
 * A request, as seen by the handler. The data stays valid until the
 * request is replied to or parked (a woken request sees the same bytes).
 */
uint32_t server_req_pipe(const struct server_req *req) NONNULL(1);
const uint8_t *server_req_data(const struct server_req *req, size_t *len)
    NONNULL(1, 2);
/* enum server_wake: why the handler runs this time. */
int server_req_woken(const struct server_req *req) NONNULL(1);
/* The server the request came to (to call server_wake from a handler). */
struct server *server_req_server(const struct server_req *req) NONNULL(1);

/*
 * Sends a copy of p[0..n) as the reply and releases req (exactly once per
 * request). If the peer is gone or stopped reading, the reply is dropped
 * (nng semantics); failures are logged, never returned. Only from the
 * handler currently running req.
 */
void server_reply(struct server_req *req, const uint8_t *p, size_t n)
    NONNULL(1);

/*
 * Parks req under key for at most timeout_ms (negative counts as 0,
 * capped at INT32_MAX): the handler then returns without replying, and the
 * context pool receives the next request on a fresh context. The handler
 * runs again on a worker thread with server_req_woken() ==
 * SERVER_WAKE_EVENT after server_wake(key), or SERVER_WAKE_TIMEOUT at the
 * deadline (then it must reply; it may also park again). If server_wake
 * for a key that hashes like this one ran since this run of the handler
 * started, the handler is re-run at once with SERVER_WAKE_EVENT, so a wake
 * racing with the handler's check is never lost (collisions only cause a
 * spurious run). If the peer's connection closes while parked, the request
 * is freed without a reply.
 * Returns 0 (req now belongs to the server: do not touch it), or
 * ERR_QUOTA (max_parked reached), ERR_NOMEM, ERR_NET, in which case req is
 * still the handler's, which must reply (an error). Once the server is
 * stopping, returns 0 and frees the request.
 */
WUR int server_park(struct server_req *req, uint64_t key, int64_t timeout_ms)
    NONNULL(1);

/*
 * Re-runs the handler for every request parked under key. Call it after
 * the change it announces is visible to handlers (after COMMIT). Thread
 * safe; cheap when nothing is parked under key.
 */
void server_wake(struct server *s, uint64_t key) NONNULL(1);

/*
 * Starts an HTTP server on url (e.g. "http://127.0.0.1:0") serving
 * GET /healthz: "ok\n" with 200, or "unhealthy\n" with 503 when
 * healthy(arg) returns 0 (healthy may be NULL: always ok), and, if m is
 * not NULL, GET /metrics: metrics_render(m) as text/plain version 0.0.4.
 * m must outlive the server. healthy and the scrape run on nng threads.
 * Returns 0, ERR_CONFIG (bad URL), ERR_NET, ERR_NOMEM or ERR_STATE (one
 * HTTP server per server). Note that nng shares HTTP servers by address
 * within a process.
 */
WUR int server_http_start(struct server *s, const char *url,
    struct metrics *m, int (*healthy)(void *arg)) NONNULL(1, 2);

/* The HTTP port (useful with port 0), or -1 if not started. */
int server_http_port(struct server *s) NONNULL(1);

#endif
