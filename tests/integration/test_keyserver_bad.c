/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver against hostile input: random bytes, truncated and
 * padded frames, bad versions and types, oversized frames, requests
 * without authentication, replayed, foreign and forged AUTHs. A
 * well-behaved client runs CHALLENGE/AUTH/STATUS all along and must never
 * fail; afterwards the daemon is healthy and exits 0 on SIGTERM. */
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
#define MAX_FRAME 4096
#define MAX_FRAME_STR "4096"
#define NFRAMES 10
#define NLINK 3

struct good_client {
	pthread_t thread;
	struct conn *c;
	const struct device *d;
	atomic_int stop;
	size_t rounds;
	size_t failures;
	int first_err;
};

/* The client lives here, not on the test's stack, and running is set
 * while its thread runs: a failed assertion's teardown stops it before
 * closing its connection. */
static struct good_client good_client;
static int running;

/* The well-behaved client: its own thread, no cmocka calls. */
static void *
good_loop(void *arg)
{
	struct good_client *g = arg;
	struct proto_status st;
	int r;

	while (!atomic_load(&g->stop)) {
		if ((r = device_auth(g->d, g->c)) != 0 ||
		    (r = conn_status(g->c, &st)) != 0 ||
		    st.opk_count != 2) {
			g->failures++;
			if (g->first_err == 0) {
				g->first_err = r != 0 ? r : ERR_MISMATCH;
			}
		}
		g->rounds++;
	}
	return NULL;
}

static void
make_frames(const struct device *d, struct frame f[NFRAMES])
{
	struct proto_join j;
	struct proto_auth a;
	struct proto_revoke rv;
	struct proto_rotate ro;
	struct proto_challenge ch;
	struct wire_writer w;
	size_t i = 0;

	memset(&ch, 0, sizeof(ch));
	snprintf(ch.server_id, sizeof(ch.server_id), "sealpost-keyserver");
	wire_writer_init(&w, 16);
	wire_put_u8(&w, 0); /* replaced: CHALLENGE has no body */
	frame_finish(&f[i++], PROTO_CHALLENGE, &w);
	f[0].len = 2;
	device_auth_msg(d, &ch, &a);
	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, &a);
	frame_finish(&f[i++], PROTO_AUTH, &w);
	memset(&j, 0, sizeof(j));
	snprintf(j.invite, sizeof(j.invite), "abcdef");
	memcpy(j.user, d->user, sizeof(j.user));
	device_upload_view(d, 0, 2, &j.dev);
	wire_writer_init(&w, 4096);
	proto_join_encode(&w, &j, 0);
	frame_finish(&f[i++], PROTO_REGISTER, &w);
	j.dev.approver = 1;
	wire_writer_init(&w, 4096);
	proto_join_encode(&w, &j, 1);
	frame_finish(&f[i++], PROTO_LINK, &w);
	memset(&rv, 0, sizeof(rv));
	rv.device_id = 2;
	wire_writer_init(&w, 128);
	proto_revoke_encode(&w, &rv);
	frame_finish(&f[i++], PROTO_REVOKE, &w);
	wire_writer_init(&w, 1024);
	wire_put_u16(&w, 2);
	wire_put_bytes(&w, d->opk_wire, 2 * (4 + KEY_LEN));
	frame_finish(&f[i++], PROTO_UPLOAD_PREKEYS, &w);
	memset(&ro, 0, sizeof(ro));
	ro.kind = 1;
	ro.key = d->spk;
	wire_writer_init(&w, 256);
	proto_rotate_encode(&w, &ro);
	frame_finish(&f[i++], PROTO_ROTATE, &w);
	wire_writer_init(&w, 16);
	wire_put_u8(&w, 0);
	frame_finish(&f[i++], PROTO_STATUS, &w);
	f[i - 1].len = 2;
	wire_writer_init(&w, 64);
	proto_user_encode(&w, "bob");
	frame_finish(&f[i++], PROTO_CLAIM, &w);
	wire_writer_init(&w, 64);
	proto_user_encode(&w, "bob");
	frame_finish(&f[i++], PROTO_DEVICES, &w);
	assert_int_equal(i, NFRAMES);
}

/* The rendezvous frames: LINK_OPEN, LINK_PUT, LINK_GET. */
static void
make_link_frames(struct frame f[NLINK])
{
	static const uint8_t slot[PROTO_LINK_SLOT_LEN] = { 9, 8, 7 };
	struct proto_link_put p;
	struct proto_link_get g;
	struct wire_writer w;

	wire_writer_init(&w, 64);
	proto_link_open_encode(&w, slot);
	frame_finish(&f[0], PROTO_LINK_OPEN, &w);
	memset(&p, 0, sizeof(p));
	memcpy(p.slot, slot, sizeof(slot));
	p.part = PROTO_LINK_REQUEST;
	p.blob = slot;
	p.len = sizeof(slot);
	wire_writer_init(&w, 64);
	proto_link_put_encode(&w, &p);
	frame_finish(&f[1], PROTO_LINK_PUT, &w);
	memset(&g, 0, sizeof(g));
	memcpy(g.slot, slot, sizeof(slot));
	g.part = PROTO_LINK_RESPONSE;
	g.wait_ms = 1000;
	wire_writer_init(&w, 64);
	proto_link_get_encode(&w, &g);
	frame_finish(&f[2], PROTO_LINK_GET, &w);
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
		PROTO_REGISTER, PROTO_LINK, PROTO_REVOKE, PROTO_UPLOAD_PREKEYS,
		PROTO_ROTATE, PROTO_STATUS, PROTO_CLAIM, PROTO_DEVICES,
		PROTO_LINK_OPEN, PROTO_LINK_PUT, PROTO_LINK_GET };

	hostile_random(c, rs, types, sizeof(types), big,
	    sizeof(big) / sizeof(big[0]));
}

/* Every proper prefix of every frame, and each with one byte more. On a
 * connection that is not authenticated, the types that need it are
 * refused as such before their body is read. */
static void
truncated_frames(struct conn *c, const struct frame f[NFRAMES], int authed)
{
	hostile_truncations(c, f, NFRAMES, authed, PROTO_REVOKE);
}

/* The same for the rendezvous: LINK_OPEN needs a device, while LINK_PUT
 * and LINK_GET read their body before they look at authentication, so
 * they are cut like on an authenticated connection. */
static void
truncated_link_frames(struct conn *c, const struct frame f[NLINK],
    int authed)
{
	hostile_truncations(c, f, 1, authed, PROTO_LINK_OPEN);
	hostile_truncations(c, f + 1, NLINK - 1, 1, PROTO_LINK_OPEN);
}

static void
bad_headers(struct conn *c)
{
	static const uint8_t versions[] = { 0x00, 0x02, 0x7F, 0x81, 0xFF };
	static const uint8_t types[] = { 0x00, 0x03, 0x0F, 0x1B, 0x40, 0x7F,
		0x80, 0x81, 0x96, 0xFF };
	uint8_t fr[3];
	size_t i;

	for (i = 0; i < sizeof(versions); i++) {
		fr[0] = versions[i];
		fr[1] = PROTO_CHALLENGE;
		hostile_expect(c, fr, 2, ERR_VERSION);
		hostile_expect(c, fr, 1, ERR_VERSION);
	}
	for (i = 0; i < sizeof(types); i++) {
		fr[0] = PROTO_VERSION;
		fr[1] = types[i];
		fr[2] = 0;
		hostile_expect(c, fr, 2, ERR_TYPE);
		hostile_expect(c, fr, 3, ERR_TYPE);
	}
}

/* AUTH m on c; the reply's code. */
static int
send_auth(struct conn *c, const struct proto_auth *m)
{
	struct wire_writer w;
	struct reply rep;
	int r;

	wire_writer_init(&w, 1024);
	proto_auth_encode(&w, m);
	r = conn_rpc_w(c, PROTO_AUTH, &w, &rep);
	reply_free(&rep);
	return r;
}

static void
bad_auth(struct harness *h, const struct device *mal,
    const struct device *other)
{
	struct conn *a = harness_conn(h, NULL), *b = harness_conn(h, NULL);
	struct proto_challenge ch, chb;
	struct proto_auth m;
	struct proto_status st;

	assert_non_null(a);
	assert_non_null(b);
	/* Replay: the same AUTH twice. */
	assert_ok(conn_challenge(a, &ch));
	device_auth_msg(mal, &ch, &m);
	assert_ok(send_auth(a, &m));
	assert_err(send_auth(a, &m), ERR_AUTH);
	/* The pipe stays bound to the first success. */
	assert_ok(conn_status(a, &st));

	/* A nonce issued to another connection, with or without one of
	 * its own; the owner can still use it afterwards. */
	assert_ok(conn_challenge(a, &ch));
	device_auth_msg(mal, &ch, &m);
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_ok(conn_challenge(b, &chb));
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_ok(send_auth(a, &m));
	assert_err(conn_status(b, &st), ERR_UNAUTH);

	/* Forged: a flipped bit (the nonce is spent even so), another
	 * device's key, another server id. */
	assert_ok(conn_challenge(b, &ch));
	device_auth_msg(mal, &ch, &m);
	m.sig[10] ^= 0x40;
	assert_err(send_auth(b, &m), ERR_AUTH);
	m.sig[10] ^= 0x40;
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_ok(conn_challenge(b, &ch));
	device_auth_msg(other, &ch, &m);
	memcpy(m.user, mal->user, sizeof(m.user));
	m.device_id = mal->id;
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_ok(conn_challenge(b, &ch));
	snprintf(ch.server_id, sizeof(ch.server_id), "another-server");
	device_auth_msg(mal, &ch, &m);
	assert_err(send_auth(b, &m), ERR_AUTH);
	/* Without any challenge. */
	assert_err(send_auth(b, &m), ERR_AUTH);

	/* Unknown user, unknown device. */
	assert_ok(conn_challenge(b, &ch));
	device_auth_msg(mal, &ch, &m);
	snprintf(m.user, sizeof(m.user), "nobody");
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_ok(conn_challenge(b, &ch));
	device_auth_msg(mal, &ch, &m);
	m.device_id = 7;
	assert_err(send_auth(b, &m), ERR_AUTH);
	assert_err(conn_status(b, &st), ERR_UNAUTH);
}

static void
unauthenticated(struct conn *c, const struct frame f[NFRAMES])
{
	size_t i;

	for (i = 0; i < NFRAMES; i++) {
		if (f[i].type >= PROTO_REVOKE) {
			hostile_expect(c, f[i].p, f[i].len, ERR_UNAUTH);
		}
	}
}

/* A frame over --max-frame: nng drops the connection (the client only
 * sees its timeout); one of exactly the limit gets an answer. */
static void
oversized(struct harness *h)
{
	static uint8_t big[2 * MAX_FRAME];
	struct conn_opts o;
	struct conn *c;
	struct reply rep;
	int r;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 300 * client_time_scale();
	assert_non_null(c = harness_conn(h, &o));
	big[0] = PROTO_VERSION;
	big[1] = PROTO_CLAIM;
	r = conn_call(c, big, MAX_FRAME + 1, 0, &rep);
	reply_free(&rep);
	assert_true(r == ERR_TIMEOUT || r == ERR_NET);
	r = conn_call(c, big, sizeof(big), 0, &rep);
	reply_free(&rep);
	assert_true(r == ERR_TIMEOUT || r == ERR_NET);
	conn_close(c);
	assert_non_null(c = harness_conn(h, NULL));
	hostile_expect(c, big, MAX_FRAME, ERR_UNAUTH);
}

static void
test_hostile_input(void **state)
{
	struct harness *h = *state;
	struct device *good, *mal, *other;
	struct frame f[NFRAMES], lf[NLINK];
	struct good_client *g = &good_client;
	struct rng_seeded rs;
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct conn *ca, *cu;
	uint8_t seed[32];
	size_t n = 0;

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open", "--max-frame", MAX_FRAME_STR,
		"--claim-burst", "100000")));
	assert_non_null(good = harness_device(h, "good", 1, 2));
	assert_non_null(mal = harness_device(h, "mallory", 2, 4));
	assert_non_null(other = harness_device(h, "other", 3, 2));
	assert_non_null(ca = harness_conn(h, NULL));
	assert_ok(device_join(mal, ca, NULL, NULL, 0));
	assert_non_null(cu = harness_conn(h, NULL));
	assert_ok(device_join(other, cu, NULL, NULL, 0));
	assert_non_null(cu = harness_conn(h, NULL));
	memset(g, 0, sizeof(*g));
	atomic_init(&g->stop, 0);
	g->d = good;
	assert_non_null(g->c = harness_conn(h, NULL));
	assert_ok(device_join(good, g->c, NULL, NULL, 0));
	assert_int_equal(pthread_create(&g->thread, NULL, good_loop, g), 0);
	running = 1;

	make_frames(mal, f);
	make_link_frames(lf);
	memset(seed, 0xb5, sizeof(seed));
	rng_seeded_init(&rs, seed);
	random_frames(cu, &rs);
	random_frames(ca, &rs);
	rng_seeded_wipe(&rs);
	truncated_frames(cu, f, 0);
	truncated_frames(ca, f, 1);
	truncated_link_frames(cu, lf, 0);
	truncated_link_frames(ca, lf, 1);
	bad_headers(cu);
	bad_headers(ca);
	unauthenticated(cu, f);
	oversized(h);
	bad_auth(h, mal, other);
	assert_err(conn_claim(ca, "nobody", b, PROTO_MAX_DEVICES, &n),
	    ERR_NOT_FOUND);

	atomic_store(&g->stop, 1);
	running = 0;
	assert_int_equal(pthread_join(g->thread, NULL), 0);
	free_frames(f, NFRAMES);
	free_frames(lf, NLINK);
	/* Its keys were never touched by the noise. */
	assert_ok(conn_claim(ca, "good", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 1);
	assert_int_equal(b[0].opk_id, device_opk_at(good, 0, NULL));
	print_message("well-behaved client: %zu rounds, %zu failures\n",
	    g->rounds, g->failures);
	if (g->failures != 0) {
		fail_msg("the well-behaved client failed: %s",
		    err_name(g->first_err));
	}
	assert_true(g->rounds > 0);
	hostile_survived(&h->ks);
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
	return cmocka_run_group_tests_name("keyserver_bad", tests, NULL,
	    NULL);
}
