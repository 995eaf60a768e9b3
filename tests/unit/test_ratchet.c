/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Double Ratchet: a long conversation with reordering, delays and loss, a
 * state save and restore in the middle, and every rejection path, each of
 * which must leave the session exactly as it was. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/mem.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "crypto/pad.h"
#include "crypto/ratchet.h"
#include "crypto/ratchet_impl.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A heap buffer from the library. */
struct buf {
	uint8_t *p;
	size_t n;
};

static void
buf_free(struct buf *b)
{
	mem_wipe_free(b->p, b->n);
	b->p = NULL;
	b->n = 0;
}

/* Alice and Bob after X3DH, with the rng both use. */
struct pair {
	struct rng_seeded rng;
	struct identity_key *alice;
	struct identity_key *bob;
	struct x25519_keypair spk;
	struct ratchet_session *a;
	struct ratchet_session *b;
};

#define PAIR_BAD_AD 1U /* Bob's AD differs in one bit */
#define PAIR_OTHER_BOB 2U /* a device other than the bundle's answers */

static void
seed_rng(struct rng_seeded *s, uint8_t tag, uint32_t extra)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	seed[0] = (uint8_t)(extra >> 24);
	seed[1] = (uint8_t)(extra >> 16);
	seed[2] = (uint8_t)(extra >> 8);
	seed[3] = (uint8_t)extra;
	rng_seeded_init(s, seed);
}

static void
pair_open_with(struct pair *p, uint8_t tag, unsigned flags)
{
	struct identity_key *other = NULL;
	struct x3dh_bundle bundle;
	struct x3dh_header hdr;
	struct x3dh_output xa, xb;

	memset(p, 0, sizeof(*p));
	seed_rng(&p->rng, tag, 0);
	assert_ok(identity_new(&p->rng.rng, &p->alice));
	assert_ok(identity_new(&p->rng.rng, &p->bob));
	x25519_keypair_generate(&p->rng.rng, &p->spk);
	memset(&bundle, 0, sizeof(bundle));
	memcpy(bundle.ik, p->bob->ed_pk, KEY_LEN);
	bundle.spk_id = 1;
	memcpy(bundle.spk, p->spk.pk, KEY_LEN);
	prekey_sign(p->bob, PREKEY_SIGNED, 1, p->spk.pk, bundle.spk_sig);
	bundle.opk_kind = X3DH_OPK_NONE;
	assert_ok(x3dh_initiate(&p->rng.rng, p->alice, &bundle, &hdr, &xa));
	if (flags & PAIR_OTHER_BOB) {
		assert_ok(identity_new(&p->rng.rng, &other));
		assert_ok(x3dh_respond(other, p->spk.sk, NULL, &hdr, &xb));
		identity_free(other);
	} else {
		assert_ok(x3dh_respond(p->bob, p->spk.sk, NULL, &hdr, &xb));
	}
	if (flags & PAIR_BAD_AD) {
		xb.ad[X3DH_AD_LEN - 1] ^= 0x01;
	}
	assert_ok(ratchet_init_initiator(&p->rng.rng, &xa, bundle.spk, &p->a));
	assert_ok(ratchet_init_responder(&xb, &p->spk, &p->b));
	x3dh_output_wipe(&xa);
	x3dh_output_wipe(&xb);
}

static void
pair_open(struct pair *p, uint8_t tag)
{
	pair_open_with(p, tag, 0);
}

static void
pair_close(struct pair *p)
{
	ratchet_free(p->a);
	ratchet_free(p->b);
	identity_free(p->alice);
	identity_free(p->bob);
	x25519_keypair_wipe(&p->spk);
	rng_seeded_wipe(&p->rng);
	memset(p, 0, sizeof(*p));
}

static void
snapshot(const struct ratchet_session *s, struct buf *b)
{
	assert_ok(ratchet_encode(s, &b->p, &b->n));
}

/* Fails unless s still encodes to exactly before. */
static void
assert_unchanged(const struct ratchet_session *s, const struct buf *before)
{
	struct buf now;

	snapshot(s, &now);
	assert_int_equal(now.n, before->n);
	assert_mem_eq(now.p, before->p, now.n);
	buf_free(&now);
}

/* A plaintext whose bytes depend on its tag. */
static void
fill(uint8_t *pt, size_t len, uint32_t tag)
{
	size_t i;

	for (i = 0; i < len; i++) {
		pt[i] = (uint8_t)(tag * 131U + i * 7U + (i >> 8));
	}
}

/* Encrypts an len-byte plaintext made by fill(tag). */
static void
send(struct pair *p, struct ratchet_session *s, size_t len, uint32_t tag,
    struct buf *msg)
{
	uint8_t pt[512];

	assert_true(len <= sizeof(pt));
	fill(pt, len, tag);
	assert_ok(ratchet_encrypt(s, &p->rng.rng, pt, len, &msg->p, &msg->n));
	assert_int_equal(msg->n, RATCHET_OVERHEAD + pad_bucket(len));
}

/* Decrypts msg and checks it is the plaintext fill(tag) of len bytes. */
static void
recv_ok(struct pair *p, struct ratchet_session *s, const struct buf *msg,
    size_t len, uint32_t tag)
{
	uint8_t want[512];
	struct buf pt = { NULL, 0 };

	assert_true(len <= sizeof(want));
	fill(want, len, tag);
	assert_ok(ratchet_decrypt(s, &p->rng.rng, msg->p, msg->n, &pt.p,
	    &pt.n));
	assert_non_null(pt.p);
	assert_int_equal(pt.n, len);
	if (len > 0) {
		assert_mem_eq(pt.p, want, len);
	}
	buf_free(&pt);
}

/* Decrypting (m, n) must fail with want, clear the outputs and leave s
 * exactly as it was. */
static void
recv_fails(struct pair *p, struct ratchet_session *s, const uint8_t *m,
    size_t n, int want)
{
	struct buf before, pt;
	int r;

	snapshot(s, &before);
	pt.p = (uint8_t *)&pt;
	pt.n = 99;
	r = ratchet_decrypt(s, &p->rng.rng, m, n, &pt.p, &pt.n);
	if (r != want) {
		fail_msg("decrypt of %zu bytes: got %s, want %s", n,
		    err_name(r), err_name(want));
	}
	assert_null(pt.p);
	assert_int_equal(pt.n, 0);
	assert_unchanged(s, &before);
	buf_free(&before);
}

/* ------------------------------------------------------------------ */
/* The conversation. */

#define CONV_MESSAGES 1200
#define CONV_RESTORE_AT 600
#define CONV_BIG 5000
#define CONV_MAX_CHAIN 900 /* keeps every skip under RATCHET_MAX_SKIP */
/* Before a receiver steps to chain c it gets every message of chains <= c -
 * CONV_FLUSH, so each arrives at most RATCHET_MAX_SKIP_STEPS - 2 steps after
 * its chain: one step short of the earliest its key may be dropped. */
#define CONV_FLUSH (RATCHET_MAX_SKIP_STEPS - 1)
#define CONV_DEFAULT_SEED 20260101UL

enum { ALICE, BOB };
enum { M_INFLIGHT = 1, M_DELIVERED, M_LOST };

struct cmsg {
	struct buf ct;
	uint8_t *pt; /* the copy kept by the test */
	size_t pt_len;
	unsigned chain; /* the sender's sending chain (its DH steps) */
	unsigned n;     /* number in that chain */
	unsigned long due;
	int to;
	int state;
};

struct side {
	struct ratchet_session *s;
	unsigned send_chain;
	size_t chain_sent;
	int have_recv;
	unsigned recv_chain; /* newest chain received */
	unsigned recv_next;  /* 1 + highest n received in recv_chain */
};

struct conv {
	struct pair p;
	struct rng_seeded sched;
	unsigned long seed;
	struct cmsg m[CONV_MESSAGES];
	size_t nsent;
	size_t inflight[2][CONV_MESSAGES]; /* indexed by recipient */
	size_t ninflight[2];
	struct side side[2];
	int sender;
	unsigned long now;
	size_t delivered, lost, big, steps, replay_known, replay_auth;
	size_t max_skipped, max_late;
};

static struct conv conv;

static uint32_t
below(struct conv *c, uint32_t n)
{
	uint8_t b[4];
	uint32_t v;

	rng_fill(&c->sched.rng, b, sizeof(b));
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	return v % n;
}

/* Skipped keys the receiver `to` must hold by the specification. */
static size_t
model_skipped(const struct conv *c, int to)
{
	const struct side *x = &c->side[to];
	const struct cmsg *m;
	size_t i, n = 0;

	if (!x->have_recv) {
		return 0;
	}
	for (i = 0; i < c->nsent; i++) {
		m = &c->m[i];
		if (m->to != to || m->state == M_DELIVERED) {
			continue;
		}
		if (m->chain < x->recv_chain &&
		    x->recv_chain - m->chain < RATCHET_MAX_SKIP_STEPS) {
			n++;
		} else if (m->chain == x->recv_chain && m->n < x->recv_next) {
			n++;
		}
	}
	return n;
}

/* 1 if another message of chain is still undelivered to `to`. */
static int
chain_has_undelivered(const struct conv *c, int to, unsigned chain)
{
	size_t i;

	for (i = 0; i < c->nsent; i++) {
		if (c->m[i].to == to && c->m[i].chain == chain &&
		    c->m[i].state != M_DELIVERED) {
			return 1;
		}
	}
	return 0;
}

static void
conv_send(struct conv *c, int from)
{
	struct side *x = &c->side[from];
	struct cmsg *m = &c->m[c->nsent];
	uint32_t roll = below(c, 100);

	m->pt_len = below(c, 50) == 0 ? CONV_BIG : below(c, 301);
	c->big += m->pt_len == CONV_BIG;
	m->pt = malloc(m->pt_len + 1);
	assert_non_null(m->pt);
	rng_fill(&c->sched.rng, m->pt, m->pt_len);
	assert_ok(ratchet_encrypt(x->s, &c->p.rng.rng, m->pt, m->pt_len,
	    &m->ct.p, &m->ct.n));
	assert_int_equal(m->ct.n, RATCHET_OVERHEAD + pad_bucket(m->pt_len));
	m->chain = x->send_chain;
	m->n = (unsigned)x->chain_sent++;
	m->to = 1 - from;
	c->nsent++;
	if (below(c, 100) < 3) {
		/* Lost in the network: never delivered. */
		m->state = M_LOST;
		c->lost++;
		buf_free(&m->ct);
		free(m->pt);
		m->pt = NULL;
		return;
	}
	m->state = M_INFLIGHT;
	if (roll < 55) {
		m->due = c->now;
	} else if (roll < 80) {
		m->due = c->now + 1 + below(c, 4);
	} else if (roll < 95) {
		m->due = c->now + 5 + below(c, 36);
	} else {
		m->due = c->now + 41 + below(c, 260);
	}
	c->inflight[m->to][c->ninflight[m->to]++] = (size_t)(m - c->m);
}

/* Replays delivered message m: a second decryption must fail and change
 * nothing. PROTOCOL.md 4.7.2: it is ERR_REPLAY while the header key of its
 * chain is still held (the chain is the current one, or skipped keys of it
 * remain), else no header key fits and it is ERR_AUTH. */
static void
conv_replay(struct conv *c, const struct cmsg *m)
{
	const struct side *x = &c->side[m->to];
	int known = m->chain == x->recv_chain ||
	    (x->recv_chain - m->chain < RATCHET_MAX_SKIP_STEPS &&
		chain_has_undelivered(c, m->to, m->chain));

	recv_fails(&c->p, x->s, m->ct.p, m->ct.n,
	    known ? ERR_REPLAY : ERR_AUTH);
	if (known) {
		c->replay_known++;
	} else {
		c->replay_auth++;
	}
}

/* Removes message idx from its recipient's in-flight list. */
static void
conv_take(struct conv *c, size_t idx)
{
	int to = c->m[idx].to;
	size_t k;

	for (k = 0; k < c->ninflight[to]; k++) {
		if (c->inflight[to][k] == idx) {
			c->ninflight[to]--;
			c->inflight[to][k] = c->inflight[to][c->ninflight[to]];
			return;
		}
	}
	fail_msg("message %zu is not in flight", idx);
}

/* Delivers message idx, checks it, replays it and checks the model. */
static void
conv_deliver_one(struct conv *c, size_t idx)
{
	struct cmsg *m = &c->m[idx];
	struct side *x = &c->side[m->to];
	struct buf pt;
	int r;

	conv_take(c, idx);
	if (x->have_recv && m->chain > x->recv_chain + 1) {
		fail_msg("seed %lu: model error: chain %u after %u", c->seed,
		    m->chain, x->recv_chain);
	}
	r = ratchet_decrypt(x->s, &c->p.rng.rng, m->ct.p, m->ct.n, &pt.p,
	    &pt.n);
	if (r != 0) {
		fail_msg("seed %lu: message %zu (to %s, chain %u, n %u, "
			 "receiver at chain %u): %s",
		    c->seed, idx, m->to == BOB ? "bob" : "alice", m->chain,
		    m->n, x->recv_chain, err_name(r));
	}
	if (pt.n != m->pt_len ||
	    (pt.n > 0 && memcmp(pt.p, m->pt, pt.n) != 0)) {
		fail_msg("seed %lu: message %zu: plaintext differs", c->seed,
		    idx);
	}
	buf_free(&pt);
	if (!x->have_recv || m->chain > x->recv_chain) {
		/* A DH ratchet step, which also starts a sending chain. */
		x->have_recv = 1;
		x->recv_chain = m->chain;
		x->recv_next = 0;
		x->send_chain++;
		x->chain_sent = 0;
		c->steps++;
	}
	if (m->chain == x->recv_chain && m->n + 1 > x->recv_next) {
		x->recv_next = m->n + 1;
	}
	m->state = M_DELIVERED;
	c->delivered++;
	if (c->nsent - idx > c->max_late) {
		c->max_late = c->nsent - idx;
	}
	conv_replay(c, m);
	assert_int_equal(ratchet_can_send(x->s), 1);
	assert_int_equal(ratchet_skipped_count(x->s), model_skipped(c, m->to));
	assert_true(ratchet_skipped_count(x->s) <= RATCHET_MAX_SKIPPED);
	if (ratchet_skipped_count(x->s) > c->max_skipped) {
		c->max_skipped = ratchet_skipped_count(x->s);
	}
	buf_free(&m->ct);
	free(m->pt);
	m->pt = NULL;
}

/* Before the receiver `to` steps to chain: delivers, in random order,
 * every message to it from a chain CONV_FLUSH or more older. */
static void
conv_flush_old(struct conv *c, int to, unsigned chain)
{
	size_t k, cand[CONV_MESSAGES], ncand;

	for (;;) {
		ncand = 0;
		for (k = 0; k < c->ninflight[to]; k++) {
			if (c->m[c->inflight[to][k]].chain + CONV_FLUSH <=
			    chain) {
				cand[ncand++] = c->inflight[to][k];
			}
		}
		if (ncand == 0) {
			return;
		}
		conv_deliver_one(c, cand[below(c, (uint32_t)ncand)]);
	}
}

/* Delivers one random message that is due, if any. */
static void
conv_deliver(struct conv *c)
{
	size_t due[CONV_MESSAGES], ndue = 0, k, idx;
	const struct cmsg *m;
	int to;

	for (to = 0; to < 2; to++) {
		for (k = 0; k < c->ninflight[to]; k++) {
			if (c->m[c->inflight[to][k]].due <= c->now) {
				due[ndue++] = c->inflight[to][k];
			}
		}
	}
	if (ndue == 0) {
		return;
	}
	idx = due[below(c, (uint32_t)ndue)];
	m = &c->m[idx];
	if (c->side[m->to].have_recv && m->chain > c->side[m->to].recv_chain) {
		conv_flush_old(c, m->to, m->chain);
	}
	conv_deliver_one(c, idx);
}

/* Saves both states, frees them and continues with the decoded copies. */
static void
conv_restore(struct conv *c)
{
	struct buf blob, again;
	int i;

	for (i = 0; i < 2; i++) {
		size_t skipped = ratchet_skipped_count(c->side[i].s);

		snapshot(c->side[i].s, &blob);
		ratchet_free(c->side[i].s);
		c->side[i].s = NULL;
		assert_ok(ratchet_decode(blob.p, blob.n, &c->side[i].s));
		snapshot(c->side[i].s, &again);
		assert_int_equal(again.n, blob.n);
		assert_mem_eq(again.p, blob.p, blob.n);
		assert_int_equal(ratchet_skipped_count(c->side[i].s), skipped);
		buf_free(&blob);
		buf_free(&again);
	}
	c->p.a = c->side[ALICE].s;
	c->p.b = c->side[BOB].s;
}

/* Picks who sends next: runs of one side, Bob only once he can. */
static int
conv_pick_sender(struct conv *c)
{
	int s = c->sender;

	if (below(c, 100) < 30) {
		s = 1 - s;
	}
	if (s == BOB && !ratchet_can_send(c->side[BOB].s)) {
		assert_false(c->side[BOB].have_recv);
		s = ALICE;
	}
	if (c->side[s].chain_sent >= CONV_MAX_CHAIN) {
		s = 1 - s;
		if (c->side[s].chain_sent >= CONV_MAX_CHAIN ||
		    !ratchet_can_send(c->side[s].s)) {
			return -1;
		}
	}
	c->sender = s;
	return s;
}

static unsigned long
conv_seed(void)
{
	const char *env = getenv("SEALPOST_TEST_SEED");

	return env != NULL ? strtoul(env, NULL, 0) : CONV_DEFAULT_SEED;
}

static void
test_conversation(void **state)
{
	struct conv *c = &conv;
	int restored = 0, from;

	(void)state;
	memset(c, 0, sizeof(*c));
	c->seed = conv_seed();
	print_message("conversation seed %lu (SEALPOST_TEST_SEED)\n", c->seed);
	seed_rng(&c->sched, 0x5c, (uint32_t)c->seed);
	pair_open(&c->p, (uint8_t)(0x40 + c->seed % 64));
	c->side[ALICE].s = c->p.a;
	c->side[BOB].s = c->p.b;
	assert_int_equal(ratchet_can_send(c->p.b), 0);
	while (c->nsent < CONV_MESSAGES ||
	    c->ninflight[ALICE] + c->ninflight[BOB] > 0) {
		if (c->nsent == CONV_RESTORE_AT && !restored) {
			conv_restore(c);
			restored = 1;
		}
		if (c->nsent < CONV_MESSAGES && below(c, 100) < 50 &&
		    (from = conv_pick_sender(c)) >= 0) {
			conv_send(c, from);
		} else {
			conv_deliver(c);
		}
		c->now++;
	}
	assert_true(restored);
	assert_int_equal(c->delivered + c->lost, CONV_MESSAGES);
	assert_true(c->lost > 0);
	assert_true(c->big > 0);
	assert_int_equal(c->replay_known + c->replay_auth, c->delivered);
	print_message("delivered %zu, lost %zu, big %zu, DH steps %zu, "
		      "replays ERR_REPLAY %zu / ERR_AUTH %zu, "
		      "max skipped %zu, latest %zu messages late\n",
	    c->delivered, c->lost, c->big, c->steps, c->replay_known,
	    c->replay_auth, c->max_skipped, c->max_late);
	pair_close(&c->p);
}

/* ------------------------------------------------------------------ */
/* Set-up, replay and reflection. */

static void
test_responder_waits(void **state)
{
	static const uint8_t one = 'x';
	struct pair p;
	struct buf m, before, out;

	(void)state;
	pair_open(&p, 0x01);
	assert_int_equal(ratchet_can_send(p.a), 1);
	assert_int_equal(ratchet_can_send(p.b), 0);
	assert_mem_eq(ratchet_ad(p.a), p.alice->ed_pk, KEY_LEN);
	assert_mem_eq(ratchet_ad(p.a) + KEY_LEN, p.bob->ed_pk, KEY_LEN);
	assert_mem_eq(ratchet_ad(p.b), ratchet_ad(p.a), X3DH_AD_LEN);
	assert_int_equal(ratchet_skipped_count(p.b), 0);

	snapshot(p.b, &before);
	out.p = (uint8_t *)&out;
	out.n = 1;
	assert_err(ratchet_encrypt(p.b, &p.rng.rng, &one, 1, &out.p, &out.n),
	    ERR_STATE);
	assert_null(out.p);
	assert_int_equal(out.n, 0);
	assert_unchanged(p.b, &before);
	buf_free(&before);

	send(&p, p.a, 5, 1, &m);
	recv_ok(&p, p.b, &m, 5, 1);
	buf_free(&m);
	assert_int_equal(ratchet_can_send(p.b), 1);
	send(&p, p.b, 7, 2, &m);
	recv_ok(&p, p.a, &m, 7, 2);
	buf_free(&m);
	pair_close(&p);
}

static void
test_replay(void **state)
{
	struct pair p;
	struct buf a[3], r0, b0;
	uint32_t i;

	(void)state;
	pair_open(&p, 0x02);
	for (i = 0; i < 3; i++) {
		send(&p, p.a, 10 + i, i, &a[i]);
	}
	recv_ok(&p, p.b, &a[0], 10, 0);
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_REPLAY);
	recv_ok(&p, p.b, &a[2], 12, 2);
	recv_fails(&p, p.b, a[2].p, a[2].n, ERR_REPLAY);
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_REPLAY);
	assert_int_equal(ratchet_skipped_count(p.b), 1);

	/* After a DH round trip chain 0 is old; the key kept for a[1] keeps
	 * its header key known, so replays there are still ERR_REPLAY. */
	send(&p, p.b, 3, 100, &r0);
	recv_ok(&p, p.a, &r0, 3, 100);
	recv_fails(&p, p.a, r0.p, r0.n, ERR_REPLAY);
	send(&p, p.a, 4, 200, &b0);
	recv_ok(&p, p.b, &b0, 4, 200);
	recv_fails(&p, p.b, b0.p, b0.n, ERR_REPLAY);
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_REPLAY);
	recv_fails(&p, p.b, a[2].p, a[2].n, ERR_REPLAY);
	recv_ok(&p, p.b, &a[1], 11, 1);
	assert_int_equal(ratchet_skipped_count(p.b), 0);
	/* Chain 0 has no key left, so its header key is gone too
	 * (PROTOCOL.md 4.7.2); r0 is of Alice's current chain. */
	recv_fails(&p, p.b, a[1].p, a[1].n, ERR_AUTH);
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_AUTH);
	recv_fails(&p, p.a, r0.p, r0.n, ERR_REPLAY);
	for (i = 0; i < 3; i++) {
		buf_free(&a[i]);
	}
	buf_free(&r0);
	buf_free(&b0);
	pair_close(&p);
}

/* A session's own messages do not decrypt in it. */
static void
test_reflection(void **state)
{
	struct pair p;
	struct buf a0, r0;

	(void)state;
	pair_open(&p, 0x03);
	send(&p, p.a, 9, 1, &a0);
	recv_fails(&p, p.a, a0.p, a0.n, ERR_AUTH);
	recv_ok(&p, p.b, &a0, 9, 1);
	send(&p, p.b, 9, 2, &r0);
	recv_fails(&p, p.b, r0.p, r0.n, ERR_AUTH);
	recv_fails(&p, p.a, a0.p, a0.n, ERR_AUTH);
	recv_ok(&p, p.a, &r0, 9, 2);
	buf_free(&a0);
	buf_free(&r0);
	pair_close(&p);
}

/* ------------------------------------------------------------------ */
/* Tampering, framing and foreign messages. */

/* Flips single bits in every region of msg: each copy must fail with the
 * region's error and leave s unchanged. msg itself is not modified. */
static void
tamper_all(struct pair *p, struct ratchet_session *s, const struct buf *msg)
{
	const size_t body = 1 + RATCHET_ENC_HEADER_LEN;
	const size_t offs[] = {
		1, 12, 24,         /* header nonce */
		25, 44, 64,        /* header ciphertext */
		65, 72, 80,        /* header tag */
		body, body + 1,    /* body ciphertext */
		msg->n - 17,       /* last body ciphertext byte */
		msg->n - 16,       /* body tag */
		msg->n - 1,
	};
	static const unsigned bits[] = { 0, 3, 7 };
	uint8_t *t;
	size_t i, j;

	assert_true(msg->n >= RATCHET_OVERHEAD + PAD_MIN_BUCKET);
	t = malloc(msg->n);
	assert_non_null(t);
	memcpy(t, msg->p, msg->n);
	for (j = 0; j < 8; j++) {
		t[0] ^= (uint8_t)(1U << j);
		recv_fails(p, s, t, msg->n, ERR_VERSION);
		t[0] ^= (uint8_t)(1U << j);
	}
	for (i = 0; i < NELEM(offs); i++) {
		for (j = 0; j < NELEM(bits); j++) {
			t[offs[i]] ^= (uint8_t)(1U << bits[j]);
			recv_fails(p, s, t, msg->n, ERR_AUTH);
			t[offs[i]] ^= (uint8_t)(1U << bits[j]);
		}
	}
	free(t);
}

static void
test_tamper(void **state)
{
	struct pair p;
	struct buf a[4], r0;
	uint32_t i;

	(void)state;
	pair_open(&p, 0x04);
	for (i = 0; i < 4; i++) {
		send(&p, p.a, 20 + i, i, &a[i]);
	}
	/* Bob's next header key (first message). */
	tamper_all(&p, p.b, &a[0]);
	recv_ok(&p, p.b, &a[0], 20, 0);
	/* The current chain. */
	tamper_all(&p, p.b, &a[1]);
	recv_ok(&p, p.b, &a[1], 21, 1);
	/* A skipped key. */
	recv_ok(&p, p.b, &a[3], 23, 3);
	tamper_all(&p, p.b, &a[2]);
	recv_ok(&p, p.b, &a[2], 22, 2);
	/* Alice's side, a new chain. */
	send(&p, p.b, 100, 9, &r0);
	tamper_all(&p, p.a, &r0);
	recv_ok(&p, p.a, &r0, 100, 9);
	for (i = 0; i < 4; i++) {
		buf_free(&a[i]);
	}
	buf_free(&r0);
	pair_close(&p);
}

static void
test_framing(void **state)
{
	static const size_t shorts[] = { 0, 1, 2, 24, 80, 81,
		RATCHET_OVERHEAD - 1 };
	struct pair p;
	struct buf a0;
	uint8_t *t;
	size_t i;

	(void)state;
	pair_open(&p, 0x05);
	send(&p, p.a, 30, 1, &a0);
	for (i = 0; i < NELEM(shorts); i++) {
		recv_fails(&p, p.b, a0.p, shorts[i], ERR_SHORT);
	}
	/* Lengths that are no padding bucket: a framing error
	 * (PROTOCOL.md 4.7.1). */
	recv_fails(&p, p.b, a0.p, RATCHET_OVERHEAD, ERR_INVALID);
	recv_fails(&p, p.b, a0.p, RATCHET_OVERHEAD + 1, ERR_INVALID);
	recv_fails(&p, p.b, a0.p, a0.n - 1, ERR_INVALID);

	/* One trailing byte, and a whole bucket more: the tag covers the
	 * exact length. */
	t = calloc(1, a0.n + PAD_MIN_BUCKET);
	assert_non_null(t);
	memcpy(t, a0.p, a0.n);
	recv_fails(&p, p.b, t, a0.n + 1, ERR_INVALID);
	recv_fails(&p, p.b, t, a0.n + PAD_MIN_BUCKET, ERR_AUTH);
	free(t);

	/* Over-long, and the longest length, both zero-filled. */
	t = calloc(1, RATCHET_MAX_MESSAGE + 1);
	assert_non_null(t);
	t[0] = SUITE_VERSION;
	recv_fails(&p, p.b, t, RATCHET_MAX_MESSAGE + 1, ERR_TOO_LONG);
	recv_fails(&p, p.b, t, RATCHET_MAX_MESSAGE, ERR_AUTH);
	free(t);

	recv_ok(&p, p.b, &a0, 30, 1);
	buf_free(&a0);
	pair_close(&p);
}

static void
test_other_session(void **state)
{
	struct pair p, q;
	struct buf pa, qa, qa2, pr;

	(void)state;
	pair_open(&p, 0x06);
	pair_open(&q, 0x07);
	send(&q, q.a, 40, 1, &qa);
	send(&q, q.a, 40, 2, &qa2);
	recv_fails(&p, p.b, qa.p, qa.n, ERR_AUTH);
	send(&p, p.a, 40, 3, &pa);
	recv_ok(&p, p.b, &pa, 40, 3);
	recv_fails(&p, p.b, qa.p, qa.n, ERR_AUTH);
	recv_fails(&p, p.b, qa2.p, qa2.n, ERR_AUTH);
	send(&p, p.b, 40, 4, &pr);
	recv_fails(&q, q.a, pr.p, pr.n, ERR_AUTH);
	recv_fails(&q, q.b, pa.p, pa.n, ERR_AUTH);
	recv_ok(&q, q.b, &qa, 40, 1);
	buf_free(&pa);
	buf_free(&qa);
	buf_free(&qa2);
	buf_free(&pr);
	pair_close(&p);
	pair_close(&q);
}

/* The session AD is bound in: one differing bit, or another device on
 * Bob's side, and nothing decrypts. */
static void
test_wrong_ad(void **state)
{
	struct pair p;
	struct buf m;

	(void)state;
	pair_open_with(&p, 0x08, PAIR_BAD_AD);
	assert_int_not_equal(memcmp(ratchet_ad(p.a), ratchet_ad(p.b),
	    X3DH_AD_LEN), 0);
	send(&p, p.a, 50, 1, &m);
	recv_fails(&p, p.b, m.p, m.n, ERR_AUTH);
	buf_free(&m);
	pair_close(&p);

	pair_open_with(&p, 0x09, PAIR_OTHER_BOB);
	assert_int_not_equal(memcmp(ratchet_ad(p.a), ratchet_ad(p.b),
	    X3DH_AD_LEN), 0);
	send(&p, p.a, 50, 1, &m);
	recv_fails(&p, p.b, m.p, m.n, ERR_AUTH);
	buf_free(&m);
	pair_close(&p);
}

/* ------------------------------------------------------------------ */
/* Skipped message keys. */

static struct buf *
bufs_new(size_t n)
{
	struct buf *b = calloc(n, sizeof(*b));

	assert_non_null(b);
	return b;
}

static void
bufs_free(struct buf *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		buf_free(&b[i]);
	}
	free(b);
}

/* n one-byte messages from s, tagged base + i. */
static struct buf *
burst(struct pair *p, struct ratchet_session *s, size_t n, uint32_t base)
{
	struct buf *b = bufs_new(n);
	size_t i;

	for (i = 0; i < n; i++) {
		send(p, s, 1, base + (uint32_t)i, &b[i]);
	}
	return b;
}

/* The first message of a session, RATCHET_MAX_SKIP + 1 ahead: refused;
 * then exactly RATCHET_MAX_SKIP ahead: accepted. */
static void
test_skip_bound_new_chain(void **state)
{
	const size_t n = RATCHET_MAX_SKIP + 2;
	struct pair p;
	struct buf *a;

	(void)state;
	pair_open(&p, 0x10);
	a = burst(&p, p.a, n, 0);
	recv_fails(&p, p.b, a[n - 1].p, a[n - 1].n, ERR_SKIP);
	recv_ok(&p, p.b, &a[0], 1, 0);
	assert_int_equal(ratchet_skipped_count(p.b), 0);
	recv_ok(&p, p.b, &a[n - 1], 1, (uint32_t)(n - 1));
	assert_int_equal(ratchet_skipped_count(p.b), RATCHET_MAX_SKIP);
	recv_ok(&p, p.b, &a[500], 1, 500);
	assert_int_equal(ratchet_skipped_count(p.b), RATCHET_MAX_SKIP - 1);
	recv_fails(&p, p.b, a[500].p, a[500].n, ERR_REPLAY);
	recv_ok(&p, p.b, &a[1], 1, 1);
	bufs_free(a, n);
	pair_close(&p);
}

/* The same within the current chain, up to exactly RATCHET_MAX_SKIPPED
 * keys in all. */
static void
test_skip_bound_current_chain(void **state)
{
	const size_t n = RATCHET_MAX_SKIP + 1;
	struct pair p;
	struct buf *a, *b;

	(void)state;
	pair_open(&p, 0x11);
	a = burst(&p, p.a, n, 0);
	recv_ok(&p, p.b, &a[n - 1], 1, (uint32_t)(n - 1));
	assert_int_equal(ratchet_skipped_count(p.b), RATCHET_MAX_SKIP);
	b = burst(&p, p.a, n + 1, 10000);
	recv_fails(&p, p.b, b[n].p, b[n].n, ERR_SKIP);
	recv_ok(&p, p.b, &b[n - 1], 1, (uint32_t)(10000 + n - 1));
	assert_int_equal(ratchet_skipped_count(p.b), 2 * RATCHET_MAX_SKIP);
	assert_true(ratchet_skipped_count(p.b) <= RATCHET_MAX_SKIPPED);
	recv_ok(&p, p.b, &b[n], 1, (uint32_t)(10000 + n));
	recv_ok(&p, p.b, &a[0], 1, 0);
	recv_ok(&p, p.b, &b[0], 1, 10000);
	bufs_free(a, n);
	bufs_free(b, n + 1);
	pair_close(&p);
}

/* The rest of the previous chain (pn) is bounded the same way. */
static void
test_skip_bound_previous_chain(void **state)
{
	const size_t n = RATCHET_MAX_SKIP + 2;
	struct pair p;
	struct buf *a, r, x;

	(void)state;
	pair_open(&p, 0x12);
	a = burst(&p, p.a, n, 0);
	recv_ok(&p, p.b, &a[0], 1, 0);
	send(&p, p.b, 1, 500000, &r);
	recv_ok(&p, p.a, &r, 1, 500000);
	send(&p, p.a, 1, 600000, &x);
	/* x says pn = n: n - 1 keys of the old chain would be skipped. */
	recv_fails(&p, p.b, x.p, x.n, ERR_SKIP);
	recv_ok(&p, p.b, &a[1], 1, 1);
	recv_ok(&p, p.b, &x, 1, 600000);
	assert_int_equal(ratchet_skipped_count(p.b), RATCHET_MAX_SKIP);
	recv_ok(&p, p.b, &a[n - 1], 1, (uint32_t)(n - 1));
	recv_ok(&p, p.b, &a[2], 1, 2);
	assert_int_equal(ratchet_skipped_count(p.b), RATCHET_MAX_SKIP - 2);
	bufs_free(a, n);
	buf_free(&r);
	buf_free(&x);
	pair_close(&p);
}

static void
test_out_of_order(void **state)
{
	struct pair p;
	struct buf a[6], c[3], d[2], r;
	size_t i;

	(void)state;
	pair_open(&p, 0x13);
	for (i = 0; i < 6; i++) {
		send(&p, p.a, 40 + i, (uint32_t)i, &a[i]);
	}
	for (i = 6; i-- > 0;) {
		recv_ok(&p, p.b, &a[i], 40 + i, (uint32_t)i);
		assert_int_equal(ratchet_skipped_count(p.b), i);
	}
	for (i = 0; i < 6; i++) {
		recv_fails(&p, p.b, a[i].p, a[i].n, ERR_REPLAY);
		buf_free(&a[i]);
	}

	/* Across a DH step: c[0], c[1] arrive after the next chain. */
	for (i = 0; i < 3; i++) {
		send(&p, p.a, 3, (uint32_t)(100 + i), &c[i]);
	}
	recv_ok(&p, p.b, &c[2], 3, 102);
	assert_int_equal(ratchet_skipped_count(p.b), 2);
	send(&p, p.b, 3, 200, &r);
	recv_ok(&p, p.a, &r, 3, 200);
	send(&p, p.a, 3, 300, &d[0]);
	send(&p, p.a, 3, 301, &d[1]);
	recv_ok(&p, p.b, &d[1], 3, 301);
	assert_int_equal(ratchet_skipped_count(p.b), 3);
	recv_ok(&p, p.b, &c[0], 3, 100);
	recv_ok(&p, p.b, &d[0], 3, 300);
	recv_ok(&p, p.b, &c[1], 3, 101);
	assert_int_equal(ratchet_skipped_count(p.b), 0);
	for (i = 0; i < 3; i++) {
		buf_free(&c[i]);
	}
	buf_free(&d[0]);
	buf_free(&d[1]);
	buf_free(&r);
	pair_close(&p);
}

/* Bob to Alice and back: one receiving DH step on each side. */
static void
round_trip(struct pair *p, uint32_t tag)
{
	struct buf m;

	send(p, p->b, 3, tag, &m);
	recv_ok(p, p->a, &m, 3, tag);
	buf_free(&m);
	send(p, p->a, 3, tag + 1, &m);
	recv_ok(p, p->b, &m, 3, tag + 1);
	buf_free(&m);
}

/* Holds a[0] back while Bob steps `rounds` times after its chain. */
static void
held_back(struct pair *p, unsigned rounds, struct buf a[2])
{
	unsigned i;

	send(p, p->a, 3, 0, &a[0]);
	send(p, p->a, 3, 1, &a[1]);
	recv_ok(p, p->b, &a[1], 3, 1);
	assert_int_equal(ratchet_skipped_count(p->b), 1);
	for (i = 0; i < rounds; i++) {
		round_trip(p, 1000 + 2 * i);
	}
}

/* A skipped key survives RATCHET_MAX_SKIP_STEPS - 1 steps and is gone
 * after RATCHET_MAX_SKIP_STEPS (ratchet.h). */
static void
test_skipped_dropped_after_steps(void **state)
{
	struct pair p;
	struct buf a[2];

	(void)state;
	pair_open(&p, 0x14);
	held_back(&p, RATCHET_MAX_SKIP_STEPS - 1, a);
	assert_int_equal(ratchet_skipped_count(p.b), 1);
	recv_ok(&p, p.b, &a[0], 3, 0);
	buf_free(&a[0]);
	buf_free(&a[1]);
	pair_close(&p);

	pair_open(&p, 0x15);
	held_back(&p, RATCHET_MAX_SKIP_STEPS, a);
	assert_int_equal(ratchet_skipped_count(p.b), 0);
	/* The whole chain was dropped, its header key with it: no header
	 * key fits (PROTOCOL.md 4.7.2). */
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_AUTH);
	round_trip(&p, 5000);
	recv_fails(&p, p.b, a[0].p, a[0].n, ERR_AUTH);
	buf_free(&a[0]);
	buf_free(&a[1]);
	pair_close(&p);
}

/* Three chains of 900 skipped keys each: the store keeps the newest
 * RATCHET_MAX_SKIPPED and drops the oldest. */
static void
test_skipped_total_bound(void **state)
{
	const size_t n = 901, skip = n - 1, drop = 3 * skip -
	    RATCHET_MAX_SKIPPED;
	struct pair p;
	struct buf *c[3], r;
	size_t k, want;

	(void)state;
	assert_true(skip < RATCHET_MAX_SKIP);
	pair_open(&p, 0x16);
	for (k = 0; k < 3; k++) {
		if (k > 0) {
			send(&p, p.b, 1, 900000, &r);
			recv_ok(&p, p.a, &r, 1, 900000);
			buf_free(&r);
		}
		c[k] = burst(&p, p.a, n, (uint32_t)(10000 * k));
		recv_ok(&p, p.b, &c[k][n - 1], 1,
		    (uint32_t)(10000 * k + n - 1));
		want = skip * (k + 1);
		if (want > RATCHET_MAX_SKIPPED) {
			want = RATCHET_MAX_SKIPPED;
		}
		assert_int_equal(ratchet_skipped_count(p.b), want);
	}
	/* Chain 0 keeps keys n >= drop, so its header key is known. */
	recv_fails(&p, p.b, c[0][0].p, c[0][0].n, ERR_REPLAY);
	recv_fails(&p, p.b, c[0][drop - 1].p, c[0][drop - 1].n, ERR_REPLAY);
	recv_ok(&p, p.b, &c[0][drop], 1, (uint32_t)drop);
	recv_ok(&p, p.b, &c[1][0], 1, 10000);
	recv_ok(&p, p.b, &c[2][0], 1, 20000);
	recv_ok(&p, p.b, &c[2][n - 2], 1, (uint32_t)(20000 + n - 2));
	assert_int_equal(ratchet_skipped_count(p.b),
	    RATCHET_MAX_SKIPPED - 4);
	for (k = 0; k < 3; k++) {
		bufs_free(c[k], n);
	}
	pair_close(&p);
}

/* ------------------------------------------------------------------ */
/* Sizes, state blobs, keys and allocation failure. */

/* Encrypts len bytes at Alice, decrypts at Bob, returns the message
 * length. */
static size_t
size_round_trip(struct pair *p, size_t len)
{
	struct buf m, pt;
	uint8_t *in = malloc(len + 1);
	size_t n;

	assert_non_null(in);
	fill(in, len, (uint32_t)len);
	assert_ok(ratchet_encrypt(p->a, &p->rng.rng, in, len, &m.p, &m.n));
	assert_ok(ratchet_decrypt(p->b, &p->rng.rng, m.p, m.n, &pt.p, &pt.n));
	assert_int_equal(pt.n, len);
	if (len > 0) {
		assert_mem_eq(pt.p, in, len);
	}
	n = m.n;
	buf_free(&m);
	buf_free(&pt);
	free(in);
	return n;
}

static void
test_sizes(void **state)
{
	static const size_t lens[][2] = {
		{ 0, 64 }, { 1, 64 }, { 63, 64 }, { 64, 128 }, { 127, 128 },
		{ 128, 256 }, { 5000, 8192 }, { 16383, 16384 },
		{ 16384, 17408 }, { RATCHET_MAX_PLAINTEXT, PAD_MAX },
	};
	struct pair p;
	struct buf before, out;
	uint8_t *big;
	size_t i;

	(void)state;
	pair_open(&p, 0x20);
	for (i = 0; i < NELEM(lens); i++) {
		assert_int_equal(size_round_trip(&p, lens[i][0]),
		    RATCHET_OVERHEAD + lens[i][1]);
	}
	assert_int_equal(size_round_trip(&p, 0), size_round_trip(&p, 63));
	assert_true(size_round_trip(&p, 64) > size_round_trip(&p, 63));
	assert_int_equal(size_round_trip(&p, RATCHET_MAX_PLAINTEXT),
	    RATCHET_MAX_MESSAGE);

	big = calloc(1, RATCHET_MAX_PLAINTEXT + 1);
	assert_non_null(big);
	snapshot(p.a, &before);
	assert_err(ratchet_encrypt(p.a, &p.rng.rng, big,
	    RATCHET_MAX_PLAINTEXT + 1, &out.p, &out.n), ERR_TOO_LONG);
	assert_null(out.p);
	assert_int_equal(out.n, 0);
	assert_unchanged(p.a, &before);
	buf_free(&before);
	free(big);
	pair_close(&p);
}

static void
test_init_small_order(void **state)
{
	static const char *const small[] = {
		"00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"01000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"
		    "da098deb9c32b1fd866205165f49b800",
		"ecffffffffffffffffffffffffffffff"
		    "ffffffffffffffffffffffffffffff7f",
	};
	struct rng_seeded rng;
	struct x3dh_output x;
	struct ratchet_session *s;
	uint8_t pk[KEY_LEN];
	size_t i;

	(void)state;
	seed_rng(&rng, 0x21, 0);
	rng_fill(&rng.rng, (uint8_t *)&x, sizeof(x));
	for (i = 0; i < NELEM(small); i++) {
		test_unhex(pk, sizeof(pk), small[i]);
		s = (struct ratchet_session *)&x;
		assert_err(ratchet_init_initiator(&rng.rng, &x, pk, &s),
		    ERR_KEY);
		assert_null(s);
	}
	x3dh_output_wipe(&x);
	rng_seeded_wipe(&rng);
}

/* Every state a session goes through encodes canonically and a decoded
 * session carries on. */
static void
test_state_round_trip(void **state)
{
	struct pair p;
	struct buf a[3], blob, again, r;
	struct ratchet_session **sides[2];
	size_t stage, i;

	(void)state;
	pair_open(&p, 0x22);
	sides[0] = &p.a;
	sides[1] = &p.b;
	for (stage = 0; stage < 3; stage++) {
		if (stage == 1) {
			for (i = 0; i < 3; i++) {
				send(&p, p.a, 5, (uint32_t)i, &a[i]);
			}
			recv_ok(&p, p.b, &a[2], 5, 2);
		} else if (stage == 2) {
			send(&p, p.b, 5, 9, &r);
			recv_ok(&p, p.a, &r, 5, 9);
			buf_free(&r);
		}
		for (i = 0; i < 2; i++) {
			snapshot(*sides[i], &blob);
			ratchet_free(*sides[i]);
			assert_ok(ratchet_decode(blob.p, blob.n, sides[i]));
			snapshot(*sides[i], &again);
			assert_int_equal(again.n, blob.n);
			assert_mem_eq(again.p, blob.p, blob.n);
			buf_free(&blob);
			buf_free(&again);
		}
	}
	assert_int_equal(ratchet_skipped_count(p.b), 2);
	recv_ok(&p, p.b, &a[0], 5, 0);
	recv_ok(&p, p.b, &a[1], 5, 1);
	for (i = 0; i < 3; i++) {
		buf_free(&a[i]);
	}
	send(&p, p.a, 5, 10, &r);
	recv_ok(&p, p.b, &r, 5, 10);
	buf_free(&r);
	pair_close(&p);
}

/* Layout (docs/PROTOCOL.md, "Session state"): version || flags || ad ||
 * dhs.sk || dhs.pk || dhr || rk || cks || ckr || hks || hkr || nhks ||
 * nhkr || u32 ns, nr, pn, step || u16 count || count * (hk || u32 n ||
 * u32 step || mk). */
#define ST_FLAGS 1
#define ST_DHS_PK (2 + X3DH_AD_LEN + KEY_LEN)
#define ST_DHR (ST_DHS_PK + KEY_LEN)
#define ST_COUNT (2 + X3DH_AD_LEN + 10 * KEY_LEN + 16)
#define ST_SKIP0_STEP (ST_COUNT + 2 + KEY_LEN + 4)

/* Decoding t (n bytes) must fail with want and give no session. */
static void
decode_fails(const uint8_t *t, size_t n, int want)
{
	struct ratchet_session *s = (struct ratchet_session *)&s;

	assert_err(ratchet_decode(t, n, &s), want);
	assert_null(s);
}

static void
test_state_decode_errors(void **state)
{
	struct pair p;
	struct buf a[4], blob, fresh;
	uint8_t *t;
	size_t i;

	(void)state;
	pair_open(&p, 0x23);
	snapshot(p.b, &fresh);
	for (i = 0; i < 4; i++) {
		send(&p, p.a, 5, (uint32_t)i, &a[i]);
	}
	recv_ok(&p, p.b, &a[3], 5, 3);
	snapshot(p.b, &blob);
	assert_int_equal(blob.n, ST_COUNT + 2 + 3 * (2 * KEY_LEN + 8));
	t = malloc(blob.n + 1);
	assert_non_null(t);

	for (i = 0; i < blob.n; i++) {
		decode_fails(blob.p, i, ERR_SHORT);
	}
	memcpy(t, blob.p, blob.n);
	t[blob.n] = 0;
	decode_fails(t, blob.n + 1, ERR_TRAILING);
	t[0] = 0x00;
	decode_fails(t, blob.n, ERR_VERSION);
	t[0] = RATCHET_STATE_VERSION + 1;
	decode_fails(t, blob.n, ERR_VERSION);
	t[0] = blob.p[0];
	for (i = 0; i < 8; i++) {
		if ((1U << i) & RF_ALL) {
			continue;
		}
		t[ST_FLAGS] = (uint8_t)(blob.p[ST_FLAGS] | (1U << i));
		decode_fails(t, blob.n, ERR_INVALID);
	}
	/* A field set but its flag cleared. */
	t[ST_FLAGS] = (uint8_t)(blob.p[ST_FLAGS] & ~RF_CKS);
	decode_fails(t, blob.n, ERR_INVALID);
	t[ST_FLAGS] = blob.p[ST_FLAGS];
	/* The key pair no longer matches. */
	t[ST_DHS_PK] ^= 0x01;
	decode_fails(t, blob.n, ERR_INVALID);
	t[ST_DHS_PK] ^= 0x01;
	/* Counts: more keys than allowed, one more than present. */
	t[ST_COUNT] = 0xff;
	t[ST_COUNT + 1] = 0xff;
	decode_fails(t, blob.n, ERR_INVALID);
	t[ST_COUNT] = 0;
	t[ST_COUNT + 1] = 4;
	decode_fails(t, blob.n, ERR_SHORT);
	t[ST_COUNT + 1] = 3;
	/* A skipped key from a step the session has not reached. */
	t[ST_SKIP0_STEP] = 0x7f;
	decode_fails(t, blob.n, ERR_INVALID);
	t[ST_SKIP0_STEP] = blob.p[ST_SKIP0_STEP];
	assert_mem_eq(t, blob.p, blob.n);
	free(t);

	/* Bob before his first message: dhr is absent, so must be zero. */
	t = malloc(fresh.n);
	assert_non_null(t);
	memcpy(t, fresh.p, fresh.n);
	assert_int_equal(t[ST_FLAGS], 0);
	t[ST_DHR + 5] = 1;
	decode_fails(t, fresh.n, ERR_INVALID);
	free(t);

	for (i = 0; i < 4; i++) {
		buf_free(&a[i]);
	}
	buf_free(&blob);
	buf_free(&fresh);
	pair_close(&p);
}

/* Decrypts msg while the k-th allocation fails, for k = 0, 1, ...: each
 * failure is ERR_NOMEM and changes nothing, until it succeeds. */
static void
decrypt_under_failures(struct pair *p, struct ratchet_session *s,
    const struct buf *msg, size_t len, uint32_t tag)
{
	uint8_t want[512];
	struct buf before, pt;
	long k;
	int r;

	assert_true(len <= sizeof(want));
	fill(want, len, tag);
	for (k = 0; k < 32; k++) {
		snapshot(s, &before);
		mem_fail_after(k);
		r = ratchet_decrypt(s, &p->rng.rng, msg->p, msg->n, &pt.p,
		    &pt.n);
		mem_fail_after(-1);
		if (r == 0) {
			assert_int_equal(pt.n, len);
			assert_mem_eq(pt.p, want, len);
			buf_free(&before);
			buf_free(&pt);
			return;
		}
		assert_err(r, ERR_NOMEM);
		assert_null(pt.p);
		assert_unchanged(s, &before);
		buf_free(&before);
	}
	fail_msg("decryption never succeeded");
}

static void
test_nomem(void **state)
{
	static const uint8_t pt[5] = { 1, 2, 3, 4, 5 };
	struct pair p;
	struct ratchet_session *s;
	struct buf before, out, a[4], r;
	struct x3dh_output x;
	size_t i;

	(void)state;
	pair_open(&p, 0x30);
	memset(&x, 0x42, sizeof(x));
	s = (struct ratchet_session *)&x;
	mem_fail_after(0);
	assert_err(ratchet_init_initiator(&p.rng.rng, &x, p.spk.pk, &s),
	    ERR_NOMEM);
	assert_null(s);
	s = (struct ratchet_session *)&x;
	assert_err(ratchet_init_responder(&x, &p.spk, &s), ERR_NOMEM);
	assert_null(s);
	mem_fail_after(-1);

	snapshot(p.a, &before);
	mem_fail_after(0);
	assert_err(ratchet_encrypt(p.a, &p.rng.rng, pt, sizeof(pt), &out.p,
	    &out.n), ERR_NOMEM);
	assert_err(ratchet_encode(p.a, &out.p, &out.n), ERR_NOMEM);
	mem_fail_after(-1);
	assert_null(out.p);
	assert_unchanged(p.a, &before);
	buf_free(&before);

	for (i = 0; i < 4; i++) {
		send(&p, p.a, 5, (uint32_t)i, &a[i]);
	}
	decrypt_under_failures(&p, p.b, &a[0], 5, 0); /* new chain */
	decrypt_under_failures(&p, p.b, &a[2], 5, 2); /* skips a[1] */
	decrypt_under_failures(&p, p.b, &a[1], 5, 1); /* skipped key */
	decrypt_under_failures(&p, p.b, &a[3], 5, 3); /* current chain */
	send(&p, p.b, 5, 9, &r);
	decrypt_under_failures(&p, p.a, &r, 5, 9); /* Alice's DH step */

	snapshot(p.b, &before);
	mem_fail_after(0);
	assert_err(ratchet_decode(before.p, before.n, &s), ERR_NOMEM);
	mem_fail_after(-1);
	assert_null(s);
	buf_free(&before);
	for (i = 0; i < 4; i++) {
		buf_free(&a[i]);
	}
	buf_free(&r);
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conversation),
		cmocka_unit_test(test_responder_waits),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_tamper),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_other_session),
		cmocka_unit_test(test_wrong_ad),
		cmocka_unit_test(test_skip_bound_new_chain),
		cmocka_unit_test(test_skip_bound_current_chain),
		cmocka_unit_test(test_skip_bound_previous_chain),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_skipped_dropped_after_steps),
		cmocka_unit_test(test_skipped_total_bound),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_init_small_order),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_state_decode_errors),
		cmocka_unit_test(test_nomem),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "test_ratchet: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
