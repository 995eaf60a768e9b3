/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Receiving: chain, senders, decryption, display, acknowledgement. */
#include "client-cli/cli_recv.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "client-cli/cli_dir.h"
#include "client-cli/cli_payload.h"
#include "client-cli/cli_session.h"
#include "common/err.h"
#include "common/mem.h"

/* What to do with one fetched entry. */
enum act {
	ACT_ACK = 0,	/* nothing to store: acknowledge it */
	ACT_DECRYPT = 1, /* opened; decrypt and store */
};

/* The per-batch working state. */
struct batch {
	struct cli_chain chain;
	enum act act[CLI_FETCH_MAX];
	int quiet[CLI_FETCH_MAX]; /* fetched again: no notice if unusable */
	struct cli_opened o[CLI_FETCH_MAX];
	struct cli_recv_stats st;
};

int
cli_recv_fetch(struct cli_conn *relay, uint32_t wait_ms, struct cli_fetched *f)
{
	struct proto_fetch m;
	struct wire_writer w;
	int r;

	memset(f, 0, sizeof(*f));
	m.max_count = CLI_FETCH_MAX;
	m.max_bytes = CLI_FETCH_BYTES;
	m.wait_ms = wait_ms;
	wire_writer_init(&w, 32);
	proto_fetch_encode(&w, &m);
	r = cli_conn_call_w(relay, PROTO_FETCH, &w,
	    (int)wait_ms + CLI_NET_TIMEOUT_MS, &f->rep);
	if (r < 0 && f->rep.type == PROTO_ERROR) {
		return cli_conn_refused(relay, "fetching messages", &f->rep);
	}
	if (r != 0) {
		return r;
	}
	if ((r = proto_fetch_reply_decode(&f->rep.body, f->e, CLI_FETCH_MAX,
		 &f->n, CLI_NET_RECV_MAX)) != 0) {
		return cli_fail(0, r, "the relay at %s sent a malformed FETCH "
				      "reply (%s)",
		    cli_conn_url(relay), err_str(r));
	}
	return 0;
}

void
cli_fetched_free(struct cli_fetched *f)
{
	cli_reply_free(&f->rep);
	memset(f, 0, sizeof(*f));
}

/* Reports a break of the queue chain at entry e, with both values. */
static void
chain_broken(struct cli_ctx *c, struct batch *b, const struct proto_entry *e,
    const char *why)
{
	char head[2 * PROTO_HASH_LEN + 1], got[2 * PROTO_HASH_LEN + 1];

	cli_hex(b->chain.head, PROTO_HASH_LEN, head);
	cli_hex(e->chain, PROTO_HASH_LEN, got);
	cli_notice(c, "chain_broken",
	    json_pack("{s:I,s:I,s:s,s:s}", "last_seq", (json_int_t)b->chain.seq,
		"seq", (json_int_t)e->seq, "last_chain", head, "chain", got),
	    "the relay's queue chain is broken at entry %" PRIu64
	    " (last verified: %" PRIu64 "): %s; messages may have been "
	    "dropped, reordered or replayed by the relay",
	    e->seq, b->chain.seq, why);
	b->st.chain_breaks++;
}

/*
 * Checks entry e against the chain. 1 if e sits at or just below the last
 * verified entry (within one batch: fetched again after an interrupted
 * run): it is decrypted quietly, the message ids and the ratchet refusing
 * what was handled before. 0 otherwise, and the chain moves to e: the
 * next link, or, reported as provable misbehaviour of the relay, a gap,
 * a bad hash or chain value, or an entry far below the last one. A seq
 * the store cannot hold (2^63 or more) is reported and not adopted.
 */
static int
chain_step(struct cli_ctx *c, struct batch *b, const struct proto_entry *e)
{
	uint8_t eh[PROTO_HASH_LEN], next[PROTO_HASH_LEN];
	const char *why = NULL;

	if (e->seq > (uint64_t)INT64_MAX) {
		chain_broken(c, b, e, "a sequence number out of range");
		return 1;
	}
	if (e->seq <= b->chain.seq) {
		if (e->seq == b->chain.seq &&
		    sodium_memcmp(e->chain, b->chain.head, PROTO_HASH_LEN) !=
			0) {
			chain_broken(c, b, e, "an entry already verified came "
					      "back with another chain value");
			return 1;
		}
		if (b->chain.seq - e->seq < CLI_FETCH_MAX) {
			return 1;
		}
		why = "an entry far older than the last one verified";
	} else if (e->seq != b->chain.seq + 1) {
		why = "entries are missing";
	} else if (proto_entry_expected_hash(e, eh) != 0 ||
	    sodium_memcmp(eh, e->entry_hash, PROTO_HASH_LEN) != 0) {
		why = "an entry's hash does not match its content";
	} else {
		proto_chain_next(next, b->chain.head, e->seq, eh);
		if (sodium_memcmp(next, e->chain, PROTO_HASH_LEN) != 0) {
			why = "the chain value does not follow from the "
			      "previous one";
		}
	}
	if (why != NULL) {
		chain_broken(c, b, e, why);
	}
	b->chain.seq = e->seq;
	memcpy(b->chain.head, e->chain, PROTO_HASH_LEN);
	return 0;
}

/* 1 if the store knows (user, device) with identity key ik. */
static int
known_sender(struct cli_ctx *c, const struct envelope_sender *s)
{
	struct cli_contact_device d[PROTO_MAX_LISTED];
	size_t n = 0, i;

	if (cli_store_contact_devices(c->store, s->user, d, PROTO_MAX_LISTED,
		&n) != 0) {
		return 0;
	}
	for (i = 0; i < n && i < PROTO_MAX_LISTED; i++) {
		if (d[i].device == s->device_id) {
			return sodium_memcmp(d[i].ik, s->ik, KEY_LEN) == 0;
		}
	}
	return 0;
}

/* Checks that the sender's device and key are the directory's: known
 * ones directly, others after refreshing the sender's list. */
static int
check_sender(struct cli_ctx *c, const struct envelope_sender *s)
{
	struct cli_refresh rep;
	char kid[20];
	int r;

	if (known_sender(c, s)) {
		return 0;
	}
	if ((r = cli_dir_refresh(c, s->user, &rep)) != 0 &&
	    r != ERR_NOT_FOUND && r != ERR_AUTH && r != ERR_UNTRUSTED) {
		return r; /* the key server is unreachable: try later */
	}
	cli_err_clear();
	if (r == 0 && known_sender(c, s)) {
		return 0;
	}
	cli_key_id(s->ik, kid);
	cli_notice(c, "forged_sender",
	    json_pack("{s:s,s:I}", "user", s->user, "device",
		(json_int_t)s->device_id),
	    "dropped a message that claims to come from %s/%u: the key "
	    "server does not list that device with its key (%s)",
	    s->user, s->device_id, kid);
	return ERR_AUTH;
}

/* Reports a tombstone (not again when it was fetched before). */
static void
tombstone(struct cli_ctx *c, struct batch *b, const struct proto_entry *e,
    int quiet)
{
	if (quiet) {
		return;
	}
	if (e->kind == PROTO_ENTRY_EXPIRED) {
		b->st.expired++;
		cli_notice(c, "expired", NULL,
		    "a message to you expired on the relay before it was "
		    "fetched (queue entry %" PRIu64 ")", e->seq);
	} else {
		b->st.overflow++;
		cli_notice(c, "overflow", NULL,
		    "your queue on the relay was full: at least one message to "
		    "you was refused (queue entry %" PRIu64 ")", e->seq);
	}
}

/* Pass 1, without a transaction: chain, tombstones, envelopes opened,
 * senders checked (this may refresh device lists over the network). */
static int
prepare(struct cli_ctx *c, const struct cli_fetched *f, struct batch *b)
{
	const struct proto_entry *e;
	size_t i;
	int r;

	for (i = 0; i < f->n; i++) {
		e = &f->e[i];
		b->act[i] = ACT_ACK;
		b->quiet[i] = chain_step(c, b, e);
		if (e->kind != PROTO_ENTRY_ENVELOPE) {
			tombstone(c, b, e, b->quiet[i]);
			continue;
		}
		if ((r = cli_session_open(c, e->env, e->len, &b->o[i])) != 0) {
			if (!b->quiet[i]) {
				b->st.dropped++;
				cli_notice(c, "undecryptable", NULL,
				    "dropped queue entry %" PRIu64 ": it does "
				    "not open with this device's key (%s)",
				    e->seq, err_str(r));
			}
			continue;
		}
		if ((r = check_sender(c, &b->o[i].from)) != 0) {
			cli_opened_wipe(&b->o[i]);
			if (r != ERR_AUTH) {
				return r;
			}
			b->st.dropped++;
			continue;
		}
		b->act[i] = ACT_DECRYPT;
	}
	return 0;
}

/* Why a decrypted message cannot be used, or NULL. */
static const char *
misfit(struct cli_ctx *c, const struct envelope_sender *from,
    const struct cli_payload *p)
{
	int own = strcmp(from->user, c->acct.user) == 0;

	if (p->kind == CLI_PAYLOAD_TEXT && own) {
		return "a text from one of your own devices to itself";
	}
	if (p->kind == CLI_PAYLOAD_SYNC &&
	    (!own || strcmp(p->peer, c->acct.user) == 0)) {
		return "a copy of a sent message from another user";
	}
	return NULL;
}

/* Decrypts entry i of the batch and stores its message. ERR_AUTH-like
 * outcomes are reported and return 0; store errors are returned. */
static int
store_one(struct cli_ctx *c, struct batch *b, size_t i, uint64_t seq)
{
	const struct cli_opened *o = &b->o[i];
	struct cli_decrypt d;
	struct cli_payload p;
	struct cli_message m;
	const char *why;
	int r;

	if ((r = cli_session_decrypt(c, o, &d)) != 0) {
		if (r == ERR_DB || r == ERR_NOMEM || r == ERR_TIMEOUT) {
			return r;
		}
		if (b->quiet[i]) {
			return 0; /* handled before this entry came again */
		}
		b->st.dropped++;
		cli_notice(c, "undecryptable",
		    json_pack("{s:s,s:I}", "user", o->from.user, "device",
			(json_int_t)o->from.device_id),
		    "dropped queue entry %" PRIu64 " from %s/%u: %s", seq,
		    o->from.user, o->from.device_id,
		    r == ERR_REPLAY ? "it was received before"
		    : r == ERR_NOT_FOUND
			? "it starts a session under a signed prekey this "
			  "device no longer has"
			: err_str(r));
		return 0;
	}
	if ((r = cli_payload_decode(d.out.pt, d.out.len, &p)) != 0 ||
	    (why = misfit(c, &o->from, &p)) != NULL) {
		b->st.dropped++;
		cli_notice(c, "unusable", NULL,
		    "dropped queue entry %" PRIu64 " from %s/%u: %s", seq,
		    o->from.user, o->from.device_id,
		    r == ERR_TYPE ? "a kind of message this version does not "
				    "know (is the sender's client newer?)"
		    : r != 0	  ? "a malformed message"
				  : why);
		cli_decrypt_wipe(&d);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.id, p.id, sizeof(m.id));
	if (p.kind == CLI_PAYLOAD_SYNC) {
		snprintf(m.peer_user, sizeof(m.peer_user), "%s", p.peer);
		m.direction = CLI_MSG_OUT;
	} else {
		snprintf(m.peer_user, sizeof(m.peer_user), "%s",
		    o->from.user);
		m.peer_device = o->from.device_id;
		m.direction = CLI_MSG_IN;
	}
	m.time_ms = p.sent_ms;
	m.body = (uint8_t *)(uintptr_t)p.body;
	m.body_len = p.len;
	/* SECURITY: a message already stored (the relay replaying a first
	 * message) is refused before its session is kept. */
	if ((r = cli_store_msg_put(c->store, &m)) == ERR_EXISTS) {
		if (!b->quiet[i]) {
			b->st.dropped++;
			cli_notice(c, "duplicate", NULL,
			    "dropped queue entry %" PRIu64 " from %s/%u: a "
			    "message received before",
			    seq, o->from.user, o->from.device_id);
		}
		r = 0;
	} else if (r == 0 && (r = cli_session_commit(c, o, &d)) == 0) {
		b->st.messages++;
		b->st.opk_used |= d.out.used_opk;
	}
	cli_decrypt_wipe(&d);
	return r;
}

/* Pass 2, one transaction: messages, sessions, chain. */
static int
store_all(struct cli_ctx *c, const struct cli_fetched *f, struct batch *b)
{
	size_t i;
	int r;

	if ((r = cli_store_begin(c->store)) != 0) {
		return r;
	}
	for (i = 0; r == 0 && i < f->n; i++) {
		if (b->act[i] == ACT_DECRYPT) {
			r = store_one(c, b, i, f->e[i].seq);
		}
	}
	if (r == 0) {
		r = cli_store_chain_put(c->store, c->acct.user, c->acct.device,
		    &b->chain);
	}
	if (r != 0) {
		cli_store_rollback(c->store);
		return cli_fail(CLI_EXIT_STATE, r,
		    "cannot store received messages in %s (%s); nothing was "
		    "acknowledged: they will be fetched again",
		    c->home, err_str(r));
	}
	return cli_store_commit(c->store);
}

static int
ack_all(struct cli_ctx *c, const struct cli_fetched *f)
{
	uint8_t ids[CLI_FETCH_MAX * PROTO_ID_LEN];
	struct cli_conn *relay;
	struct wire_writer w;
	struct cli_reply rep;
	size_t i;
	int r;

	if (f->n == 0) {
		return 0;
	}
	if ((r = cli_relay(c, &relay)) != 0) {
		return r;
	}
	for (i = 0; i < f->n; i++) {
		memcpy(ids + i * PROTO_ID_LEN, f->e[i].id, PROTO_ID_LEN);
	}
	wire_writer_init(&w, 2 + sizeof(ids));
	proto_ack_encode(&w, ids, f->n);
	r = cli_conn_call_w(relay, PROTO_ACK, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(relay, "an acknowledgement", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

int
cli_recv_process(struct cli_ctx *c, const struct cli_fetched *f,
    struct cli_recv_stats *st)
{
	struct batch *b;
	size_t i;
	int r;

	if (st != NULL) {
		memset(st, 0, sizeof(*st));
	}
	if ((b = mem_zalloc(sizeof(*b))) == NULL) {
		return ERR_NOMEM;
	}
	b->st.entries = f->n;
	if ((r = cli_store_chain_get(c->store, c->acct.user, c->acct.device,
		 &b->chain)) == ERR_NOT_FOUND) {
		r = 0; /* nothing verified yet: seq 0, head zero */
	}
	if (r == 0 && (r = prepare(c, f, b)) == 0) {
		r = store_all(c, f, b);
	}
	if (r == 0) {
		cli_crash_point("receive-committed");
		r = cli_recv_show(c);
	}
	if (r == 0) {
		/* Stored and shown: the relay may now forget them. */
		r = ack_all(c, f);
	}
	if (r == 0 && f->n > 0 && cli_store_checkpoint(c->store) != 0) {
		cli_err_clear(); /* retried at the next commit and close */
	}
	if (st != NULL) {
		*st = b->st;
	}
	for (i = 0; i < f->n; i++) {
		cli_opened_wipe(&b->o[i]);
	}
	mem_wipe_free(b, sizeof(*b));
	return r;
}

/* The trust of every contact, for marking messages while they are shown
 * (the walk of unshown messages may not call the store). */
struct trusts {
	size_t n, cap;
	struct cli_contact *ct;
};

static int
collect_trust(const struct cli_contact *ct, void *arg)
{
	struct trusts *t = arg;
	struct cli_contact *more;
	size_t cap;

	if (t->n == t->cap) {
		cap = t->cap == 0 ? 64 : 2 * t->cap;
		if ((more = realloc(t->ct, cap * sizeof(*more))) == NULL) {
			return ERR_NOMEM;
		}
		t->ct = more;
		t->cap = cap;
	}
	t->ct[t->n++] = *ct;
	return 0;
}

struct show_arg {
	struct cli_ctx *c;
	const struct trusts *t;
	int64_t last;
};

static int
show_one(const struct cli_message *m, void *arg)
{
	struct show_arg *a = arg;
	int trust = CLI_TRUST_UNVERIFIED;
	size_t i;

	for (i = 0; i < a->t->n; i++) {
		if (strcmp(a->t->ct[i].user, m->peer_user) == 0) {
			trust = (int)a->t->ct[i].trust;
		}
	}
	cli_show_message(a->c, m, trust);
	a->last = m->seq;
	return 0;
}

int
cli_recv_show(struct cli_ctx *c)
{
	struct show_arg a;
	struct trusts *t;
	int r;

	if ((t = mem_zalloc(sizeof(*t))) == NULL) {
		return ERR_NOMEM;
	}
	a.c = c;
	a.t = t;
	a.last = 0;
	if ((r = cli_store_contact_foreach(c->store, collect_trust, t)) ==
		0 &&
	    (r = cli_store_msg_unshown(c->store, show_one, &a)) == 0 &&
	    a.last > 0) {
		r = cli_store_msg_shown_upto(c->store, a.last);
	}
	free(t->ct);
	free(t);
	return r;
}
