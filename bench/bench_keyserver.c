/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Prekey CLAIM throughput and latency of a real sealpost-keyserver on
 * 127.0.0.1, with 1 and 4 concurrent clients. */

/*
 * Output: one JSON object per line on stdout and nothing else; errors go to
 * stderr and exit 1.
 *
 *   keyserver_claim  clients = concurrent claimers (threads, each its own
 *                    device and connection) claiming the same target
 *                    device's one-time prekeys for a fixed time; claims,
 *                    claims_per_s over the wall time, p50_us/p99_us of the
 *                    per-request latency over all clients, last_resort =
 *                    claims that found the stock empty (should be 0).
 *
 * Method: the daemon runs with open registration, a claim rate limit far
 * above what is measured, and 4 worker threads. The target is stocked
 * with one-time prekeys in batches of 1000 before each case, and a refill
 * thread uploads more while it drains. Every reply is decoded and checked.
 * SEALPOST_BIN locates the daemon (default build/bin).
 *
 * SEALPOST_BENCH_QUICK=1 cuts each case to 0.2 s: a smoke test.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/clock.h"
#include "common/err.h"
#include "tests/integration/client.h"

#define MAX_CLIENTS 4
#define BATCH 1000
#define LOW_WATER 8000 /* refill below this stock */

struct claimer {
	pthread_t thread;
	struct conn *c;
	const atomic_int *stop;
	uint32_t *lat_us;
	size_t n;
	size_t cap;
	size_t last_resort;
	int err;
};

struct refill {
	pthread_t thread;
	struct device *target;
	struct conn *c;
	atomic_int stop;
	int err;
};

static void *
claim_loop(void *arg)
{
	struct claimer *cl = arg;
	struct proto_bundle b[PROTO_MAX_DEVICES];
	uint64_t t0, dt;
	uint32_t *p;
	size_t n = 0;

	while (!atomic_load(cl->stop)) {
		t0 = bench_now_ns();
		if ((cl->err = conn_claim(cl->c, "target", b,
			 PROTO_MAX_DEVICES, &n)) != 0) {
			break;
		}
		dt = bench_now_ns() - t0;
		if (n != 1) {
			cl->err = ERR_INVALID;
			break;
		}
		if (b[0].opk_kind != 1) {
			cl->last_resort++;
		}
		if (cl->n == cl->cap) {
			cl->cap = cl->cap > 0 ? 2 * cl->cap : 65536;
			if ((p = realloc(cl->lat_us,
				 cl->cap * sizeof(*p))) == NULL) {
				cl->err = ERR_NOMEM;
				break;
			}
			cl->lat_us = p;
		}
		cl->lat_us[cl->n++] = (uint32_t)(dt / 1000);
	}
	return NULL;
}

/* Keeps the target's stock above LOW_WATER while the claimers run. */
static void *
refill_loop(void *arg)
{
	struct refill *rf = arg;
	struct proto_status st;

	while (!atomic_load(&rf->stop)) {
		if ((rf->err = conn_status(rf->c, &st)) != 0) {
			break;
		}
		if (st.opk_count >= LOW_WATER) {
			client_nap_ms(20);
		} else if ((rf->err = device_upload(rf->target, rf->c, BATCH,
				NULL)) != 0) {
			break;
		}
	}
	return NULL;
}

static void
stock_up(struct device *target, struct conn *c, uint32_t want)
{
	struct proto_status st;

	bench_check(conn_status(c, &st), "status");
	while (st.opk_count < want) {
		bench_check(device_upload(target, c, BATCH, &st.opk_count),
		    "upload");
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
run_case(struct harness *h, struct device *target, struct conn *tc,
    struct device *dev[MAX_CLIENTS], size_t clients, int ms)
{
	struct claimer cl[MAX_CLIENTS];
	struct refill rf;
	atomic_int stop;
	uint32_t *all;
	size_t i, j, n = 0, lr = 0;
	int64_t t0, t1;

	stock_up(target, tc, 2 * LOW_WATER);
	memset(cl, 0, sizeof(cl));
	memset(&rf, 0, sizeof(rf));
	atomic_init(&stop, 0);
	atomic_init(&rf.stop, 0);
	rf.target = target;
	rf.c = tc;
	for (i = 0; i < clients; i++) {
		if ((cl[i].c = harness_conn(h, NULL)) == NULL) {
			bench_die("connect");
		}
		bench_check(device_auth(dev[i], cl[i].c), "auth");
		cl[i].stop = &stop;
	}
	if (pthread_create(&rf.thread, NULL, refill_loop, &rf) != 0) {
		bench_die("pthread_create");
	}
	t0 = clock_mono_ms();
	for (i = 0; i < clients; i++) {
		if (pthread_create(&cl[i].thread, NULL, claim_loop, &cl[i]) !=
		    0) {
			bench_die("pthread_create");
		}
	}
	while (clock_mono_ms() - t0 < ms) {
		client_nap_ms(5);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < clients; i++) {
		pthread_join(cl[i].thread, NULL);
	}
	t1 = clock_mono_ms();
	atomic_store(&rf.stop, 1);
	pthread_join(rf.thread, NULL);
	bench_check(rf.err, "refill");
	for (i = 0; i < clients; i++) {
		bench_check(cl[i].err, "claim");
		n += cl[i].n;
		lr += cl[i].last_resort;
	}
	if (n == 0 || (all = malloc(n * sizeof(*all))) == NULL) {
		bench_die("no claims");
	}
	for (i = 0, n = 0; i < clients; i++) {
		for (j = 0; j < cl[i].n; j++) {
			all[n++] = cl[i].lat_us[j];
		}
		free(cl[i].lat_us);
	}
	qsort(all, n, sizeof(*all), cmp_u32);
	printf("{\"bench\":\"keyserver_claim\",\"impl\":\"sealpost\","
	       "\"clients\":%zu,\"seconds\":%.2f,\"claims\":%zu,"
	       "\"claims_per_s\":%.0f,\"p50_us\":%u,\"p99_us\":%u,"
	       "\"last_resort\":%zu}\n",
	    clients, (double)(t1 - t0) / 1000.0, n,
	    (double)n * 1000.0 / (double)(t1 - t0), all[n / 2],
	    all[n * 99 / 100], lr);
	fflush(stdout);
	free(all);
}

int
main(void)
{
	static const char *const args[] = { "--registration", "open",
		"--claim-burst", "1000000", "--claim-rate", "1000000",
		"--max-prekeys", "1000000", "--workers", "4", "--log-level",
		"warning", NULL };
	const char *q = getenv("SEALPOST_BENCH_QUICK");
	int quick = q != NULL && *q != '\0' && strcmp(q, "0") != 0;
	struct device *target, *dev[MAX_CLIENTS];
	struct harness *h = NULL;
	struct conn *tc, *c;
	char name[32];
	size_t i;
	int code;

	bench_name = "bench_keyserver";
	if (sodium_init() < 0) {
		bench_die("sodium_init");
	}
	bench_check(harness_new(&h), "temp dir");
	bench_check(keyserver_start(&h->ks, h->dir, args), "start");
	if ((target = harness_device(h, "target", 1, 0)) == NULL ||
	    (tc = harness_conn(h, NULL)) == NULL) {
		bench_die("target");
	}
	bench_check(device_join(target, tc, NULL, NULL, 0),
	    "register target");
	for (i = 0; i < MAX_CLIENTS; i++) {
		snprintf(name, sizeof(name), "claimer%zu", i);
		if ((dev[i] = harness_device(h, name, 10 + i, 0)) == NULL ||
		    (c = harness_conn(h, NULL)) == NULL) {
			bench_die("device");
		}
		bench_check(device_join(dev[i], c, NULL, NULL, 0), "register");
	}
	run_case(h, target, tc, dev, 1, quick ? 200 : 3000);
	run_case(h, target, tc, dev, MAX_CLIENTS, quick ? 200 : 3000);
	if ((code = harness_free(h)) != 0) {
		fprintf(stderr, "bench_keyserver: daemon exit code %d\n",
		    code);
		return 1;
	}
	return 0;
}
