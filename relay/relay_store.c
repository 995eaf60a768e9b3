/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The relay's queue store on SQLite: schema, opening, and enqueue with
 * group commit (concurrent calls share one transaction). */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "relay/relay_store.h"
#include "relay/relay_store_impl.h"
#include "service/db.h"

/*
 * Schema, version 1.
 *
 * queues: one per recipient device (user, device). next_seq is the seq the
 * next entry gets, head the chain value of the last entry (h_0 = 32 zero
 * bytes while empty). count and bytes are the unacked envelopes and their
 * bytes (the quota), tombs the unacked tombstones; they are kept in step
 * with entries by every write, so quota checks and /metrics never scan.
 *
 * entries: every entry of a queue's chain that is not pruned yet. kind is
 * enum proto_entry_kind; envelope holds the bytes of an unacked envelope
 * and is NULL for tombstones and acked entries (size keeps the length).
 * An acked row keeps id, seq, entry_hash and chain until expires_ms (its
 * TTL), so a resend of the same id gets its receipt and acks repeat.
 * Tombstones stay until acked (the device must see them). An
 * ordinary rowid table, not WITHOUT ROWID: its rows carry envelopes of up
 * to tens of KiB, which SQLite stores better behind a rowid.
 *
 * SECURITY: no column names a sender; the relay is never told one.
 *
 * Indexes: entries_unacked serves fetch (a queue's unacked entries in seq
 * order, skipping acked rows waiting for pruning), entries_expiry the
 * sweep's expiry pass, entries_acked its prune pass.
 */
static const struct db_migration migrations[] = {
	{ 1,
	    "CREATE TABLE queues ("
	    " id INTEGER PRIMARY KEY,"
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " next_seq INTEGER NOT NULL,"
	    " head BLOB NOT NULL,"
	    " count INTEGER NOT NULL,"
	    " bytes INTEGER NOT NULL,"
	    " tombs INTEGER NOT NULL,"
	    " UNIQUE (user, device));"
	    "CREATE TABLE entries ("
	    " rid INTEGER PRIMARY KEY,"
	    " queue INTEGER NOT NULL REFERENCES queues(id),"
	    " seq INTEGER NOT NULL,"
	    " kind INTEGER NOT NULL,"
	    " id BLOB NOT NULL,"
	    " entry_hash BLOB NOT NULL,"
	    " chain BLOB NOT NULL,"
	    " received_ms INTEGER NOT NULL,"
	    " expires_ms INTEGER NOT NULL,"
	    " acked INTEGER NOT NULL DEFAULT 0,"
	    " size INTEGER NOT NULL,"
	    " envelope BLOB,"
	    " UNIQUE (queue, seq),"
	    " UNIQUE (queue, id));"
	    "CREATE INDEX entries_unacked ON entries(queue, seq)"
	    " WHERE acked = 0;"
	    "CREATE INDEX entries_expiry ON entries(expires_ms)"
	    " WHERE kind = 0 AND acked = 0;"
	    "CREATE INDEX entries_acked ON entries(expires_ms)"
	    " WHERE acked = 1;" },
};

int
relay_store_open(const char *path, const struct relay_store_config *cfg,
    struct relay_store **out)
{
	struct relay_store *s = NULL;
	unsigned flags = DB_SECURE_DELETE;
	int r;

	*out = NULL;
	if (cfg->ttl_ms <= 0 || cfg->max_messages == 0 ||
	    cfg->max_bytes == 0) {
		log_err("relay store: bad limits (ttl %lld ms, %llu messages, "
			"%llu bytes)",
		    (long long)cfg->ttl_ms,
		    (unsigned long long)cfg->max_messages,
		    (unsigned long long)cfg->max_bytes);
		return ERR_ARG;
	}
	if ((s = mem_zalloc(sizeof(*s))) == NULL) {
		return ERR_NOMEM;
	}
	if (cfg->sync_full) {
		flags |= DB_SYNC_FULL;
	}
	if ((r = db_open(path, flags, migrations,
		 sizeof(migrations) / sizeof(migrations[0]), &s->db)) != 0) {
		free(s);
		return r;
	}
	s->cfg = *cfg;
	s->tail = &s->pending;
	PANIC_IF(pthread_mutex_init(&s->lock, NULL) != 0);
	PANIC_IF(pthread_mutex_init(&s->qlock, NULL) != 0);
	PANIC_IF(pthread_cond_init(&s->qcond, NULL) != 0);
	*out = s;
	return 0;
}

void
relay_store_close(struct relay_store *s)
{
	if (s == NULL) {
		return;
	}
	PANIC_IF(s->leading || s->pending != NULL);
	db_close(s->db);
	pthread_cond_destroy(&s->qcond);
	pthread_mutex_destroy(&s->qlock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int
relay_check_user(const char *user)
{
	size_t n = strnlen(user, PROTO_MAX_USER + 1);

	return n >= 1 && n <= PROTO_MAX_USER ? 0 : ERR_ARG;
}

int
relay_queue_get(struct db *db, const char *user, uint32_t device,
    int create, struct relay_queue *q)
{
	sqlite3_stmt *st;
	int r;

	memset(q, 0, sizeof(*q));
	if ((r = db_stmt(db,
		 "SELECT id, next_seq, head, count, bytes FROM queues"
		 " WHERE user = ? AND device = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	if ((r = db_step(db, st)) == 1) {
		q->id = sqlite3_column_int64(st, 0);
		q->next_seq = (uint64_t)sqlite3_column_int64(st, 1);
		q->count = (uint64_t)sqlite3_column_int64(st, 3);
		q->bytes = (uint64_t)sqlite3_column_int64(st, 4);
		r = db_col_blob(st, 2, q->head, sizeof(q->head));
		db_stmt_done(st);
		return r;
	}
	if (r < 0) {
		return r;
	}
	if (!create) {
		return ERR_NOT_FOUND;
	}
	if ((r = db_stmt(db,
		 "INSERT INTO queues (user, device, next_seq, head, count,"
		 " bytes, tombs) VALUES (?, ?, 1, ?, 0, 0, 0)",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	db_bind_blob(st, 3, q->head, sizeof(q->head));
	if ((r = db_run(db, st)) != 0) {
		return r;
	}
	q->id = db_last_rowid(db);
	q->next_seq = 1;
	return 0;
}

/* A new entry at the end of queue q: e's seq, chain and received_ms are
 * set here, from q and now_ms; q is advanced (kept equal to its row). */
static int
append(struct relay_store *s, struct relay_queue *q, int64_t now_ms,
    struct proto_entry *e)
{
	int64_t expires = now_ms > INT64_MAX - s->cfg.ttl_ms ?
	    INT64_MAX : now_ms + s->cfg.ttl_ms;
	int envelope = e->kind == PROTO_ENTRY_ENVELOPE;
	sqlite3_stmt *st;
	int r;

	e->seq = q->next_seq;
	e->received_ms = (uint64_t)now_ms;
	proto_chain_next(e->chain, q->head, e->seq, e->entry_hash);
	if ((r = db_stmt(s->db,
		 "INSERT INTO entries (queue, seq, kind, id, entry_hash,"
		 " chain, received_ms, expires_ms, size, envelope)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, q->id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
	sqlite3_bind_int(st, 3, e->kind);
	db_bind_blob(st, 4, e->id, PROTO_ID_LEN);
	db_bind_blob(st, 5, e->entry_hash, PROTO_HASH_LEN);
	db_bind_blob(st, 6, e->chain, PROTO_HASH_LEN);
	sqlite3_bind_int64(st, 7, now_ms);
	sqlite3_bind_int64(st, 8, expires);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)e->len);
	if (e->len > 0) {
		db_bind_blob(st, 10, e->env, e->len);
	}
	if ((r = db_run(s->db, st)) != 0 ||
	    (r = db_stmt(s->db,
		 "UPDATE queues SET next_seq = ?, head = ?,"
		 " count = count + ?, bytes = bytes + ?, tombs = tombs + ?"
		 " WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(e->seq + 1));
	db_bind_blob(st, 2, e->chain, PROTO_HASH_LEN);
	sqlite3_bind_int(st, 3, envelope);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)e->len);
	sqlite3_bind_int(st, 5, !envelope);
	sqlite3_bind_int64(st, 6, q->id);
	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	q->next_seq = e->seq + 1;
	memcpy(q->head, e->chain, PROTO_HASH_LEN);
	q->count += (uint64_t)envelope;
	q->bytes += e->len;
	return 0;
}

/* The receipt of the entry of queue qid with this id: 1 found (the stored
 * entry_hash in hash), 0 none, or an error. */
static int
find_entry(struct db *db, int64_t qid, const uint8_t *id,
    uint8_t hash[static PROTO_HASH_LEN], struct proto_receipt *rc)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "SELECT seq, entry_hash, chain FROM entries"
		 " WHERE queue = ? AND id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, qid);
	db_bind_blob(st, 2, id, PROTO_ID_LEN);
	if ((r = db_step(db, st)) != 1) {
		return r;
	}
	memcpy(rc->id, id, PROTO_ID_LEN);
	rc->seq = (uint64_t)sqlite3_column_int64(st, 0);
	if ((r = db_col_blob(st, 1, hash, PROTO_HASH_LEN)) == 0) {
		r = db_col_blob(st, 2, rc->chain, PROTO_HASH_LEN);
	}
	db_stmt_done(st);
	return r == 0 ? 1 : r;
}

/* Enqueues one item (inside the call's savepoint). */
static int
enqueue_one(struct relay_store *s, int64_t now_ms,
    const struct relay_item *it, struct proto_receipt *rc)
{
	uint8_t stored[PROTO_HASH_LEN];
	struct proto_entry e;
	struct relay_queue q;
	int r;

	memset(&e, 0, sizeof(e));
	e.kind = PROTO_ENTRY_ENVELOPE;
	memcpy(e.id, it->id, PROTO_ID_LEN);
	e.env = it->env;
	e.len = it->len;
	proto_entry_hash(e.entry_hash, it->id, it->env, it->len);
	if ((r = relay_queue_get(s->db, it->user, it->device_id, 1, &q)) !=
		0 ||
	    (r = find_entry(s->db, q.id, it->id, stored, rc)) < 0) {
		return r;
	}
	if (r == 1) {
		/* A resend: the same bytes get the first receipt. */
		r = sodium_memcmp(stored, e.entry_hash, PROTO_HASH_LEN);
		return r == 0 ? 0 : ERR_EXISTS;
	}
	if (q.count >= s->cfg.max_messages || q.bytes > s->cfg.max_bytes ||
	    it->len > s->cfg.max_bytes - q.bytes) {
		return ERR_QUOTA;
	}
	if ((r = append(s, &q, now_ms, &e)) != 0) {
		return r;
	}
	memcpy(rc->id, e.id, PROTO_ID_LEN);
	rc->seq = e.seq;
	memcpy(rc->chain, e.chain, PROTO_HASH_LEN);
	return 0;
}

/* Appends an overflow tombstone to queue (user, device), unless its last
 * entry is one its device has not acked yet. */
static int
add_overflow(struct relay_store *s, int64_t now_ms, const char *user,
    uint32_t device)
{
	struct proto_entry e;
	struct relay_queue q;
	sqlite3_stmt *st;
	int r;

	if ((r = relay_queue_get(s->db, user, device, 1, &q)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT 1 FROM entries WHERE queue = ? AND seq = ?"
		 " AND kind = 2 AND acked = 0",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, q.id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(q.next_seq - 1));
	if ((r = db_step(s->db, st)) != 0) {
		db_stmt_done(st);
		return r < 0 ? r : 0; /* 1: one is already there */
	}
	memset(&e, 0, sizeof(e));
	e.kind = PROTO_ENTRY_OVERFLOW;
	randombytes_buf(e.id, sizeof(e.id));
	proto_overflow_hash(e.entry_hash, e.id, (uint64_t)now_ms);
	return append(s, &q, now_ms, &e);
}

/* Steps a cached savepoint statement. */
static int
savepoint(struct db *db, const char *sql)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db, sql, &st)) != 0) {
		return r;
	}
	r = db_step(db, st);
	db_stmt_done(st);
	return r;
}

/* Undoes everything since SAVEPOINT sp and removes it. */
static int
undo(struct db *db)
{
	int r;

	if ((r = savepoint(db, "ROLLBACK TO sp")) == 0) {
		r = savepoint(db, "RELEASE sp");
	}
	return r;
}

/* Writes an overflow tombstone for the queue that refused call c, in its
 * own savepoint: its failure is logged and leaves the call's ERR_QUOTA. */
static int
refused(struct relay_store *s, struct relay_call *c,
    const struct relay_item *it)
{
	int r;

	snprintf(c->quota_name, sizeof(c->quota_name), "%s/%lu", it->user,
	    (unsigned long)it->device_id);
	if ((r = savepoint(s->db, "SAVEPOINT sp")) != 0) {
		return r;
	}
	if ((r = add_overflow(s, c->now_ms, it->user, it->device_id)) == 0) {
		return savepoint(s->db, "RELEASE sp");
	}
	log_warn_r(r, "overflow tombstone for %s not written", c->quota_name);
	return undo(s->db);
}

/*
 * Runs call c in its own savepoint. Returns the call's result; *fatal gets
 * an error if the transaction itself is lost (a savepoint that cannot be
 * released or rolled back), which ends the whole batch.
 */
static int
run_call(struct relay_store *s, struct relay_call *c, int *fatal)
{
	size_t i;
	int r, r2;

	if ((r = savepoint(s->db, "SAVEPOINT sp")) != 0) {
		*fatal = r;
		return r;
	}
	for (i = 0; i < c->n; i++) {
		r = enqueue_one(s, c->now_ms, &c->items[i], &c->out[i]);
		if (r != 0) {
			break;
		}
	}
	if (r == 0) {
		if ((r = savepoint(s->db, "RELEASE sp")) != 0) {
			*fatal = r;
		}
		return r;
	}
	if ((r2 = undo(s->db)) != 0 ||
	    (r == ERR_QUOTA && (r2 = refused(s, c, &c->items[i])) != 0)) {
		*fatal = r2;
	}
	return r;
}

/* Takes the calls that arrived since the batch was taken, or NULL. */
static struct relay_call *
late_calls(struct relay_store *s)
{
	struct relay_call *more;

	PANIC_IF(pthread_mutex_lock(&s->qlock) != 0);
	more = s->pending;
	s->pending = NULL;
	s->tail = &s->pending;
	PANIC_IF(pthread_mutex_unlock(&s->qlock) != 0);
	return more;
}

/*
 * Runs a batch of calls in one transaction; 1 if it committed. Calls that
 * arrive while it runs join it before the commit (their owners wait for
 * it), up to RELAY_BATCH_ITEMS items, so the commit, the costly part, is
 * shared by as many calls as possible. Calls not run, or run but lost with
 * the transaction, get the fatal error.
 */
static int
run_batch(struct relay_store *s, struct relay_call *batch)
{
	struct relay_call *c = batch, *last = NULL;
	size_t items = 0;
	int fatal;

	PANIC_IF(pthread_mutex_lock(&s->lock) != 0);
	fatal = db_begin(s->db);
	while (fatal == 0) {
		for (; c != NULL && fatal == 0; last = c, c = c->next) {
			c->r = run_call(s, c, &fatal);
			items += c->n;
		}
		if (fatal != 0 || items >= RELAY_BATCH_ITEMS ||
		    (c = late_calls(s)) == NULL) {
			break;
		}
		last->next = c;
	}
	if (fatal == 0) {
		fatal = db_commit(s->db);
	}
	if (fatal != 0) {
		db_rollback(s->db);
		for (c = batch; c != NULL; c = c->next) {
			if (c->r >= 0) {
				c->r = fatal;
			}
		}
	}
	PANIC_IF(pthread_mutex_unlock(&s->lock) != 0);
	return fatal == 0;
}

/*
 * Group commit, leader/follower: every call joins the pending list. A
 * caller that finds no batch running becomes the leader: it takes the
 * whole list (its own call included) and runs it as one transaction
 * without holding qlock, taking in calls that arrive meanwhile (see
 * run_batch); then it marks the calls done and wakes everyone. A woken
 * caller whose call is still pending leads the next batch.
 */
static void
group_commit(struct relay_store *s, struct relay_call *c)
{
	struct relay_call *batch, *p, *next;
	int committed, others;

	PANIC_IF(pthread_mutex_lock(&s->qlock) != 0);
	s->enqueues++;
	s->inflight++;
	*s->tail = c;
	s->tail = &c->next;
	while (!c->done) {
		if (s->leading) {
			PANIC_IF(pthread_cond_wait(&s->qcond, &s->qlock) != 0);
			continue;
		}
		s->leading = 1;
		batch = s->pending;
		s->pending = NULL;
		s->tail = &s->pending;
		others = s->inflight > 1;
		PANIC_IF(pthread_mutex_unlock(&s->qlock) != 0);
		if (others) {
			/* Callers of the last batch are about to come back:
			 * let them, so their calls join this one. */
			sched_yield();
		}
		committed = run_batch(s, batch);
		PANIC_IF(pthread_mutex_lock(&s->qlock) != 0);
		s->commits += (uint64_t)committed;
		for (p = batch; p != NULL; p = next) {
			next = p->next; /* p's owner may return once done */
			p->done = 1;
		}
		s->leading = 0;
		PANIC_IF(pthread_cond_broadcast(&s->qcond) != 0);
	}
	s->inflight--;
	PANIC_IF(pthread_mutex_unlock(&s->qlock) != 0);
}

int
relay_store_enqueue(struct relay_store *s, int64_t now_ms,
    const struct relay_item *items, size_t n, struct proto_receipt *out,
    char *quota_name, size_t quota_cap)
{
	struct relay_call c;
	size_t i;

	PANIC_IF(quota_name == NULL && quota_cap > 0);
	if (quota_cap > 0) {
		quota_name[0] = '\0';
	}
	memset(out, 0, n * sizeof(*out));
	for (i = 0; i < n; i++) {
		PANIC_IF(items[i].user == NULL || items[i].id == NULL ||
		    (items[i].env == NULL && items[i].len > 0));
		if (relay_check_user(items[i].user) != 0 ||
		    items[i].len > INT32_MAX) {
			return ERR_ARG;
		}
	}
	if (n == 0) {
		return 0;
	}
	memset(&c, 0, sizeof(c));
	c.now_ms = now_ms;
	c.items = items;
	c.n = n;
	c.out = out;
	c.r = 1; /* not run yet */
	group_commit(s, &c);
	if (c.r != 0) {
		memset(out, 0, n * sizeof(*out));
	}
	if (c.r == ERR_QUOTA && quota_cap > 0) {
		snprintf(quota_name, quota_cap, "%s", c.quota_name);
	}
	return c.r;
}
