/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The integration test client's side of the relay: the daemon, SEND, FETCH
 * and ACK, a verifier of the queue hash chain and sealed envelopes. */
#include "tests/integration/client.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/mem.h"
#include "crypto/envelope.h"

int
relayd_start(struct daemon *d, const char *dir, const char *directory_db,
    const char *const *extra)
{
	const char *args[CLIENT_MAX_ARGS + 1];
	char db[CLIENT_PATH_MAX];
	size_t n = 0, i;
	int r;

	memset(d, 0, sizeof(*d));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkdir %s: %s\n", dir, strerror(errno));
		return ERR_SYS;
	}
	if ((r = client_path(db, sizeof(db), dir, "relay.db")) != 0) {
		return r;
	}
	args[n++] = "--db";
	args[n++] = db;
	args[n++] = "--directory";
	args[n++] = directory_db;
	args[n++] = "--listen";
	args[n++] = "tcp://127.0.0.1:0";
	args[n++] = "--http";
	args[n++] = "http://127.0.0.1:0";
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (n >= CLIENT_MAX_ARGS - 2) {
			return ERR_TOO_LONG;
		}
		args[n++] = extra[i];
	}
	args[n] = NULL;
	return daemon_start(d, dir, RELAY_PROG, args);
}

int
harness_relay(struct harness *h, const char *const *extra)
{
	char ks[CLIENT_PATH_MAX];
	int r;

	if ((r = client_path(h->relay_dir, sizeof(h->relay_dir), h->dir,
		 "relay")) != 0 ||
	    (r = client_path(ks, sizeof(ks), h->dir, "keyserver.db")) != 0) {
		return r;
	}
	return relayd_start(&h->relay, h->relay_dir, ks, extra);
}

int
harness_relay_db(const struct harness *h, char *out, size_t cap)
{
	return client_path(out, cap, h->relay_dir, "relay.db");
}

struct conn *
harness_relay_conn(struct harness *h, const struct conn_opts *opts)
{
	return harness_conn_to(h, h->relay.url, opts);
}

struct conn *
harness_login(struct harness *h, const struct device *d,
    const struct conn_opts *opts)
{
	struct conn *c;
	int r;

	if ((c = harness_relay_conn(h, opts)) == NULL) {
		return NULL;
	}
	if ((r = device_auth(d, c)) != 0) {
		fprintf(stderr, "relay auth %s/%u: %s\n", d->user, d->id,
		    err_name(r));
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------------ */
/* SEND, FETCH, ACK. */

void
relay_send_body(struct wire_writer *w, const struct send_group *g, size_t ng)
{
	size_t i, j;

	wire_put_u16(w, (uint16_t)ng);
	for (i = 0; i < ng; i++) {
		proto_user_encode(w, g[i].user);
		wire_put_u16(w, (uint16_t)g[i].n);
		for (j = 0; j < g[i].n; j++) {
			proto_send_item_encode(w, &g[i].items[j]);
		}
	}
}

/* Reads a SEND reply body into res. */
static int
send_reply(struct wire_reader *r, struct send_result *res)
{
	uint16_t n = 0, i;
	int rc;

	if ((rc = wire_get_u8(r, &res->result)) != 0 ||
	    (rc = wire_get_u16(r, &n)) != 0) {
		return rc;
	}
	if (res->result == PROTO_SEND_STORED) {
		if (n > SEND_MAX_ITEMS) {
			return ERR_TOO_LONG;
		}
		for (i = 0; i < n; i++) {
			if ((rc = proto_receipt_decode(r, &res->rc[i])) != 0) {
				return rc;
			}
		}
	} else if (res->result == PROTO_SEND_MISMATCH) {
		if (n == 0 || n > PROTO_MAX_GROUPS + 1) {
			return ERR_INVALID;
		}
		for (i = 0; i < n; i++) {
			rc = proto_mismatch_decode(r, &res->mm[i]);
			if (rc != 0) {
				return rc;
			}
		}
	} else {
		return ERR_INVALID;
	}
	res->n = n;
	return wire_end(r);
}

int
conn_send(struct conn *c, const struct send_group *g, size_t ng,
    struct send_result *res)
{
	struct wire_writer w;
	struct reply rep;
	int r;

	res->result = 0xff;
	res->n = 0;
	res->text[0] = '\0';
	wire_writer_init(&w, (size_t)64 << 20);
	relay_send_body(&w, g, ng);
	r = conn_rpc_w(c, PROTO_SEND, &w, &rep);
	if (r == 0) {
		r = send_reply(&rep.body, res);
	} else if (rep.type == PROTO_ERROR) {
		memcpy(res->text, rep.text, sizeof(res->text));
	}
	reply_free(&rep);
	return r;
}

int
conn_fetch(struct conn *c, uint16_t max_count, uint32_t max_bytes,
    uint32_t wait_ms, struct fetch_result *out)
{
	struct proto_fetch m;
	struct wire_writer w;
	int r;

	memset(out, 0, sizeof(*out));
	m.max_count = max_count;
	m.max_bytes = max_bytes;
	m.wait_ms = wait_ms;
	wire_writer_init(&w, 64);
	proto_fetch_encode(&w, &m);
	if ((r = conn_rpc_w(c, PROTO_FETCH, &w, &out->rep)) != 0) {
		return r;
	}
	if ((out->e = calloc(max_count, sizeof(*out->e))) == NULL) {
		return ERR_NOMEM;
	}
	return proto_fetch_reply_decode(&out->rep.body, out->e, max_count,
	    &out->n, CLIENT_RECV_MAX);
}

void
fetch_result_free(struct fetch_result *f)
{
	reply_free(&f->rep);
	free(f->e);
	memset(f, 0, sizeof(*f));
}

int
conn_ack(struct conn *c, const uint8_t *ids, size_t n)
{
	struct wire_writer w;
	struct reply rep;
	int r;

	wire_writer_init(&w, 2 + n * PROTO_ID_LEN);
	proto_ack_encode(&w, ids, n);
	r = conn_rpc_w(c, PROTO_ACK, &w, &rep);
	if (r == 0) {
		r = wire_end(&rep.body);
	}
	reply_free(&rep);
	return r;
}

int
conn_ack_all(struct conn *c, const struct fetch_result *f)
{
	uint8_t *ids;
	size_t i;
	int r;

	if (f->n == 0) {
		return 0;
	}
	if ((ids = malloc(f->n * PROTO_ID_LEN)) == NULL) {
		return ERR_NOMEM;
	}
	for (i = 0; i < f->n; i++) {
		memcpy(ids + i * PROTO_ID_LEN, f->e[i].id, PROTO_ID_LEN);
	}
	r = conn_ack(c, ids, f->n);
	free(ids);
	return r;
}

/* ------------------------------------------------------------------ */
/* The chain verifier. */

void
chain_init(struct chain *ch)
{
	memset(ch, 0, sizeof(*ch));
}

int
chain_check(struct chain *ch, const struct proto_entry *e)
{
	uint8_t eh[PROTO_HASH_LEN], next[PROTO_HASH_LEN];

	ch->why[0] = '\0';
	if (e->seq <= ch->seq) {
		if (e->seq == ch->seq &&
		    memcmp(e->chain, ch->head, PROTO_HASH_LEN) != 0) {
			snprintf(ch->why, sizeof(ch->why), "seq %" PRIu64
			    " seen again with another chain value", e->seq);
			return ERR_AUTH;
		}
		return 1;
	}
	if (e->seq != ch->seq + 1) {
		snprintf(ch->why, sizeof(ch->why), "seq gap: %" PRIu64
		    " after %" PRIu64, e->seq, ch->seq);
		return ERR_AUTH;
	}
	if (proto_entry_expected_hash(e, eh) != 0) {
		snprintf(ch->why, sizeof(ch->why), "seq %" PRIu64
		    ": a tombstone with bytes, or unknown kind %u", e->seq,
		    e->kind);
		return ERR_AUTH;
	}
	if (memcmp(eh, e->entry_hash, PROTO_HASH_LEN) != 0) {
		snprintf(ch->why, sizeof(ch->why), "seq %" PRIu64
		    ": entry hash does not match (kind %u)", e->seq, e->kind);
		return ERR_AUTH;
	}
	proto_chain_next(next, ch->head, e->seq, eh);
	if (memcmp(next, e->chain, PROTO_HASH_LEN) != 0) {
		snprintf(ch->why, sizeof(ch->why), "seq %" PRIu64
		    ": chain value does not follow from seq %" PRIu64, e->seq,
		    ch->seq);
		return ERR_AUTH;
	}
	memcpy(ch->head, next, PROTO_HASH_LEN);
	ch->seq = e->seq;
	if (e->kind == PROTO_ENTRY_ENVELOPE) {
		ch->envelopes++;
	} else if (e->kind == PROTO_ENTRY_EXPIRED) {
		ch->expired++;
	} else {
		ch->overflow++;
	}
	return 0;
}

int
chain_check_all(struct chain *ch, const struct fetch_result *f)
{
	size_t i;
	int r;

	for (i = 0; i < f->n; i++) {
		if ((r = chain_check(ch, &f->e[i])) < 0) {
			return r;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sealed envelopes. */

int
device_seal(const struct device *from, const struct device *to,
    const void *content, size_t content_len, uint8_t **env, size_t *len)
{
	return envelope_seal(&rng_system, from->ik, from->user, from->id,
	    to->ik->ed_pk, ENVELOPE_RATCHET, content, content_len, env, len);
}
