/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver under concurrent claims: eight claimer threads drain
 * a stock of thousands of one-time prekeys and each key is handed out at
 * most once, also across a kill -9 and a restart on the same database. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "common/clock.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NCLAIMERS 8
#define STOCK 4000
#define BATCH 1000
#define KILL_AFTER 1000 /* claims before the kill -9 */

struct claimer {
	pthread_t thread;
	struct conn *c;
	const struct device *target;
	atomic_size_t *progress;
	uint32_t *ids; /* one-time key ids received, in order */
	size_t n;
	size_t cap;
	int err;      /* what ended the run: 0 for the last-resort key */
	int last_resort;
};

/* The claimers and their progress live here, not on a test's stack, so
 * that a failed assertion's teardown can join the threads (running) and
 * free the lists before closing their connections. */
static struct claimer claimers[NCLAIMERS];
static atomic_size_t progress;
static int running;

static void join_claimers(struct claimer cl[NCLAIMERS]);
static void free_claimers(struct claimer cl[NCLAIMERS]);

static int
teardown(void **state)
{
	if (running) {
		join_claimers(claimers);
	}
	free_claimers(claimers);
	return harness_teardown(state);
}

/* Claims from the target until its last-resort key comes back or a
 * request fails (a dead daemon ends the run by error or timeout). Runs on
 * its own thread: no cmocka calls here. */
static void *
claim_loop(void *arg)
{
	struct claimer *cl = arg;
	struct proto_bundle b[PROTO_MAX_DEVICES];
	uint8_t pk[KEY_LEN];
	uint32_t id;
	size_t n = 0;
	int r;

	for (;;) {
		if ((r = conn_claim(cl->c, cl->target->user, b,
			 PROTO_MAX_DEVICES, &n)) != 0) {
			cl->err = r;
			break;
		}
		if (n != 1) {
			cl->err = ERR_INVALID;
			break;
		}
		if (b[0].opk_kind == 2) {
			cl->last_resort = 1;
			break;
		}
		id = b[0].opk_id;
		/* Only uploaded ids, each with its own key. */
		if (b[0].opk_kind != 1 || id == 0 ||
		    id > cl->target->uploaded || cl->n == cl->cap) {
			cl->err = ERR_INVALID;
			break;
		}
		(void)device_opk_at(cl->target, id - 1, pk);
		if (sodium_memcmp(pk, b[0].opk, KEY_LEN) != 0) {
			cl->err = ERR_MISMATCH;
			break;
		}
		cl->ids[cl->n++] = id;
		atomic_fetch_add(cl->progress, 1);
	}
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A daemon with a large claim budget and bob with STOCK one-time prekeys
 * uploaded in batches; NCLAIMERS registered devices. */
static struct device *
prepare(struct harness *h, struct device *dev[NCLAIMERS])
{
	struct device *bob;
	struct conn *c;
	uint32_t stock = 0;
	char name[16];
	size_t i;

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open", "--claim-burst", "1000000",
		"--claim-rate", "1000000", "--max-prekeys", "100000",
		"--workers", "8")));
	assert_non_null(bob = harness_device(h, "bob", 1, STOCK));
	assert_non_null(c = harness_conn(h, NULL));
	assert_ok(device_join(bob, c, NULL, NULL, 0));
	assert_int_equal(bob->uploaded, BATCH);
	while (bob->uploaded < STOCK) {
		assert_ok(device_upload(bob, c, BATCH, &stock));
	}
	assert_int_equal(stock, STOCK);
	for (i = 0; i < NCLAIMERS; i++) {
		snprintf(name, sizeof(name), "claimer%zu", i);
		assert_non_null(dev[i] = harness_device(h, name, 100 + i, 0));
		assert_non_null(c = harness_conn(h, NULL));
		assert_ok(device_join(dev[i], c, NULL, NULL, 0));
	}
	return bob;
}

/* Starts the claimers, each on a fresh authenticated connection. */
static void
run_claimers(struct harness *h, struct claimer cl[NCLAIMERS],
    struct device *dev[NCLAIMERS], const struct device *bob,
    atomic_size_t *count, int timeout_ms)
{
	struct conn_opts o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	for (i = 0; i < NCLAIMERS; i++) {
		assert_non_null(cl[i].c = harness_conn(h, &o));
		assert_ok(device_auth(dev[i], cl[i].c));
		cl[i].target = bob;
		cl[i].progress = count;
		cl[i].err = 0;
		cl[i].last_resort = 0;
		if (cl[i].ids == NULL) {
			assert_non_null(cl[i].ids = calloc(STOCK,
					    sizeof(uint32_t)));
			cl[i].cap = STOCK;
		}
	}
	running = 1;
	for (i = 0; i < NCLAIMERS; i++) {
		if (pthread_create(&cl[i].thread, NULL, claim_loop, &cl[i]) !=
		    0) {
			cl[i].c = NULL;
			fail_msg("pthread_create");
		}
	}
}

static void
join_claimers(struct claimer cl[NCLAIMERS])
{
	size_t i;

	running = 0;
	for (i = 0; i < NCLAIMERS && cl[i].c != NULL; i++) {
		(void)pthread_join(cl[i].thread, NULL);
		conn_close(cl[i].c);
	}
}

/* Checks the union of every claimer's ids: no id twice. Returns its
 * size. */
static size_t
check_union(struct claimer cl[NCLAIMERS])
{
	uint32_t *all, dup;
	size_t n = 0, i, j;

	assert_non_null(all = calloc(NCLAIMERS * STOCK, sizeof(uint32_t)));
	for (i = 0; i < NCLAIMERS; i++) {
		for (j = 0; j < cl[i].n; j++) {
			all[n++] = cl[i].ids[j];
		}
	}
	qsort(all, n, sizeof(all[0]), cmp_u32);
	for (i = 1; i < n; i++) {
		if (all[i] == all[i - 1]) {
			dup = all[i];
			free(all);
			fail_msg("one-time prekey %u handed out twice", dup);
		}
	}
	free(all);
	return n;
}

static void
free_claimers(struct claimer cl[NCLAIMERS])
{
	size_t i;

	for (i = 0; i < NCLAIMERS; i++) {
		free(cl[i].ids);
		cl[i].ids = NULL;
	}
}

static void
test_concurrent_claims(void **state)
{
	struct harness *h = *state;
	struct claimer *cl = claimers;
	struct device *dev[NCLAIMERS], *bob;
	struct proto_status st;
	size_t i, total;

	memset(claimers, 0, sizeof(claimers));
	atomic_init(&progress, 0);
	bob = prepare(h, dev);
	run_claimers(h, cl, dev, bob, &progress, 0);
	join_claimers(cl);
	for (i = 0; i < NCLAIMERS; i++) {
		if (cl[i].err != 0 || !cl[i].last_resort) {
			free_claimers(cl);
			fail_msg("claimer %zu: %s", i, err_name(cl[i].err));
		}
	}
	total = check_union(cl);
	free_claimers(cl);
	/* Every key was served exactly once. */
	assert_int_equal(total, STOCK);
	assert_non_null(h->conns[0]);
	assert_ok(conn_status(h->conns[0], &st));
	assert_int_equal(st.opk_count, 0);
	assert_int_equal(st.last_resort_uses, NCLAIMERS);
}

/* Polls the claimers' progress until it reaches n (bounded). */
static void
wait_progress(atomic_size_t *count, size_t n)
{
	int64_t end = clock_mono_ms() + 60000 * client_time_scale();

	while (atomic_load(count) < n && clock_mono_ms() < end) {
		client_nap_ms(1);
	}
	assert_true(atomic_load(count) >= n);
}

static void
test_claims_across_kill(void **state)
{
	struct harness *h = *state;
	struct claimer *cl = claimers;
	struct device *dev[NCLAIMERS], *bob;
	struct proto_status st;
	size_t i, before, total;
	struct conn *c;

	memset(claimers, 0, sizeof(claimers));
	atomic_init(&progress, 0);
	bob = prepare(h, dev);
	/* A dead daemon shows up as a timeout: keep it short. */
	run_claimers(h, cl, dev, bob, &progress, 2000 * client_time_scale());
	wait_progress(&progress, KILL_AFTER);
	daemon_kill9(&h->ks);
	join_claimers(cl);
	before = atomic_load(&progress);
	for (i = 0; i < NCLAIMERS; i++) {
		if (cl[i].err == ERR_INVALID || cl[i].err == ERR_MISMATCH) {
			free_claimers(cl);
			fail_msg("claimer %zu: %s", i, err_name(cl[i].err));
		}
	}

	/* Same database, new port; the devices authenticate again and go
	 * on from where their lists end. */
	assert_ok(daemon_restart(&h->ks));
	run_claimers(h, cl, dev, bob, &progress, 0);
	join_claimers(cl);
	for (i = 0; i < NCLAIMERS; i++) {
		if (cl[i].err != 0 || !cl[i].last_resort) {
			free_claimers(cl);
			fail_msg("claimer %zu after restart: %s", i,
			    err_name(cl[i].err));
		}
	}
	total = check_union(cl);
	free_claimers(cl);
	print_message("claims: %zu before the kill, %zu in all\n", before,
	    total);
	assert_true(before < total);
	/* A claim in flight at the kill may be committed without its reply
	 * arriving: at most one per claimer is lost, none is served twice. */
	assert_true(total <= STOCK);
	assert_true(STOCK - total <= NCLAIMERS);
	assert_non_null(c = harness_conn(h, NULL));
	assert_ok(device_auth(bob, c));
	assert_ok(conn_status(c, &st));
	assert_int_equal(st.opk_count, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_concurrent_claims),
		T(test_claims_across_kill),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("keyserver_load", tests, NULL,
	    NULL);
}
