/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Shared by bench/bench_*.c: monotonic timing, batch calibration, per-round
 * median/min/max and the one-JSON-object-per-line output. */
#ifndef SEALPOST_BENCH_H
#define SEALPOST_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/compat.h"
#include "common/err.h"

#define BENCH_MAX_ROUNDS 15

/* How long to measure. bench_config_init fills it from the environment:
 * SEALPOST_BENCH_QUICK set to anything but "" or "0" selects the smoke-test
 * settings, whose numbers mean nothing. */
struct bench_config {
	int rounds;         /* timed rounds, 1..BENCH_MAX_ROUNDS */
	uint64_t round_ns;  /* target duration of one round */
	uint64_t warmup_ns; /* minimum warm-up time before calibration ends */
};

/* Per-operation times over the rounds of one case. */
struct bench_stats {
	double median_ns;
	double min_ns;
	double max_ns;
	int rounds;
	size_t batch; /* operations per round */
};

/* Runs n operations of one case on ctx. It checks every result itself and
 * exits on failure, so a bench never times a failing path. */
typedef void (*bench_fn)(void *ctx, size_t n);

static inline void
bench_config_init(struct bench_config *c)
{
	const char *q = getenv("SEALPOST_BENCH_QUICK");

	if (q != NULL && *q != '\0' && strcmp(q, "0") != 0) {
		c->rounds = 3;
		c->round_ns = 1000000;  /* 1 ms */
		c->warmup_ns = 1000000; /* 1 ms */
	} else {
		c->rounds = BENCH_MAX_ROUNDS;
		c->round_ns = 30000000;   /* 30 ms */
		c->warmup_ns = 150000000; /* 150 ms */
	}
}

static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
		perror("clock_gettime");
		exit(1);
	}
	return (uint64_t) ts.tv_sec * 1000000000U + (uint64_t) ts.tv_nsec;
}

/* Nanoseconds taken by fn(ctx, n); at least 1. */
static inline uint64_t
bench_time(bench_fn fn, void *ctx, size_t n)
{
	uint64_t t0 = bench_now_ns(), t;

	fn(ctx, n);
	t = bench_now_ns() - t0;
	return t > 0 ? t : 1;
}

/* Warms up by doubling the batch until one call takes half a round and
 * warmup_ns have passed, then sizes the batch to fill round_ns. */
static inline size_t
bench_calibrate(const struct bench_config *c, bench_fn fn, void *ctx)
{
	uint64_t spent = 0, t = 0;
	size_t n = 1;
	double per_op, batch;

	for (;;) {
		t = bench_time(fn, ctx, n);
		spent += t;
		if (t < c->round_ns / 2 && n < ((size_t) 1 << 30)) {
			n *= 2;
		} else if (spent >= c->warmup_ns) {
			break;
		}
	}
	per_op = (double) t / (double) n;
	batch = (double) c->round_ns / per_op;
	return batch < 1.0 ? 1 : (size_t) batch;
}

/* Calibrates, then times c->rounds batches of fn. */
static inline void
bench_run(const struct bench_config *c, bench_fn fn, void *ctx,
    struct bench_stats *st)
{
	double ns[BENCH_MAX_ROUNDS], v;
	int i, j, k = c->rounds;

	if (k < 1 || k > BENCH_MAX_ROUNDS) {
		fprintf(stderr, "bench: bad round count %d\n", k);
		exit(1);
	}
	st->batch = bench_calibrate(c, fn, ctx);
	for (i = 0; i < k; i++) {
		v = (double) bench_time(fn, ctx, st->batch) /
		    (double) st->batch;
		/* Insertion sort as we go: k is tiny. */
		for (j = i; j > 0 && ns[j - 1] > v; j--) {
			ns[j] = ns[j - 1];
		}
		ns[j] = v;
	}
	st->rounds = k;
	st->min_ns = ns[0];
	st->max_ns = ns[k - 1];
	st->median_ns = k % 2 ? ns[k / 2] : (ns[k / 2 - 1] + ns[k / 2]) / 2;
}

/*
 * Prints one JSON line: bench, impl, then mode if not NULL and size if not
 * 0, then the statistics. The strings are literals that need no escaping.
 * Flushes, so lines appear as cases finish; exits on a write error.
 */
static inline void
bench_print(const char *bench, const char *impl, const char *mode,
    size_t size, const struct bench_stats *st)
{
	printf("{\"bench\":\"%s\",\"impl\":\"%s\"", bench, impl);
	if (mode != NULL) {
		printf(",\"mode\":\"%s\"", mode);
	}
	if (size != 0) {
		printf(",\"size\":%zu", size);
	}
	printf(",\"median_ns\":%.1f,\"min_ns\":%.1f,\"max_ns\":%.1f"
	       ",\"ops_per_s\":%.1f,\"rounds\":%d,\"batch\":%zu}\n",
	    st->median_ns, st->min_ns, st->max_ns, 1e9 / st->median_ns,
	    st->rounds, st->batch);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("bench: stdout");
		exit(1);
	}
}

/* bench_run then bench_print. */
static inline void
bench_case(const struct bench_config *c, bench_fn fn, void *ctx,
    const char *bench, const char *impl, const char *mode, size_t size)
{
	struct bench_stats st;

	bench_run(c, fn, ctx, &st);
	bench_print(bench, impl, mode, size, &st);
}

/* Every benchmark stops at the first failure: a number measured on a
 * failing operation is worse than none. bench_name is set by main(). */
static const char *bench_name = "bench";

static inline NORETURN void
bench_die(const char *what)
{
	fprintf(stderr, "%s: %s\n", bench_name, what);
	exit(1);
}

static inline void
bench_check(int r, const char *what)
{
	if (r != 0) {
		fprintf(stderr, "%s: %s: %s (%d)\n", bench_name, what,
		    err_name(r), r);
		exit(1);
	}
}

#endif
