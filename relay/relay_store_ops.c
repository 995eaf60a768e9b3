/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The relay's queue store: fetch, ack, the TTL sweep, queue deletion and
 * listing, and statistics. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "relay/relay_store.h"
#include "relay/relay_store_impl.h"
#include "service/db.h"

#define LOCK(s) PANIC_IF(pthread_mutex_lock(&(s)->lock) != 0)
#define UNLOCK(s) PANIC_IF(pthread_mutex_unlock(&(s)->lock) != 0)

/* Makes room for one more entry and len more bytes. */
static int
grow(struct proto_entry **es, size_t k, size_t *cap, uint8_t **b,
    size_t blen, size_t *bcap, size_t len)
{
	size_t c;
	void *p;

	if (k == *cap) {
		c = *cap == 0 ? 16 : *cap * 2;
		if ((p = realloc(*es, c * sizeof(**es))) == NULL) {
			return ERR_NOMEM;
		}
		*es = p;
		*cap = c;
	}
	if (len > *bcap - blen) {
		c = *bcap == 0 ? 4096 : *bcap;
		while (len > c - blen) {
			c *= 2;
		}
		if ((p = realloc(*b, c)) == NULL) {
			return ERR_NOMEM;
		}
		*b = p;
		*bcap = c;
	}
	return 0;
}

/* Reads the current row of the fetch query into e (bytes to b + blen). */
static int
read_entry(sqlite3_stmt *st, struct proto_entry *e, uint8_t *b, size_t len)
{
	int r;

	memset(e, 0, sizeof(*e));
	e->seq = (uint64_t)sqlite3_column_int64(st, 0);
	e->kind = (uint8_t)sqlite3_column_int(st, 1);
	e->received_ms = (uint64_t)sqlite3_column_int64(st, 5);
	e->len = len;
	if (len > 0) {
		memcpy(b, sqlite3_column_blob(st, 6), len);
	}
	if ((r = db_col_blob(st, 2, e->id, PROTO_ID_LEN)) != 0 ||
	    (r = db_col_blob(st, 3, e->entry_hash, PROTO_HASH_LEN)) != 0) {
		return r;
	}
	return db_col_blob(st, 4, e->chain, PROTO_HASH_LEN);
}

/* The fetch query's rows into es/b, within the limits. */
static int
fetch_rows(struct relay_store *s, sqlite3_stmt *st, size_t max_count,
    size_t max_bytes, struct proto_entry **es, size_t *k, uint8_t **b,
    size_t *blen)
{
	size_t cap = 0, bcap = 0, len;
	int r;

	while ((r = db_step(s->db, st)) == 1) {
		len = (size_t)sqlite3_column_bytes(st, 6);
		if (*k > 0 && (*blen > max_bytes || len > max_bytes - *blen)) {
			break;
		}
		if ((r = grow(es, *k, &cap, b, *blen, &bcap, len)) != 0 ||
		    (r = read_entry(st, &(*es)[*k],
			 len > 0 ? *b + *blen : NULL, len)) != 0) {
			break;
		}
		(*k)++;
		*blen += len;
		if (*k == max_count) {
			break;
		}
	}
	db_stmt_done(st);
	return r < 0 ? r : 0;
}

int
relay_store_fetch(struct relay_store *s, const char *user,
    uint32_t device_id, size_t max_count, size_t max_bytes,
    struct proto_entry **out, size_t *n, uint8_t **buf)
{
	struct proto_entry *es = NULL;
	uint8_t *b = NULL;
	sqlite3_stmt *st;
	size_t k = 0, blen = 0, off, i;
	int r;

	*out = NULL;
	*n = 0;
	*buf = NULL;
	if (max_count == 0 || relay_check_user(user) != 0) {
		return ERR_ARG;
	}
	LOCK(s);
	/* One statement: one consistent read snapshot. */
	if ((r = db_stmt(s->db,
		 "SELECT seq, kind, id, entry_hash, chain, received_ms,"
		 " envelope FROM entries WHERE queue = (SELECT id FROM queues"
		 " WHERE user = ? AND device = ?) AND acked = 0"
		 " ORDER BY seq LIMIT ?",
		 &st)) == 0) {
		db_bind_text(st, 1, user);
		sqlite3_bind_int64(st, 2, device_id);
		sqlite3_bind_int64(st, 3,
		    max_count > INT64_MAX ? INT64_MAX
					  : (sqlite3_int64)max_count);
		r = fetch_rows(s, st, max_count, max_bytes, &es, &k, &b,
		    &blen);
	}
	UNLOCK(s);
	if (r != 0) {
		goto out;
	}
	/* Pointers only now: b may have moved while it grew. */
	for (i = 0, off = 0; i < k; i++) {
		if (es[i].len > 0) {
			es[i].env = b + off;
			off += es[i].len;
		}
	}
	if (k == 0) {
		free(es);
		es = NULL;
	}
	if (blen == 0) {
		free(b);
		b = NULL;
	}
	*out = es;
	*n = k;
	*buf = b;
	es = NULL;
	b = NULL;
out:
	free(es);
	free(b);
	return r;
}

/* Acks one id of queue qid; adds what leaves the quota to the deltas. */
static int
ack_one(struct db *db, int64_t qid, const uint8_t *id, int64_t d[3])
{
	sqlite3_stmt *st;
	int64_t rid, size;
	int r, kind, acked;

	if ((r = db_stmt(db,
		 "SELECT rid, kind, acked, size FROM entries"
		 " WHERE queue = ? AND id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, qid);
	db_bind_blob(st, 2, id, PROTO_ID_LEN);
	if ((r = db_step(db, st)) != 1) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	rid = sqlite3_column_int64(st, 0);
	kind = sqlite3_column_int(st, 1);
	acked = sqlite3_column_int(st, 2);
	size = sqlite3_column_int64(st, 3);
	db_stmt_done(st);
	if (acked) {
		return 0; /* again: idempotent */
	}
	if ((r = db_stmt(db,
		 "UPDATE entries SET acked = 1, envelope = NULL"
		 " WHERE rid = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, rid);
	if (kind == PROTO_ENTRY_ENVELOPE) {
		d[0]++;
		d[1] += size;
	} else {
		d[2]++;
	}
	return db_run(db, st);
}

/* Subtracts d (envelopes, bytes, tombstones) from queue qid's counters. */
static int
queue_sub(struct db *db, int64_t qid, const int64_t d[3])
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "UPDATE queues SET count = count - ?, bytes = bytes - ?,"
		 " tombs = tombs - ? WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, d[0]);
	sqlite3_bind_int64(st, 2, d[1]);
	sqlite3_bind_int64(st, 3, d[2]);
	sqlite3_bind_int64(st, 4, qid);
	return db_run(db, st);
}

int
relay_store_ack(struct relay_store *s, const char *user, uint32_t device_id,
    const uint8_t *ids, size_t n)
{
	struct relay_queue q;
	int64_t d[3] = { 0, 0, 0 };
	size_t i;
	int r;

	PANIC_IF(ids == NULL && n > 0);
	if (relay_check_user(user) != 0) {
		return ERR_ARG;
	}
	if (n == 0) {
		return 0;
	}
	LOCK(s);
	if ((r = db_begin(s->db)) == 0) {
		r = relay_queue_get(s->db, user, device_id, 0, &q);
		for (i = 0; i < n && r == 0; i++) {
			r = ack_one(s->db, q.id, ids + i * PROTO_ID_LEN, d);
		}
		if (r == 0) {
			r = queue_sub(s->db, q.id, d);
		}
		r = db_finish(s->db, r);
	}
	UNLOCK(s);
	return r;
}

struct expiring {
	int64_t rid, queue, size;
};

/* Turns up to RELAY_SWEEP_BATCH expired envelopes into tombstones in one
 * transaction; *k gets how many. */
static int
expire_batch(struct relay_store *s, int64_t now_ms, struct expiring *x,
    size_t *k)
{
	sqlite3_stmt *st;
	size_t i;
	int r;

	*k = 0;
	if ((r = db_begin(s->db)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT rid, queue, size FROM entries WHERE kind = 0"
		 " AND acked = 0 AND expires_ms <= ? LIMIT ?",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, RELAY_SWEEP_BATCH);
	while ((r = db_step(s->db, st)) == 1 && *k < RELAY_SWEEP_BATCH) {
		x[*k].rid = sqlite3_column_int64(st, 0);
		x[*k].queue = sqlite3_column_int64(st, 1);
		x[*k].size = sqlite3_column_int64(st, 2);
		(*k)++;
	}
	db_stmt_done(st);
	for (i = 0; i < *k && r >= 0; i++) {
		/* SECURITY: the bytes go; id, entry_hash and chain stay so
		 * the tombstone keeps the recipient's chain verifiable. */
		if ((r = db_stmt(s->db,
			 "UPDATE entries SET kind = 1, envelope = NULL"
			 " WHERE rid = ?",
			 &st)) != 0) {
			break;
		}
		sqlite3_bind_int64(st, 1, x[i].rid);
		if ((r = db_run(s->db, st)) != 0 ||
		    (r = db_stmt(s->db,
			 "UPDATE queues SET count = count - 1,"
			 " bytes = bytes - ?, tombs = tombs + 1 WHERE id = ?",
			 &st)) != 0) {
			break;
		}
		sqlite3_bind_int64(st, 1, x[i].size);
		sqlite3_bind_int64(st, 2, x[i].queue);
		r = db_run(s->db, st);
	}
out:
	r = db_finish(s->db, r < 0 ? r : 0);
	if (r != 0) {
		*k = 0;
	}
	return r;
}

/* Deletes up to RELAY_SWEEP_BATCH acked entries past their TTL. */
static int
prune_batch(struct relay_store *s, int64_t now_ms, size_t *k)
{
	sqlite3_stmt *st;
	int r;

	*k = 0;
	if ((r = db_begin(s->db)) != 0 ||
	    (r = db_stmt(s->db,
		 "DELETE FROM entries WHERE rid IN (SELECT rid FROM entries"
		 " WHERE acked = 1 AND expires_ms <= ? LIMIT ?)",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int(st, 2, RELAY_SWEEP_BATCH);
	if ((r = db_run(s->db, st)) == 0) {
		*k = (size_t)db_changes(s->db);
	}
out:
	r = db_finish(s->db, r);
	if (r != 0) {
		*k = 0;
	}
	return r;
}

int
relay_store_sweep(struct relay_store *s, int64_t now_ms, uint64_t *expired,
    uint64_t *pruned)
{
	struct expiring *x;
	size_t k;
	int r;

	*expired = 0;
	*pruned = 0;
	if ((x = mem_alloc(RELAY_SWEEP_BATCH * sizeof(*x))) == NULL) {
		return ERR_NOMEM;
	}
	/* The lock is dropped between batches, so writers get their turn. */
	do {
		LOCK(s);
		r = expire_batch(s, now_ms, x, &k);
		UNLOCK(s);
		*expired += k;
	} while (r == 0 && k == RELAY_SWEEP_BATCH);
	while (r == 0) {
		LOCK(s);
		r = prune_batch(s, now_ms, &k);
		UNLOCK(s);
		*pruned += k;
		if (k < RELAY_SWEEP_BATCH) {
			break;
		}
	}
	free(x);
	if (r != 0) {
		log_err_r(r, "relay store: sweep stopped");
	}
	return r;
}

int
relay_store_delete_queue(struct relay_store *s, const char *user,
    uint32_t device_id)
{
	struct relay_queue q;
	sqlite3_stmt *st;
	int r;

	if (relay_check_user(user) != 0) {
		return ERR_ARG;
	}
	LOCK(s);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = relay_queue_get(s->db, user, device_id, 0, &q)) != 0) {
		r = db_finish(s->db, r == ERR_NOT_FOUND ? 0 : r);
		goto out;
	}
	if ((r = db_stmt(s->db, "DELETE FROM entries WHERE queue = ?",
		 &st)) == 0) {
		sqlite3_bind_int64(st, 1, q.id);
		if ((r = db_run(s->db, st)) == 0 &&
		    (r = db_stmt(s->db, "DELETE FROM queues WHERE id = ?",
			 &st)) == 0) {
			sqlite3_bind_int64(st, 1, q.id);
			r = db_run(s->db, st);
		}
	}
	r = db_finish(s->db, r);
out:
	UNLOCK(s);
	return r;
}

struct queue_name {
	char user[PROTO_MAX_USER + 1];
	uint32_t device;
};

/* A snapshot of every queue's name. */
static int
list_queues(struct relay_store *s, struct queue_name **out, size_t *n)
{
	struct queue_name *l = NULL;
	const unsigned char *u;
	sqlite3_stmt *st;
	size_t cap = 0;
	void *p;
	int r;

	if ((r = db_stmt(s->db, "SELECT user, device FROM queues", &st)) !=
	    0) {
		return r;
	}
	while ((r = db_step(s->db, st)) == 1) {
		if (*n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			if ((p = realloc(l, cap * sizeof(*l))) == NULL) {
				db_stmt_done(st);
				r = ERR_NOMEM;
				break;
			}
			l = p;
		}
		u = sqlite3_column_text(st, 0);
		snprintf(l[*n].user, sizeof(l[*n].user), "%s",
		    u != NULL ? (const char *)u : "");
		l[*n].device = (uint32_t)sqlite3_column_int64(st, 1);
		(*n)++;
	}
	*out = l;
	return r;
}

int
relay_store_queues(struct relay_store *s,
    void (*fn)(const char *user, uint32_t device_id, void *arg), void *arg)
{
	struct queue_name *l = NULL;
	size_t n = 0, i;
	int r;

	LOCK(s);
	r = list_queues(s, &l, &n);
	UNLOCK(s);
	for (i = 0; i < n && r == 0; i++) {
		fn(l[i].user, l[i].device, arg);
	}
	free(l);
	return r;
}

int
relay_store_stats(struct relay_store *s, struct relay_store_stats *out)
{
	struct relay_store_stats st0;
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&st0, 0, sizeof(st0));
	LOCK(s);
	if ((r = db_stmt(s->db,
		 "SELECT count(*), coalesce(sum(count), 0),"
		 " coalesce(sum(bytes), 0), coalesce(sum(tombs), 0)"
		 " FROM queues",
		 &st)) == 0 &&
	    (r = db_step(s->db, st)) == 1) {
		st0.queues = (uint64_t)sqlite3_column_int64(st, 0);
		st0.envelopes = (uint64_t)sqlite3_column_int64(st, 1);
		st0.bytes = (uint64_t)sqlite3_column_int64(st, 2);
		st0.tombstones = (uint64_t)sqlite3_column_int64(st, 3);
		db_stmt_done(st);
		r = 0;
	} else if (r == 0) {
		r = ERR_DB; /* an aggregate always gives a row */
	}
	UNLOCK(s);
	if (r != 0) {
		return r;
	}
	PANIC_IF(pthread_mutex_lock(&s->qlock) != 0);
	st0.enqueues = s->enqueues;
	st0.commits = s->commits;
	PANIC_IF(pthread_mutex_unlock(&s->qlock) != 0);
	*out = st0;
	return 0;
}
