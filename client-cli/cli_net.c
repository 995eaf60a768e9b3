/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's connections: req0 sockets through nng contexts and aios, so
 * a call has its own timeout and another thread can cancel it. */
#include "client-cli/cli_net.h"

#include <nng/protocol/reqrep0/req.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_err.h"
#include "client-cli/cli_tls.h"
#include "common/err.h"
#include "common/mem.h"
#include "service/closer.h"

/* req0 resends a request unanswered for this long, possibly on a new
 * connection: far above every timeout here, so a request is only ever
 * repeated by this module, knowingly (DESIGN: the resend is not safe for
 * a connection that has to sign in again). */
#define RESEND_MS (3600 * 1000)
#define URL_MAX 256
#define CLOSE_TIMEOUT_MS 2000

struct cli_conn {
	nng_socket sock;
	nng_ctx ctx;
	nng_aio *aio;
	int sock_open, ctx_open;
	char name[32];
	char url[URL_MAX];
	int has_dev;
	struct cli_device dev;
	atomic_int cancelled;
};

void
cli_reply_free(struct cli_reply *rep)
{
	if (rep->msg != NULL) {
		nng_msg_free(rep->msg);
	}
	memset(rep, 0, sizeof(*rep));
}

const char *
cli_conn_name(const struct cli_conn *c)
{
	return c->name;
}

const char *
cli_conn_url(const struct cli_conn *c)
{
	return c->url;
}

/* Maps an nng error of operation what on c to ERR_* and records it. */
static int
net_fail(const struct cli_conn *c, const char *what, int rv)
{
	switch (rv) {
	case NNG_ETIMEDOUT:
	case NNG_ECANCELED:
		return cli_fail(0, ERR_TIMEOUT,
		    "the %s at %s did not answer in time (%s)", c->name,
		    c->url, what);
	case NNG_EPEERAUTH:
	case NNG_ECRYPTO:
		return cli_fail(CLI_EXIT_AUTH, ERR_AUTH,
		    "the %s at %s presented a TLS certificate that does not "
		    "match the fingerprint pinned when this device was set "
		    "up; someone may be intercepting the connection (if the "
		    "server's certificate was replaced on purpose, check its "
		    "new fingerprint with the administrator)",
		    c->name, c->url);
	case NNG_ENOMEM:
		return ERR_NOMEM;
	default:
		return cli_fail(0, ERR_NET,
		    "cannot reach the %s at %s: %s (%s); is it running, and "
		    "is the URL right?",
		    c->name, c->url, nng_strerror(rv), what);
	}
}

/* Sets the pinned TLS configuration on dialer dl. */
static int
tls_setup(struct cli_conn *c, nng_dialer dl, const struct cli_server *srv)
{
	nng_tls_config *cfg = NULL;
	nng_url *u = NULL;
	int rv, r;

	if (srv->pin == NULL) {
		return cli_fail(CLI_EXIT_STATE, ERR_CONFIG,
		    "no certificate fingerprint is pinned for the %s at %s",
		    c->name, c->url);
	}
	if ((r = cli_tls_init()) != 0) {
		return cli_fail(0, r, "cannot set up TLS for the %s at %s",
		    c->name, c->url);
	}
	if ((rv = nng_url_parse(&u, srv->url)) != 0) {
		return net_fail(c, "parsing the URL", rv);
	}
	r = cli_tls_config_pin(srv->pin, u->u_hostname, &cfg);
	nng_url_free(u);
	if (r != 0) {
		return cli_fail(0, r, "cannot set up TLS for the %s at %s",
		    c->name, c->url);
	}
	rv = nng_dialer_set_ptr(dl, NNG_OPT_TLS_CONFIG, cfg);
	nng_tls_config_free(cfg); /* the dialer holds its own reference */
	return rv != 0 ? net_fail(c, "TLS configuration", rv) : 0;
}

static int
dial(struct cli_conn *c, const struct cli_server *srv)
{
	nng_dialer dl;
	int rv, r;

	if ((rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
		 CLI_NET_RECV_MAX)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
		 RESEND_MS)) != 0) {
		return net_fail(c, "socket options", rv);
	}
	if ((rv = nng_dialer_create(&dl, c->sock, srv->url)) != 0) {
		if (rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP ||
		    rv == NNG_EINVAL) {
			return cli_fail(CLI_EXIT_STATE, ERR_CONFIG,
			    "the %s URL %s is not valid: use tcp://HOST:PORT, "
			    "tls+tcp://HOST:PORT, ws://, wss:// or ipc://PATH",
			    c->name, c->url);
		}
		return net_fail(c, "dialer", rv);
	}
	if (cli_url_is_tls(srv->url) && (r = tls_setup(c, dl, srv)) != 0) {
		return r;
	}
	if ((rv = nng_dialer_start(dl, 0)) != 0) {
		return net_fail(c, "connect", rv);
	}
	return 0;
}

int
cli_conn_open(const struct cli_server *srv, struct cli_conn **out)
{
	struct cli_conn *c;
	int rv, r;

	*out = NULL;
	if ((c = mem_zalloc(sizeof(*c))) == NULL) {
		return ERR_NOMEM;
	}
	snprintf(c->name, sizeof(c->name), "%s", srv->name);
	if (strlen(srv->url) >= sizeof(c->url)) {
		free(c);
		return cli_fail(CLI_EXIT_STATE, ERR_CONFIG,
		    "the %s URL is too long", srv->name);
	}
	memcpy(c->url, srv->url, strlen(srv->url) + 1);
	atomic_init(&c->cancelled, 0);
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		r = net_fail(c, "socket", rv);
		goto fail;
	}
	c->sock_open = 1;
	if ((r = dial(c, srv)) != 0) {
		goto fail;
	}
	if ((rv = nng_ctx_open(&c->ctx, c->sock)) != 0 ||
	    (rv = nng_aio_alloc(&c->aio, NULL, NULL)) != 0) {
		r = net_fail(c, "context", rv);
		goto fail;
	}
	c->ctx_open = 1;
	*out = c;
	return 0;
fail:
	cli_conn_free(c);
	return r;
}

void
cli_conn_free(struct cli_conn *c)
{
	if (c == NULL) {
		return;
	}
	if (c->aio != NULL) {
		nng_aio_stop(c->aio);
	}
	if (c->ctx_open) {
		nng_ctx_close(c->ctx);
	}
	/* nng 1.5.2 can hang in nng_close (DESIGN §9): a client must not
	 * hang on its way out, so the close has a deadline. */
	if (c->sock_open) {
		(void)closer_close(c->sock, CLOSE_TIMEOUT_MS, NULL, NULL);
	}
	if (c->aio != NULL) {
		nng_aio_free(c->aio);
	}
	mem_wipe_free(c, sizeof(*c));
}

void
cli_conn_cancel(struct cli_conn *c)
{
	atomic_store(&c->cancelled, 1);
	if (c->aio != NULL) {
		nng_aio_cancel(c->aio);
	}
}

/* Runs one operation (send or receive) on the aio and waits for it. */
static int
aio_run(struct cli_conn *c, int is_send, int timeout_ms)
{
	if (atomic_load(&c->cancelled)) {
		return NNG_ECANCELED;
	}
	nng_aio_set_timeout(c->aio, timeout_ms);
	if (is_send) {
		nng_ctx_send(c->ctx, c->aio);
	} else {
		nng_ctx_recv(c->ctx, c->aio);
	}
	nng_aio_wait(c->aio);
	return nng_aio_result(c->aio);
}

/* SECURITY: a server's error text reaches the terminal: printable ASCII
 * only, so it cannot carry an escape sequence or fake a line. */
static void
printable(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) {
			*s = '?';
		}
	}
}

/* Decodes the frame in rep->msg for a request of type. */
static int
parse_reply(const struct cli_conn *c, uint8_t type, struct cli_reply *rep)
{
	int r;

	if ((r = proto_frame_open(nng_msg_body(rep->msg),
		 nng_msg_len(rep->msg), &rep->type, &rep->body)) != 0) {
		return cli_fail(0, r, "the %s at %s sent a malformed reply "
				      "(%s)",
		    c->name, c->url, err_str(r));
	}
	if (rep->type == PROTO_ERROR) {
		if ((r = proto_error_decode(&rep->body, &rep->code, rep->text,
			 sizeof(rep->text))) != 0) {
			return cli_fail(0, r,
			    "the %s at %s sent a malformed error reply",
			    c->name, c->url);
		}
		printable(rep->text);
		return rep->code;
	}
	if (rep->type != (type | PROTO_REPLY)) {
		return cli_fail(0, ERR_INVALID,
		    "the %s at %s answered a request of type 0x%02x with a "
		    "reply of type 0x%02x",
		    c->name, c->url, type, rep->type);
	}
	return 0;
}

/* One request and its reply, without signing in again. */
static int
call_once(struct cli_conn *c, uint8_t type, const uint8_t *body, size_t len,
    int timeout_ms, struct cli_reply *rep)
{
	uint8_t head[2] = { PROTO_VERSION, type };
	nng_msg *msg = NULL;
	int rv;

	memset(rep, 0, sizeof(*rep));
	if ((rv = nng_msg_alloc(&msg, 0)) != 0 ||
	    (rv = nng_msg_append(msg, head, sizeof(head))) != 0 ||
	    (len > 0 && (rv = nng_msg_append(msg, body, len)) != 0)) {
		if (msg != NULL) {
			nng_msg_free(msg);
		}
		return ERR_NOMEM;
	}
	nng_aio_set_msg(c->aio, msg);
	if ((rv = aio_run(c, 1, timeout_ms)) != 0) {
		nng_msg_free(msg); /* still ours when the send failed */
		return net_fail(c, "sending a request", rv);
	}
	if ((rv = aio_run(c, 0, timeout_ms)) != 0) {
		return net_fail(c, "waiting for the reply", rv);
	}
	rep->msg = nng_aio_get_msg(c->aio);
	return parse_reply(c, type, rep);
}

/* CHALLENGE and AUTH as the device. */
static int
login(struct cli_conn *c)
{
	struct proto_challenge ch;
	struct proto_auth m;
	struct wire_writer w;
	struct cli_reply rep;
	uint8_t *tbs = NULL;
	size_t n = 0;
	int r;

	if ((r = cli_conn_challenge(c, &ch)) != 0) {
		return r;
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.user, c->dev.user, sizeof(m.user));
	m.device_id = c->dev.id;
	memcpy(m.nonce, ch.nonce, PROTO_NONCE_LEN);
	wire_writer_init(&w, 512);
	proto_auth_tbs(&w, ch.server_id, m.nonce, m.user, m.device_id);
	if ((r = identity_sign_tbs(c->dev.ik, &w, m.sig)) != 0) {
		return r;
	}
	wire_writer_init(&w, 512);
	proto_auth_encode(&w, &m);
	if ((r = wire_writer_finish(&w, &tbs, &n)) != 0) {
		return r;
	}
	r = call_once(c, PROTO_AUTH, tbs, n, CLI_NET_TIMEOUT_MS, &rep);
	mem_wipe_free(tbs, n);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(c, "sign-in", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

int
cli_conn_login(struct cli_conn *c, const struct cli_device *dev)
{
	c->dev = *dev;
	c->has_dev = 1;
	return login(c);
}

int
cli_conn_call(struct cli_conn *c, uint8_t type, const uint8_t *body,
    size_t len, int timeout_ms, struct cli_reply *rep)
{
	int r;

	if (timeout_ms <= 0) {
		timeout_ms = CLI_NET_TIMEOUT_MS;
	}
	r = call_once(c, type, body, len, timeout_ms, rep);
	/* SECURITY: only a sign-in this module does itself, as the same
	 * device: a reconnect is a new, unauthenticated connection. */
	if (r == ERR_UNAUTH && c->has_dev) {
		cli_reply_free(rep);
		if ((r = login(c)) == 0) {
			r = call_once(c, type, body, len, timeout_ms, rep);
		}
	}
	return r;
}

int
cli_conn_call_w(struct cli_conn *c, uint8_t type, struct wire_writer *body,
    int timeout_ms, struct cli_reply *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	if (body->err != 0) {
		r = body->err;
	} else {
		r = cli_conn_call(c, type, body->buf, body->len, timeout_ms,
		    rep);
	}
	wire_writer_wipe(body);
	return r;
}

int
cli_conn_challenge(struct cli_conn *c, struct proto_challenge *ch)
{
	struct cli_reply rep;
	int r;

	memset(ch, 0, sizeof(*ch));
	if ((r = call_once(c, PROTO_CHALLENGE, NULL, 0, CLI_NET_TIMEOUT_MS,
		 &rep)) == 0 &&
	    (r = proto_challenge_decode(&rep.body, ch)) != 0) {
		r = cli_fail(0, r, "the %s at %s sent a malformed challenge",
		    c->name, c->url);
	} else if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(c, "CHALLENGE", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

int
cli_conn_refused(const struct cli_conn *c, const char *what,
    const struct cli_reply *rep)
{
	const char *hint = "";

	switch (rep->code) {
	case ERR_REVOKED:
		hint = "; this device was removed from its account: set it "
		       "up again with `sealpost init`";
		break;
	case ERR_DISABLED:
		hint = "; the account is disabled: ask the administrator";
		break;
	case ERR_AUTH:
		hint = "; the server does not recognise this device's key";
		break;
	case ERR_RATE:
		hint = "; wait a minute and try again";
		break;
	default:
		break;
	}
	return cli_fail(0, rep->code < 0 ? rep->code : ERR_INVALID,
	    "the %s at %s refused %s: %s%s", c->name, c->url, what,
	    rep->text[0] != '\0' ? rep->text : err_str(rep->code), hint);
}
