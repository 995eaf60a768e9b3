/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-relay against hostile input: random bytes, truncated and padded
 * frames, bad versions, the key directory's types, oversized frames and
 * envelopes, bad limits, requests without authentication, foreign acks. A
 * well-behaved sender and receiver run SEND/FETCH/ACK all along and must
 * never fail; afterwards the relay is healthy and exits 0 on SIGTERM. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "tests/integration/client.h"
#include "tests/integration/hostile.h"
#include "tests/unit/helpers.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define MAX_FRAME 32768
#define MAX_FRAME_STR "32768"
#define MAX_ENV 1024
#define MAX_ENV_STR "1024"
#define NFRAMES 5

struct good_client {
	pthread_t thread;
	struct conn *cs, *cr; /* sender's and receiver's connections */
	const struct device *to;
	struct chain ch;
	atomic_int stop;
	size_t rounds;
	size_t failures;
	int first_err;
	char why[200];
};

static struct good_client good_client;
static int running;

static void
good_fail(struct good_client *g, int r, const char *why)
{
	g->failures++;
	if (g->first_err == 0) {
		g->first_err = r;
		snprintf(g->why, sizeof(g->why), "round %zu: %s", g->rounds,
		    why);
	}
}

/* One round: SEND an envelope, FETCH it back (long-poll), check, ACK. */
static void
good_round(struct good_client *g, struct send_result *res)
{
	struct proto_send_item it;
	struct fetch_result f;
	uint8_t env[100];
	int r;

	memset(&it, 0, sizeof(it));
	memset(env, (int)(g->rounds & 0xff), sizeof(env));
	it.device_id = g->to->id;
	memcpy(it.id, &g->rounds, sizeof(g->rounds));
	it.env = env;
	it.len = sizeof(env);
	if ((r = conn_send(g->cs, &(struct send_group){ "bob", 1, &it }, 1,
		 res)) != 0 ||
	    res->result != PROTO_SEND_STORED) {
		good_fail(g, r != 0 ? r : ERR_MISMATCH, "send");
		return;
	}
	if ((r = conn_fetch(g->cr, 10, 1U << 20, 5000, &f)) != 0 ||
	    f.n != 1 || chain_check_all(&g->ch, &f) != 0 ||
	    memcmp(f.e[0].id, it.id, PROTO_ID_LEN) != 0 ||
	    f.e[0].len != sizeof(env) ||
	    memcmp(f.e[0].env, env, sizeof(env)) != 0) {
		good_fail(g, r != 0 ? r : ERR_AUTH,
		    r != 0 ? "fetch" : g->ch.why);
	} else if ((r = conn_ack_all(g->cr, &f)) != 0) {
		good_fail(g, r, "ack");
	}
	fetch_result_free(&f);
}

/* The well-behaved client: its own thread, no cmocka calls. */
static void *
good_loop(void *arg)
{
	struct good_client *g = arg;
	struct send_result *res = malloc(sizeof(*res));

	if (res == NULL) {
		good_fail(g, ERR_NOMEM, "malloc");
		return NULL;
	}
	while (!atomic_load(&g->stop)) {
		good_round(g, res);
		g->rounds++;
	}
	free(res);
	return NULL;
}

/* A SEND of one envelope of len bytes to user's device dev. */
static void
send_frame(struct frame *f, const char *user, uint32_t dev, uint8_t tag,
    size_t len)
{
	static uint8_t env[4 * MAX_ENV];
	struct proto_send_item it;
	struct send_group g = { user, 1, &it };
	struct wire_writer w;

	assert_true(len <= sizeof(env));
	memset(&it, 0, sizeof(it));
	memset(env, 0x42, len);
	it.device_id = dev;
	memset(it.id, tag, sizeof(it.id));
	it.env = env;
	it.len = len;
	wire_writer_init(&w, 64 * 1024);
	relay_send_body(&w, &g, 1);
	frame_finish(f, PROTO_SEND, &w);
}

static void
make_frames(const struct device *mal, const struct device *victim,
    struct frame f[NFRAMES])
{
	struct proto_challenge ch;
	struct proto_auth a;
	struct proto_fetch fe = { 10, 4096, 0 };
	struct wire_writer w;
	uint8_t id[PROTO_ID_LEN];
	size_t i = 0;

	memset(&ch, 0, sizeof(ch));
	snprintf(ch.server_id, sizeof(ch.server_id), "sealpost-relay");
	wire_writer_init(&w, 16);
	wire_put_u8(&w, 0); /* replaced: CHALLENGE has no body */
	frame_finish(&f[i++], PROTO_CHALLENGE, &w);
	f[0].len = 2;
	device_auth_msg(mal, &ch, &a);
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &a);
	frame_finish(&f[i++], PROTO_AUTH, &w);
	send_frame(&f[i++], victim->user, victim->id, 0x77, 200);
	wire_writer_init(&w, 64);
	proto_fetch_encode(&w, &fe);
	frame_finish(&f[i++], PROTO_FETCH, &w);
	memset(id, 0x77, sizeof(id));
	wire_writer_init(&w, 64);
	proto_ack_encode(&w, id, 1);
	frame_finish(&f[i++], PROTO_ACK, &w);
	assert_int_equal(i, NFRAMES);
}

static void
free_frames(struct frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mem_wipe_free(f[i].p, f[i].len);
	}
}

static void
random_frames(struct conn *c, struct rng_seeded *rs)
{
	static const size_t big[] = { 100, 255, 256, 1000, 4000, MAX_FRAME };
	static const uint8_t types[] = { PROTO_CHALLENGE, PROTO_AUTH,
		PROTO_SEND, PROTO_FETCH, PROTO_ACK, PROTO_CLAIM };

	hostile_random(c, rs, types, sizeof(types), big,
	    sizeof(big) / sizeof(big[0]));
}

/* Every proper prefix of every frame, and each with one byte more. On a
 * connection that is not authenticated, SEND, FETCH and ACK are refused
 * as such before their body is read. */
static void
truncated_frames(struct conn *c, const struct frame f[NFRAMES], int authed)
{
	hostile_truncations(c, f, NFRAMES, authed, PROTO_SEND);
}

/* Bad versions, unknown types, and every request type of the key
 * directory: ERR_TYPE whether authenticated or not. */
static void
bad_headers(struct conn *c)
{
	static const uint8_t versions[] = { 0x00, 0x02, 0x7F, 0x81, 0xFF };
	static const uint8_t types[] = { 0x00, 0x03, 0x0F, 0x1B, 0x23, 0x40,
		0x7F, 0x80, 0xA0, 0xA1, 0xFF, PROTO_REGISTER, PROTO_LINK,
		PROTO_REVOKE, PROTO_UPLOAD_PREKEYS, PROTO_ROTATE, PROTO_STATUS,
		PROTO_CLAIM, PROTO_DEVICES, PROTO_LINK_OPEN, PROTO_LINK_PUT,
		PROTO_LINK_GET };
	uint8_t fr[8];
	size_t i;

	for (i = 0; i < sizeof(versions); i++) {
		fr[0] = versions[i];
		fr[1] = PROTO_SEND;
		hostile_expect(c, fr, 2, ERR_VERSION);
		hostile_expect(c, fr, 1, ERR_VERSION);
	}
	memset(fr, 0, sizeof(fr));
	for (i = 0; i < sizeof(types); i++) {
		fr[0] = PROTO_VERSION;
		fr[1] = types[i];
		hostile_expect(c, fr, 2, ERR_TYPE);
		hostile_expect(c, fr, sizeof(fr), ERR_TYPE);
	}
}

/* A request of type with the body in w on c; the code of the answer. */
static int
call(struct conn *c, uint8_t type, struct wire_writer *w)
{
	struct reply rep;
	int r = conn_rpc_w(c, type, w, &rep);

	reply_free(&rep);
	return r;
}

/* Well-formed frames with values out of range, on an authenticated
 * connection. */
static void
bad_values(struct conn *c, const struct device *victim)
{
	static const struct proto_fetch bad_fetch[] = {
		{ 0, 100, 0 },
		{ PROTO_MAX_FETCH + 1, 100, 0 },
		{ 1, 100, PROTO_MAX_WAIT_MS + 1 },
		{ 1, 100, 0xFFFFFFFF },
	};
	struct proto_send_item it[2];
	struct send_group g[PROTO_MAX_GROUPS + 1];
	struct send_result res;
	struct wire_writer w;
	uint8_t ids[(PROTO_MAX_ACK + 1) * PROTO_ID_LEN];
	size_t i;

	for (i = 0; i < sizeof(bad_fetch) / sizeof(bad_fetch[0]); i++) {
		wire_writer_init(&w, 64);
		proto_fetch_encode(&w, &bad_fetch[i]);
		assert_true(call(c, PROTO_FETCH, &w) < 0);
	}
	memset(ids, 0, sizeof(ids));
	wire_writer_init(&w, 64);
	wire_put_u16(&w, 0);
	assert_true(call(c, PROTO_ACK, &w) < 0);
	wire_writer_init(&w, sizeof(ids) + 2);
	proto_ack_encode(&w, ids, PROTO_MAX_ACK + 1);
	assert_true(call(c, PROTO_ACK, &w) < 0);

	memset(it, 0, sizeof(it));
	it[0].device_id = it[1].device_id = victim->id;
	it[1].id[0] = 1;
	it[0].env = it[1].env = (const uint8_t *)"x";
	it[0].len = it[1].len = 1;
	/* No groups; too many; an empty group; a device twice; an unknown
	 * user; a bad user name. */
	assert_true(conn_send(c, g, 0, &res) < 0);
	for (i = 0; i <= PROTO_MAX_GROUPS; i++) {
		g[i] = (struct send_group){ victim->user, 1, it };
	}
	assert_true(conn_send(c, g, PROTO_MAX_GROUPS + 1, &res) < 0);
	g[0].n = 0;
	assert_true(conn_send(c, g, 1, &res) < 0);
	g[0].n = 2;
	assert_err(conn_send(c, g, 1, &res), ERR_INVALID);
	g[0] = (struct send_group){ "nobody", 1, it };
	assert_true(conn_send(c, g, 1, &res) < 0);
	g[0] = (struct send_group){ "Bad Name", 1, it };
	assert_true(conn_send(c, g, 1, &res) < 0);
}

/* An envelope over --max-envelope is ERR_TOO_LONG; one of exactly the
 * limit is stored. A frame over --max-frame drops the connection (the
 * client only sees its timeout); one of exactly the limit gets an
 * answer. */
static void
oversized(struct harness *h, struct conn *ca, const struct device *mal,
    const struct device *victim)
{
	static uint8_t big[2 * MAX_FRAME];
	struct frame f[2];
	struct conn_opts o;
	struct conn *c;
	struct reply rep;
	int r;

	send_frame(&f[0], victim->user, victim->id, 0x01, MAX_ENV + 1);
	send_frame(&f[1], victim->user, victim->id, 0x02, MAX_ENV);
	hostile_expect(ca, f[0].p, f[0].len, ERR_TOO_LONG);
	assert_ok(conn_call(ca, f[1].p, f[1].len, PROTO_SEND, &rep));
	reply_free(&rep);
	free_frames(f, 2);

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 300 * client_time_scale();
	assert_non_null(c = harness_relay_conn(h, &o));
	big[0] = PROTO_VERSION;
	big[1] = PROTO_SEND;
	r = conn_call(c, big, MAX_FRAME + 1, 0, &rep);
	reply_free(&rep);
	assert_true(r == ERR_TIMEOUT || r == ERR_NET);
	r = conn_call(c, big, sizeof(big), 0, &rep);
	reply_free(&rep);
	assert_true(r == ERR_TIMEOUT || r == ERR_NET);
	conn_close(c);
	assert_non_null(c = harness_relay_conn(h, NULL));
	hostile_expect(c, big, MAX_FRAME, ERR_UNAUTH);
	assert_ok(device_auth(mal, c));
	hostile_expect(c, big, MAX_FRAME, 1);
}

/* Acks of entries in another device's queue, and of unknown ids. */
static void
foreign_acks(struct conn *ca, struct conn *cv)
{
	struct fetch_result f;
	uint8_t id[PROTO_ID_LEN];

	assert_ok(conn_fetch(cv, PROTO_MAX_FETCH, 1U << 20, 0, &f));
	assert_true(f.n > 0);
	assert_err(conn_ack(ca, f.e[0].id, 1), ERR_NOT_FOUND);
	memset(id, 0xee, sizeof(id));
	assert_err(conn_ack(ca, id, 1), ERR_NOT_FOUND);
	assert_err(conn_ack(cv, id, 1), ERR_NOT_FOUND);
	/* Nothing of the victim's queue went away. */
	fetch_result_free(&f);
}

static void
bad_auth(struct harness *h, const struct device *mal,
    const struct device *victim)
{
	struct conn *c = harness_relay_conn(h, NULL);
	struct proto_challenge ch;
	struct proto_auth m;
	struct wire_writer w;

	assert_non_null(c);
	/* Replayed, forged, for an unknown device, without a challenge. */
	assert_ok(conn_challenge(c, &ch));
	device_auth_msg(mal, &ch, &m);
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &m);
	assert_ok(call(c, PROTO_AUTH, &w));
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &m);
	assert_err(call(c, PROTO_AUTH, &w), ERR_AUTH);
	assert_ok(conn_challenge(c, &ch));
	device_auth_msg(mal, &ch, &m);
	memcpy(m.user, victim->user, sizeof(m.user));
	m.device_id = victim->id;
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &m);
	assert_err(call(c, PROTO_AUTH, &w), ERR_AUTH);
	assert_ok(conn_challenge(c, &ch));
	device_auth_msg(mal, &ch, &m);
	m.device_id = 77;
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &m);
	assert_err(call(c, PROTO_AUTH, &w), ERR_AUTH);
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &m);
	assert_err(call(c, PROTO_AUTH, &w), ERR_AUTH);
}

static void
unauthenticated(struct conn *c, const struct frame f[NFRAMES])
{
	size_t i;

	for (i = 0; i < NFRAMES; i++) {
		if (f[i].type >= PROTO_SEND) {
			hostile_expect(c, f[i].p, f[i].len, ERR_UNAUTH);
		}
	}
}

/* The well-behaved pair: alice sends, bob receives. */
static void
start_good(struct harness *h, struct good_client *g)
{
	struct conn_opts o = { 20000 * client_time_scale(), 0, NULL, NULL };
	struct device *alice[1], *bob[1];

	assert_ok(harness_user(h, "alice", 1, 1, alice));
	assert_ok(harness_user(h, "bob", 10, 1, bob));
	memset(g, 0, sizeof(*g));
	atomic_init(&g->stop, 0);
	chain_init(&g->ch);
	g->to = bob[0];
	assert_non_null(g->cs = harness_login(h, alice[0], NULL));
	assert_non_null(g->cr = harness_login(h, bob[0], &o));
	assert_int_equal(pthread_create(&g->thread, NULL, good_loop, g), 0);
	running = 1;
}

static void
test_hostile_input(void **state)
{
	struct harness *h = *state;
	struct good_client *g = &good_client;
	struct device *mal[1], *victim[1];
	struct frame f[NFRAMES];
	struct rng_seeded rs;
	struct conn *ca, *cu, *cv;
	uint8_t seed[32];

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open")));
	assert_ok(harness_relay(h,
	    ARGS("--max-frame", MAX_FRAME_STR, "--max-envelope",
		MAX_ENV_STR)));
	assert_ok(harness_user(h, "mallory", 100, 1, mal));
	assert_ok(harness_user(h, "victim", 200, 1, victim));
	start_good(h, g);
	assert_non_null(ca = harness_login(h, mal[0], NULL));
	assert_non_null(cv = harness_login(h, victim[0], NULL));
	assert_non_null(cu = harness_relay_conn(h, NULL));

	make_frames(mal[0], victim[0], f);
	memset(seed, 0xb6, sizeof(seed));
	rng_seeded_init(&rs, seed);
	random_frames(cu, &rs);
	random_frames(ca, &rs);
	rng_seeded_wipe(&rs);
	truncated_frames(cu, f, 0);
	truncated_frames(ca, f, 1);
	bad_headers(cu);
	bad_headers(ca);
	unauthenticated(cu, f);
	hostile_expect(ca, f[2].p, f[2].len, 0); /* the well-formed SEND */
	bad_values(ca, victim[0]);
	oversized(h, ca, mal[0], victim[0]);
	foreign_acks(ca, cv);
	bad_auth(h, mal[0], victim[0]);
	free_frames(f, NFRAMES);

	atomic_store(&g->stop, 1);
	running = 0;
	assert_int_equal(pthread_join(g->thread, NULL), 0);
	print_message("well-behaved client: %zu rounds, %zu failures\n",
	    g->rounds, g->failures);
	if (g->failures != 0) {
		fail_msg("the well-behaved client failed: %s: %s",
		    err_name(g->first_err), g->why);
	}
	assert_true(g->rounds > 0);
	assert_int_equal(g->ch.seq, g->rounds);
	hostile_survived(&h->relay);
}

static int
teardown(void **state)
{
	if (running) {
		atomic_store(&good_client.stop, 1);
		(void)pthread_join(good_client.thread, NULL);
		running = 0;
	}
	return harness_teardown(state);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hostile_input, harness_setup,
		    teardown),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("relay_bad", tests, NULL, NULL);
}
