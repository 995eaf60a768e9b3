/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver's device-link rendezvous against a real daemon on
 * 127.0.0.1 (long-polls, every error, expiry, unusable owners), the slot
 * store with an explicit clock, and a database of schema version 1
 * migrated under both daemons. */
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "common/clock.h"
#include "keyserver/kd_store.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define OUT_MAX 8192
#define WAIT_MS 20000U /* a long-poll that must end much sooner */
#define REQ PROTO_LINK_REQUEST
#define RESP PROTO_LINK_RESPONSE

/* The key server with open registration and extra options. */
static struct harness *
start(void **state, const char *const *extra)
{
	struct harness *h = *state;
	const char *args[16];
	size_t n = 0, i;

	args[n++] = "--registration";
	args[n++] = "open";
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		args[n++] = extra[i];
	}
	args[n] = NULL;
	assert_ok(keyserver_start(&h->ks, h->dir, args));
	return h;
}

/* A connection owned by h, authenticated as d unless d is NULL, with a
 * receive timeout fit for long-polls. */
static struct conn *
conn_as(struct harness *h, const struct device *d)
{
	struct conn_opts o;
	struct conn *c;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = (int)(WAIT_MS + 10000) * client_time_scale();
	assert_non_null(c = harness_conn(h, &o));
	if (d != NULL) {
		assert_ok(device_auth(d, c));
	}
	return c;
}

static void
slot_of(uint8_t slot[static PROTO_LINK_SLOT_LEN], unsigned n)
{
	memset(slot, 0x5a, PROTO_LINK_SLOT_LEN);
	slot[6] = (uint8_t)(n >> 8);
	slot[7] = (uint8_t)n;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + 13 * i);
	}
}

/* The part must be exactly want[n]. */
static void
assert_part(struct conn *c, const uint8_t slot[static PROTO_LINK_SLOT_LEN],
    uint8_t part, const void *want, size_t n)
{
	uint8_t got[PROTO_MAX_LINK_BLOB];
	size_t len = 0;

	assert_ok(conn_link_get(c, slot, part, 0, got, &len));
	assert_int_equal(len, n);
	assert_memory_equal(got, want, n);
}

/* A LINK_GET of WAIT_MS running on its own thread. */
struct getter {
	pthread_t thread;
	struct conn *c;
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	uint8_t part;
	uint8_t blob[PROTO_MAX_LINK_BLOB];
	size_t len;
	int r;
	int64_t done_ms;
};

static void *
get_thread(void *arg)
{
	struct getter *g = arg;

	g->r = conn_link_get(g->c, g->slot, g->part, WAIT_MS, g->blob,
	    &g->len);
	g->done_ms = clock_mono_ms();
	return NULL;
}

static void
get_start(struct getter *g, struct conn *c,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	memcpy(g->slot, slot, PROTO_LINK_SLOT_LEN);
	g->part = part;
	assert_int_equal(pthread_create(&g->thread, NULL, get_thread, g), 0);
}

/* Waits (bounded) until the key server has n requests parked. */
static void
wait_parked(struct harness *h, int64_t n)
{
	int64_t v;

	if (client_wait_metric(h->ks.http_port, "sealpost_server_parked", n,
		10000, &v) != 0) {
		fail_msg("%lld requests parked, want %lld", (long long)v,
		    (long long)n);
	}
}

/* Joins g, which must have got want[n] soon after t0, when the put that
 * woke it began: a bound far below its wait, not a sleep. */
static void
get_done(struct getter *g, int64_t t0, const void *want, size_t n)
{
	assert_int_equal(pthread_join(g->thread, NULL), 0);
	print_message("parked LINK_GET answered %lld ms after the put "
		      "began (wait %u ms)\n",
	    (long long)(g->done_ms - t0), WAIT_MS);
	assert_ok(g->r);
	assert_int_equal(g->len, n);
	assert_memory_equal(g->blob, want, n);
	assert_true(g->done_ms - t0 < 2000 * client_time_scale());
}

/* The whole exchange: the owner opens a slot; an unauthenticated
 * connection puts the request, which the owner's long-poll gets at once;
 * the owner puts the response, which a parked unauthenticated reader gets
 * at once. */
static void
test_rendezvous(void **state)
{
	struct harness *h = start(state, NULL);
	uint8_t slot[PROTO_LINK_SLOT_LEN], req[PROTO_MAX_LINK_BLOB];
	uint8_t resp[200], got[PROTO_MAX_LINK_BLOB];
	struct conn *owner, *newdev;
	struct device *a[1];
	struct getter g;
	size_t len = 0;
	int64_t t0;

	assert_ok(harness_user(h, "alice", 1, 1, a));
	owner = conn_as(h, a[0]);
	newdev = conn_as(h, NULL);
	fill(req, sizeof(req), 1);
	fill(resp, sizeof(resp), 2);
	slot_of(slot, 1);
	assert_ok(conn_link_open(owner, slot));
	get_start(&g, conn_as(h, a[0]), slot, REQ);
	wait_parked(h, 1);
	t0 = clock_mono_ms();
	assert_ok(conn_link_put(newdev, slot, REQ, req, sizeof(req)));
	get_done(&g, t0, req, sizeof(req));

	get_start(&g, newdev, slot, RESP);
	wait_parked(h, 1);
	t0 = clock_mono_ms();
	assert_ok(conn_link_put(owner, slot, RESP, resp, sizeof(resp)));
	get_done(&g, t0, resp, sizeof(resp));

	/* Both parts stay readable; resending either put is harmless. */
	assert_part(newdev, slot, RESP, resp, sizeof(resp));
	assert_part(owner, slot, REQ, req, sizeof(req));
	assert_ok(conn_link_put(newdev, slot, REQ, req, sizeof(req)));
	assert_ok(conn_link_put(owner, slot, RESP, resp, sizeof(resp)));
	assert_part(owner, slot, REQ, req, sizeof(req));

	/* A wait for a part that never comes ends at its time, empty. */
	slot_of(slot, 2);
	assert_ok(conn_link_open(owner, slot));
	t0 = clock_mono_ms();
	assert_ok(conn_link_get(newdev, slot, RESP, 300, got, &len));
	assert_int_equal(len, 0);
	assert_true(clock_mono_ms() - t0 >= 300);
	assert_ok(conn_link_get(owner, slot, REQ, 0, got, &len));
	assert_int_equal(len, 0);
}

/* Body errors and the slot's access rules. */
static void
test_link_errors(void **state)
{
	struct harness *h = start(state, NULL);
	static uint8_t big[PROTO_MAX_LINK_BLOB + 1];
	uint8_t slot[PROTO_LINK_SLOT_LEN], got[PROTO_MAX_LINK_BLOB];
	struct conn *c1, *c2, *cb, *cu;
	struct device *a[2], *b[1];
	size_t len = 0;

	assert_ok(harness_user(h, "alice", 1, 2, a));
	assert_ok(harness_user(h, "bob", 10, 1, b));
	c1 = conn_as(h, a[0]);
	c2 = conn_as(h, a[1]);
	cb = conn_as(h, b[0]);
	cu = conn_as(h, NULL);
	slot_of(slot, 1);
	/* Opening needs a device; an unknown slot is not found. */
	assert_err(conn_link_open(cu, slot), ERR_UNAUTH);
	assert_err(conn_link_put(cu, slot, REQ, "r", 1), ERR_NOT_FOUND);
	assert_err(conn_link_get(cu, slot, RESP, 0, got, &len), ERR_NOT_FOUND);
	assert_err(conn_link_get(c1, slot, REQ, 0, got, &len), ERR_NOT_FOUND);
	assert_ok(conn_link_open(c1, slot));
	assert_err(conn_link_open(c1, slot), ERR_EXISTS);
	assert_err(conn_link_open(cb, slot), ERR_EXISTS);
	/* Malformed bodies, on a live slot. */
	assert_err(conn_link_put(cu, slot, 0, "r", 1), ERR_INVALID);
	assert_err(conn_link_put(cu, slot, 3, "r", 1), ERR_INVALID);
	assert_err(conn_link_put(cu, slot, REQ, "", 0), ERR_INVALID);
	assert_err(conn_link_put(cu, slot, REQ, big, sizeof(big)),
	    ERR_TOO_LONG);
	assert_err(conn_link_get(cu, slot, 3, 0, got, &len), ERR_INVALID);
	assert_err(conn_link_get(cu, slot, RESP, PROTO_MAX_WAIT_MS + 1, got,
		       &len),
	    ERR_INVALID);
	/* The request is the owner's to read, not its account's. */
	assert_err(conn_link_get(cu, slot, REQ, 0, got, &len), ERR_UNAUTH);
	assert_err(conn_link_get(c2, slot, REQ, 0, got, &len), ERR_PERM);
	assert_err(conn_link_get(cb, slot, REQ, 0, got, &len), ERR_PERM);
	/* No response before the request. */
	assert_err(conn_link_put(c1, slot, RESP, "s", 1), ERR_STATE);
	/* The request: once, a byte-identical resend excepted. */
	assert_ok(conn_link_put(cu, slot, REQ, "request-A", 9));
	assert_err(conn_link_put(cu, slot, REQ, "request-B", 9), ERR_EXISTS);
	assert_err(conn_link_put(cb, slot, REQ, "request-A!", 10), ERR_EXISTS);
	assert_ok(conn_link_put(cb, slot, REQ, "request-A", 9));
	assert_part(c1, slot, REQ, "request-A", 9);
	/* The response: by the owner only, once. */
	assert_err(conn_link_put(cu, slot, RESP, "response-A", 10),
	    ERR_UNAUTH);
	assert_err(conn_link_put(c2, slot, RESP, "response-A", 10), ERR_PERM);
	assert_err(conn_link_put(cb, slot, RESP, "response-A", 10), ERR_PERM);
	assert_part(cu, slot, RESP, "", 0);
	assert_ok(conn_link_put(c1, slot, RESP, "response-A", 10));
	assert_err(conn_link_put(c1, slot, RESP, "response-B", 10),
	    ERR_EXISTS);
	assert_ok(conn_link_put(c1, slot, RESP, "response-A", 10));
	assert_part(cu, slot, RESP, "response-A", 10);
	assert_part(c2, slot, RESP, "response-A", 10);
}

/* Four live slots per account, whichever of its devices opened them. */
static void
test_link_quota(void **state)
{
	struct harness *h = start(state, NULL);
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	struct conn *c1, *c2, *cb;
	struct device *a[2], *b[1];
	unsigned i;

	assert_ok(harness_user(h, "alice", 1, 2, a));
	assert_ok(harness_user(h, "bob", 10, 1, b));
	c1 = conn_as(h, a[0]);
	c2 = conn_as(h, a[1]);
	cb = conn_as(h, b[0]);
	for (i = 1; i <= KD_LINK_MAX_SLOTS; i++) {
		slot_of(slot, i);
		assert_ok(conn_link_open(i % 2 ? c1 : c2, slot));
	}
	slot_of(slot, 99);
	assert_err(conn_link_open(c1, slot), ERR_QUOTA);
	assert_err(conn_link_open(c2, slot), ERR_QUOTA);
	/* Another account has its own. */
	assert_ok(conn_link_open(cb, slot));
	/* A taken id is ERR_EXISTS even at the quota. */
	slot_of(slot, 1);
	assert_err(conn_link_open(c2, slot), ERR_EXISTS);
	/* A revoked owner's slots go: device 1 revokes device 2, whose two
	 * slots no longer answer and no longer count. */
	assert_ok(device_revoke(a[0], c1, a[1]));
	slot_of(slot, 2);
	assert_err(conn_link_put(cb, slot, REQ, "r", 1), ERR_NOT_FOUND);
	slot_of(slot, 3);
	assert_ok(conn_link_put(cb, slot, REQ, "r", 1));
	for (i = 100; i < 102; i++) {
		slot_of(slot, i);
		assert_ok(conn_link_open(c1, slot));
	}
	slot_of(slot, 102);
	assert_err(conn_link_open(c1, slot), ERR_QUOTA);
}

/* A revoked owner or a disabled account makes a slot unusable: not found
 * for everyone, the owner's own connection refused as such first. */
static void
test_link_owner_gone(void **state)
{
	struct harness *h = start(state, NULL);
	uint8_t slot[PROTO_LINK_SLOT_LEN], got[PROTO_MAX_LINK_BLOB];
	struct conn *c1, *c2, *cu;
	struct device *a[2];
	char out[OUT_MAX];
	size_t len = 0;

	assert_ok(harness_user(h, "alice", 1, 2, a));
	c1 = conn_as(h, a[0]);
	cu = conn_as(h, NULL);
	slot_of(slot, 1);
	assert_ok(conn_link_open(c1, slot));
	assert_ok(conn_link_put(cu, slot, REQ, "r", 1));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "disable", "alice", NULL),
	    0);
	assert_err(conn_link_get(cu, slot, RESP, 0, got, &len), ERR_NOT_FOUND);
	assert_err(conn_link_put(c1, slot, RESP, "s", 1), ERR_DISABLED);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "enable", "alice", NULL),
	    0);
	/* Enabled again within its life, the slot works again. */
	c1 = conn_as(h, a[0]);
	assert_part(c1, slot, REQ, "r", 1);
	assert_ok(conn_link_put(c1, slot, RESP, "s", 1));
	assert_part(cu, slot, RESP, "s", 1);
	/* Revoked by the admin under its live connection. */
	c2 = conn_as(h, a[1]);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "revoke", "alice", "1", NULL),
	    0);
	assert_err(conn_link_get(cu, slot, RESP, 0, got, &len), ERR_NOT_FOUND);
	assert_err(conn_link_get(c1, slot, REQ, 0, got, &len), ERR_REVOKED);
	assert_err(conn_link_get(c2, slot, REQ, 0, got, &len), ERR_NOT_FOUND);
	assert_err(conn_link_open(c1, slot), ERR_UNAUTH);
	/* Its id is free again for the account's active device. */
	assert_ok(conn_link_open(c2, slot));
}

/* Rows of the link_slots table of h's database, read beside the daemon. */
static int64_t
slot_rows(const struct harness *h)
{
	char path[CLIENT_PATH_MAX];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int64_t n = -1;

	assert_ok(client_path(path, sizeof(path), h->dir, "keyserver.db"));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
			     NULL),
	    SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM link_slots", -1,
		&st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(n >= 0);
	return n;
}

/* A short --link-ttl: a slot stops working at its expiry, a wait that
 * outlives it ends in ERR_NOT_FOUND, and the next LINK_OPEN deletes it,
 * freeing its id and its place in the quota. */
static void
test_link_expiry(void **state)
{
	int ttl_s = client_time_scale();
	char ttl[16];
	struct harness *h;
	uint8_t slot[PROTO_LINK_SLOT_LEN], got[PROTO_MAX_LINK_BLOB];
	struct conn *c1, *cu;
	struct device *a[1];
	size_t len = 0;
	int64_t t0;
	unsigned i;

	snprintf(ttl, sizeof(ttl), "%ds", ttl_s);
	h = start(state, ARGS("--link-ttl", ttl));
	assert_ok(harness_user(h, "alice", 1, 1, a));
	c1 = conn_as(h, a[0]);
	cu = conn_as(h, NULL);
	t0 = clock_mono_ms();
	for (i = 1; i <= KD_LINK_MAX_SLOTS; i++) {
		slot_of(slot, i);
		assert_ok(conn_link_open(c1, slot));
	}
	slot_of(slot, 1);
	assert_ok(conn_link_put(cu, slot, REQ, "r", 1));
	assert_part(c1, slot, REQ, "r", 1);
	/* All of this happened within the slots' life. */
	assert_true(clock_mono_ms() - t0 < 1000 * ttl_s);
	assert_int_equal(slot_rows(h), KD_LINK_MAX_SLOTS);
	/* Waiting twice the life for a response that never comes. */
	assert_err(conn_link_get(cu, slot, RESP, (uint32_t)(2000 * ttl_s), got,
		       &len),
	    ERR_NOT_FOUND);
	assert_true(clock_mono_ms() - t0 >= 2000 * ttl_s);
	assert_err(conn_link_get(c1, slot, REQ, 0, got, &len), ERR_NOT_FOUND);
	assert_err(conn_link_put(cu, slot, REQ, "r", 1), ERR_NOT_FOUND);
	slot_of(slot, 4);
	assert_err(conn_link_put(c1, slot, RESP, "s", 1), ERR_NOT_FOUND);
	/* Expired but still stored until a LINK_OPEN sweeps. */
	assert_int_equal(slot_rows(h), KD_LINK_MAX_SLOTS);
	for (i = 1; i <= KD_LINK_MAX_SLOTS; i++) {
		slot_of(slot, i + 10 * (i % 2));
		assert_ok(conn_link_open(c1, slot));
	}
	assert_int_equal(slot_rows(h), KD_LINK_MAX_SLOTS);
	slot_of(slot, 1);
	assert_err(conn_link_open(c1, slot), ERR_QUOTA);
	slot_of(slot, 2);
	assert_part(cu, slot, RESP, "", 0);
}

/* A store in h's dir with alice's device 1 registered. */
static struct kd_store *
store_with_alice(struct harness *h)
{
	struct device *a = harness_device(h, "alice", 1, 0);
	char path[CLIENT_PATH_MAX];
	struct proto_device_upload u;
	struct kd_store *s = NULL;
	uint32_t did = 0;

	assert_non_null(a);
	assert_ok(client_path(path, sizeof(path), h->dir, "store.db"));
	assert_ok(kd_store_open(path, &s));
	device_upload_view(a, 0, 0, &u);
	assert_ok(kd_register(s, NULL, KD_REGISTER_OPEN, 500, "alice", &u,
	    &did));
	assert_int_equal(did, 1);
	return s;
}

/* The store refuses what the handlers never pass, and unknown owners. */
static void
test_link_store_args(void **state)
{
	struct kd_store *s = store_with_alice(*state);
	uint8_t slot[PROTO_LINK_SLOT_LEN], blob[PROTO_MAX_LINK_BLOB + 1];
	size_t len = 0;

	fill(blob, sizeof(blob), 3);
	slot_of(slot, 1);
	assert_err(kd_link_slot_open(s, 1000, 0, "alice", 1, slot), ERR_ARG);
	assert_err(kd_link_slot_open(s, 1000, PROTO_LINK_TTL_MS + 1, "alice",
		       1, slot),
	    ERR_ARG);
	assert_err(kd_link_slot_open(s, 1000, 500, "nobody", 1, slot),
	    ERR_NOT_FOUND);
	assert_err(kd_link_slot_open(s, 1000, 500, "alice", 2, slot),
	    ERR_NOT_FOUND);
	assert_ok(kd_link_slot_open(s, 1000, PROTO_LINK_TTL_MS, "alice", 1,
	    slot));
	assert_err(kd_link_slot_put(s, 1000, slot, 3, NULL, 0, blob, 1),
	    ERR_ARG);
	assert_err(kd_link_slot_put(s, 1000, slot, REQ, NULL, 0, blob, 0),
	    ERR_ARG);
	assert_err(kd_link_slot_put(s, 1000, slot, REQ, NULL, 0, blob,
		       sizeof(blob)),
	    ERR_ARG);
	assert_err(kd_link_slot_get(s, 1000, slot, 0, NULL, 0, blob, &len),
	    ERR_ARG);
	assert_ok(kd_link_slot_put(s, 1000, slot, REQ, NULL, 0, blob,
	    PROTO_MAX_LINK_BLOB));
	assert_ok(kd_link_slot_get(s, 1000, slot, REQ, "alice", 1, blob,
	    &len));
	assert_int_equal(len, PROTO_MAX_LINK_BLOB);
	kd_store_close(s);
}

/* The store with an explicit clock: expiry is exact; a disabled account
 * or a revoked owner makes the slot unusable. */
static void
test_link_store_clock(void **state)
{
	struct kd_store *s = store_with_alice(*state);
	uint8_t slot[PROTO_LINK_SLOT_LEN], blob[PROTO_MAX_LINK_BLOB];
	size_t len = 0;

	fill(blob, sizeof(blob), 4);
	slot_of(slot, 1);
	assert_ok(kd_link_slot_open(s, 1000, 500, "alice", 1, slot));
	/* Live at 1499, gone at 1500 = 1000 + 500. */
	assert_ok(kd_link_slot_put(s, 1499, slot, REQ, NULL, 0, blob, 5));
	assert_ok(kd_link_slot_get(s, 1499, slot, REQ, "alice", 1, blob,
	    &len));
	assert_int_equal(len, 5);
	assert_err(kd_link_slot_get(s, 1500, slot, REQ, "alice", 1, blob,
		       &len),
	    ERR_NOT_FOUND);
	assert_int_equal(len, 0);
	assert_err(kd_link_slot_put(s, 1500, slot, RESP, "alice", 1, blob,
		       5),
	    ERR_NOT_FOUND);
	assert_err(kd_link_slot_open(s, 1499, 500, "alice", 1, slot),
	    ERR_EXISTS);
	assert_ok(kd_link_slot_open(s, 1500, 500, "alice", 1, slot));
	assert_ok(kd_link_slot_get(s, 1500, slot, REQ, "alice", 1, blob,
	    &len));
	assert_int_equal(len, 0);
	/* Disabled, then revoked: unusable, and no new slot. */
	assert_ok(kd_user_disable(s, "alice", 1));
	assert_err(kd_link_slot_get(s, 1600, slot, RESP, NULL, 0, blob, &len),
	    ERR_NOT_FOUND);
	assert_err(kd_link_slot_open(s, 1600, 500, "alice", 1, slot),
	    ERR_DISABLED);
	assert_ok(kd_user_disable(s, "alice", 0));
	assert_ok(kd_link_slot_get(s, 1600, slot, RESP, NULL, 0, blob, &len));
	assert_ok(kd_revoke(s, 1700, "alice", 1, NULL));
	assert_err(kd_link_slot_get(s, 1700, slot, RESP, NULL, 0, blob, &len),
	    ERR_NOT_FOUND);
	assert_err(kd_link_slot_open(s, 1700, 500, "alice", 1, slot),
	    ERR_REVOKED);
	kd_store_close(s);
}

/* The fixture's devices, as device_new makes them from its seeds. */
static struct device *
fixture_device(struct harness *h, const char *user, uint64_t seed,
    uint32_t id)
{
	struct device *d = harness_device(h, user, seed, 2);

	assert_non_null(d);
	d->id = id;
	d->uploaded = 2;
	return d;
}

/* A version-1 database: the key server migrates it and serves its old
 * accounts and invites, rendezvous included; the relay, which insists on
 * the exact schema version, starts on it and authenticates them. */
static void
test_migrate_v1(void **state)
{
	struct harness *h = *state;
	struct device *a1 = fixture_device(h, "alice", 101, 1);
	struct device *a2 = fixture_device(h, "alice", 102, 2);
	struct device *b1 = fixture_device(h, "bob", 103, 1);
	struct device *carol = harness_device(h, "carol", 104, 2);
	struct proto_bundle bundles[PROTO_MAX_DEVICES];
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	struct conn *c1, *cb;
	char out[OUT_MAX];
	size_t n = 0;

	assert_non_null(carol);
	assert_ok(keyserver_fixture(h->dir, "keyserver-v1.sql"));
	assert_ok(keyserver_start(&h->ks, h->dir, NULL));
	c1 = conn_as(h, a1);
	cb = conn_as(h, b1);
	assert_ok(conn_claim(cb, "alice", bundles, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 2);
	assert_int_equal(bundles[0].opk_id, 1);
	assert_int_equal(bundles[1].device_id, 2);
	slot_of(slot, 1);
	assert_ok(conn_link_open(c1, slot));
	assert_ok(conn_link_put(cb, slot, REQ, "r", 1));
	assert_part(c1, slot, REQ, "r", 1);
	/* The old invite still works, for anyone. */
	assert_ok(device_join(carol, conn_as(h, NULL),
	    "5kwkwemfbwmlwe75zywj6qdt6a", NULL, 0));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "list", NULL),
	    0);
	assert_non_null(strstr(out, "invite 4bf65235 uses-left 2 "));

	assert_ok(harness_relay(h, NULL));
	assert_non_null(harness_login(h, a2, NULL));
	assert_non_null(harness_login(h, carol, NULL));
}

#define T(f)                                                                 \
	cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rendezvous),
		T(test_link_errors),
		T(test_link_quota),
		T(test_link_owner_gone),
		T(test_link_expiry),
		T(test_link_store_args),
		T(test_link_store_clock),
		T(test_migrate_v1),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("keyserver_link", tests, NULL,
	    NULL);
}
