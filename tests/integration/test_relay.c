/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-relay against a real daemon on 127.0.0.1, with a real key
 * server as its directory: offline delivery, long-poll, the device-list
 * check, idempotent resends, acks, TTL and quota tombstones, the hash
 * chain catching a tampered database, and no plaintext or sender at rest.
 * Crashes are in test_relay_load.c, hostile input in test_relay_bad.c. */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "common/clock.h"
#include "common/mem.h"
#include "crypto/envelope.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define MARKER "SEALPOST-PLAINTEXT-MARKER"

/* The key server (open registration) and the relay with extra options. */
static struct harness *
start(void **state, const char *const *extra)
{
	struct harness *h = *state;

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open")));
	assert_ok(harness_relay(h, extra));
	return h;
}

static void
user(struct harness *h, const char *name, uint64_t seed, size_t n,
    struct device **out)
{
	assert_ok(harness_user(h, name, seed, n, out));
}

static struct conn *
login(struct harness *h, const struct device *d)
{
	struct conn *c = harness_login(h, d, NULL);

	assert_non_null(c);
	return c;
}

/* A distinct id: tag in the first bytes, the rest a fixed pattern. */
static void
make_id(uint8_t id[static PROTO_ID_LEN], uint32_t tag)
{
	memset(id, 0xa5, PROTO_ID_LEN);
	id[0] = (uint8_t)(tag >> 24);
	id[1] = (uint8_t)(tag >> 16);
	id[2] = (uint8_t)(tag >> 8);
	id[3] = (uint8_t)tag;
}

/* An item for device dev with id tag and envelope bytes env[len]. */
static struct proto_send_item
item(uint32_t dev, uint32_t tag, const void *env, size_t len)
{
	struct proto_send_item it;

	memset(&it, 0, sizeof(it));
	it.device_id = dev;
	make_id(it.id, tag);
	it.env = env;
	it.len = len;
	return it;
}

/* SEND one group to user; expects the receipts (result 0). */
static void
send1(struct conn *c, const char *to, const struct proto_send_item *items,
    size_t n, struct send_result *res)
{
	struct send_group g = { to, n, items };

	assert_ok(conn_send(c, &g, 1, res));
	assert_int_equal(res->result, PROTO_SEND_STORED);
	assert_int_equal(res->n, n);
}

/* FETCH without waiting, every entry checked against ch. */
static void
fetch(struct conn *c, struct chain *ch, struct fetch_result *f)
{
	int r;

	assert_ok(conn_fetch(c, PROTO_MAX_FETCH, 1U << 24, 0, f));
	if ((r = chain_check_all(ch, f)) != 0) {
		fail_msg("chain: %s", ch->why);
	}
}

/* The number of entries a FETCH without waiting returns. */
static size_t
queued(struct conn *c)
{
	struct fetch_result f;
	size_t n;

	assert_ok(conn_fetch(c, PROTO_MAX_FETCH, 1U << 24, 0, &f));
	n = f.n;
	fetch_result_free(&f);
	return n;
}

static void
assert_receipt(const struct proto_receipt *rc, const uint8_t *id,
    uint64_t seq)
{
	assert_mem_eq(rc->id, id, PROTO_ID_LEN);
	assert_int_equal(rc->seq, seq);
}

/* The receipt of an entry is what the queue's chain says. */
static void
assert_entry_receipt(const struct proto_entry *e,
    const struct proto_receipt *rc)
{
	assert_mem_eq(e->id, rc->id, PROTO_ID_LEN);
	assert_int_equal(e->seq, rc->seq);
	assert_mem_eq(e->chain, rc->chain, PROTO_HASH_LEN);
}

/* Opens a sealed envelope of e as device to, which must come from from
 * with content want. */
static void
assert_opens(const struct device *to, const struct proto_entry *e,
    const struct device *from, const char *want)
{
	struct envelope_sender s;
	uint8_t type = 0, *content = NULL;
	size_t len = 0;

	assert_int_equal(e->kind, PROTO_ENTRY_ENVELOPE);
	assert_ok(envelope_open(to->ik, e->env, e->len, &s, &type, &content,
	    &len));
	assert_string_equal(s.user, from->user);
	assert_int_equal(s.device_id, from->id);
	assert_mem_eq(s.ik, from->ik->ed_pk, KEY_LEN);
	assert_int_equal(len, strlen(want));
	assert_mem_eq(content, want, len);
	mem_wipe_free(content, len);
}

/* 1. Bob is offline while alice sends; his two devices each get their
 * own sealed copy later, in a verified chain, and the queue empties on
 * ack. */
static void
test_offline_delivery(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[2];
	struct proto_send_item it[2];
	struct send_result res;
	struct fetch_result f;
	struct chain ch;
	struct conn *ca, *cb;
	uint8_t *env[2][3];
	size_t len[2][3], m, i;
	char text[3][64];

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 2, bob);
	ca = login(h, alice[0]);
	for (m = 0; m < 3; m++) {
		snprintf(text[m], sizeof(text[m]), "message %zu to bob", m);
		for (i = 0; i < 2; i++) {
			assert_ok(device_seal(alice[0], bob[i], text[m],
			    strlen(text[m]), &env[i][m], &len[i][m]));
			it[i] = item(bob[i]->id, (uint32_t)(100 * i + m),
			    env[i][m], len[i][m]);
		}
		send1(ca, "bob", it, 2, &res);
		assert_receipt(&res.rc[0], it[0].id, m + 1);
		assert_receipt(&res.rc[1], it[1].id, m + 1);
	}
	/* Bob comes online, one device at a time. */
	for (i = 0; i < 2; i++) {
		cb = login(h, bob[i]);
		chain_init(&ch);
		fetch(cb, &ch, &f);
		assert_int_equal(f.n, 3);
		for (m = 0; m < 3; m++) {
			assert_int_equal(f.e[m].seq, m + 1);
			assert_int_equal(f.e[m].len, len[i][m]);
			assert_mem_eq(f.e[m].env, env[i][m], len[i][m]);
			assert_opens(bob[i], &f.e[m], alice[0], text[m]);
		}
		assert_ok(conn_ack_all(cb, &f));
		fetch_result_free(&f);
		assert_int_equal(queued(cb), 0);
		assert_int_equal(ch.envelopes, 3);
	}
	for (m = 0; m < 3; m++) {
		for (i = 0; i < 2; i++) {
			mem_wipe_free(env[i][m], len[i][m]);
		}
	}
}

/* A FETCH running on its own thread. */
struct poller {
	pthread_t thread;
	struct conn *c;
	uint32_t wait_ms;
	struct fetch_result f;
	int r;
	int64_t done_ms;
};

static void *
poll_thread(void *arg)
{
	struct poller *p = arg;

	p->r = conn_fetch(p->c, PROTO_MAX_FETCH, 1U << 20, p->wait_ms, &p->f);
	p->done_ms = clock_mono_ms();
	return NULL;
}

/* Waits (bounded) until the relay has n requests parked. */
static void
wait_parked(struct harness *h, int64_t n)
{
	int64_t v;

	if (client_wait_metric(h->relay.http_port, "sealpost_server_parked", n,
		10000, &v) != 0) {
		fail_msg("%lld requests parked, want %lld", (long long)v,
		    (long long)n);
	}
}

/* 2. A parked FETCH returns as soon as an envelope arrives. */
static void
test_long_poll(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[1];
	struct conn_opts o = { 30000 * client_time_scale(), 0, NULL, NULL };
	struct proto_send_item it;
	struct send_result res;
	struct poller p;
	struct chain ch;
	int64_t t0;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 1, bob);
	memset(&p, 0, sizeof(p));
	assert_non_null(p.c = harness_login(h, bob[0], &o));
	p.wait_ms = 10000;
	assert_int_equal(pthread_create(&p.thread, NULL, poll_thread, &p),
	    0);
	wait_parked(h, 1);
	it = item(bob[0]->id, 7, "wake up", 7);
	t0 = clock_mono_ms();
	send1(login(h, alice[0]), "bob", &it, 1, &res);
	assert_int_equal(pthread_join(p.thread, NULL), 0);
	print_message("long-poll answered %lld ms after the send began\n",
	    (long long)(p.done_ms - t0));
	assert_ok(p.r);
	assert_int_equal(p.f.n, 1);
	chain_init(&ch);
	assert_ok(chain_check_all(&ch, &p.f));
	assert_entry_receipt(&p.f.e[0], &res.rc[0]);
	/* A bound, not a sleep: the wait was 10 s. */
	assert_true(p.done_ms - t0 < 2000 * client_time_scale());
	fetch_result_free(&p.f);

	/* An empty queue answers an empty list once the wait is over. */
	t0 = clock_mono_ms();
	assert_ok(conn_fetch(p.c, 10, 1000, 200, &p.f));
	assert_int_equal(p.f.n, 1); /* not acked yet */
	assert_ok(conn_ack_all(p.c, &p.f));
	fetch_result_free(&p.f);
	assert_ok(conn_fetch(p.c, 10, 1000, 200, &p.f));
	assert_int_equal(p.f.n, 0);
	assert_true(clock_mono_ms() - t0 >= 200);
	fetch_result_free(&p.f);
}

/* One mismatch group as expected: user and the three lists. */
static void
assert_mismatch(const struct proto_mismatch *m, const char *u,
    const uint32_t *missing, size_t nm, const uint32_t *extra, size_t ne,
    const uint32_t *revoked, size_t nr)
{
	size_t i;

	assert_string_equal(m->user, u);
	assert_int_equal(m->nmissing, nm);
	assert_int_equal(m->nextra, ne);
	assert_int_equal(m->nrevoked, nr);
	for (i = 0; i < nm; i++) {
		assert_int_equal(m->missing[i], missing[i]);
	}
	for (i = 0; i < ne; i++) {
		assert_int_equal(m->extra[i], extra[i]);
	}
	for (i = 0; i < nr; i++) {
		assert_int_equal(m->revoked[i], revoked[i]);
	}
}

/* SENDs g[0..ng) and expects a refusal with one mismatch group. */
static void
refused(struct conn *c, const struct send_group *g, size_t ng,
    struct send_result *res)
{
	assert_ok(conn_send(c, g, ng, res));
	assert_int_equal(res->result, PROTO_SEND_MISMATCH);
	assert_int_equal(res->n, 1);
}

/* 3. The device-list check: missing, extra and revoked devices, the
 * sender's other devices as sync copies, and nothing enqueued on a
 * refusal. */
static void
test_mismatch(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[2], *bob[3];
	struct proto_send_item b[4], a[2];
	struct send_result res;
	struct send_group g[2];
	struct conn *ca, *kc, *cb[2], *ca2;
	const uint32_t two = 2, one = 1, three = 3, unknown = 99;
	struct chain ch;
	struct fetch_result f;
	size_t i;

	user(h, "alice", 1, 2, alice);
	user(h, "bob", 10, 3, bob);
	/* bob revokes his third device at the key server. */
	assert_non_null(kc = harness_conn(h, NULL));
	assert_ok(device_auth(bob[0], kc));
	assert_ok(device_revoke(bob[0], kc, bob[2]));
	assert_non_null(kc = harness_relay_conn(h, NULL));
	assert_err(device_auth(bob[2], kc), ERR_REVOKED);
	ca = login(h, alice[0]);
	for (i = 0; i < 3; i++) {
		b[i] = item(bob[i]->id, (uint32_t)(10 + i), "to bob", 6);
	}
	b[3] = item(unknown, 13, "to nobody", 9);
	a[0] = item(alice[0]->id, 20, "to myself", 9);
	a[1] = item(alice[1]->id, 21, "sync copy", 9);

	/* bob/2 missing. */
	g[0] = (struct send_group){ "bob", 1, b };
	g[1] = (struct send_group){ "alice", 1, &a[1] };
	refused(ca, g, 2, &res);
	assert_mismatch(&res.mm[0], "bob", &two, 1, NULL, 0, NULL, 0);
	/* An unknown device. */
	b[2] = b[3];
	g[0].n = 3;
	refused(ca, g, 2, &res);
	assert_mismatch(&res.mm[0], "bob", NULL, 0, &unknown, 1, NULL, 0);
	/* A revoked device. */
	b[2] = item(bob[2]->id, 12, "to bob", 6);
	refused(ca, g, 2, &res);
	assert_mismatch(&res.mm[0], "bob", NULL, 0, NULL, 0, &three, 1);
	/* The sending device itself as a sync copy. */
	g[0].n = 2;
	g[1] = (struct send_group){ "alice", 2, a };
	refused(ca, g, 2, &res);
	assert_mismatch(&res.mm[0], "alice", NULL, 0, &one, 1, NULL, 0);
	/* The sync copy for alice/2 left out. */
	refused(ca, g, 1, &res);
	assert_mismatch(&res.mm[0], "alice", &two, 1, NULL, 0, NULL, 0);

	/* Nothing was enqueued anywhere. */
	cb[0] = login(h, bob[0]);
	cb[1] = login(h, bob[1]);
	ca2 = login(h, alice[1]);
	assert_int_equal(queued(cb[0]), 0);
	assert_int_equal(queued(cb[1]), 0);
	assert_int_equal(queued(ca2), 0);
	assert_int_equal(queued(ca), 0);

	/* The right list: bob/1, bob/2 and the sync copy for alice/2. */
	g[1] = (struct send_group){ "alice", 1, &a[1] };
	assert_ok(conn_send(ca, g, 2, &res));
	assert_int_equal(res.result, PROTO_SEND_STORED);
	assert_int_equal(res.n, 3);
	assert_receipt(&res.rc[0], b[0].id, 1);
	assert_receipt(&res.rc[1], b[1].id, 1);
	assert_receipt(&res.rc[2], a[1].id, 1);
	for (i = 0; i < 3; i++) {
		struct conn *c = i < 2 ? cb[i] : ca2;

		chain_init(&ch);
		fetch(c, &ch, &f);
		assert_int_equal(f.n, 1);
		assert_entry_receipt(&f.e[0], &res.rc[i]);
		fetch_result_free(&f);
	}
	/* The sending device gets no copy. */
	assert_int_equal(queued(ca), 0);
}

/* 4. The same SEND twice is stored once with the same receipts; the same
 * id with other bytes is refused. */
static void
test_idempotent(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[1];
	struct proto_send_item it[1];
	struct send_result r1, r2;
	struct fetch_result f;
	struct chain ch;
	struct conn *ca, *cb;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 1, bob);
	ca = login(h, alice[0]);
	cb = login(h, bob[0]);
	it[0] = item(bob[0]->id, 1, "first", 5);
	send1(ca, "bob", it, 1, &r1);
	it[0] = item(bob[0]->id, 2, "second", 6);
	send1(ca, "bob", it, 1, &r1);
	send1(ca, "bob", it, 1, &r2);
	assert_receipt(&r1.rc[0], it[0].id, 2);
	assert_mem_eq(&r1.rc[0], &r2.rc[0], sizeof(r1.rc[0]));
	/* Another connection of the same device, too. */
	send1(login(h, alice[0]), "bob", it, 1, &r2);
	assert_mem_eq(&r1.rc[0], &r2.rc[0], sizeof(r1.rc[0]));

	chain_init(&ch);
	fetch(cb, &ch, &f);
	assert_int_equal(f.n, 2);
	assert_entry_receipt(&f.e[1], &r1.rc[0]);
	fetch_result_free(&f);

	it[0] = item(bob[0]->id, 2, "SECOND", 6);
	assert_err(conn_send(ca, &(struct send_group){ "bob", 1, it }, 1,
		       &r2),
	    ERR_EXISTS);
	assert_int_equal(queued(cb), 2);

	/* Acked, a resend still gets its receipt and is not delivered
	 * again. */
	fetch(cb, &ch, &f);
	assert_ok(conn_ack_all(cb, &f));
	fetch_result_free(&f);
	it[0] = item(bob[0]->id, 2, "second", 6);
	send1(ca, "bob", it, 1, &r2);
	assert_mem_eq(&r1.rc[0], &r2.rc[0], sizeof(r1.rc[0]));
	assert_int_equal(queued(cb), 0);
}

/* 5. ACK by id, all or nothing, per queue, repeatable. */
static void
test_ack(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[2];
	struct proto_send_item it[2];
	struct send_result res;
	struct fetch_result f1, f2, f;
	struct chain c1, c2;
	struct conn *ca, *cb1, *cb2;
	uint8_t ids[2 * PROTO_ID_LEN], unknown[PROTO_ID_LEN];
	size_t m;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 2, bob);
	ca = login(h, alice[0]);
	cb1 = login(h, bob[0]);
	cb2 = login(h, bob[1]);
	for (m = 0; m < 3; m++) {
		it[0] = item(bob[0]->id, (uint32_t)(100 + m), "b1", 2);
		it[1] = item(bob[1]->id, (uint32_t)(200 + m), "b2", 2);
		send1(ca, "bob", it, 2, &res);
	}
	chain_init(&c1);
	chain_init(&c2);
	/* Each device sees only its own queue. */
	fetch(cb1, &c1, &f1);
	fetch(cb2, &c2, &f2);
	assert_int_equal(f1.n, 3);
	assert_int_equal(f2.n, 3);
	for (m = 0; m < 3; m++) {
		make_id(unknown, (uint32_t)(100 + m));
		assert_mem_eq(f1.e[m].id, unknown, PROTO_ID_LEN);
		make_id(unknown, (uint32_t)(200 + m));
		assert_mem_eq(f2.e[m].id, unknown, PROTO_ID_LEN);
	}
	/* An unknown id among known ones: nothing is acked. */
	make_id(unknown, 999);
	memcpy(ids, f1.e[0].id, PROTO_ID_LEN);
	memcpy(ids + PROTO_ID_LEN, unknown, PROTO_ID_LEN);
	assert_err(conn_ack(cb1, ids, 2), ERR_NOT_FOUND);
	assert_int_equal(queued(cb1), 3);
	/* Another device's id. */
	assert_err(conn_ack(cb1, f2.e[0].id, 1), ERR_NOT_FOUND);
	memcpy(ids + PROTO_ID_LEN, f2.e[1].id, PROTO_ID_LEN);
	assert_err(conn_ack(cb1, ids, 2), ERR_NOT_FOUND);
	assert_int_equal(queued(cb1), 3);
	assert_int_equal(queued(cb2), 3);
	/* Its own id, twice. */
	assert_ok(conn_ack(cb1, f1.e[0].id, 1));
	assert_ok(conn_ack(cb1, f1.e[0].id, 1));
	fetch(cb1, &c1, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.e[0].seq, 2);
	fetch_result_free(&f);
	/* Acked ids in a batch with new ones. */
	memcpy(ids, f1.e[0].id, PROTO_ID_LEN);
	memcpy(ids + PROTO_ID_LEN, f1.e[2].id, PROTO_ID_LEN);
	assert_ok(conn_ack(cb1, ids, 2));
	fetch(cb1, &c1, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].seq, 2);
	fetch_result_free(&f);
	assert_int_equal(queued(cb2), 3);
	/* Nothing queued for the sender; and acking on it finds nothing. */
	assert_int_equal(queued(ca), 0);
	assert_err(conn_ack(ca, f1.e[1].id, 1), ERR_NOT_FOUND);
	fetch_result_free(&f1);
	fetch_result_free(&f2);
}

/* Fetches (polling, bounded) until the first entry has kind. */
static void
wait_kind(struct conn *c, uint8_t kind, struct fetch_result *f)
{
	int64_t end = clock_mono_ms() + 20000 * client_time_scale();

	for (;;) {
		assert_ok(conn_fetch(c, PROTO_MAX_FETCH, 1U << 20, 0, f));
		if (f->n > 0 && f->e[0].kind == kind) {
			return;
		}
		fetch_result_free(f);
		if (clock_mono_ms() >= end) {
			fail_msg("no entry of kind %u in time", kind);
		}
		client_nap_ms(20);
	}
}

/* 6a. An unfetched envelope past its TTL becomes a tombstone that keeps
 * its place and hash in the chain. */
static void
test_ttl_expiry(void **state)
{
	struct harness *h = start(state,
	    ARGS("--ttl", "2s", "--sweep-interval", "100ms"));
	struct device *alice[1], *bob[1];
	struct proto_send_item it[1];
	struct send_result r1, r2, r3;
	struct fetch_result f;
	struct chain ch;
	uint8_t eh[PROTO_HASH_LEN];
	struct conn *ca, *cb;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 1, bob);
	ca = login(h, alice[0]);
	cb = login(h, bob[0]);
	it[0] = item(bob[0]->id, 1, "short-lived", 11);
	send1(ca, "bob", it, 1, &r1);
	it[0] = item(bob[0]->id, 2, "also short-lived", 16);
	send1(ca, "bob", it, 1, &r2);
	assert_int_equal(queued(cb), 2);

	wait_kind(cb, PROTO_ENTRY_EXPIRED, &f);
	chain_init(&ch);
	assert_int_equal(f.n, 2);
	if (chain_check_all(&ch, &f) != 0) {
		fail_msg("chain: %s", ch.why);
	}
	assert_int_equal(ch.expired, 2);
	assert_int_equal(f.e[0].len, 0);
	assert_entry_receipt(&f.e[0], &r1.rc[0]);
	assert_entry_receipt(&f.e[1], &r2.rc[0]);
	proto_entry_hash(eh, f.e[0].id, (const uint8_t *)"short-lived", 11);
	assert_mem_eq(f.e[0].entry_hash, eh, PROTO_HASH_LEN);
	assert_ok(conn_ack_all(cb, &f));
	fetch_result_free(&f);
	assert_int_equal(queued(cb), 0);

	/* The chain goes on after the tombstones. */
	it[0] = item(bob[0]->id, 3, "fresh", 5);
	send1(ca, "bob", it, 1, &r3);
	fetch(cb, &ch, &f);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].seq, 3);
	assert_int_equal(f.e[0].kind, PROTO_ENTRY_ENVELOPE);
	fetch_result_free(&f);
}

/* 6b. A full queue refuses sends with ERR_QUOTA naming the device and
 * leaves one overflow tombstone in its chain, however many sends it
 * refuses; the refusal stores nothing for other recipients either. */
static void
test_quota_overflow(void **state)
{
	struct harness *h = start(state, ARGS("--max-messages", "3"));
	struct device *alice[1], *bob[1], *carol[1];
	struct proto_send_item it[1], ic[1];
	struct send_result res;
	struct send_group g[2];
	struct fetch_result f;
	struct chain ch;
	struct conn *ca, *cb, *cc;
	uint32_t m;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 1, bob);
	user(h, "carol", 20, 1, carol);
	ca = login(h, alice[0]);
	cb = login(h, bob[0]);
	cc = login(h, carol[0]);
	for (m = 0; m < 3; m++) {
		it[0] = item(bob[0]->id, m, "fill", 4);
		send1(ca, "bob", it, 1, &res);
	}
	for (m = 3; m < 6; m++) {
		it[0] = item(bob[0]->id, m, "one too many", 12);
		ic[0] = item(carol[0]->id, m, "to carol", 8);
		g[0] = (struct send_group){ "carol", 1, ic };
		g[1] = (struct send_group){ "bob", 1, it };
		assert_err(conn_send(ca, g, 2, &res), ERR_QUOTA);
		if (strstr(res.text, "bob/1") == NULL) {
			fail_msg("quota error text: \"%s\"", res.text);
		}
	}
	assert_int_equal(queued(cc), 0);
	chain_init(&ch);
	fetch(cb, &ch, &f);
	assert_int_equal(f.n, 4);
	assert_int_equal(ch.envelopes, 3);
	assert_int_equal(ch.overflow, 1);
	assert_int_equal(f.e[3].kind, PROTO_ENTRY_OVERFLOW);
	assert_int_equal(f.e[3].seq, 4);
	/* Acking the envelopes makes room; the tombstone stays until acked
	 * and is never counted. */
	f.n = 3;
	assert_ok(conn_ack_all(cb, &f));
	fetch_result_free(&f);
	it[0] = item(bob[0]->id, 6, "room again", 10);
	send1(ca, "bob", it, 1, &res);
	assert_int_equal(res.rc[0].seq, 5);
	fetch(cb, &ch, &f);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.e[0].kind, PROTO_ENTRY_OVERFLOW);
	assert_int_equal(f.e[1].seq, 5);
	assert_ok(conn_ack_all(cb, &f));
	fetch_result_free(&f);
	assert_int_equal(queued(cb), 0);
}

/* Runs sql (printf-style with one integer) on the stopped relay's db. */
static void
tamper(struct harness *h, const char *sql)
{
	char path[CLIENT_PATH_MAX];
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_ok(harness_relay_db(h, path, sizeof(path)));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
			     NULL),
	    SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fail_msg("%s: %s", sql, err);
	}
	assert_int_equal(sqlite3_changes(db), 1);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Stops the relay, runs sql on its database, restarts it and fetches
 * bob's queue from scratch: the verifier must fail with a reason that
 * contains want. */
static void
caught(struct harness *h, const struct device *bob, const char *sql,
    const char *want)
{
	struct fetch_result f;
	struct chain ch;
	int r;

	assert_int_equal(daemon_stop(&h->relay, 0), 0);
	tamper(h, sql);
	assert_ok(daemon_restart(&h->relay));
	assert_ok(conn_fetch(login(h, bob), PROTO_MAX_FETCH, 1U << 20, 0,
	    &f));
	chain_init(&ch);
	r = chain_check_all(&ch, &f);
	print_message("%s: %s\n", sql, ch.why);
	assert_int_equal(r, ERR_AUTH);
	if (strstr(ch.why, want) == NULL) {
		fail_msg("verifier said \"%s\", want \"%s\"", ch.why, want);
	}
	fetch_result_free(&f);
}

#define BOBQ "(SELECT id FROM queues WHERE user = 'bob' AND device = 1)"

/* 7. Rows deleted, renumbered or altered in the relay's database are
 * caught by the recipient's chain check. */
static void
test_chain_tamper(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[1];
	struct proto_send_item it[1];
	struct send_result res;
	struct fetch_result f;
	struct chain ch;
	uint32_t m;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 1, bob);
	for (m = 1; m <= 4; m++) {
		it[0] = item(bob[0]->id, m, "chained", 7);
		send1(login(h, alice[0]), "bob", it, 1, &res);
	}
	chain_init(&ch);
	fetch(login(h, bob[0]), &ch, &f);
	assert_int_equal(f.n, 4);
	fetch_result_free(&f);

	caught(h, bob[0],
	    "DELETE FROM entries WHERE queue = " BOBQ " AND seq = 2",
	    "seq gap: 3 after 1");
	caught(h, bob[0],
	    "UPDATE entries SET seq = 2 WHERE queue = " BOBQ " AND seq = 3",
	    "seq 2: chain value");
	caught(h, bob[0],
	    "UPDATE entries SET envelope ="
	    " CAST('X' || substr(envelope, 2) AS BLOB)"
	    " WHERE queue = " BOBQ " AND seq = 1",
	    "seq 1: entry hash");
}

/* The contents of path (empty if it does not exist); free() it. */
static uint8_t *
slurp(const char *path, size_t *n)
{
	uint8_t *p = NULL;
	long len;
	FILE *f;

	*n = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		return calloc(1, 1);
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len >= 0);
	rewind(f);
	assert_non_null(p = malloc((size_t)len + 1));
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return p;
}

static int
contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	for (i = 0; m <= n && i <= n - m; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Every file of the relay's database holds none of alice's marks. */
static void
scan_db(struct harness *h, const struct device *alice, const char *when)
{
	static const char *const suffix[] = { "", "-wal", "-shm",
		"-journal" };
	char path[CLIENT_PATH_MAX], name[64];
	size_t i, n, total = 0;
	uint8_t *p;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(name, sizeof(name), "relay.db%s", suffix[i]);
		assert_ok(client_path(path, sizeof(path), h->relay_dir,
		    name));
		p = slurp(path, &n);
		total += n;
		if (contains(p, n, MARKER, strlen(MARKER)) ||
		    contains(p, n, "alice", 5) ||
		    contains(p, n, alice->ik->ed_pk, KEY_LEN) ||
		    contains(p, n, alice->ik->x_pk, KEY_LEN)) {
			fail_msg("%s: %s holds plaintext or the sender",
			    when, path);
		}
		free(p);
	}
	print_message("%s: %zu bytes scanned\n", when, total);
	assert_true(total > 0);
}

/* 10. The relay's database never holds plaintext or the sender. */
static void
test_no_plaintext(void **state)
{
	struct harness *h = start(state, NULL);
	struct device *alice[1], *bob[2];
	struct proto_send_item it[2];
	struct send_result res;
	struct fetch_result f;
	struct chain ch;
	struct conn *ca, *cb;
	const char *text = MARKER " from alice to bob";
	uint8_t *env[2];
	size_t len[2], i, m;

	user(h, "alice", 1, 1, alice);
	user(h, "bob", 10, 2, bob);
	ca = login(h, alice[0]);
	for (m = 0; m < 5; m++) {
		for (i = 0; i < 2; i++) {
			assert_ok(device_seal(alice[0], bob[i], text,
			    strlen(text), &env[i], &len[i]));
			it[i] = item(bob[i]->id, (uint32_t)(10 * m + i),
			    env[i], len[i]);
		}
		send1(ca, "bob", it, 2, &res);
		for (i = 0; i < 2; i++) {
			mem_wipe_free(env[i], len[i]);
		}
	}
	scan_db(h, alice[0], "queued");
	for (i = 0; i < 2; i++) {
		cb = login(h, bob[i]);
		chain_init(&ch);
		fetch(cb, &ch, &f);
		assert_int_equal(f.n, 5);
		for (m = 0; m < 5; m++) {
			assert_opens(bob[i], &f.e[m], alice[0], text);
		}
		scan_db(h, alice[0], "fetched");
		assert_ok(conn_ack_all(cb, &f));
		fetch_result_free(&f);
	}
	scan_db(h, alice[0], "acked");
	assert_int_equal(daemon_stop(&h->relay, 0), 0);
	scan_db(h, alice[0], "stopped");
}

#define T(f)                                                                 \
	cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_offline_delivery),
		T(test_long_poll),
		T(test_mismatch),
		T(test_idempotent),
		T(test_ack),
		T(test_ttl_expiry),
		T(test_quota_overflow),
		T(test_chain_tamper),
		T(test_no_plaintext),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("relay", tests, NULL, NULL);
}
