/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sending: fan-out, the outbox, SEND and the mismatch rules. */
#include "client-cli/cli_send.h"

#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_dir.h"
#include "client-cli/cli_payload.h"
#include "client-cli/cli_session.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

/* SEND rounds for one message before giving up on a list that keeps
 * changing. */
#define MAX_ROUNDS 4
/* Queued messages one flush looks at: held ones stay queued without
 * keeping the others from going out. */
#define FLUSH_BATCH 1024

static int send_message(struct cli_ctx *c,
    const uint8_t id[static CLI_MSG_ID_LEN], struct cli_sent *out);

/* The devices one message goes to. */
struct target {
	char user[PROTO_MAX_USER + 1];
	uint32_t device;
	uint8_t ik[KEY_LEN];
	int has_entry; /* the outbox holds its envelope already */
};

struct targets {
	size_t n;
	struct target t[CLI_MAX_FANOUT];
};

/* The outbox entries of one message, envelopes included. */
struct entries {
	size_t n;
	struct cli_outbox e[CLI_MAX_FANOUT];
};

static void
entries_wipe(struct entries *es)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		cli_outbox_wipe(&es->e[i]);
	}
	es->n = 0;
}

/* Adds user's known devices (but skip) to t. */
static int
add_targets(struct cli_ctx *c, const char *user, uint32_t skip,
    struct targets *t)
{
	struct cli_contact_device d[PROTO_MAX_LISTED];
	size_t n = 0, i;
	int r;

	if ((r = cli_store_contact_devices(c->store, user, d,
		 PROTO_MAX_LISTED, &n)) != 0) {
		return r;
	}
	for (i = 0; i < n && i < PROTO_MAX_LISTED; i++) {
		if (d[i].device == skip) {
			continue;
		}
		if (t->n == CLI_MAX_FANOUT) {
			return ERR_TOO_LONG;
		}
		snprintf(t->t[t->n].user, sizeof(t->t[t->n].user), "%s", user);
		t->t[t->n].device = d[i].device;
		memcpy(t->t[t->n].ik, d[i].ik, KEY_LEN);
		t->t[t->n].has_entry = 0;
		t->n++;
	}
	return 0;
}

static int
targets_of(struct cli_ctx *c, const char *peer, struct targets *t)
{
	int r;

	t->n = 0;
	if ((r = add_targets(c, peer, 0, t)) != 0 ||
	    (r = add_targets(c, c->acct.user, c->acct.device, t)) != 0) {
		return r;
	}
	return 0;
}

/* The trust of peer: ERR_UNTRUSTED (recorded) if its identity changed. */
static int
check_trust(struct cli_ctx *c, const char *peer)
{
	struct cli_contact ct;
	int r;

	if ((r = cli_store_contact_get(c->store, peer, &ct)) != 0) {
		return r;
	}
	if (ct.trust == CLI_TRUST_CHANGED) {
		return cli_fail(CLI_EXIT_TRUST, ERR_UNTRUSTED,
		    "the identity of %s changed since you last talked: "
		    "nothing is sent to %s until you compare safety numbers "
		    "(`sealpost verify %s`) and accept the new identity "
		    "(`sealpost trust %s`)",
		    peer, peer, peer, peer);
	}
	return 0;
}

/* Makes sure the device lists of peer and of the own account are known
 * (fetched once), and that peer is trusted. */
static int
ensure_lists(struct cli_ctx *c, const char *peer)
{
	struct cli_contact_device d[1];
	struct cli_refresh rep;
	struct cli_contact ct;
	size_t n = 0;
	int r;

	r = cli_store_contact_get(c->store, c->acct.user, &ct);
	if (r == ERR_NOT_FOUND) {
		r = cli_dir_refresh(c, c->acct.user, &rep);
	}
	if (r != 0) {
		return r;
	}
	if ((r = cli_store_contact_get(c->store, peer, &ct)) == 0) {
		r = cli_store_contact_devices(c->store, peer, d, 1, &n);
	}
	if ((r == ERR_NOT_FOUND || (r == 0 && n == 0)) &&
	    (r = cli_dir_refresh(c, peer, &rep)) != 0) {
		return r;
	}
	return r != 0 ? r : check_trust(c, peer);
}

/* Sets up a session with every target of user that has none. */
static int
sessions_for(struct cli_ctx *c, const char *user, const struct targets *t)
{
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct ratchet_session *rs = NULL;
	struct cli_refresh rep;
	size_t i, j, n = 0, missing = 0;
	int pending, r, tries;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->t[i].user, user) != 0) {
			continue;
		}
		r = cli_store_session_get(c->store, user, t->t[i].device, &rs,
		    &pending, NULL);
		ratchet_free(rs);
		rs = NULL;
		if (r == ERR_NOT_FOUND) {
			missing++;
		} else if (r != 0) {
			return r;
		}
	}
	if (missing == 0) {
		return 0;
	}
	for (tries = 0; (r = cli_dir_claim(c, user, b, &n)) == ERR_MISMATCH &&
	    tries < 2;
	    tries++) {
		/* The list changed under us: look again. */
		if ((r = cli_dir_refresh(c, user, &rep)) != 0) {
			return r;
		}
	}
	if (r != 0) {
		return r == ERR_MISMATCH
		    ? cli_fail(0, r, "the device list of %s keeps changing; "
				     "try again",
			  user)
		    : r;
	}
	for (j = 0; j < n; j++) {
		r = cli_store_session_get(c->store, user, b[j].device_id, &rs,
		    &pending, NULL);
		ratchet_free(rs);
		rs = NULL;
		if (r == ERR_NOT_FOUND) {
			r = cli_session_start(c, user, &b[j]);
			missing--;
		}
		if (r != 0) {
			return r;
		}
	}
	/* A known device the directory gave no bundle for is gone (revoked
	 * before this client ever wrote to it): read the list again, so it
	 * is no longer a target. */
	if (missing > 0 && (r = cli_dir_refresh(c, user, &rep)) != 0) {
		return r;
	}
	return 0;
}

/* Reads the queued outbox entries of message id (all of them if none is
 * queued and all is set). */
static int
load_entries(struct cli_ctx *c, const uint8_t id[static CLI_MSG_ID_LEN],
    struct entries *es)
{
	uint8_t ids[CLI_MAX_FANOUT][PROTO_ID_LEN];
	size_t n = 0, i;
	int r;

	es->n = 0;
	if ((r = cli_store_outbox_of_msg(c->store, id, ids, CLI_MAX_FANOUT,
		 &n)) != 0) {
		return r;
	}
	for (i = 0; i < n && i < CLI_MAX_FANOUT; i++) {
		if ((r = cli_store_outbox_get(c->store, ids[i],
			 &es->e[es->n])) != 0) {
			entries_wipe(es);
			return r;
		}
		es->n++;
	}
	return 0;
}

/* The payload of message m for a device of user. */
static int
payload_for(struct cli_ctx *c, const struct cli_message *m, const char *user,
    uint8_t **pt, size_t *len)
{
	struct cli_payload p;

	memset(&p, 0, sizeof(p));
	memcpy(p.id, m->id, sizeof(p.id));
	p.sent_ms = m->time_ms;
	p.body = m->body;
	p.len = m->body_len;
	if (strcmp(user, c->acct.user) == 0) {
		p.kind = CLI_PAYLOAD_SYNC;
		snprintf(p.peer, sizeof(p.peer), "%s", m->peer_user);
	} else {
		p.kind = CLI_PAYLOAD_TEXT;
	}
	return cli_payload_encode(&p, pt, len);
}

/* Encrypts m for target t and queues the envelope. ERR_NOT_FOUND if t has
 * no session (the caller skips it: the relay's device check decides). */
static int
queue_for(struct cli_ctx *c, const struct cli_message *m,
    const struct target *t)
{
	struct cli_outbox e;
	uint8_t *pt = NULL;
	size_t plen = 0;
	int r;

	memset(&e, 0, sizeof(e));
	if ((r = payload_for(c, m, t->user, &pt, &plen)) != 0 ||
	    (r = cli_session_seal(c, t->user, t->device, t->ik, pt, plen,
		 &e.envelope, &e.envelope_len)) != 0) {
		goto out;
	}
	cli_store_new_id(c->store, e.id);
	memcpy(e.msg_id, m->id, CLI_MSG_ID_LEN);
	snprintf(e.user, sizeof(e.user), "%s", t->user);
	e.device = t->device;
	e.state = CLI_OUTBOX_QUEUED;
	e.created_ms = clock_wall_ms();
	r = cli_store_outbox_put(c->store, &e);
out:
	mem_wipe_free(pt, plen);
	cli_outbox_wipe(&e);
	return r;
}

/* Marks the targets that have an entry; deletes entries of devices that
 * are no longer targets. */
static int
match_entries(struct cli_ctx *c, struct targets *t, const struct entries *es)
{
	size_t i, j;
	int found, r;

	for (i = 0; i < es->n; i++) {
		found = 0;
		for (j = 0; j < t->n; j++) {
			if (strcmp(t->t[j].user, es->e[i].user) == 0 &&
			    t->t[j].device == es->e[i].device) {
				t->t[j].has_entry = 1;
				found = 1;
			}
		}
		if (!found && es->e[i].state == CLI_OUTBOX_QUEUED &&
		    (r = cli_store_outbox_delete(c->store, es->e[i].id)) !=
			0) {
			return r;
		}
	}
	return 0;
}

/*
 * Completes the fan-out of message m: sessions for devices that have
 * none, then, in one transaction, m itself (if store_msg), an envelope for
 * every target without one, and no envelope for a device that is gone.
 */
static int
fan_out(struct cli_ctx *c, const struct cli_message *m, int store_msg)
{
	struct targets *t = NULL;
	struct entries *es = NULL;
	size_t i;
	int r;

	if ((t = mem_zalloc(sizeof(*t))) == NULL ||
	    (es = mem_zalloc(sizeof(*es))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	/* The targets again once sessions are set up: setting them up
	 * may have read a list again. */
	if ((r = targets_of(c, m->peer_user, t)) != 0 ||
	    (r = sessions_for(c, m->peer_user, t)) != 0 ||
	    (r = sessions_for(c, c->acct.user, t)) != 0 ||
	    (r = targets_of(c, m->peer_user, t)) != 0 ||
	    (r = load_entries(c, m->id, es)) != 0) {
		goto out;
	}
	if ((r = cli_store_begin(c->store)) != 0) {
		goto out;
	}
	if ((store_msg && (r = cli_store_msg_put(c->store, m)) != 0) ||
	    (r = match_entries(c, t, es)) != 0) {
		cli_store_rollback(c->store);
		goto out;
	}
	for (i = 0; r == 0 && i < t->n; i++) {
		if (!t->t[i].has_entry &&
		    (r = queue_for(c, m, &t->t[i])) == ERR_NOT_FOUND) {
			r = 0; /* no session, no bundle: not a device now */
		}
	}
	if (r != 0) {
		cli_store_rollback(c->store);
	} else {
		r = cli_store_commit(c->store);
	}
out:
	if (es != NULL) {
		entries_wipe(es);
	}
	mem_wipe_free(es, sizeof(*es));
	mem_wipe_free(t, sizeof(*t));
	return r;
}

int
cli_send_text(struct cli_ctx *c, const char *user, const uint8_t *text,
    size_t len, struct cli_sent *out)
{
	struct cli_message m;
	int r;

	if (out != NULL) {
		memset(out, 0, sizeof(*out));
	}
	if (!proto_user_valid((const uint8_t *)user, strlen(user))) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "'%s' is not a user name (3 to 32 of a-z, 0-9, '.', '_', "
		    "'-', starting with a letter)", user);
	}
	if (strcmp(user, c->acct.user) == 0) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "you cannot send to yourself: your other devices get a "
		    "copy of everything you send");
	}
	if (len > CLI_MAX_TEXT) {
		return cli_fail(CLI_EXIT_USAGE, ERR_TOO_LONG,
		    "the message is %zu bytes; at most %u fit in one message",
		    len, CLI_MAX_TEXT);
	}
	if ((r = ensure_lists(c, user)) != 0) {
		return r;
	}
	memset(&m, 0, sizeof(m));
	cli_store_new_id(c->store, m.id);
	snprintf(m.peer_user, sizeof(m.peer_user), "%s", user);
	m.direction = CLI_MSG_OUT;
	m.time_ms = clock_wall_ms();
	m.body = (uint8_t *)(uintptr_t)text;
	m.body_len = len;
	m.shown = 1;
	if ((r = fan_out(c, &m, 1)) != 0) {
		return r;
	}
	cli_crash_point("send-committed");
	if (out != NULL) {
		memcpy(out->id, m.id, sizeof(out->id));
		snprintf(out->peer, sizeof(out->peer), "%s", user);
	}
	return send_message(c, m.id, out);
}

/* Writes the SEND body of es: one group per user, the peer's first. */
static void
send_body(const char *peer, const char *self, const struct entries *es,
    struct wire_writer *w)
{
	const char *users[2] = { peer, self };
	struct proto_send_item it;
	size_t u, i, cnt[2] = { 0, 0 };

	for (i = 0; i < es->n; i++) {
		cnt[strcmp(es->e[i].user, peer) == 0 ? 0 : 1]++;
	}
	wire_put_u16(w, (uint16_t)((cnt[0] > 0) + (cnt[1] > 0)));
	for (u = 0; u < 2; u++) {
		if (cnt[u] == 0) {
			continue;
		}
		proto_user_encode(w, users[u]);
		wire_put_u16(w, (uint16_t)cnt[u]);
		for (i = 0; i < es->n; i++) {
			if (strcmp(es->e[i].user, users[u]) != 0) {
				continue;
			}
			memset(&it, 0, sizeof(it));
			it.device_id = es->e[i].device;
			memcpy(it.id, es->e[i].id, PROTO_ID_LEN);
			it.env = es->e[i].envelope;
			it.len = es->e[i].envelope_len;
			proto_send_item_encode(w, &it);
		}
	}
}

/* A SEND reply. */
struct send_reply {
	uint8_t result;
	size_t n;
	struct proto_receipt rc[CLI_MAX_FANOUT];
	struct proto_mismatch mm[PROTO_MAX_GROUPS + 1];
};

static int
read_reply(struct wire_reader *rd, struct send_reply *sr)
{
	uint16_t n = 0, i;
	int r;

	if ((r = wire_get_u8(rd, &sr->result)) != 0 ||
	    (r = wire_get_u16(rd, &n)) != 0) {
		return r;
	}
	if (sr->result == PROTO_SEND_STORED && n <= CLI_MAX_FANOUT) {
		for (i = 0; r == 0 && i < n; i++) {
			r = proto_receipt_decode(rd, &sr->rc[i]);
		}
	} else if (sr->result == PROTO_SEND_MISMATCH && n > 0 &&
	    n <= PROTO_MAX_GROUPS + 1) {
		for (i = 0; r == 0 && i < n; i++) {
			r = proto_mismatch_decode(rd, &sr->mm[i]);
		}
	} else {
		return ERR_INVALID;
	}
	sr->n = n;
	return r != 0 ? r : wire_end(rd);
}

/* One SEND of the queued entries es. */
static int
send_once(struct cli_ctx *c, const char *peer, const struct entries *es,
    struct send_reply *sr)
{
	struct cli_conn *relay;
	struct wire_writer w;
	struct cli_reply rep;
	char what[64];
	int r;

	memset(sr, 0, sizeof(*sr));
	if ((r = cli_relay(c, &relay)) != 0) {
		return r;
	}
	wire_writer_init(&w, CLI_NET_RECV_MAX);
	send_body(peer, c->acct.user, es, &w);
	r = cli_conn_call_w(relay, PROTO_SEND, &w, 0, &rep);
	if (r == ERR_QUOTA) {
		r = cli_fail(CLI_EXIT_REFUSED, r,
		    "the relay at %s refused the message to %s: %s; it stays "
		    "queued here and goes out with your next send or receive",
		    cli_conn_url(relay), peer, rep.text);
	} else if (r < 0 && rep.type == PROTO_ERROR) {
		snprintf(what, sizeof(what), "the message to %s", peer);
		r = cli_conn_refused(relay, what, &rep);
	} else if (r == 0 && (r = read_reply(&rep.body, sr)) != 0) {
		r = cli_fail(0, r, "the relay at %s sent a malformed reply "
				   "to SEND",
		    cli_conn_url(relay));
	}
	cli_reply_free(&rep);
	return r;
}

/* Marks es sent, in one transaction, and copies the receipts. */
static int
mark_sent(struct cli_ctx *c, const struct entries *es,
    const struct send_reply *sr, struct cli_sent *out)
{
	size_t i, j;
	int r;

	if ((r = cli_store_begin(c->store)) != 0) {
		return r;
	}
	for (i = 0; r == 0 && i < es->n; i++) {
		r = cli_store_outbox_mark_sent(c->store, es->e[i].id);
	}
	if (r != 0) {
		cli_store_rollback(c->store);
		return r;
	}
	if ((r = cli_store_commit(c->store)) != 0) {
		return r;
	}
	out->sent = 1;
	for (i = 0; i < sr->n && out->n < CLI_MAX_FANOUT; i++) {
		for (j = 0; j < es->n; j++) {
			if (memcmp(es->e[j].id, sr->rc[i].id, PROTO_ID_LEN) !=
			    0) {
				continue;
			}
			snprintf(out->rc[out->n].user,
			    sizeof(out->rc[out->n].user), "%s",
			    es->e[j].user);
			out->rc[out->n].device = es->e[j].device;
			out->rc[out->n].seq = sr->rc[i].seq;
			memcpy(out->rc[out->n].chain, sr->rc[i].chain,
			    PROTO_HASH_LEN);
			out->n++;
		}
	}
	return 0;
}

/* Keeps the queued entries of es (drops the sent ones). */
static void
keep_queued(struct entries *es)
{
	size_t i, k = 0;

	for (i = 0; i < es->n; i++) {
		if (es->e[i].state == CLI_OUTBOX_QUEUED) {
			es->e[k++] = es->e[i];
		} else {
			cli_outbox_wipe(&es->e[i]);
		}
	}
	es->n = k;
}

/* 1 if es holds an envelope for a device of user. */
static int
names(const struct entries *es, const char *user)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		if (strcmp(es->e[i].user, user) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Resolves a mismatch: refreshes the named lists, then fan_out. */
static int
resolve(struct cli_ctx *c, const struct cli_message *m,
    const struct send_reply *sr, struct cli_sent *out)
{
	struct cli_refresh rep;
	size_t i;
	int r;

	for (i = 0; i < sr->n; i++) {
		if ((r = cli_dir_refresh(c, sr->mm[i].user, &rep)) != 0) {
			return r;
		}
	}
	if (check_trust(c, m->peer_user) == ERR_UNTRUSTED) {
		cli_err_clear();
		out->held = 1;
		return cli_fail(CLI_EXIT_TRUST, ERR_UNTRUSTED,
		    "the identity of %s changed while sending: the message is "
		    "held here and goes out once you accept the new identity "
		    "(`sealpost trust %s`), after comparing safety numbers "
		    "(`sealpost verify %s`)",
		    m->peer_user, m->peer_user, m->peer_user);
	}
	return fan_out(c, m, 0);
}

/* Sends queued message id (its entries, SEND, mismatches resolved). */
static int
send_rounds(struct cli_ctx *c, const struct cli_message *m,
    struct entries *es, struct cli_sent *out)
{
	struct send_reply *sr;
	int round, r = 0;

	if ((sr = mem_zalloc(sizeof(*sr))) == NULL) {
		return ERR_NOMEM;
	}
	for (round = 0; round < MAX_ROUNDS; round++) {
		entries_wipe(es);
		if ((r = load_entries(c, m->id, es)) != 0) {
			break;
		}
		keep_queued(es);
		if (es->n == 0 && round == 0) {
			out->sent = 1; /* nothing queued: it went out before */
			break;
		}
		/* SECURITY: never report as sent a message that reaches no
		 * device of its recipient (all of them gone meanwhile). */
		if (!names(es, m->peer_user)) {
			r = cli_fail(CLI_EXIT_REFUSED, ERR_NOT_FOUND,
			    "no device of %s can be written to: the key server "
			    "lists no active device, or serves no prekeys for "
			    "them; the message was not sent",
			    m->peer_user);
			break;
		}
		if ((r = send_once(c, m->peer_user, es, sr)) != 0) {
			break;
		}
		if (sr->result == PROTO_SEND_STORED) {
			r = mark_sent(c, es, sr, out);
			break;
		}
		if ((r = resolve(c, m, sr, out)) != 0) {
			break;
		}
	}
	if (round == MAX_ROUNDS) {
		r = cli_fail(0, ERR_MISMATCH,
		    "the device list of %s kept changing while sending; the "
		    "message stays queued and goes out with your next send or "
		    "receive",
		    m->peer_user);
	}
	mem_wipe_free(sr, sizeof(*sr));
	return r;
}

/*
 * An envelope queued by a version-1 client: it has no message to fan out
 * again, so it goes out once as it is; if the relay refuses it (the
 * device lists changed since), it is dropped and said so.
 */
static int
send_orphan(struct cli_ctx *c, const uint8_t id[static CLI_MSG_ID_LEN],
    struct entries *es, struct cli_sent *out)
{
	struct send_reply *sr;
	const char *peer;
	size_t i;
	int r;

	if ((r = load_entries(c, id, es)) != 0) {
		return r;
	}
	keep_queued(es);
	if (es->n == 0) {
		return 0;
	}
	peer = es->e[0].user;
	for (i = 0; i < es->n; i++) {
		if (strcmp(es->e[i].user, c->acct.user) != 0) {
			peer = es->e[i].user;
		}
	}
	snprintf(out->peer, sizeof(out->peer), "%s", peer);
	if ((sr = mem_zalloc(sizeof(*sr))) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = send_once(c, peer, es, sr)) == 0 &&
	    sr->result == PROTO_SEND_STORED) {
		r = mark_sent(c, es, sr, out);
	} else if (r == 0 || r == ERR_TOO_LONG || r == ERR_NOT_FOUND) {
		cli_err_clear();
		for (i = 0; r >= 0 && i < es->n; i++) {
			r = cli_store_outbox_delete(c->store, es->e[i].id);
		}
		cli_notice(c, "outbox", NULL,
		    "a message to %s queued by an older version could not be "
		    "delivered (the device lists changed) and was dropped",
		    peer);
	}
	mem_wipe_free(sr, sizeof(*sr));
	return r;
}

static int
send_message(struct cli_ctx *c, const uint8_t id[static CLI_MSG_ID_LEN],
    struct cli_sent *out)
{
	struct cli_sent tmp;
	struct cli_message m;
	struct entries *es;
	int r;

	if (out == NULL) {
		out = &tmp;
	}
	memset(out, 0, sizeof(*out));
	memcpy(out->id, id, CLI_MSG_ID_LEN);
	if ((r = cli_store_msg_get(c->store, id, &m)) == ERR_NOT_FOUND) {
		if ((es = mem_zalloc(sizeof(*es))) == NULL) {
			return ERR_NOMEM;
		}
		r = send_orphan(c, id, es, out);
		entries_wipe(es);
		mem_wipe_free(es, sizeof(*es));
		return r;
	}
	if (r != 0) {
		return r;
	}
	snprintf(out->peer, sizeof(out->peer), "%s", m.peer_user);
	if ((r = check_trust(c, m.peer_user)) != 0) {
		out->held = r == ERR_UNTRUSTED;
	} else if ((es = mem_zalloc(sizeof(*es))) == NULL) {
		r = ERR_NOMEM;
	} else {
		r = send_rounds(c, &m, es, out);
		entries_wipe(es);
		mem_wipe_free(es, sizeof(*es));
	}
	cli_message_wipe(&m);
	return r;
}

int
cli_send_flush(struct cli_ctx *c, size_t *nsent)
{
	uint8_t (*ids)[CLI_MSG_ID_LEN] = NULL;
	struct cli_sent *out = NULL;
	size_t n = 0, i;
	int r;

	if (nsent != NULL) {
		*nsent = 0;
	}
	if ((ids = calloc(FLUSH_BATCH, sizeof(*ids))) == NULL ||
	    (out = mem_zalloc(sizeof(*out))) == NULL) {
		free(ids);
		return ERR_NOMEM;
	}
	if ((r = cli_store_outbox_queued_msgs(c->store, ids, FLUSH_BATCH,
		 &n)) != 0) {
		goto done;
	}
	for (i = 0; r == 0 && i < n && i < FLUSH_BATCH; i++) {
		r = send_message(c, ids[i], out);
		if (r == ERR_UNTRUSTED) {
			/* Held until the person trusts the peer. */
			cli_err_clear();
			r = 0;
		} else if (r == ERR_NOT_FOUND) {
			/* No device to send to now: said, and kept. */
			cli_notice(c, "outbox", NULL, "%s",
			    cli_err_detail() != NULL ? cli_err_detail()
						     : err_str(r));
			cli_err_clear();
			r = 0;
		}
		if (r == 0 && out->sent && nsent != NULL) {
			(*nsent)++;
		}
	}
done:
	mem_wipe_free(out, sizeof(*out));
	free(ids);
	return r;
}
