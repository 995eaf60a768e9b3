/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Throughput, latency and memory of a real sealpost-relay on 127.0.0.1,
 * with a real key server as its directory. */

/*
 * Output: one JSON object per line on stdout and nothing else; errors go to
 * stderr and exit 1.
 *
 *   relay_enqueue  SENDERS sending devices (threads, one connection each)
 *                  store msgs envelopes of ENV_LEN bytes, BATCH per SEND:
 *                  one group per receiving user, one envelope for each of
 *                  its DEVS devices; nobody fetches. msgs_per_s over the
 *                  wall time.
 *   relay_drain    the USERS * DEVS receiving devices (USERS threads, each
 *                  draining its user's devices in turn) FETCH up to 1000
 *                  and ACK them until every queue is empty, checking each
 *                  queue's hash chain; msgs_per_s over the wall time.
 *   relay_latency  the senders paced to `rate` envelopes/s in total (same
 *                  SENDs; rate 1,000 and RATE) while every receiving
 *                  device long-polls (FETCH, wait 1 s) and ACKs; latency
 *                  = fetch return - SEND start, stamped in the envelope;
 *                  p50/p99/max over all of them.
 *   relay_rss      the relay's peak RSS (VmHWM) after the three cases.
 *   relay_idle     a fresh relay process on the same database: N
 *                  connections, each authenticated and parked in a FETCH
 *                  with wait 30 s (plain TCP); kib_per_conn = (VmRSS with
 *                  N parked - VmRSS before) / N. RLIMIT_NOFILE is raised to
 *                  its hard limit first (the relay inherits it); N is capped
 *                  by what it allows.
 *
 * SEALPOST_BENCH_QUICK=1 makes every case tiny: a smoke test whose numbers
 * mean nothing. SEALPOST_BIN locates the daemons (default build/bin).
 */
#include <nng/nng.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench/bench.h"
#include "common/err.h"
#include "common/mem.h"
#include "tests/integration/client.h"

#define SENDERS 4
#define USERS 4
#define DEVS 8
#define BATCH (USERS * DEVS) /* envelopes per SEND */
#define ENV_LEN 256
#define RATE 10000 /* relay_latency: envelopes/s */
#define IDLE_MAX 10000
#define IDLE_DEVICES 16
#define IDLE_THREADS 4

struct setup {
	struct harness *h;
	struct device *snd[SENDERS];
	struct device *rcv[USERS][DEVS];
	char names[USERS][8];
	struct device *idle[IDLE_DEVICES];
	struct chain ch[USERS][DEVS]; /* each receiving queue's, all along */
	int quick;
};

/* ------------------------------------------------------------------ */
/* Senders. */

struct sender {
	pthread_t thread;
	struct setup *s;
	struct conn *c;
	uint8_t idx;
	uint8_t phase;
	size_t nsends;
	uint64_t start_ns;    /* paced: the first SEND's time */
	uint64_t interval_ns; /* paced: between this sender's SENDs; or 0 */
	int err;
};

/* One SEND of the sender's k-th batch: BATCH envelopes, each stamped with
 * the time the SEND starts. */
static int
send_batch(struct sender *sd, uint32_t k, uint8_t (*env)[ENV_LEN],
    struct send_result *res)
{
	struct proto_send_item it[BATCH];
	struct send_group g[USERS];
	uint64_t now = bench_now_ns();
	size_t u, d, j;
	int r;

	for (u = 0; u < USERS; u++) {
		g[u].user = sd->s->names[u];
		g[u].n = DEVS;
		g[u].items = &it[u * DEVS];
		for (d = 0; d < DEVS; d++) {
			j = u * DEVS + d;
			memset(&it[j], 0, sizeof(it[j]));
			it[j].device_id = sd->s->rcv[u][d]->id;
			it[j].id[0] = sd->phase;
			it[j].id[1] = sd->idx;
			it[j].id[2] = (uint8_t)(k >> 24);
			it[j].id[3] = (uint8_t)(k >> 16);
			it[j].id[4] = (uint8_t)(k >> 8);
			it[j].id[5] = (uint8_t)k;
			memcpy(env[j], &now, sizeof(now));
			it[j].env = env[j];
			it[j].len = ENV_LEN;
		}
	}
	if ((r = conn_send(sd->c, g, USERS, res)) != 0) {
		return r;
	}
	return res->result == PROTO_SEND_STORED && res->n == BATCH
	    ? 0
	    : ERR_MISMATCH;
}

static void
sleep_until(uint64_t t_ns)
{
	struct timespec ts = { (time_t)(t_ns / 1000000000U),
		(long)(t_ns % 1000000000U) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) !=
	    0) {
	}
}

static void *
send_loop(void *arg)
{
	struct sender *sd = arg;
	struct send_result *res = malloc(sizeof(*res));
	uint8_t(*env)[ENV_LEN] = calloc(BATCH, ENV_LEN);
	size_t k;

	if (res == NULL || env == NULL) {
		sd->err = ERR_NOMEM;
	}
	for (k = 0; k < sd->nsends && sd->err == 0; k++) {
		if (sd->interval_ns != 0) {
			sleep_until(sd->start_ns + k * sd->interval_ns);
		}
		sd->err = send_batch(sd, (uint32_t)k, env, res);
	}
	free(res);
	free(env);
	return NULL;
}

/* Runs SENDERS senders of nsends each (paced to rate envelopes/s in
 * total if rate > 0); returns the wall time in ns. */
static uint64_t
run_senders(struct setup *s, uint8_t phase, size_t nsends, double rate)
{
	struct sender sd[SENDERS];
	uint64_t t0;
	size_t i;

	memset(sd, 0, sizeof(sd));
	t0 = bench_now_ns() + 10000000; /* 10 ms to start the threads */
	for (i = 0; i < SENDERS; i++) {
		sd[i].s = s;
		sd[i].idx = (uint8_t)i;
		sd[i].phase = phase;
		sd[i].nsends = nsends;
		if ((sd[i].c = harness_login(s->h, s->snd[i], NULL)) == NULL) {
			bench_die("sender login");
		}
		if (rate > 0) {
			/* Staggered so the SENDs are spread evenly. */
			sd[i].interval_ns =
			    (uint64_t)(1e9 * BATCH * SENDERS / rate);
			sd[i].start_ns = t0 + i * sd[i].interval_ns / SENDERS;
		}
	}
	t0 = bench_now_ns();
	for (i = 0; i < SENDERS; i++) {
		if (pthread_create(&sd[i].thread, NULL, send_loop, &sd[i]) !=
		    0) {
			bench_die("pthread_create");
		}
	}
	for (i = 0; i < SENDERS; i++) {
		pthread_join(sd[i].thread, NULL);
		bench_check(sd[i].err, "send");
	}
	return bench_now_ns() - t0;
}

/* ------------------------------------------------------------------ */
/* Receivers. */

struct receiver {
	pthread_t thread;
	struct setup *s;
	struct conn *c[DEVS];
	struct chain *ch[DEVS];
	size_t u;        /* the user whose devices this thread serves */
	size_t d;        /* latency: the one device it serves */
	size_t want;     /* latency: envelopes to wait for */
	size_t n;        /* entries received */
	uint32_t *lat;   /* latency: microseconds */
	int err;
};

/* FETCH + ACK on one queue; *n gets the count. */
static int
fetch_ack(struct conn *c, struct chain *ch, uint32_t wait_ms,
    struct receiver *rv, size_t *n)
{
	struct fetch_result f;
	uint64_t now, ts;
	size_t i;
	int r;

	*n = 0;
	if ((r = conn_fetch(c, PROTO_MAX_FETCH, 16U << 20, wait_ms, &f)) ==
	    0) {
		now = bench_now_ns();
		if ((r = chain_check_all(ch, &f)) == 0) {
			r = conn_ack_all(c, &f);
		}
		for (i = 0; r == 0 && rv->lat != NULL && i < f.n; i++) {
			if (f.e[i].len != ENV_LEN || rv->n + i >= rv->want) {
				r = ERR_INVALID;
				break;
			}
			memcpy(&ts, f.e[i].env, sizeof(ts));
			rv->lat[rv->n + i] = (uint32_t)((now - ts) / 1000);
		}
		*n = f.n;
	}
	fetch_result_free(&f);
	return r;
}

static void *
drain_loop(void *arg)
{
	struct receiver *rv = arg;
	size_t d, n;

	for (d = 0; d < DEVS && rv->err == 0; d++) {
		do {
			rv->err = fetch_ack(rv->c[d], rv->ch[d], 0, rv, &n);
			rv->n += n;
		} while (rv->err == 0 && n > 0);
	}
	return NULL;
}

static void *
poll_loop(void *arg)
{
	struct receiver *rv = arg;
	uint64_t end = bench_now_ns() + 120000000000ULL;
	size_t n;

	while (rv->n < rv->want && rv->err == 0) {
		if (bench_now_ns() > end) {
			rv->err = ERR_TIMEOUT;
			break;
		}
		rv->err = fetch_ack(rv->c[0], rv->ch[0], 1000, rv, &n);
		rv->n += n;
	}
	return NULL;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ */
/* Cases. */

static void
case_enqueue_drain(struct setup *s, size_t nsends)
{
	struct conn_opts o = { 30000, (size_t)4 << 20, NULL, NULL };
	struct receiver rv[USERS];
	size_t msgs = nsends * SENDERS * BATCH, got = 0, u, d;
	uint64_t ns;

	ns = run_senders(s, 1, nsends, 0);
	printf("{\"bench\":\"relay_enqueue\",\"senders\":%d,\"receivers\":%d,"
	       "\"per_send\":%d,\"env_bytes\":%d,\"msgs\":%zu,"
	       "\"seconds\":%.3f,\"msgs_per_s\":%.0f}\n",
	    SENDERS, USERS * DEVS, BATCH, ENV_LEN, msgs, (double)ns / 1e9,
	    (double)msgs * 1e9 / (double)ns);
	fflush(stdout);

	memset(rv, 0, sizeof(rv));
	for (u = 0; u < USERS; u++) {
		rv[u].s = s;
		rv[u].u = u;
		for (d = 0; d < DEVS; d++) {
			rv[u].c[d] = harness_login(s->h, s->rcv[u][d], &o);
			if (rv[u].c[d] == NULL) {
				bench_die("receiver login");
			}
			rv[u].ch[d] = &s->ch[u][d];
		}
	}
	ns = bench_now_ns();
	for (u = 0; u < USERS; u++) {
		if (pthread_create(&rv[u].thread, NULL, drain_loop, &rv[u]) !=
		    0) {
			bench_die("pthread_create");
		}
	}
	for (u = 0; u < USERS; u++) {
		pthread_join(rv[u].thread, NULL);
		bench_check(rv[u].err, "drain");
		got += rv[u].n;
	}
	ns = bench_now_ns() - ns;
	if (got != msgs) {
		bench_die("drain: not every envelope came back");
	}
	printf("{\"bench\":\"relay_drain\",\"receivers\":%d,\"msgs\":%zu,"
	       "\"seconds\":%.3f,\"msgs_per_s\":%.0f}\n",
	    USERS * DEVS, got, (double)ns / 1e9,
	    (double)got * 1e9 / (double)ns);
	fflush(stdout);
}

static void
case_latency(struct setup *s, int rate, double seconds)
{
	struct conn_opts o = { 30000, (size_t)4 << 20, NULL, NULL };
	size_t nsends = (size_t)(seconds * rate / BATCH / SENDERS) + 1;
	size_t nrv = USERS * DEVS, i, total = 0, msgs;
	struct receiver *rv = calloc(nrv, sizeof(*rv));
	uint32_t *all;
	uint64_t ns;

	if (rv == NULL) {
		bench_die("calloc");
	}
	msgs = nsends * SENDERS * BATCH;
	for (i = 0; i < nrv; i++) {
		rv[i].s = s;
		rv[i].want = nsends * SENDERS;
		rv[i].c[0] = harness_login(s->h, s->rcv[i / DEVS][i % DEVS],
		    &o);
		if (rv[i].c[0] == NULL ||
		    (rv[i].lat = calloc(rv[i].want, sizeof(uint32_t))) ==
			NULL) {
			bench_die("receiver");
		}
		rv[i].ch[0] = &s->ch[i / DEVS][i % DEVS];
	}
	for (i = 0; i < nrv; i++) {
		if (pthread_create(&rv[i].thread, NULL, poll_loop, &rv[i]) !=
		    0) {
			bench_die("pthread_create");
		}
	}
	ns = run_senders(s, (uint8_t)(2 + rate / 1000), nsends, rate);
	if ((all = calloc(msgs, sizeof(uint32_t))) == NULL) {
		bench_die("calloc");
	}
	for (i = 0; i < nrv; i++) {
		pthread_join(rv[i].thread, NULL);
		bench_check(rv[i].err, "long-poll receiver");
		memcpy(all + total, rv[i].lat, rv[i].n * sizeof(uint32_t));
		total += rv[i].n;
		free(rv[i].lat);
	}
	if (total != msgs) {
		bench_die("latency: not every envelope came back");
	}
	qsort(all, total, sizeof(all[0]), cmp_u32);
	printf("{\"bench\":\"relay_latency\",\"rate\":%d,\"achieved_rate\":"
	       "%.0f,\"msgs\":%zu,\"p50_us\":%u,\"p99_us\":%u,"
	       "\"max_us\":%u}\n",
	    rate, (double)msgs * 1e9 / (double)ns, total, all[total / 2],
	    all[total * 99 / 100], all[total - 1]);
	fflush(stdout);
	free(all);
	free(rv);
}

/* A line "key: N kB" of /proc/pid/status, in KiB; -1 if missing. */
static long
proc_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
		}
	}
	fclose(f);
	return v;
}

/* ------------------------------------------------------------------ */
/* Idle connections. */

struct idler {
	pthread_t thread;
	struct setup *s;
	const char *url;
	struct conn *c;
	size_t first, n;
	const uint8_t *fetch;
	size_t fetch_len;
	int err;
};

static void *
idle_loop(void *arg)
{
	struct idler *id = arg;
	size_t i;
	int rv;

	for (i = id->first; i < id->first + id->n && id->err == 0; i++) {
		struct conn *c = &id->c[i];

		if ((id->err = conn_open(c, id->url, NULL)) != 0 ||
		    (id->err = device_auth(id->s->idle[i % IDLE_DEVICES],
			 c)) != 0) {
			break;
		}
		/* The FETCH is sent, never received: it stays parked. */
		if ((rv = nng_send(c->sock, (void *)(uintptr_t)id->fetch,
			 id->fetch_len, 0)) != 0) {
			id->err = ERR_NET;
		}
	}
	return NULL;
}

/* How many idle connections the file descriptor limit allows (both
 * processes have the same limit), after raising it to the hard limit. */
static size_t
raise_nofile(size_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		return 0;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + 256) {
		want = rl.rlim_cur > 256 ? (size_t)rl.rlim_cur - 256 : 0;
	}
	return want;
}

static void
case_idle(struct setup *s, size_t n)
{
	struct proto_fetch m = { 1, 4096, PROTO_MAX_WAIT_MS };
	struct idler id[IDLE_THREADS];
	struct wire_writer w;
	struct conn *c;
	uint8_t *frame = NULL;
	size_t flen = 0, i, per = (n + IDLE_THREADS - 1) / IDLE_THREADS;
	int64_t parked = 0;
	long base, rss;
	uint64_t t0, end;

	/* A fresh process on the same (now empty) database. */
	if (daemon_stop(&s->h->relay, 0) != 0) {
		bench_die("relay stop");
	}
	bench_check(daemon_restart(&s->h->relay), "relay restart");
	if ((c = calloc(n, sizeof(*c))) == NULL) {
		bench_die("calloc");
	}
	wire_writer_init(&w, 64);
	proto_frame_begin(&w, PROTO_FETCH);
	proto_fetch_encode(&w, &m);
	bench_check(wire_writer_finish(&w, &frame, &flen), "fetch frame");
	base = proc_kib(s->h->relay.pid, "VmRSS");
	t0 = bench_now_ns();
	memset(id, 0, sizeof(id));
	for (i = 0; i < IDLE_THREADS; i++) {
		id[i].s = s;
		id[i].url = s->h->relay.url;
		id[i].c = c;
		id[i].first = i * per;
		id[i].n = id[i].first >= n ? 0
		    : n - id[i].first < per ? n - id[i].first
					    : per;
		id[i].fetch = frame;
		id[i].fetch_len = flen;
		if (pthread_create(&id[i].thread, NULL, idle_loop, &id[i]) !=
		    0) {
			bench_die("pthread_create");
		}
	}
	for (i = 0; i < IDLE_THREADS; i++) {
		pthread_join(id[i].thread, NULL);
		bench_check(id[i].err, "idle connection");
	}
	/* Every FETCH must be parked before the 30 s wait ends. */
	end = bench_now_ns() + 20000000000ULL;
	while (parked < (int64_t)n && bench_now_ns() < end) {
		if (client_metric(s->h->relay.http_port,
			"sealpost_server_parked", &parked) != 0) {
			bench_die("metrics");
		}
		client_nap_ms(20);
	}
	if (parked < (int64_t)n) {
		bench_die("idle: not every FETCH got parked");
	}
	rss = proc_kib(s->h->relay.pid, "VmRSS");
	printf("{\"bench\":\"relay_idle\",\"transport\":\"tcp\","
	       "\"connections\":%zu,\"setup_s\":%.1f,\"baseline_kib\":%ld,"
	       "\"rss_kib\":%ld,\"kib_per_conn\":%.1f}\n",
	    n, (double)(bench_now_ns() - t0) / 1e9, base, rss,
	    (double)(rss - base) / (double)n);
	fflush(stdout);
	/* The relay frees the parked requests as it stops; the client's
	 * sockets are left to the process exit (closing 10,000 nng
	 * sockets one by one is slow and measures nothing). */
	if (daemon_stop(&s->h->relay, 0) != 0) {
		bench_die("relay stop with parked requests");
	}
	mem_wipe_free(frame, flen);
}

static void
make_devices(struct setup *s)
{
	char name[16];
	size_t i, u;

	for (i = 0; i < SENDERS; i++) {
		snprintf(name, sizeof(name), "sender%zu", i);
		bench_check(harness_user(s->h, name, 10 + i, 1, &s->snd[i]),
		    "sender");
	}
	for (u = 0; u < USERS; u++) {
		snprintf(s->names[u], sizeof(s->names[u]), "rcpt%zu", u);
		bench_check(harness_user(s->h, s->names[u], 100 + 10 * u, DEVS,
				s->rcv[u]),
		    "receiver");
	}
	for (i = 0; i < IDLE_DEVICES; i++) {
		snprintf(name, sizeof(name), "idle%zu", i);
		bench_check(harness_user(s->h, name, 1000 + i, 1, &s->idle[i]),
		    "idle device");
	}
}

int
main(void)
{
	const char *q = getenv("SEALPOST_BENCH_QUICK");
	struct setup s;
	size_t nidle, i;
	int code;

	bench_name = "bench_relay";
	if (sodium_init() < 0) {
		bench_die("sodium_init");
	}
	memset(&s, 0, sizeof(s));
	s.quick = q != NULL && *q != '\0' && strcmp(q, "0") != 0;
	nidle = raise_nofile(s.quick ? 200 : IDLE_MAX);
	bench_check(harness_new(&s.h), "temp dir");
	bench_check(keyserver_start(&s.h->ks, s.h->dir,
			(const char *const[]){ "--registration", "open",
			    NULL }),
	    "keyserver");
	bench_check(harness_relay(s.h,
			(const char *const[]){ "--max-messages", "100000000",
			    "--max-bytes", "1TiB", "--ttl", "1d",
			    "--log-level", "err", NULL }),
	    "relay");
	make_devices(&s);
	for (i = 0; i < USERS * DEVS; i++) {
		chain_init(&s.ch[i / DEVS][i % DEVS]);
	}
	/* 50,176 envelopes: 392 SENDs of 32 per sender. */
	case_enqueue_drain(&s, s.quick ? 16 : 392);
	case_latency(&s, 1000, s.quick ? 0.2 : 2.0);
	case_latency(&s, RATE, s.quick ? 0.2 : 3.0);
	printf("{\"bench\":\"relay_rss\",\"peak_kib\":%ld}\n",
	    proc_kib(s.h->relay.pid, "VmHWM"));
	fflush(stdout);
	/* Closed now: closing them after 10,000 sockets started dialling
	 * a stopped relay takes a second each. */
	for (i = 0; i < s.h->nconns; i++) {
		conn_close(s.h->conns[i]);
	}
	case_idle(&s, nidle);
	if ((code = harness_free(s.h)) != 0) {
		fprintf(stderr, "bench_relay: a daemon exited with %d\n",
		    code);
		return 1;
	}
	return 0;
}
