/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's connections to the key directory and the relay: one nng
 * req0 socket per server (TLS pinned), typed replies, device sign-in and
 * sign-in again after a reconnect, and calls another thread can cancel. */
#ifndef SEALPOST_CLI_NET_H
#define SEALPOST_CLI_NET_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/proto.h"
#include "common/wire.h"
#include "crypto/keys.h"

#define CLI_NET_TIMEOUT_MS 15000 /* one request and its reply */
/* Largest reply accepted (NNG_OPT_RECVMAXSZ): a FETCH of up to 4 MiB of
 * envelopes and its framing. */
#define CLI_NET_RECV_MAX ((size_t)5 << 20)

/* Where a server is and how to recognise it. */
struct cli_server {
	const char *name;   /* "key server" or "relay", for messages */
	const char *url;    /* tcp://, ipc://, ws://, tls+tcp://, wss:// */
	const uint8_t *pin; /* SHA-256 of its certificate (TLS), or NULL */
};

/* A reply frame. buf is the whole frame (nng's memory); release with
 * cli_reply_free, whatever the call returned. */
struct cli_reply {
	uint8_t type;
	int code; /* ERROR: the negative ERR_* it carries, else 0 */
	char text[PROTO_MAX_ERROR_TEXT + 1];
	nng_msg *msg;
	struct wire_reader body; /* positioned on the body */
};

void cli_reply_free(struct cli_reply *rep) NONNULL(1);

/* The device a connection signs in as. ik must outlive the connection. */
struct cli_device {
	const struct identity_key *ik;
	char user[PROTO_MAX_USER + 1];
	uint32_t id;
};

struct cli_conn;

/*
 * Opens a req0 socket to srv and dials it (blocking: a refused connection
 * or a failed TLS handshake is an error now, not at the first request). A
 * TLS URL needs srv->pin (ERR_CONFIG otherwise). srv's strings are copied.
 * Returns 0, ERR_NET (recorded with cli_fail: which server, what nng
 * said, what to check), ERR_CONFIG, ERR_NOMEM. *out NULL on failure.
 */
WUR int cli_conn_open(const struct cli_server *srv, struct cli_conn **out)
    NONNULL(1, 2);

/* Closes the socket. NULL is a no-op. Not while a call is running. */
void cli_conn_free(struct cli_conn *c);

/*
 * From now on the connection is signed in as dev (copied; dev->ik must
 * outlive c): cli_conn_login does CHALLENGE and AUTH now, and a call
 * answered ERR_UNAUTH (nng reconnected on a new, unauthenticated
 * connection) signs in again and is repeated once. Returns 0 or the
 * error of the sign-in (ERR_AUTH, ERR_REVOKED, ERR_DISABLED, ERR_NET...,
 * recorded).
 */
WUR int cli_conn_login(struct cli_conn *c, const struct cli_device *dev)
    NONNULL(1, 2);

/*
 * Sends a request of type with body[len] (body may be NULL when len is 0)
 * and waits at most timeout_ms (0: CLI_NET_TIMEOUT_MS) for the reply.
 * Returns 0 for a reply of type | PROTO_REPLY, the (negative) code of an
 * ERROR reply, ERR_INVALID/ERR_VERSION/ERR_SHORT for a malformed reply,
 * ERR_TIMEOUT (also after cli_conn_cancel) or ERR_NET. Failures other
 * than ERROR replies are recorded (cli_fail). rep holds what came back:
 * cli_reply_free it whatever the result. One call at a time per
 * connection.
 */
WUR int cli_conn_call(struct cli_conn *c, uint8_t type, const uint8_t *body,
    size_t len, int timeout_ms, struct cli_reply *rep) NONNULL(1, 6);

/* The same with the body in a writer, which is wiped whatever happens (a
 * writer in error is returned as its error). */
WUR int cli_conn_call_w(struct cli_conn *c, uint8_t type,
    struct wire_writer *body, int timeout_ms, struct cli_reply *rep)
    NONNULL(1, 3, 5);

/* Makes the call running on c (if any) return ERR_TIMEOUT soon. Thread
 * safe: meant for a signal-handling thread. */
void cli_conn_cancel(struct cli_conn *c) NONNULL(1);

/* The CHALLENGE reply (for joining: REGISTER and LINK sign it). */
WUR int cli_conn_challenge(struct cli_conn *c, struct proto_challenge *ch)
    NONNULL(1, 2);

/* The server's name and URL, for messages. */
const char *cli_conn_name(const struct cli_conn *c) NONNULL(1);
const char *cli_conn_url(const struct cli_conn *c) NONNULL(1);

/* Records (cli_fail) a sentence for an ERROR reply rep of request what
 * ("CLAIM bob"), naming the server, and returns rep->code. */
int cli_conn_refused(const struct cli_conn *c, const char *what,
    const struct cli_reply *rep) NONNULL(1, 2, 3);

#endif
