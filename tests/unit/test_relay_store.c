/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for relay/relay_store: enqueue, fetch, ack, the queue chain,
 * idempotent resends, quotas and overflow tombstones, the TTL sweep,
 * deletion, statistics, reopening, group commit under threads and injected
 * database failures. The clock is passed in; nothing sleeps. */
#include "tests/unit/helpers.h"

#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/proto.h"
#include "relay/relay_store.h"
#include "relay/relay_store_impl.h"
#include "service/db.h"

static char dir[256];
static char path[300];

static const struct relay_store_config cfg_default = {
	.ttl_ms = 1000000,
	.max_messages = 1000,
	.max_bytes = 1U << 20,
	.sync_full = 0,
};

static int
make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_relay_store.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/relay.db", dir);
	return 0;
}

static int
remove_dir(void **state)
{
	char p[600];
	struct dirent *e;
	DIR *d;

	(void)state;
	db_fail_after(-1);
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0) {
				snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
				unlink(p);
			}
		}
		closedir(d);
	}
	rmdir(dir);
	return 0;
}

static struct relay_store *
open_cfg(const struct relay_store_config *cfg)
{
	struct relay_store *s = NULL;

	assert_ok(relay_store_open(path, cfg, &s));
	assert_non_null(s);
	return s;
}

static struct relay_store *
open_default(void)
{
	return open_cfg(&cfg_default);
}

/* A 16-byte id from a number. */
static void
make_id(uint8_t id[PROTO_ID_LEN], uint32_t v)
{
	memset(id, 0xa5, PROTO_ID_LEN);
	id[0] = (uint8_t)(v >> 24);
	id[1] = (uint8_t)(v >> 16);
	id[2] = (uint8_t)(v >> 8);
	id[3] = (uint8_t)v;
}

/* len bytes of a pattern depending on tag. */
static void
make_env(uint8_t *env, size_t len, uint8_t tag)
{
	size_t i;

	for (i = 0; i < len; i++) {
		env[i] = (uint8_t)(tag * 31U + i * 7U + 1U);
	}
}

static struct relay_item
item(const char *user, uint32_t dev, const uint8_t *id, const uint8_t *env,
    size_t len)
{
	struct relay_item it = { user, dev, id, env, len };

	return it;
}

/* Enqueues one envelope; returns the result, receipt in *rc. */
static int
put(struct relay_store *s, int64_t now, const char *user, uint32_t dev,
    uint32_t idn, const uint8_t *env, size_t len, struct proto_receipt *rc)
{
	uint8_t id[PROTO_ID_LEN];
	struct relay_item it;
	struct proto_receipt tmp;

	make_id(id, idn);
	it = item(user, dev, id, env, len);
	return relay_store_enqueue(s, now, &it, 1, rc != NULL ? rc : &tmp,
	    NULL, 0);
}

struct fetched {
	struct proto_entry *e;
	size_t n;
	uint8_t *buf;
};

static struct fetched
fetch(struct relay_store *s, const char *user, uint32_t dev, size_t count,
    size_t bytes)
{
	struct fetched f = { NULL, 0, NULL };

	assert_ok(relay_store_fetch(s, user, dev, count, bytes, &f.e, &f.n,
	    &f.buf));
	return f;
}

static struct fetched
fetch_all(struct relay_store *s, const char *user, uint32_t dev)
{
	return fetch(s, user, dev, 100000, SIZE_MAX);
}

static void
fetched_free(struct fetched *f)
{
	free(f->e);
	free(f->buf);
	memset(f, 0, sizeof(*f));
}

/*
 * Checks entries e[0..n) as a recipient does: seqs consecutive from
 * *seq + 1, every envelope's entry_hash recomputed from its bytes, and
 * every chain value recomputed from *h. *h and *seq advance.
 */
static void
verify_chain(const struct proto_entry *e, size_t n,
    uint8_t h[PROTO_HASH_LEN], uint64_t *seq)
{
	uint8_t want[PROTO_HASH_LEN];
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(e[i].seq, *seq + 1);
		if (e[i].kind == PROTO_ENTRY_ENVELOPE) {
			proto_entry_hash(want, e[i].id, e[i].env, e[i].len);
			assert_mem_eq(want, e[i].entry_hash, PROTO_HASH_LEN);
		} else {
			assert_int_equal(e[i].len, 0);
			assert_null(e[i].env);
		}
		proto_chain_next(want, h, e[i].seq, e[i].entry_hash);
		assert_mem_eq(want, e[i].chain, PROTO_HASH_LEN);
		memcpy(h, want, PROTO_HASH_LEN);
		*seq = e[i].seq;
	}
}

static void
verify_from_start(const struct fetched *f)
{
	uint8_t h[PROTO_HASH_LEN] = { 0 };
	uint64_t seq = 0;

	verify_chain(f->e, f->n, h, &seq);
}

static struct relay_store_stats
stats(struct relay_store *s)
{
	struct relay_store_stats st;

	assert_ok(relay_store_stats(s, &st));
	return st;
}

/* The single integer sql gives, through a fresh connection. */
static int64_t
raw_int(const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
test_round_trip(void **state)
{
	struct relay_store *s = open_default();
	uint8_t env[3][200], ids[3][PROTO_ID_LEN];
	struct relay_item it[3];
	struct proto_receipt rc[3];
	struct relay_store_stats st;
	struct fetched f;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		make_env(env[i], sizeof(env[i]), (uint8_t)i);
		make_id(ids[i], (uint32_t)i + 1);
		it[i] = item("alice", 7, ids[i], env[i], 100 + i * 50);
	}
	assert_ok(relay_store_enqueue(s, 5000, it, 3, rc, NULL, 0));
	for (i = 0; i < 3; i++) {
		assert_int_equal(rc[i].seq, i + 1);
		assert_mem_eq(rc[i].id, ids[i], PROTO_ID_LEN);
	}
	f = fetch_all(s, "alice", 7);
	assert_int_equal(f.n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(f.e[i].kind, PROTO_ENTRY_ENVELOPE);
		assert_int_equal(f.e[i].seq, i + 1);
		assert_int_equal(f.e[i].received_ms, 5000);
		assert_int_equal(f.e[i].len, 100 + i * 50);
		assert_mem_eq(f.e[i].id, ids[i], PROTO_ID_LEN);
		assert_mem_eq(f.e[i].env, env[i], f.e[i].len);
		/* The pointers lie in the one returned block. */
		assert_true(f.e[i].env >= f.buf);
	}
	fetched_free(&f);
	/* Another device of the same user is another queue. */
	f = fetch_all(s, "alice", 8);
	assert_int_equal(f.n, 0);
	assert_null(f.e);
	assert_null(f.buf);

	st = stats(s);
	assert_int_equal(st.queues, 1);
	assert_int_equal(st.envelopes, 3);
	assert_int_equal(st.bytes, 100 + 150 + 200);
	assert_int_equal(st.tombstones, 0);

	assert_ok(relay_store_ack(s, "alice", 7, ids[0], 2));
	f = fetch_all(s, "alice", 7);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].seq, 3);
	fetched_free(&f);
	assert_ok(relay_store_ack(s, "alice", 7, ids[2], 1));
	f = fetch_all(s, "alice", 7);
	assert_int_equal(f.n, 0);
	st = stats(s);
	assert_int_equal(st.envelopes, 0);
	assert_int_equal(st.bytes, 0);
	/* SECURITY: acked bytes are gone from the table. */
	assert_int_equal(raw_int("SELECT count(*) FROM entries"
				 " WHERE envelope IS NOT NULL"),
	    0);
	relay_store_close(s);
}

static void
test_chain_and_receipts(void **state)
{
	struct relay_store *s = open_default();
	struct proto_receipt rc[20];
	uint8_t env[64];
	struct fetched f;
	size_t i;

	(void)state;
	for (i = 0; i < 20; i++) {
		make_env(env, sizeof(env), (uint8_t)i);
		assert_ok(put(s, (int64_t)i, "bob", 1, (uint32_t)i + 100, env,
		    i % 4 == 0 ? 0 : sizeof(env) - i, &rc[i]));
	}
	f = fetch_all(s, "bob", 1);
	assert_int_equal(f.n, 20);
	verify_from_start(&f);
	for (i = 0; i < 20; i++) {
		assert_int_equal(rc[i].seq, f.e[i].seq);
		assert_mem_eq(rc[i].chain, f.e[i].chain, PROTO_HASH_LEN);
		assert_mem_eq(rc[i].id, f.e[i].id, PROTO_ID_LEN);
	}
	fetched_free(&f);
	relay_store_close(s);
}

static void
test_resend_idempotent(void **state)
{
	struct relay_store *s = open_default();
	struct proto_receipt a, b, c;
	uint8_t env[100], id[PROTO_ID_LEN];
	struct fetched f;

	(void)state;
	make_env(env, sizeof(env), 1);
	assert_ok(put(s, 10, "carol", 2, 1, env, sizeof(env), &a));
	assert_ok(put(s, 20, "carol", 2, 2, env, 50, NULL));
	assert_ok(put(s, 30, "carol", 2, 1, env, sizeof(env), &b));
	assert_mem_eq(&a, &b, sizeof(a));
	f = fetch_all(s, "carol", 2);
	assert_int_equal(f.n, 2); /* stored once */
	assert_int_equal(f.e[0].received_ms, 10);
	fetched_free(&f);
	assert_int_equal(stats(s).envelopes, 2);

	/* After the ack, a resend still gets its receipt and stores
	 * nothing. */
	make_id(id, 1);
	assert_ok(relay_store_ack(s, "carol", 2, id, 1));
	assert_ok(put(s, 40, "carol", 2, 1, env, sizeof(env), &c));
	assert_mem_eq(&a, &c, sizeof(a));
	f = fetch_all(s, "carol", 2);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].seq, 2);
	fetched_free(&f);
	assert_int_equal(stats(s).envelopes, 1);

	/* The same id twice in one call: stored once, same receipt. */
	{
		struct relay_item it[2];
		struct proto_receipt rc[2];

		make_id(id, 9);
		it[0] = item("carol", 2, id, env, 10);
		it[1] = item("carol", 2, id, env, 10);
		assert_ok(relay_store_enqueue(s, 50, it, 2, rc, NULL, 0));
		assert_mem_eq(&rc[0], &rc[1], sizeof(rc[0]));
		assert_int_equal(rc[0].seq, 3);
	}
	assert_int_equal(stats(s).envelopes, 2);
	relay_store_close(s);
}

static void
test_resend_conflict(void **state)
{
	struct relay_store *s = open_default();
	uint8_t env[100], other[100], id1[PROTO_ID_LEN], id2[PROTO_ID_LEN];
	struct relay_item it[2];
	struct proto_receipt rc[2], zero;
	char qname[64] = "junk";
	struct fetched f;

	(void)state;
	make_env(env, sizeof(env), 1);
	make_env(other, sizeof(other), 2);
	assert_ok(put(s, 10, "dave", 1, 1, env, sizeof(env), NULL));
	make_id(id1, 2);
	make_id(id2, 1);
	it[0] = item("erin", 1, id1, env, sizeof(env));
	it[1] = item("dave", 1, id2, other, sizeof(other)); /* same id */
	assert_err(relay_store_enqueue(s, 20, it, 2, rc, qname, sizeof(qname)),
	    ERR_EXISTS);
	assert_string_equal(qname, "");
	memset(&zero, 0, sizeof(zero));
	assert_mem_eq(&rc[0], &zero, sizeof(zero));
	assert_mem_eq(&rc[1], &zero, sizeof(zero));
	/* Nothing of the call: no erin queue, dave unchanged. */
	f = fetch_all(s, "erin", 1);
	assert_int_equal(f.n, 0);
	f = fetch_all(s, "dave", 1);
	assert_int_equal(f.n, 1);
	assert_mem_eq(f.e[0].env, env, sizeof(env));
	fetched_free(&f);
	assert_int_equal(stats(s).queues, 1);
	/* Same length, one byte different: still a conflict. */
	memcpy(other, env, sizeof(env));
	other[99] ^= 1;
	assert_err(put(s, 30, "dave", 1, 1, other, sizeof(other), NULL),
	    ERR_EXISTS);
	/* The id is per queue: another queue may use it. */
	assert_ok(put(s, 30, "dave", 2, 1, other, sizeof(other), NULL));
	relay_store_close(s);
}

static void
test_atomic_multi_queue(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	uint8_t env[50], ids[4][PROTO_ID_LEN];
	struct relay_item it[4];
	struct proto_receipt rc[4];
	struct relay_store_stats st;
	struct fetched f;
	size_t i;

	(void)state;
	cfg.max_messages = 2;
	s = open_cfg(&cfg);
	make_env(env, sizeof(env), 3);
	for (i = 0; i < 4; i++) {
		make_id(ids[i], (uint32_t)i + 1);
	}
	it[0] = item("frank", 1, ids[0], env, sizeof(env));
	it[1] = item("frank", 2, ids[1], env, sizeof(env));
	it[2] = item("grace", 1, ids[2], env, sizeof(env));
	assert_ok(relay_store_enqueue(s, 1, it, 3, rc, NULL, 0));
	for (i = 0; i < 3; i++) {
		assert_int_equal(rc[i].seq, 1);
	}
	/* frank/1 takes one more; grace/1 gets 2 in one call: the third
	 * item of the call (grace's second) is over the quota. */
	it[0] = item("frank", 1, ids[3], env, sizeof(env));
	it[1] = item("grace", 1, ids[0], env, sizeof(env));
	it[2] = item("grace", 1, ids[1], env, sizeof(env));
	it[3] = item("heidi", 1, ids[0], env, sizeof(env));
	assert_err(relay_store_enqueue(s, 2, it, 4, rc, NULL, 0), ERR_QUOTA);
	st = stats(s);
	assert_int_equal(st.envelopes, 3);
	assert_int_equal(st.queues, 3); /* no heidi */
	f = fetch_all(s, "frank", 1);
	assert_int_equal(f.n, 1);
	fetched_free(&f);
	/* Without grace's second, the rest goes in at once. */
	assert_ok(relay_store_enqueue(s, 3, it, 2, rc, NULL, 0));
	assert_int_equal(rc[0].seq, 2);
	/* grace/1 got an overflow tombstone (seq 2), so seq 3. */
	assert_int_equal(rc[1].seq, 3);
	f = fetch_all(s, "grace", 1);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.e[1].kind, PROTO_ENTRY_OVERFLOW);
	verify_from_start(&f);
	fetched_free(&f);
	relay_store_close(s);
}

/* The overflow tombstones among e[0..n). */
static size_t
count_kind(const struct fetched *f, int kind)
{
	size_t i, k = 0;

	for (i = 0; i < f->n; i++) {
		k += f->e[i].kind == kind;
	}
	return k;
}

static void
test_quota_count(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	uint8_t env[10], id[PROTO_ID_LEN], want[PROTO_HASH_LEN];
	struct relay_item it[2];
	struct proto_receipt rc[2];
	char qname[64];
	struct fetched f;
	uint32_t i;

	(void)state;
	cfg.max_messages = 3;
	s = open_cfg(&cfg);
	make_env(env, sizeof(env), 0);
	for (i = 1; i <= 3; i++) {
		assert_ok(put(s, i, "ivan", 4, i, env, sizeof(env), NULL));
	}
	make_id(id, 4);
	it[0] = item("judy", 1, id, env, sizeof(env));
	it[1] = item("ivan", 4, id, env, sizeof(env));
	assert_err(relay_store_enqueue(s, 1000, it, 2, rc, qname,
		       sizeof(qname)),
	    ERR_QUOTA);
	assert_string_equal(qname, "ivan/4");
	assert_int_equal(rc[0].seq, 0);
	/* Refused again and again: still one tombstone. */
	for (i = 0; i < 5; i++) {
		assert_err(relay_store_enqueue(s, 2000 + i, it, 2, rc, qname,
			       sizeof(qname)),
		    ERR_QUOTA);
	}
	/* A short buffer gets a truncated name. */
	assert_err(relay_store_enqueue(s, 3000, it, 2, rc, qname, 4),
	    ERR_QUOTA);
	assert_string_equal(qname, "iva");
	f = fetch_all(s, "judy", 1);
	assert_int_equal(f.n, 0);
	f = fetch_all(s, "ivan", 4);
	assert_int_equal(f.n, 4);
	assert_int_equal(count_kind(&f, PROTO_ENTRY_OVERFLOW), 1);
	assert_int_equal(f.e[3].kind, PROTO_ENTRY_OVERFLOW);
	assert_int_equal(f.e[3].seq, 4);
	assert_int_equal(f.e[3].received_ms, 1000);
	proto_overflow_hash(want, f.e[3].id, 1000);
	assert_mem_eq(want, f.e[3].entry_hash, PROTO_HASH_LEN);
	verify_from_start(&f);
	assert_int_equal(stats(s).tombstones, 1);
	assert_int_equal(stats(s).envelopes, 3);

	/* The device acks everything, tombstone included: room again. */
	{
		uint8_t ids[4 * PROTO_ID_LEN];

		for (i = 0; i < 4; i++) {
			memcpy(ids + i * PROTO_ID_LEN, f.e[i].id, PROTO_ID_LEN);
		}
		assert_ok(relay_store_ack(s, "ivan", 4, ids, 4));
	}
	fetched_free(&f);
	assert_int_equal(stats(s).tombstones, 0);
	assert_ok(relay_store_enqueue(s, 4000, it, 2, rc, NULL, 0));
	assert_int_equal(rc[1].seq, 5);
	assert_ok(put(s, 4001, "ivan", 4, 5, env, sizeof(env), NULL));
	assert_ok(put(s, 4002, "ivan", 4, 6, env, sizeof(env), NULL));
	/* A later refusal, after the first tombstone was acked, leaves a new
	 * one: the device must learn of this overflow too. */
	assert_err(put(s, 5000, "ivan", 4, 7, env, sizeof(env), NULL),
	    ERR_QUOTA);
	assert_err(put(s, 5001, "ivan", 4, 7, env, sizeof(env), NULL),
	    ERR_QUOTA);
	f = fetch_all(s, "ivan", 4);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.e[3].kind, PROTO_ENTRY_OVERFLOW);
	assert_int_equal(f.e[3].seq, 8);
	assert_int_equal(count_kind(&f, PROTO_ENTRY_OVERFLOW), 1);
	fetched_free(&f);
	relay_store_close(s);
}

static void
test_quota_bytes(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	uint8_t env[200];
	char qname[64];
	struct fetched f;
	uint8_t h[PROTO_HASH_LEN] = { 0 };
	uint64_t seq = 0;

	(void)state;
	cfg.max_bytes = 100;
	s = open_cfg(&cfg);
	make_env(env, sizeof(env), 9);
	assert_ok(put(s, 1, "mallory", 1, 1, env, 60, NULL));
	assert_ok(put(s, 2, "mallory", 1, 2, env, 40, NULL)); /* exactly */
	assert_err(put(s, 3, "mallory", 1, 3, env, 1, NULL), ERR_QUOTA);
	assert_ok(put(s, 4, "mallory", 1, 4, env, 0, NULL)); /* 0 bytes fit */
	{
		uint8_t id[PROTO_ID_LEN];
		struct relay_item it;
		struct proto_receipt rc;

		/* One envelope larger than the quota, into a new queue: the
		 * queue exists afterwards, holding only the tombstone. */
		make_id(id, 5);
		it = item("niaj", 3, id, env, 101);
		assert_err(relay_store_enqueue(s, 5, &it, 1, &rc, qname,
			       sizeof(qname)),
		    ERR_QUOTA);
		assert_string_equal(qname, "niaj/3");
	}
	f = fetch_all(s, "niaj", 3);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].kind, PROTO_ENTRY_OVERFLOW);
	verify_from_start(&f);
	fetched_free(&f);
	f = fetch_all(s, "mallory", 1);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.e[2].kind, PROTO_ENTRY_OVERFLOW);
	assert_int_equal(f.e[3].kind, PROTO_ENTRY_ENVELOPE);
	/* The chain in two fetches, as a device reads it. */
	verify_chain(f.e, 2, h, &seq);
	verify_chain(f.e + 2, 2, h, &seq);
	fetched_free(&f);
	assert_int_equal(stats(s).bytes, 100);
	relay_store_close(s);
}

/* 1 if the n bytes at pat occur in file p. */
static int
file_contains(const char *p, const uint8_t *pat, size_t n)
{
	uint8_t *b;
	size_t len, i;
	long sz;
	FILE *fp;
	int found = 0;

	if ((fp = fopen(p, "rb")) == NULL) {
		return 0;
	}
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	len = (size_t)sz;
	assert_non_null(b = malloc(len + 1));
	assert_int_equal(fread(b, 1, len, fp), len);
	fclose(fp);
	for (i = 0; i + n <= len && !found; i++) {
		found = memcmp(b + i, pat, n) == 0;
	}
	free(b);
	return found;
}

static void
test_ttl_sweep(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	uint8_t env[3][300], hash[PROTO_HASH_LEN], ids[3 * PROTO_ID_LEN];
	struct proto_receipt rc, again;
	uint64_t expired, pruned;
	struct fetched f;
	char wal[320];
	size_t i;

	(void)state;
	cfg.ttl_ms = 1000;
	s = open_cfg(&cfg);
	/* Random bytes: no envelope's bytes occur inside another's. */
	randombytes_buf(env, sizeof(env));
	assert_ok(put(s, 0, "olivia", 1, 1, env[0], sizeof(env[0]), &rc));
	assert_ok(put(s, 100, "olivia", 1, 2, env[1], sizeof(env[1]), NULL));
	assert_ok(put(s, 500, "olivia", 1, 3, env[2], sizeof(env[2]), NULL));
	assert_ok(relay_store_sweep(s, 999, &expired, &pruned));
	assert_int_equal(expired, 0);
	assert_int_equal(pruned, 0);
	assert_ok(relay_store_sweep(s, 1100, &expired, &pruned));
	assert_int_equal(expired, 2);
	assert_int_equal(pruned, 0);

	f = fetch_all(s, "olivia", 1);
	assert_int_equal(f.n, 3);
	assert_int_equal(f.e[0].kind, PROTO_ENTRY_EXPIRED);
	assert_int_equal(f.e[1].kind, PROTO_ENTRY_EXPIRED);
	assert_int_equal(f.e[2].kind, PROTO_ENTRY_ENVELOPE);
	/* The tombstones keep the original entry_hash: the chain verifies. */
	make_id(ids, 1);
	proto_entry_hash(hash, ids, env[0], sizeof(env[0]));
	assert_mem_eq(hash, f.e[0].entry_hash, PROTO_HASH_LEN);
	verify_from_start(&f);
	for (i = 0; i < 3; i++) {
		memcpy(ids + i * PROTO_ID_LEN, f.e[i].id, PROTO_ID_LEN);
	}
	fetched_free(&f);
	assert_int_equal(stats(s).envelopes, 1);
	assert_int_equal(stats(s).bytes, sizeof(env[2]));
	assert_int_equal(stats(s).tombstones, 2);
	/* The bytes are gone from the table... */
	assert_int_equal(raw_int("SELECT count(*) FROM entries"
				 " WHERE envelope IS NOT NULL"),
	    1);
	assert_int_equal(raw_int("SELECT count(*) FROM entries WHERE kind = 1"
				 " AND envelope IS NULL"),
	    2);
	/* A resend of an expired envelope gets its receipt, stores nothing. */
	assert_ok(put(s, 1200, "olivia", 1, 1, env[0], sizeof(env[0]),
	    &again));
	assert_mem_eq(&rc, &again, sizeof(rc));
	assert_int_equal(stats(s).envelopes, 1);

	/* Acked entries are pruned once older than the TTL. */
	assert_ok(relay_store_ack(s, "olivia", 1, ids, 3));
	assert_ok(relay_store_sweep(s, 1499, &expired, &pruned));
	assert_int_equal(expired, 0);
	assert_int_equal(pruned, 2);
	assert_ok(relay_store_sweep(s, 1500, &expired, &pruned));
	assert_int_equal(pruned, 1);
	assert_int_equal(raw_int("SELECT count(*) FROM entries"), 0);
	assert_int_equal(stats(s).tombstones, 0);
	/* The chain goes on from the kept head. */
	assert_ok(put(s, 1600, "olivia", 1, 1, env[0], sizeof(env[0]),
	    &again));
	assert_int_equal(again.seq, 4);
	relay_store_close(s);
	/* ...and from the file (secure_delete; the WAL is checkpointed and
	 * removed on close). */
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(file_contains(path, env[1], 64));
	assert_false(file_contains(wal, env[1], 64));
	assert_false(file_contains(path, env[2], 64));
}

static void
test_sweep_batches(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	enum { N = 2 * RELAY_SWEEP_BATCH + 10 };
	struct relay_item *it;
	struct proto_receipt *rc;
	uint8_t *ids, env[8];
	uint64_t expired, pruned;
	struct fetched f;
	size_t i;

	(void)state;
	cfg.ttl_ms = 10;
	cfg.max_messages = N;
	s = open_cfg(&cfg);
	make_env(env, sizeof(env), 1);
	assert_non_null(it = calloc(N, sizeof(*it)));
	assert_non_null(rc = calloc(N, sizeof(*rc)));
	assert_non_null(ids = calloc(N, PROTO_ID_LEN));
	for (i = 0; i < N; i++) {
		make_id(ids + i * PROTO_ID_LEN, (uint32_t)i);
		it[i] = item("peggy", 1, ids + i * PROTO_ID_LEN, env,
		    sizeof(env));
	}
	assert_ok(relay_store_enqueue(s, 0, it, N, rc, NULL, 0));
	assert_ok(relay_store_sweep(s, 10, &expired, &pruned));
	assert_int_equal(expired, N);
	f = fetch_all(s, "peggy", 1);
	assert_int_equal(f.n, N);
	assert_int_equal(count_kind(&f, PROTO_ENTRY_EXPIRED), N);
	verify_from_start(&f);
	fetched_free(&f);
	assert_ok(relay_store_ack(s, "peggy", 1, ids, N));
	assert_ok(relay_store_sweep(s, 10, &expired, &pruned));
	assert_int_equal(expired, 0);
	assert_int_equal(pruned, N);
	free(it);
	free(rc);
	free(ids);
	relay_store_close(s);
}

static void
test_ack(void **state)
{
	struct relay_store *s = open_default();
	uint8_t env[20], ids[3 * PROTO_ID_LEN], bobs[PROTO_ID_LEN];
	struct fetched f;

	(void)state;
	make_env(env, sizeof(env), 5);
	assert_ok(put(s, 1, "quinn", 1, 1, env, sizeof(env), NULL));
	assert_ok(put(s, 2, "quinn", 1, 2, env, sizeof(env), NULL));
	assert_ok(put(s, 3, "rupert", 1, 3, env, sizeof(env), NULL));
	make_id(ids, 1);
	make_id(ids + PROTO_ID_LEN, 99); /* never sent */
	assert_err(relay_store_ack(s, "quinn", 1, ids, 2), ERR_NOT_FOUND);
	make_id(bobs, 3); /* rupert's */
	memcpy(ids + PROTO_ID_LEN, bobs, PROTO_ID_LEN);
	assert_err(relay_store_ack(s, "quinn", 1, ids, 2), ERR_NOT_FOUND);
	assert_err(relay_store_ack(s, "quinn", 2, ids, 1), ERR_NOT_FOUND);
	assert_err(relay_store_ack(s, "nobody", 1, ids, 1), ERR_NOT_FOUND);
	/* Nothing was acked. */
	f = fetch_all(s, "quinn", 1);
	assert_int_equal(f.n, 2);
	fetched_free(&f);
	assert_int_equal(stats(s).envelopes, 3);
	/* An id twice in one ack, and a repeated ack: fine. */
	make_id(ids + PROTO_ID_LEN, 1);
	assert_ok(relay_store_ack(s, "quinn", 1, ids, 2));
	assert_ok(relay_store_ack(s, "quinn", 1, ids, 1));
	assert_int_equal(stats(s).envelopes, 2);
	assert_int_equal(stats(s).bytes, 2 * sizeof(env));
	f = fetch_all(s, "quinn", 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].seq, 2);
	fetched_free(&f);
	assert_ok(relay_store_ack(s, "quinn", 1, ids, 0));
	assert_err(relay_store_ack(s, "", 1, ids, 1), ERR_ARG);
	relay_store_close(s);
}

static void
test_fetch_limits(void **state)
{
	struct relay_store *s = open_default();
	uint8_t env[300];
	struct fetched f;
	struct proto_entry *e = (void *)1;
	uint8_t *b = (void *)1;
	size_t n = 9;
	uint32_t i;

	(void)state;
	make_env(env, sizeof(env), 6);
	for (i = 0; i < 5; i++) {
		assert_ok(put(s, i, "sybil", 1, i, env, 100, NULL));
	}
	f = fetch(s, "sybil", 1, 2, SIZE_MAX);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.e[1].seq, 2);
	fetched_free(&f);
	f = fetch(s, "sybil", 1, 100, 250);
	assert_int_equal(f.n, 2);
	fetched_free(&f);
	f = fetch(s, "sybil", 1, 100, 300);
	assert_int_equal(f.n, 3);
	fetched_free(&f);
	/* The first entry always comes, however small the limit. */
	f = fetch(s, "sybil", 1, 100, 50);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.e[0].len, 100);
	fetched_free(&f);
	f = fetch(s, "sybil", 1, 1, 0);
	assert_int_equal(f.n, 1);
	assert_mem_eq(f.e[0].env, env, 100);
	fetched_free(&f);
	assert_err(relay_store_fetch(s, "sybil", 1, 0, 100, &e, &n, &b),
	    ERR_ARG);
	assert_null(e);
	assert_null(b);
	assert_int_equal(n, 0);
	relay_store_close(s);
}

struct seen {
	char names[8][40];
	size_t n;
	struct relay_store *s;
};

static void
on_queue(const char *user, uint32_t dev, void *arg)
{
	struct seen *v = arg;

	assert_true(v->n < 8);
	snprintf(v->names[v->n++], sizeof(v->names[0]), "%s/%u", user,
	    (unsigned)dev);
	/* The callback may use the store (no lock is held). */
	if (v->s != NULL) {
		assert_ok(relay_store_delete_queue(v->s, user, dev));
	}
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
test_delete_and_list(void **state)
{
	struct relay_store *s = open_default();
	struct proto_receipt rc;
	struct seen v;
	uint8_t env[30];
	struct fetched f;

	(void)state;
	make_env(env, sizeof(env), 7);
	assert_ok(put(s, 1, "trent", 1, 1, env, sizeof(env), NULL));
	assert_ok(put(s, 1, "trent", 1, 2, env, sizeof(env), NULL));
	assert_ok(put(s, 1, "trent", 2, 1, env, sizeof(env), NULL));
	assert_ok(put(s, 1, "victor", 4000000000U, 1, env, sizeof(env),
	    NULL));
	memset(&v, 0, sizeof(v));
	assert_ok(relay_store_queues(s, on_queue, &v));
	assert_int_equal(v.n, 3);
	qsort(v.names, v.n, sizeof(v.names[0]), cmp_name);
	assert_string_equal(v.names[0], "trent/1");
	assert_string_equal(v.names[1], "trent/2");
	assert_string_equal(v.names[2], "victor/4000000000");

	assert_ok(relay_store_delete_queue(s, "trent", 1));
	assert_ok(relay_store_delete_queue(s, "trent", 1)); /* again */
	assert_ok(relay_store_delete_queue(s, "walter", 1)); /* never was */
	f = fetch_all(s, "trent", 1);
	assert_int_equal(f.n, 0);
	f = fetch_all(s, "trent", 2);
	assert_int_equal(f.n, 1);
	fetched_free(&f);
	assert_int_equal(stats(s).queues, 2);
	assert_int_equal(stats(s).envelopes, 2);
	assert_int_equal(raw_int("SELECT count(*) FROM entries"), 2);
	/* A new queue of the same name starts a new chain. */
	assert_ok(put(s, 2, "trent", 1, 1, env, sizeof(env), &rc));
	assert_int_equal(rc.seq, 1);

	memset(&v, 0, sizeof(v));
	v.s = s;
	assert_ok(relay_store_queues(s, on_queue, &v));
	assert_int_equal(v.n, 3);
	assert_int_equal(stats(s).queues, 0);
	assert_int_equal(stats(s).envelopes, 0);
	assert_int_equal(raw_int("SELECT count(*) FROM entries"), 0);
	relay_store_close(s);
}

static void
test_stats(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	struct relay_store_stats st;
	uint64_t expired, pruned;
	uint8_t env[40];

	(void)state;
	cfg.max_messages = 2;
	cfg.ttl_ms = 100;
	s = open_cfg(&cfg);
	st = stats(s);
	assert_int_equal(st.queues + st.envelopes + st.bytes + st.tombstones +
		st.enqueues + st.commits,
	    0);
	make_env(env, sizeof(env), 8);
	assert_ok(put(s, 0, "xavier", 1, 1, env, 40, NULL));
	assert_ok(put(s, 50, "xavier", 1, 2, env, 30, NULL));
	assert_err(put(s, 60, "xavier", 1, 3, env, 20, NULL), ERR_QUOTA);
	assert_ok(put(s, 60, "yvonne", 9, 3, env, 20, NULL));
	st = stats(s);
	assert_int_equal(st.queues, 2);
	assert_int_equal(st.envelopes, 3);
	assert_int_equal(st.bytes, 90);
	assert_int_equal(st.tombstones, 1);
	assert_int_equal(st.enqueues, 4);
	assert_int_equal(st.commits, 4); /* one thread: one each */
	assert_ok(relay_store_sweep(s, 100, &expired, &pruned));
	assert_int_equal(expired, 1);
	st = stats(s);
	assert_int_equal(st.envelopes, 2);
	assert_int_equal(st.bytes, 50);
	assert_int_equal(st.tombstones, 2);
	relay_store_close(s);
}

static void
test_reopen(void **state)
{
	struct relay_store *s = open_default();
	struct proto_receipt rc[6], again;
	uint8_t env[6][80], ids[2 * PROTO_ID_LEN];
	struct relay_store_stats st;
	struct fetched f;
	uint32_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		make_env(env[i], sizeof(env[i]), (uint8_t)(60 + i));
	}
	for (i = 0; i < 4; i++) {
		assert_ok(put(s, i, "zoe", 3, i, env[i], sizeof(env[i]),
		    &rc[i]));
	}
	make_id(ids, 0);
	make_id(ids + PROTO_ID_LEN, 1);
	assert_ok(relay_store_ack(s, "zoe", 3, ids, 2));
	relay_store_close(s);

	/* Reopen: everything committed is there, the chain goes on. */
	s = open_default();
	st = stats(s);
	assert_int_equal(st.queues, 1);
	assert_int_equal(st.envelopes, 2);
	assert_int_equal(st.enqueues, 0);
	assert_ok(put(s, 1, "zoe", 3, 1, env[1], sizeof(env[1]), &again));
	assert_mem_eq(&again, &rc[1], sizeof(again));
	for (i = 4; i < 6; i++) {
		assert_ok(put(s, i, "zoe", 3, i, env[i], sizeof(env[i]),
		    &rc[i]));
		assert_int_equal(rc[i].seq, i + 1);
	}
	f = fetch_all(s, "zoe", 3);
	assert_int_equal(f.n, 4);
	assert_int_equal(f.e[0].seq, 3);
	assert_mem_eq(f.e[0].env, env[2], sizeof(env[2]));
	{
		uint8_t h0[PROTO_HASH_LEN] = { 0 };
		uint64_t s0 = 0;

		/* Verify from the receipt the sender holds for seq 2. */
		memcpy(h0, rc[1].chain, PROTO_HASH_LEN);
		s0 = 2;
		verify_chain(f.e, f.n, h0, &s0);
		assert_mem_eq(h0, rc[5].chain, PROTO_HASH_LEN);
	}
	fetched_free(&f);
	relay_store_close(s);
}

/*
 * Crash safety: a child process enqueues and acks, then dies without
 * closing anything (_exit, as after kill -9: the WAL is left behind,
 * never checkpointed). Everything it was told is stored is there.
 */
static void
test_crash_reopen(void **state)
{
	struct relay_store *s;
	struct proto_receipt rc[10], again;
	uint8_t env[10][90], id[PROTO_ID_LEN];
	char wal[320];
	struct fetched f;
	int status, i;
	pid_t pid;

	(void)state;
	randombytes_buf(env, sizeof(env));
	fflush(NULL);
	if ((pid = fork()) == 0) {
		int bad = 0;

		bad |= relay_store_open(path, &cfg_default, &s) != 0;
		for (i = 0; i < 10 && !bad; i++) {
			bad |= put(s, i, "crash", 1, (uint32_t)i, env[i],
			    sizeof(env[i]), &rc[i]) != 0;
		}
		make_id(id, 0);
		bad |= bad || relay_store_ack(s, "crash", 1, id, 1) != 0;
		_exit(bad);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(access(wal, F_OK), 0); /* left behind */

	s = open_default();
	f = fetch_all(s, "crash", 1);
	assert_int_equal(f.n, 9);
	for (i = 0; i < 9; i++) {
		assert_int_equal(f.e[i].seq, i + 2);
		assert_mem_eq(f.e[i].env, env[i + 1], sizeof(env[i + 1]));
	}
	fetched_free(&f);
	assert_int_equal(stats(s).envelopes, 9);
	/* Receipts given before the crash still hold. */
	assert_ok(put(s, 50, "crash", 1, 0, env[0], sizeof(env[0]), &rc[0]));
	assert_int_equal(rc[0].seq, 1);
	assert_ok(put(s, 51, "crash", 1, 9, env[9], sizeof(env[9]), &again));
	assert_int_equal(again.seq, 10);
	assert_ok(put(s, 52, "crash", 1, 10, env[9], sizeof(env[9]), &again));
	assert_int_equal(again.seq, 11);
	f = fetch_all(s, "crash", 1);
	{
		uint8_t h[PROTO_HASH_LEN];
		uint64_t seq = 1;

		memcpy(h, rc[0].chain, PROTO_HASH_LEN);
		verify_chain(f.e, f.n, h, &seq);
		assert_mem_eq(h, again.chain, PROTO_HASH_LEN);
	}
	fetched_free(&f);
	relay_store_close(s);
}

enum { THREADS = 8, CALLS = 500 };

struct worker {
	struct relay_store *s;
	int index;
	int conflicts; /* every other call conflicts with an earlier one */
	struct proto_receipt rc[CALLS];
	int r[CALLS];
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	char user[32];
	uint8_t env[64];
	uint32_t idn;
	int i;

	snprintf(user, sizeof(user), "user%d", w->index);
	for (i = 0; i < CALLS; i++) {
		idn = (uint32_t)i;
		make_env(env, sizeof(env), (uint8_t)i);
		if (w->conflicts && i % 2 == 1) {
			idn = (uint32_t)i - 1; /* same id, other bytes */
		}
		w->r[i] = put(w->s, i, user, 1, idn, env, sizeof(env),
		    &w->rc[i]);
	}
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs THREADS workers; returns the wall time. */
static double
run_workers(struct relay_store *s, struct worker *w, int conflicts)
{
	pthread_t t[THREADS];
	double t0;
	int i;

	for (i = 0; i < THREADS; i++) {
		w[i].s = s;
		w[i].index = i;
		w[i].conflicts = conflicts;
	}
	t0 = now_s();
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	return now_s() - t0;
}

static void
test_group_commit(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	struct worker *w;
	struct relay_store_stats st;
	struct fetched f;
	char user[32];
	double dt;
	int i, j;

	(void)state;
	cfg.max_messages = CALLS;
	s = open_cfg(&cfg);
	assert_non_null(w = calloc(THREADS, sizeof(*w)));
	dt = run_workers(s, w, 0);
	st = stats(s);
	assert_int_equal(st.enqueues, THREADS * CALLS);
	assert_int_equal(st.envelopes, THREADS * CALLS);
	for (i = 0; i < THREADS; i++) {
		snprintf(user, sizeof(user), "user%d", i);
		f = fetch_all(s, user, 1);
		assert_int_equal(f.n, CALLS);
		verify_from_start(&f);
		for (j = 0; j < CALLS; j++) {
			assert_ok(w[i].r[j]);
			assert_int_equal(w[i].rc[j].seq, j + 1);
			assert_mem_eq(w[i].rc[j].chain, f.e[j].chain,
			    PROTO_HASH_LEN);
		}
		fetched_free(&f);
	}
	fprintf(stderr,
	    "# group commit: %d threads x %d calls = %llu calls, %llu "
	    "commits (%.1f calls/commit), %.0f enqueues/s\n",
	    THREADS, CALLS, (unsigned long long)st.enqueues,
	    (unsigned long long)st.commits,
	    (double)st.enqueues / (double)st.commits,
	    (double)st.enqueues / dt);
	/* Threads overlap, so batches form: far fewer commits than calls. */
	assert_true(st.commits * 2 < st.enqueues);
	free(w);
	relay_store_close(s);
}

struct one {
	struct relay_store *s;
	int index;
	int r;
	struct proto_receipt rc;
};

static void *
one_call(void *arg)
{
	struct one *o = arg;
	uint8_t env[32];
	char user[32];

	snprintf(user, sizeof(user), "u%d", o->index % 3);
	make_env(env, sizeof(env), (uint8_t)o->index);
	o->r = put(o->s, 1, user, 1, (uint32_t)o->index, env, sizeof(env),
	    &o->rc);
	return NULL;
}

/* Deterministic: calls made while the database is busy all share the
 * next transaction. */
static void
test_group_commit_shares(void **state)
{
	struct relay_store *s = open_default();
	pthread_t t[THREADS];
	struct one o[THREADS];
	struct relay_store_stats st;
	uint64_t joined = 0;
	struct fetched f;
	int i;

	(void)state;
	memset(o, 0, sizeof(o));
	/* Hold the connection as a long transaction would. */
	assert_int_equal(pthread_mutex_lock(&s->lock), 0);
	for (i = 0; i < THREADS; i++) {
		o[i].s = s;
		o[i].index = i;
		assert_int_equal(pthread_create(&t[i], NULL, one_call, &o[i]),
		    0);
	}
	while (joined < THREADS) {
		assert_int_equal(pthread_mutex_lock(&s->qlock), 0);
		joined = s->enqueues;
		assert_int_equal(pthread_mutex_unlock(&s->qlock), 0);
		sched_yield();
	}
	assert_int_equal(pthread_mutex_unlock(&s->lock), 0);
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_ok(o[i].r);
	}
	st = stats(s);
	assert_int_equal(st.enqueues, THREADS);
	assert_int_equal(st.commits, 1);
	for (i = 0; i < 3; i++) {
		char user[32];

		snprintf(user, sizeof(user), "u%d", i);
		f = fetch_all(s, user, 1);
		verify_from_start(&f);
		fetched_free(&f);
	}
	relay_store_close(s);
}

static void
test_group_commit_isolation(void **state)
{
	struct relay_store *s = open_default();
	struct worker *w;
	struct relay_store_stats st;
	struct fetched f;
	char user[32];
	int i, j;

	(void)state;
	assert_non_null(w = calloc(THREADS, sizeof(*w)));
	(void)run_workers(s, w, 1);
	/* Failing calls shared transactions with good ones: each got its
	 * own result, and the good ones are all there. */
	for (i = 0; i < THREADS; i++) {
		for (j = 0; j < CALLS; j++) {
			if (j % 2 == 1) {
				assert_err(w[i].r[j], ERR_EXISTS);
			} else {
				assert_ok(w[i].r[j]);
				assert_int_equal(w[i].rc[j].seq, j / 2 + 1);
			}
		}
		snprintf(user, sizeof(user), "user%d", i);
		f = fetch_all(s, user, 1);
		assert_int_equal(f.n, CALLS / 2);
		verify_from_start(&f);
		fetched_free(&f);
	}
	st = stats(s);
	assert_int_equal(st.envelopes, THREADS * CALLS / 2);
	free(w);
	relay_store_close(s);
}

static void
test_fail_injection(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s;
	struct relay_store_stats before, after;
	uint8_t env[100], ids[3][PROTO_ID_LEN];
	struct relay_item it[3];
	struct proto_receipt rc[3];
	struct fetched f;
	long k;
	int r = -1, i;

	(void)state;
	cfg.max_messages = 3;
	s = open_cfg(&cfg);
	make_env(env, sizeof(env), 11);
	assert_ok(put(s, 1, "amy", 1, 100, env, 10, NULL));
	for (i = 0; i < 3; i++) {
		make_id(ids[i], (uint32_t)i);
	}
	it[0] = item("amy", 1, ids[0], env, sizeof(env));
	it[1] = item("bea", 2, ids[1], env, sizeof(env));
	it[2] = item("amy", 1, ids[2], env, 50);
	before = stats(s);
	/* Fail the k-th database step of the call, for every k, until the
	 * call gets through: never a partial result. */
	for (k = 0; k < 100; k++) {
		db_fail_after(k);
		r = relay_store_enqueue(s, 2, it, 3, rc, NULL, 0);
		db_fail_after(-1);
		if (r == 0) {
			break;
		}
		assert_err(r, ERR_DB);
		assert_int_equal(rc[0].seq, 0);
		after = stats(s);
		assert_int_equal(after.queues, before.queues);
		assert_int_equal(after.envelopes, before.envelopes);
		assert_int_equal(after.bytes, before.bytes);
		assert_int_equal(raw_int("SELECT count(*) FROM entries"), 1);
	}
	assert_ok(r);
	assert_true(k > 5);
	assert_int_equal(rc[2].seq, 3);
	f = fetch_all(s, "amy", 1);
	assert_int_equal(f.n, 3);
	verify_from_start(&f);
	fetched_free(&f);

	/* A refused call whose tombstone write fails: ERR_DB, or still
	 * ERR_QUOTA (true: nothing was enqueued) without the tombstone;
	 * never a partial state, and the store works afterwards. */
	before = stats(s);
	for (k = 0; k < 100; k++) {
		db_fail_after(k);
		r = put(s, 3, "amy", 1, 200, env, 10, NULL);
		db_fail_after(-1);
		if (r != ERR_QUOTA) {
			assert_err(r, ERR_DB);
		}
		after = stats(s);
		assert_int_equal(after.envelopes, before.envelopes);
		if (after.tombstones == 1) {
			break;
		}
		assert_int_equal(after.tombstones, 0);
	}
	assert_err(r, ERR_QUOTA);
	assert_int_equal(stats(s).tombstones, 1);
	assert_err(put(s, 3, "amy", 1, 200, env, 10, NULL), ERR_QUOTA);
	assert_int_equal(stats(s).tombstones, 1);

	/* Ack under injected failures: nothing or everything. */
	{
		uint8_t all[3 * PROTO_ID_LEN];

		memcpy(all, ids[0], PROTO_ID_LEN);
		memcpy(all + PROTO_ID_LEN, ids[2], PROTO_ID_LEN);
		make_id(all + 2 * PROTO_ID_LEN, 100);
		for (k = 0; k < 100; k++) {
			db_fail_after(k);
			r = relay_store_ack(s, "amy", 1, all, 3);
			db_fail_after(-1);
			if (r == 0) {
				break;
			}
			assert_err(r, ERR_DB);
			assert_int_equal(stats(s).envelopes, 4); /* bea: 1 */
		}
		assert_ok(r);
		assert_int_equal(stats(s).envelopes, 1);
	}
	f = fetch_all(s, "amy", 1);
	assert_int_equal(f.n, 1); /* the tombstone */
	fetched_free(&f);
	relay_store_close(s);
}

static void
test_bad_args(void **state)
{
	struct relay_store_config cfg = cfg_default;
	struct relay_store *s = NULL;
	uint8_t env[4] = { 1, 2, 3, 4 };
	char qname[8] = "x";
	struct relay_item it;
	struct proto_receipt rc;
	uint8_t id[PROTO_ID_LEN];

	(void)state;
	cfg.ttl_ms = 0;
	assert_err(relay_store_open(path, &cfg, &s), ERR_ARG);
	assert_null(s);
	cfg = cfg_default;
	cfg.max_bytes = 0;
	assert_err(relay_store_open(path, &cfg, &s), ERR_ARG);
	cfg = cfg_default;
	cfg.sync_full = 1;
	s = open_cfg(&cfg);
	make_id(id, 1);
	it = item("a-name-that-is-much-too-long-for-a-user", 1, id, env, 4);
	assert_err(relay_store_enqueue(s, 1, &it, 1, &rc, qname,
		       sizeof(qname)),
	    ERR_ARG);
	assert_string_equal(qname, "");
	it = item("", 1, id, env, 4);
	assert_err(relay_store_enqueue(s, 1, &it, 1, &rc, NULL, 0), ERR_ARG);
	assert_ok(relay_store_enqueue(s, 1, &it, 0, &rc, NULL, 0));
	assert_int_equal(stats(s).enqueues, 0);
	relay_store_close(s);
	relay_store_close(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_dir, remove_dir)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_chain_and_receipts),
		T(test_resend_idempotent),
		T(test_resend_conflict),
		T(test_atomic_multi_queue),
		T(test_quota_count),
		T(test_quota_bytes),
		T(test_ttl_sweep),
		T(test_sweep_batches),
		T(test_ack),
		T(test_fetch_limits),
		T(test_delete_and_list),
		T(test_stats),
		T(test_reopen),
		T(test_crash_reopen),
		T(test_group_commit),
		T(test_group_commit_shares),
		T(test_group_commit_isolation),
		T(test_fail_injection),
		T(test_bad_args),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_relay_store: sodium_init failed\n");
		return 1;
	}
	log_init("test_relay_store", LOG_LEVEL_WARNING, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
