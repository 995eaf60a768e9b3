/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The relay's request handlers: authentication, SEND with the device-list
 * check, FETCH with long-poll, ACK. Envelopes are never parsed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/proto.h"
#include "relay/relay.h"

#define REPLY_MAX ((size_t)64 << 20)
#define MAX_ITEMS (PROTO_MAX_GROUPS * PROTO_MAX_DEVICES)
#define FETCH_MAX_BYTES ((uint32_t)16 << 20)

/* One request being handled. */
struct ctx {
	struct relay *r;
	struct server_req *req;
	uint32_t pipe;
	char user[PROTO_MAX_USER + 1];
	uint32_t device;
	char errtext[PROTO_MAX_ERROR_TEXT + 1];
	int parked;
};

uint64_t
relay_queue_key(const char *user, uint32_t device_id)
{
	/* FNV-1a: a collision only wakes a parked fetch for nothing. */
	uint64_t h = 14695981039346656037ULL;
	const char *p;
	int i;

	for (p = user; *p != '\0'; p++) {
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	}
	for (i = 0; i < 4; i++) {
		h = (h ^ (uint8_t)(device_id >> (8 * i))) * 1099511628211ULL;
	}
	return h;
}

/* The pipe's device, still active in the directory. */
static int
authed(struct ctx *c)
{
	struct kd_device d;
	int r;

	if ((r = auth_lookup(c->r->auth, c->pipe, c->user, &c->device)) !=
	    0) {
		return r;
	}
	if ((r = kd_device_get(c->r->dir, c->user, c->device, &d)) != 0) {
		return r == ERR_NOT_FOUND ? ERR_UNAUTH : r;
	}
	if (d.revoked || d.user_disabled) {
		(void)auth_unbind(c->r->auth, c->user, c->device);
		return d.revoked ? ERR_REVOKED : ERR_DISABLED;
	}
	return 0;
}

static int
h_challenge(struct ctx *c, struct wire_reader *body, struct wire_writer *w)
{
	struct proto_challenge ch;
	int r;

	memset(&ch, 0, sizeof(ch));
	if ((r = wire_end(body)) != 0 ||
	    (r = auth_challenge(c->r->auth, c->pipe, &rng_system,
		 ch.nonce)) != 0) {
		return r == ERR_NOT_FOUND ? ERR_NET : r;
	}
	snprintf(ch.server_id, sizeof(ch.server_id), "%s",
	    auth_server_id(c->r->auth));
	proto_frame_begin(w, PROTO_CHALLENGE | PROTO_REPLY);
	proto_challenge_encode(w, &ch);
	return 0;
}

static int
h_auth(struct ctx *c, struct wire_reader *body, struct wire_writer *w)
{
	struct proto_auth m;
	struct kd_device d;
	int r;

	if ((r = proto_auth_decode(body, &m)) != 0) {
		return r;
	}
	if (kd_device_get(c->r->dir, m.user, m.device_id, &d) != 0) {
		/* SECURITY: spend the nonce; fail like a bad signature. */
		if (auth_take_nonce(c->r->auth, c->pipe, m.nonce) == 0) {
			log_debug("auth for an unknown device");
		}
		r = ERR_AUTH;
	} else if ((r = auth_verify(c->r->auth, c->pipe, &m, d.ik)) == 0 &&
	    (d.revoked || d.user_disabled)) {
		(void)auth_unbind(c->r->auth, m.user, m.device_id);
		r = d.revoked ? ERR_REVOKED : ERR_DISABLED;
	}
	if (r == ERR_AUTH) {
		log_info("AUTH-FAIL device %u", m.device_id);
	}
	if (r == 0) {
		proto_frame_begin(w, PROTO_AUTH | PROTO_REPLY);
	}
	return r;
}

/* One group of a SEND: its recipient and the range of its items. */
struct group {
	char user[PROTO_MAX_USER + 1];
	size_t first, n;
};

static int
has_id(const uint32_t *v, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == id) {
			return 1;
		}
	}
	return 0;
}

/*
 * Compares a group's devices with the directory: every active device of
 * the user (but the sender's own) must be there, nothing else. Fills *mm
 * and returns 1 on a mismatch, 0 on a match, or an error.
 */
static int
check_group(struct ctx *c, const struct group *g,
    const struct proto_send_item *items, struct proto_mismatch *mm)
{
	struct proto_device listed[PROTO_MAX_LISTED];
	uint32_t active[PROTO_MAX_DEVICES], given[PROTO_MAX_DEVICES];
	size_t nl = 0, na = 0, i;
	struct kd_device d;
	int own = strcmp(g->user, c->user) == 0, r;

	memset(mm, 0, sizeof(*mm));
	memcpy(mm->user, g->user, sizeof(mm->user));
	if ((r = kd_devices(c->r->dir, g->user, listed, PROTO_MAX_LISTED,
		 &nl)) != 0) {
		return r;
	}
	for (i = 0; i < nl && na < PROTO_MAX_DEVICES; i++) {
		if (!listed[i].revoked &&
		    !(own && listed[i].device_id == c->device)) {
			active[na++] = listed[i].device_id;
		}
	}
	for (i = 0; i < g->n; i++) {
		given[i] = items[g->first + i].device_id;
		if (has_id(given, i, given[i])) {
			return ERR_INVALID; /* a device twice */
		}
		if (has_id(active, na, given[i])) {
			continue;
		}
		if (kd_device_get(c->r->dir, g->user, given[i], &d) == 0 &&
		    d.revoked) {
			mm->revoked[mm->nrevoked++] = given[i];
		} else {
			mm->extra[mm->nextra++] = given[i];
		}
	}
	for (i = 0; i < na; i++) {
		if (!has_id(given, g->n, active[i])) {
			mm->missing[mm->nmissing++] = active[i];
		}
	}
	return mm->nmissing + mm->nextra + mm->nrevoked > 0;
}

/* Reads every group and item of a SEND body. */
static int
read_send(struct wire_reader *body, struct group *groups, size_t *ng,
    struct proto_send_item *items, size_t *ni, size_t max_env)
{
	uint16_t ngroups, n, i, j;
	int r;

	*ng = *ni = 0;
	if ((r = proto_send_begin(body, &ngroups)) != 0) {
		return r;
	}
	for (i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];

		if ((r = proto_send_group(body, g->user, &n)) != 0) {
			return r;
		}
		g->first = *ni;
		g->n = n;
		for (j = 0; j < n; j++) {
			if ((r = proto_send_item(body, &items[*ni],
				 max_env)) != 0) {
				return r;
			}
			(*ni)++;
		}
		*ng = (size_t)i + 1;
	}
	return wire_end(body);
}

static int
reply_mismatch(struct ctx *c, const struct group *groups, size_t ng,
    const struct proto_send_item *items, struct wire_writer *w)
{
	struct proto_mismatch mm[PROTO_MAX_GROUPS + 1];
	struct group own;
	size_t i, nm = 0;
	int r, named = 0;

	for (i = 0; i < ng; i++) {
		named |= strcmp(groups[i].user, c->user) == 0;
		if ((r = check_group(c, &groups[i], items, &mm[nm])) < 0) {
			return r;
		}
		nm += (size_t)r;
	}
	/* The sender's other devices need their sync copies even when the
	 * send names no group of its own user. */
	if (!named) {
		memset(&own, 0, sizeof(own));
		memcpy(own.user, c->user, sizeof(own.user));
		if ((r = check_group(c, &own, items, &mm[nm])) < 0) {
			return r;
		}
		nm += (size_t)r;
	}
	if (nm == 0) {
		return 0;
	}
	proto_frame_begin(w, PROTO_SEND | PROTO_REPLY);
	wire_put_u8(w, PROTO_SEND_MISMATCH);
	wire_put_u16(w, (uint16_t)nm);
	for (i = 0; i < nm; i++) {
		proto_mismatch_encode(w, &mm[i]);
	}
	metric_add(c->r->refused, 1);
	return 1;
}

static int
h_send(struct ctx *c, struct wire_reader *body, struct wire_writer *w)
{
	struct proto_send_item items[MAX_ITEMS];
	struct relay_item ri[MAX_ITEMS];
	struct proto_receipt rc[MAX_ITEMS];
	struct group groups[PROTO_MAX_GROUPS];
	char name[PROTO_MAX_USER + 16] = "";
	size_t ng = 0, ni = 0, i;
	int r;

	if ((r = read_send(body, groups, &ng, items, &ni,
		 (size_t)c->r->cfg.max_envelope)) != 0) {
		return r;
	}
	if ((r = reply_mismatch(c, groups, ng, items, w)) != 0) {
		return r < 0 ? r : 0;
	}
	for (i = 0; i < ng; i++) {
		size_t j;

		for (j = 0; j < groups[i].n; j++) {
			struct relay_item *it = &ri[groups[i].first + j];
			const struct proto_send_item *si =
			    &items[groups[i].first + j];

			it->user = groups[i].user;
			it->device_id = si->device_id;
			it->id = si->id;
			it->env = si->env;
			it->len = si->len;
		}
	}
	r = relay_store_enqueue(c->r->store, clock_wall_ms(), ri, ni, rc, name,
	    sizeof(name));
	if (r != 0) {
		if (r == ERR_QUOTA) {
			/* The sender learns which device's queue is full. */
			snprintf(c->errtext, sizeof(c->errtext),
			    "queue full for device %s", name);
			metric_add(c->r->refused, 1);
		}
		return r;
	}
	for (i = 0; i < ni; i++) {
		server_wake(server_req_server(c->req),
		    relay_queue_key(ri[i].user, ri[i].device_id));
	}
	metric_add(c->r->enqueued, ni);
	proto_frame_begin(w, PROTO_SEND | PROTO_REPLY);
	wire_put_u8(w, PROTO_SEND_STORED);
	wire_put_u16(w, (uint16_t)ni);
	for (i = 0; i < ni; i++) {
		proto_receipt_encode(w, &rc[i]);
	}
	return 0;
}

static int
h_fetch(struct ctx *c, struct wire_reader *body, struct wire_writer *w)
{
	struct proto_fetch m;
	struct proto_entry *e = NULL;
	uint8_t *buf = NULL;
	size_t n = 0, i;
	int r;

	if ((r = proto_fetch_decode(body, &m)) != 0) {
		return r;
	}
	/* Keep the reply well inside what a client accepts. */
	if (m.max_bytes > FETCH_MAX_BYTES) {
		m.max_bytes = FETCH_MAX_BYTES;
	}
	if ((r = relay_store_fetch(c->r->store, c->user, c->device,
		 m.max_count, m.max_bytes, &e, &n, &buf)) != 0) {
		return r;
	}
	if (n == 0 && m.wait_ms > 0 &&
	    server_req_woken(c->req) != SERVER_WAKE_TIMEOUT) {
		free(e);
		free(buf);
		r = server_park(c->req,
		    relay_queue_key(c->user, c->device), m.wait_ms);
		if (r == 0) {
			c->parked = 1;
		}
		return r;
	}
	proto_frame_begin(w, PROTO_FETCH | PROTO_REPLY);
	wire_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		proto_entry_encode(w, &e[i]);
	}
	metric_add(c->r->fetched, n);
	free(e);
	free(buf);
	return 0;
}

static int
h_ack(struct ctx *c, struct wire_reader *body, struct wire_writer *w)
{
	const uint8_t *ids;
	size_t n;
	int r;

	if ((r = proto_ack_decode(body, &ids, &n)) != 0 ||
	    (r = relay_store_ack(c->r->store, c->user, c->device, ids, n)) !=
		0) {
		return r;
	}
	metric_add(c->r->acked, n);
	proto_frame_begin(w, PROTO_ACK | PROTO_REPLY);
	return 0;
}

static int
dispatch(struct ctx *c, uint8_t type, struct wire_reader *body,
    struct wire_writer *w)
{
	int r;

	switch (type) {
	case PROTO_CHALLENGE:
		return h_challenge(c, body, w);
	case PROTO_AUTH:
		return h_auth(c, body, w);
	case PROTO_SEND:
	case PROTO_FETCH:
	case PROTO_ACK:
		break;
	default:
		return ERR_TYPE; /* the key directory's messages */
	}
	if ((r = authed(c)) != 0) {
		return r;
	}
	switch (type) {
	case PROTO_SEND:
		return h_send(c, body, w);
	case PROTO_FETCH:
		return h_fetch(c, body, w);
	default:
		return h_ack(c, body, w);
	}
}

void
relay_handle(struct server_req *req, void *arg)
{
	struct wire_reader body;
	struct wire_writer w;
	const uint8_t *data;
	uint8_t type = 0, *out = NULL;
	size_t len, out_len = 0;
	struct ctx c;
	int r;

	memset(&c, 0, sizeof(c));
	c.r = arg;
	c.req = req;
	c.pipe = server_req_pipe(req);
	data = server_req_data(req, &len);
	wire_writer_init(&w, REPLY_MAX);
	if ((r = proto_frame_open(data, len, &type, &body)) == 0) {
		r = proto_is_request(type) ? dispatch(&c, type, &body, &w)
					   : ERR_TYPE;
	}
	if (c.parked) {
		wire_writer_wipe(&w);
		return; /* the request belongs to the server now */
	}
	if (r != 0 || (r = wire_writer_finish(&w, &out, &out_len)) != 0) {
		metric_add(c.r->req_bad, 1);
		wire_writer_wipe(&w);
		wire_writer_init(&w, REPLY_MAX);
		proto_error_encode(&w, r,
		    c.errtext[0] != '\0' ? c.errtext : err_str(r));
		if (wire_writer_finish(&w, &out, &out_len) != 0) {
			out = NULL;
			out_len = 0;
		}
	}
	server_reply(req, out, out_len);
	free(out);
}

void
relay_pipe_event(uint32_t pipe, int added, const char *peer, void *arg)
{
	struct relay *r = arg;

	(void)peer;
	auth_pipe_event(r->auth, pipe, added);
}

int
relay_metrics_init(struct relay *r)
{
	r->enqueued = metrics_counter(r->metrics,
	    "sealpost_relay_enqueued_total", NULL,
	    "Envelopes stored (resends of a stored id not counted twice).");
	r->fetched = metrics_counter(r->metrics,
	    "sealpost_relay_fetched_total", NULL,
	    "Queue entries handed to devices (tombstones included).");
	r->acked = metrics_counter(r->metrics, "sealpost_relay_acked_total",
	    NULL, "Entries acknowledged by their device.");
	r->refused = metrics_counter(r->metrics,
	    "sealpost_relay_sends_refused_total", NULL,
	    "Sends refused for a device-list mismatch or a full queue.");
	r->expired = metrics_counter(r->metrics,
	    "sealpost_relay_expired_total", NULL,
	    "Envelopes turned into tombstones at their TTL.");
	r->req_bad = metrics_counter(r->metrics,
	    "sealpost_relay_request_errors_total", NULL,
	    "Requests answered with an ERROR frame.");
	if (r->enqueued == NULL || r->fetched == NULL || r->acked == NULL ||
	    r->refused == NULL || r->expired == NULL || r->req_bad == NULL) {
		return ERR_NOMEM;
	}
	return 0;
}
