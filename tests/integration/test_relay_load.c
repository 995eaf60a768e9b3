/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-relay under load and crashes: a sender streams thousands of
 * envelopes in batches while the relay is killed with SIGKILL at moments
 * a seeded RNG picks and restarted on the same database; the sender
 * retries each unanswered SEND with the same ids. Every acknowledged
 * envelope must then be delivered exactly once, in an unbroken chain, and
 * nothing else. A second case runs concurrent senders against long-polling
 * receivers. */
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
#define NUSERS 10        /* recipients, each with DEVS devices */
#define DEVS 2
#define NQUEUES (NUSERS * DEVS)
#define TOTAL 3000       /* envelopes, at least */
#define MAX_BATCHES TOTAL
#define NKILLS 4
#define ENV_MAX 300
#define ID_MAGIC 0x5c

/* One SEND: k recipient users (distinct), DEVS envelopes each. */
struct batch {
	uint8_t k;
	uint8_t users[NUSERS];
	int acked;
	struct proto_receipt rc[NQUEUES];
	uint8_t delivered[NQUEUES];
};

struct crash {
	struct harness *h;
	struct device *sender;
	struct device *rcpt[NUSERS][DEVS];
	char names[NUSERS][8];
	struct batch *b;
	size_t nbatches, total;

	pthread_mutex_t lock; /* guards url */
	char url[CLIENT_PATH_MAX];
	atomic_size_t sent;   /* batches acknowledged */
	atomic_int stop;
	size_t retries;
	atomic_int err;
	char why[256];
};

/* The envelope of item j of batch b: deterministic bytes. */
static size_t
env_of(size_t b, size_t j, uint8_t out[static ENV_MAX])
{
	size_t len = 32 + (b * 7 + j * 13) % (ENV_MAX - 32), i;

	for (i = 0; i < len; i++) {
		out[i] = (uint8_t)(b * 31 + j * 17 + i);
	}
	return len;
}

static void
id_of(size_t b, size_t j, uint8_t id[static PROTO_ID_LEN])
{
	memset(id, ID_MAGIC, PROTO_ID_LEN);
	id[0] = (uint8_t)(b >> 24);
	id[1] = (uint8_t)(b >> 16);
	id[2] = (uint8_t)(b >> 8);
	id[3] = (uint8_t)b;
	id[4] = (uint8_t)j;
}

/* Draws the batches: 1..NUSERS users each, until TOTAL envelopes. */
static void
plan(struct crash *cr, struct rng_seeded *rs)
{
	uint8_t perm[NUSERS], t, r;
	size_t i;

	while (cr->total < TOTAL) {
		struct batch *b = &cr->b[cr->nbatches++];

		for (i = 0; i < NUSERS; i++) {
			perm[i] = (uint8_t)i;
		}
		for (i = NUSERS - 1; i > 0; i--) {
			rng_fill(&rs->rng, &r, 1);
			t = perm[i];
			perm[i] = perm[r % (i + 1)];
			perm[r % (i + 1)] = t;
		}
		rng_fill(&rs->rng, &r, 1);
		b->k = (uint8_t)(1 + r % NUSERS);
		memcpy(b->users, perm, b->k);
		cr->total += (size_t)b->k * DEVS;
	}
}

/* The SEND of batch bi into g, items and envs (caller's arrays). */
static void
build(struct crash *cr, size_t bi, struct send_group *g,
    struct proto_send_item *items, uint8_t (*envs)[ENV_MAX])
{
	const struct batch *b = &cr->b[bi];
	size_t i, d, j;

	for (i = 0; i < b->k; i++) {
		g[i].user = cr->names[b->users[i]];
		g[i].n = DEVS;
		g[i].items = &items[i * DEVS];
		for (d = 0; d < DEVS; d++) {
			j = i * DEVS + d;
			items[j].device_id = cr->rcpt[b->users[i]][d]->id;
			id_of(bi, j, items[j].id);
			items[j].len = env_of(bi, j, envs[j]);
			items[j].env = envs[j];
		}
	}
}

/* A connection to the relay as it is now, authenticated. */
static int
reconnect(struct crash *cr, struct conn *c)
{
	struct conn_opts o = { 1000 * client_time_scale(), 0, NULL, NULL };
	char url[CLIENT_PATH_MAX];
	int r;

	conn_close(c);
	pthread_mutex_lock(&cr->lock);
	memcpy(url, cr->url, sizeof(url));
	pthread_mutex_unlock(&cr->lock);
	if ((r = conn_open(c, url, &o)) == 0 &&
	    (r = device_auth(cr->sender, c)) != 0) {
		conn_close(c);
	}
	return r;
}

/* Sends batch bi until the relay acknowledges it (same ids every time). */
static int
send_batch(struct crash *cr, struct conn *c, size_t bi,
    struct send_result *res)
{
	static uint8_t envs[NQUEUES][ENV_MAX];
	struct proto_send_item items[NQUEUES];
	struct send_group g[NUSERS];
	struct batch *b = &cr->b[bi];
	int64_t end = clock_mono_ms() + 60000 * client_time_scale();
	int r;

	build(cr, bi, g, items, envs);
	for (;;) {
		if (!c->open) {
			if ((r = reconnect(cr, c)) == 0) {
				continue;
			}
		} else if ((r = conn_send(c, g, b->k, res)) == 0) {
			if (res->result != PROTO_SEND_STORED ||
			    res->n != (size_t)b->k * DEVS) {
				snprintf(cr->why, sizeof(cr->why),
				    "batch %zu: result %u, %zu receipts", bi,
				    res->result, res->n);
				return ERR_INVALID;
			}
			memcpy(b->rc, res->rc, res->n * sizeof(res->rc[0]));
			b->acked = 1;
			return 0;
		}
		if (r != ERR_NET && r != ERR_TIMEOUT && r != ERR_UNAUTH) {
			snprintf(cr->why, sizeof(cr->why), "batch %zu: %s",
			    bi, err_name(r));
			return r;
		}
		/* The relay is gone or restarting: a new connection, and
		 * the same SEND again. */
		if (c->open) {
			conn_close(c);
			cr->retries++;
		}
		if (clock_mono_ms() > end || atomic_load(&cr->stop)) {
			snprintf(cr->why, sizeof(cr->why),
			    "batch %zu: no relay for 60 s", bi);
			return ERR_TIMEOUT;
		}
		client_nap_ms(2);
	}
}

/* The sender: its own thread, no cmocka calls. */
static void *
sender(void *arg)
{
	struct crash *cr = arg;
	struct send_result *res;
	struct conn c;
	size_t i;

	memset(&c, 0, sizeof(c));
	if ((res = malloc(sizeof(*res))) == NULL) {
		atomic_store(&cr->err, ERR_NOMEM);
		return NULL;
	}
	for (i = 0; i < cr->nbatches && !atomic_load(&cr->stop); i++) {
		int r = send_batch(cr, &c, i, res);

		if (r != 0) {
			atomic_store(&cr->err, r);
			break;
		}
		atomic_store(&cr->sent, i + 1);
	}
	conn_close(&c);
	free(res);
	return NULL;
}

/* Sender thread state lives here, so a failed assertion's teardown can
 * stop it. */
static struct crash crash;
static pthread_t crash_thread;
static int running;

static void
publish_url(struct crash *cr)
{
	pthread_mutex_lock(&cr->lock);
	memcpy(cr->url, cr->h->relay.url, sizeof(cr->url));
	pthread_mutex_unlock(&cr->lock);
}

/* Kills the relay NKILLS times at seeded moments while the sender runs. */
static void
killer(struct crash *cr, struct rng_seeded *rs)
{
	size_t k, target;
	int64_t end;
	uint8_t r[2];

	for (k = 0; k < NKILLS; k++) {
		rng_fill(&rs->rng, r, sizeof(r));
		target = (k + 1) * cr->nbatches / (NKILLS + 1) +
		    r[0] % (cr->nbatches / (4 * (NKILLS + 1)) + 1);
		end = clock_mono_ms() + 120000 * client_time_scale();
		while (atomic_load(&cr->sent) < target &&
		    atomic_load(&cr->err) == 0 && clock_mono_ms() < end) {
			client_nap_ms(1);
		}
		if (atomic_load(&cr->err) != 0) {
			fail_msg("sender: %s", cr->why);
		}
		assert_true(atomic_load(&cr->sent) >= target);
		if (r[1] % 4 != 0) {
			client_nap_ms(r[1] % 4);
		}
		daemon_kill9(&cr->h->relay);
		assert_ok(daemon_restart(&cr->h->relay));
		publish_url(cr);
	}
}

/* Where envelope (bi, j) must land: the queue index. */
static size_t
queue_of(const struct crash *cr, size_t bi, size_t j)
{
	return (size_t)cr->b[bi].users[j / DEVS] * DEVS + j % DEVS;
}

/* One entry of queue q: an envelope the sender sent and had
 * acknowledged, there for the first time, as the receipt said. */
static void
check_entry(struct crash *cr, size_t q, const struct proto_entry *e)
{
	uint8_t id[PROTO_ID_LEN], env[ENV_MAX];
	size_t bi, j, len;

	assert_int_equal(e->kind, PROTO_ENTRY_ENVELOPE);
	bi = (size_t)e->id[0] << 24 | (size_t)e->id[1] << 16 |
	    (size_t)e->id[2] << 8 | e->id[3];
	j = e->id[4];
	if (bi >= cr->nbatches || j >= (size_t)cr->b[bi].k * DEVS) {
		fail_msg("queue %zu: an id never sent (%zu, %zu)", q, bi, j);
	}
	id_of(bi, j, id);
	assert_mem_eq(e->id, id, PROTO_ID_LEN);
	assert_int_equal(queue_of(cr, bi, j), q);
	len = env_of(bi, j, env);
	assert_int_equal(e->len, len);
	assert_mem_eq(e->env, env, len);
	assert_true(cr->b[bi].acked);
	if (cr->b[bi].delivered[j]) {
		fail_msg("queue %zu: (%zu, %zu) delivered twice", q, bi, j);
	}
	cr->b[bi].delivered[j] = 1;
	assert_int_equal(e->seq, cr->b[bi].rc[j].seq);
	assert_mem_eq(e->chain, cr->b[bi].rc[j].chain, PROTO_HASH_LEN);
}

/* Drains queue q (fetch + ack until empty); its entry count. */
static size_t
drain(struct crash *cr, size_t q)
{
	const struct device *d = cr->rcpt[q / DEVS][q % DEVS];
	struct conn *c = harness_login(cr->h, d, NULL);
	struct fetch_result f;
	struct chain ch;
	size_t n = 0, i;
	int r;

	assert_non_null(c);
	chain_init(&ch);
	for (;;) {
		assert_ok(conn_fetch(c, PROTO_MAX_FETCH, 1U << 24, 0, &f));
		if (f.n == 0) {
			fetch_result_free(&f);
			break;
		}
		for (i = 0; i < f.n; i++) {
			if ((r = chain_check(&ch, &f.e[i])) != 0) {
				fail_msg("queue %zu: %s (%d)", q, ch.why, r);
			}
			check_entry(cr, q, &f.e[i]);
		}
		n += f.n;
		assert_ok(conn_ack_all(c, &f));
		fetch_result_free(&f);
	}
	assert_int_equal(ch.seq, n);
	return n;
}

static void
test_crash_safety(void **state)
{
	struct harness *h = *state;
	struct crash *cr = &crash;
	struct rng_seeded rs;
	uint8_t seed[32];
	size_t u, d, q, bi, j, n = 0;
	struct device *devs[DEVS];

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open")));
	assert_ok(harness_relay(h, ARGS("--max-messages", "100000")));
	memset(cr, 0, sizeof(*cr));
	atomic_init(&cr->err, 0);
	atomic_init(&cr->stop, 0);
	atomic_init(&cr->sent, 0);
	cr->h = h;
	assert_int_equal(pthread_mutex_init(&cr->lock, NULL), 0);
	assert_non_null(cr->b = calloc(MAX_BATCHES, sizeof(*cr->b)));
	assert_ok(harness_user(h, "alice", 1, 1, &cr->sender));
	for (u = 0; u < NUSERS; u++) {
		snprintf(cr->names[u], sizeof(cr->names[u]), "rcpt%zu", u);
		assert_ok(harness_user(h, cr->names[u], 100 + 10 * u, DEVS,
		    devs));
		for (d = 0; d < DEVS; d++) {
			cr->rcpt[u][d] = devs[d];
		}
	}
	memset(seed, 0xc8, sizeof(seed));
	rng_seeded_init(&rs, seed);
	plan(cr, &rs);
	publish_url(cr);
	assert_int_equal(pthread_create(&crash_thread, NULL, sender, cr), 0);
	running = 1;
	killer(cr, &rs);
	rng_seeded_wipe(&rs);
	assert_int_equal(pthread_join(crash_thread, NULL), 0);
	running = 0;
	if (atomic_load(&cr->err) != 0) {
		fail_msg("sender: %s", cr->why);
	}
	assert_int_equal(atomic_load(&cr->sent), cr->nbatches);
	print_message("%zu envelopes in %zu sends, %d kills, %zu retried "
		      "sends\n",
	    cr->total, cr->nbatches, NKILLS, cr->retries);

	for (q = 0; q < NQUEUES; q++) {
		n += drain(cr, q);
	}
	for (bi = 0; bi < cr->nbatches; bi++) {
		for (j = 0; j < (size_t)cr->b[bi].k * DEVS; j++) {
			if (!cr->b[bi].delivered[j]) {
				fail_msg("envelope %zu of send %zu (queue %zu,"
					 " seq %llu) acknowledged, never "
					 "delivered",
				    j, bi, queue_of(cr, bi, j),
				    (unsigned long long)cr->b[bi].rc[j].seq);
			}
		}
	}
	assert_int_equal(n, cr->total);
	assert_int_equal(h->relay.starts, NKILLS + 1);
	free(cr->b);
	cr->b = NULL;
	pthread_mutex_destroy(&cr->lock);
}

/* ------------------------------------------------------------------ */
/* Concurrent senders, long-polling receivers. */

#define NSENDERS 4
#define PER_SENDER 400

struct conc_sender {
	pthread_t thread;
	struct conn *c;
	const struct device *to[DEVS];
	uint8_t tag;
	int err;
};

struct conc_receiver {
	pthread_t thread;
	struct conn *c;
	struct chain ch;
	uint8_t seen[NSENDERS][PER_SENDER];
	size_t n;
	int err;
	char why[200];
};

static void *
conc_send(void *arg)
{
	struct conc_sender *s = arg;
	struct proto_send_item it[DEVS];
	struct send_result *res = malloc(sizeof(*res));
	struct send_group g = { "bob", DEVS, it };
	uint8_t body[64];
	size_t i, d;

	if (res == NULL) {
		s->err = ERR_NOMEM;
		return NULL;
	}
	for (i = 0; i < PER_SENDER && s->err == 0; i++) {
		memset(body, s->tag, sizeof(body));
		for (d = 0; d < DEVS; d++) {
			memset(&it[d], 0, sizeof(it[d]));
			it[d].device_id = s->to[d]->id;
			it[d].id[0] = s->tag;
			it[d].id[1] = (uint8_t)(i >> 8);
			it[d].id[2] = (uint8_t)i;
			it[d].env = body;
			it[d].len = sizeof(body);
		}
		if ((s->err = conn_send(s->c, &g, 1, res)) == 0 &&
		    res->result != PROTO_SEND_STORED) {
			s->err = ERR_MISMATCH;
		}
	}
	free(res);
	return NULL;
}

static atomic_int conc_stop;

/* Long-polls until it saw every envelope, checking as it goes. */
static void *
conc_receive(void *arg)
{
	struct conc_receiver *rv = arg;
	struct fetch_result f;
	size_t i, t, k;
	int64_t end = clock_mono_ms() + 120000 * client_time_scale();

	while (rv->n < NSENDERS * PER_SENDER && rv->err == 0 &&
	    !atomic_load(&conc_stop)) {
		if (clock_mono_ms() > end) {
			rv->err = ERR_TIMEOUT;
			break;
		}
		if ((rv->err = conn_fetch(rv->c, 100, 1U << 20, 5000,
			 &f)) != 0) {
			break;
		}
		for (i = 0; i < f.n && rv->err == 0; i++) {
			t = f.e[i].id[0];
			k = (size_t)f.e[i].id[1] << 8 | f.e[i].id[2];
			if (chain_check(&rv->ch, &f.e[i]) != 0) {
				snprintf(rv->why, sizeof(rv->why), "%s",
				    rv->ch.why);
				rv->err = ERR_AUTH;
			} else if (t >= NSENDERS || k >= PER_SENDER ||
			    rv->seen[t][k]) {
				snprintf(rv->why, sizeof(rv->why),
				    "unexpected or repeated id %zu/%zu", t, k);
				rv->err = ERR_INVALID;
			} else {
				rv->seen[t][k] = 1;
				rv->n++;
			}
		}
		if (rv->err == 0) {
			rv->err = conn_ack_all(rv->c, &f);
		}
		fetch_result_free(&f);
	}
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct harness *h = *state;
	struct conn_opts o = { 20000 * client_time_scale(), 0, NULL, NULL };
	struct conc_sender s[NSENDERS];
	static struct conc_receiver rv[DEVS];
	struct device *bob[DEVS], *snd[1];
	char name[16];
	size_t i;
	int err = 0;

	atomic_init(&conc_stop, 0);
	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open")));
	assert_ok(harness_relay(h, ARGS("--max-messages", "100000")));
	assert_ok(harness_user(h, "bob", 10, DEVS, bob));
	memset(s, 0, sizeof(s));
	memset(rv, 0, sizeof(rv));
	for (i = 0; i < DEVS; i++) {
		assert_non_null(rv[i].c = harness_login(h, bob[i], &o));
		chain_init(&rv[i].ch);
		assert_int_equal(pthread_create(&rv[i].thread, NULL,
				     conc_receive, &rv[i]),
		    0);
	}
	for (i = 0; i < NSENDERS; i++) {
		snprintf(name, sizeof(name), "sender%zu", i);
		assert_ok(harness_user(h, name, 100 + i, 1, snd));
		assert_non_null(s[i].c = harness_login(h, snd[0], NULL));
		s[i].to[0] = bob[0];
		s[i].to[1] = bob[1];
		s[i].tag = (uint8_t)i;
	}
	for (i = 0; i < NSENDERS; i++) {
		assert_int_equal(pthread_create(&s[i].thread, NULL, conc_send,
				     &s[i]),
		    0);
	}
	for (i = 0; i < NSENDERS; i++) {
		assert_int_equal(pthread_join(s[i].thread, NULL), 0);
		if (s[i].err != 0 && err == 0) {
			err = s[i].err;
			atomic_store(&conc_stop, 1);
		}
	}
	for (i = 0; i < DEVS; i++) {
		assert_int_equal(pthread_join(rv[i].thread, NULL), 0);
	}
	if (err != 0) {
		fail_msg("a sender failed: %s", err_name(err));
	}
	for (i = 0; i < DEVS; i++) {
		if (rv[i].err != 0) {
			fail_msg("receiver %zu: %s %s", i,
			    err_name(rv[i].err), rv[i].why);
		}
		assert_int_equal(rv[i].n, NSENDERS * PER_SENDER);
		assert_int_equal(rv[i].ch.seq, NSENDERS * PER_SENDER);
	}
}

static int
teardown(void **state)
{
	if (running) {
		atomic_store(&crash.stop, 1);
		(void)pthread_join(crash_thread, NULL);
		running = 0;
	}
	return harness_teardown(state);
}

#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_crash_safety),
		T(test_concurrent),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("relay_load", tests, NULL, NULL);
}
