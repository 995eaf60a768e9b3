/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The relay's queues on SQLite: sealed envelopes held per recipient device,
 * numbered and hash-chained, until the device fetches and acknowledges
 * them. Concurrent enqueues share transactions (group commit). */
#ifndef SEALPOST_RELAY_STORE_H
#define SEALPOST_RELAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/proto.h"

/*
 * SECURITY: the store keeps, per entry, only the queue, seq, kind, envelope
 * id, entry hash, chain value, times, size and the opaque envelope bytes;
 * per queue, the recipient (user, device). It is never told who sent an
 * envelope, so it cannot store it.
 *
 * Threading: every function below is thread safe; one struct relay_store
 * is shared by all threads of the relay. A queue is named (user,
 * device_id); user is a NUL-terminated name of 1..PROTO_MAX_USER bytes.
 */
struct relay_store;

/* Limits, per queue (quotas) and per envelope (TTL). */
struct relay_store_config {
	int64_t ttl_ms;        /* > 0: an envelope expires this long after
				  it was stored */
	uint64_t max_messages; /* >= 1: unacked envelopes in one queue */
	uint64_t max_bytes;    /* >= 1: their envelope bytes */
	int sync_full;         /* synchronous=FULL (else NORMAL) */
};

/* Counters for /metrics. The first four describe the database now; the
 * last two count since relay_store_open. */
struct relay_store_stats {
	uint64_t queues;     /* queues that exist */
	uint64_t envelopes;  /* unacked envelopes held */
	uint64_t bytes;      /* their envelope bytes */
	uint64_t tombstones; /* unacked tombstones (expired, overflow) */
	uint64_t enqueues;   /* relay_store_enqueue calls */
	uint64_t commits;    /* enqueue transactions committed (group
				commits: one holds many calls) */
};

/* One envelope to enqueue: for queue (user, device_id), client-chosen id
 * (PROTO_ID_LEN bytes) and len envelope bytes at env (NULL if len is 0). */
struct relay_item {
	const char *user;
	uint32_t device_id;
	const uint8_t *id;
	const uint8_t *env;
	size_t len;
};

/*
 * Opens (creating if needed, 0600) the queue database at path and brings
 * its schema up to date; *cfg is copied. The database runs in WAL mode,
 * synchronous=NORMAL (FULL if cfg->sync_full) and secure_delete=ON, so the
 * bytes of acknowledged and expired envelopes are overwritten in the file.
 * Returns 0, ERR_ARG (ttl_ms <= 0, max_messages or max_bytes 0), ERR_NOMEM
 * or an error of db_open (ERR_PERM, ERR_VERSION, ERR_SYS, ERR_TIMEOUT,
 * ERR_DB); *out is NULL on failure.
 */
WUR int relay_store_open(const char *path, const struct relay_store_config *cfg,
    struct relay_store **out) NONNULL(1, 2, 3);

/* Closes the database. No other call on s may be running or follow. NULL
 * is a no-op. */
void relay_store_close(struct relay_store *s);

/*
 * Enqueues items[0..n) atomically: all of them, or none.
 *
 * For each item, its queue is created on first use and entry_hash =
 * proto_entry_hash(id, env, len). If the queue holds (or held, and the
 * entry was acked but not yet pruned) an entry with this id: the same
 * entry_hash gives the receipt of the first time and stores nothing (an
 * idempotent resend, also of an envelope since turned into an expired
 * tombstone); a different one fails the call with ERR_EXISTS. Otherwise
 * the envelope gets the queue's next seq (from 1), chain = proto_chain_next
 * (queue head, seq, entry_hash), expiry now_ms + ttl_ms, and out[i] = (id,
 * seq, chain). Items of one call are applied in order, so two items with
 * the same queue and id store one envelope.
 *
 * Quota: if an item would take its queue above max_messages unacked
 * envelopes or max_bytes of their bytes, the call fails with ERR_QUOTA,
 * "user/device_id" of that queue (the first one found) is written to
 * quota_name (NUL-terminated, truncated to quota_cap; may be NULL when
 * quota_cap is 0), nothing of the call is stored, and an overflow
 * tombstone (kind PROTO_ENTRY_OVERFLOW, a random id, entry_hash =
 * proto_overflow_hash(id, now_ms), no bytes, not counted by the quota) is
 * appended to that queue's chain, unless the queue's last entry already is
 * an overflow tombstone its device has not acked, so a storm of refused
 * sends leaves one. The tombstone is committed although the call is not.
 *
 * Durability: returns once the transaction holding the call committed.
 * Concurrent calls share one transaction (group commit); each runs in its
 * own savepoint, so one call's failure never affects another's result.
 *
 * Returns 0, ERR_ARG (bad user or len > INT32_MAX), ERR_EXISTS, ERR_QUOTA,
 * ERR_TIMEOUT, ERR_DB or ERR_NOMEM. On failure out[0..n) is zeroed and
 * nothing of the call is stored; quota_name is "" unless ERR_QUOTA.
 * items[].env is only read; nothing is retained after the call returns.
 */
WUR int relay_store_enqueue(struct relay_store *s, int64_t now_ms,
    const struct relay_item *items, size_t n, struct proto_receipt *out,
    char *quota_name, size_t quota_cap) NONNULL(1, 3, 5);

/*
 * The oldest unacked entries of queue (user, device_id), in seq order: at
 * most max_count (>= 1) entries, and no more envelope bytes than max_bytes,
 * except that the first entry is returned even if larger. Tombstones are
 * included (PROTO_ENTRY_EXPIRED and PROTO_ENTRY_OVERFLOW, no bytes, env
 * NULL). An unknown queue is empty.
 *
 * On success *out is a heap array of *n entries (NULL if *n is 0) and
 * *buf one heap block (NULL if no bytes) that their env pointers point
 * into; the caller free()s both. Returns 0, ERR_ARG (max_count 0, bad
 * user), ERR_TIMEOUT, ERR_DB or ERR_NOMEM; on failure *out, *buf are NULL
 * and *n is 0.
 */
WUR int relay_store_fetch(struct relay_store *s, const char *user,
    uint32_t device_id, size_t max_count, size_t max_bytes,
    struct proto_entry **out, size_t *n, uint8_t **buf)
    NONNULL(1, 2, 6, 7, 8);

/*
 * Acknowledges the entries of queue (user, device_id) with ids ids[0..n)
 * (n * PROTO_ID_LEN bytes), all or nothing. An acked entry loses its
 * envelope bytes and leaves the quota and fetch; its id, seq and
 * entry_hash stay until relay_store_sweep prunes it, so a resend still
 * gets its receipt. Acking an entry again is fine (idempotent).
 * Returns 0, ERR_NOT_FOUND (an id this queue never had, or an unknown
 * queue: nothing is acked), ERR_ARG (bad user), ERR_TIMEOUT or ERR_DB.
 */
WUR int relay_store_ack(struct relay_store *s, const char *user,
    uint32_t device_id, const uint8_t *ids, size_t n) NONNULL(1, 2);

/*
 * Turns every unacked envelope whose expiry is <= now_ms into an expired
 * tombstone (kind PROTO_ENTRY_EXPIRED, bytes deleted; id, entry_hash and
 * chain kept) and deletes acked entries received more than ttl_ms before
 * now_ms. Works in transactions of at most RELAY_SWEEP_BATCH rows, so it
 * never holds the write lock long. *expired and *pruned get the counts
 * (also of the batches done before a failure). Returns 0, ERR_TIMEOUT,
 * ERR_DB or ERR_NOMEM.
 */
#define RELAY_SWEEP_BATCH 1000
WUR int relay_store_sweep(struct relay_store *s, int64_t now_ms,
    uint64_t *expired, uint64_t *pruned) NONNULL(1, 3, 4);

/* Deletes queue (user, device_id) and all of its entries (a revoked
 * device). Returns 0 (also if there was no such queue), ERR_ARG,
 * ERR_TIMEOUT or ERR_DB. */
WUR int relay_store_delete_queue(struct relay_store *s, const char *user,
    uint32_t device_id) NONNULL(1, 2);

/*
 * Calls fn(user, device_id, arg) for every queue, in no set order, on a
 * snapshot taken first: no lock is held while fn runs, so fn may call the
 * store (e.g. relay_store_delete_queue). user is valid during the call
 * only. Returns 0, ERR_TIMEOUT, ERR_DB or ERR_NOMEM (fn not called).
 */
WUR int relay_store_queues(struct relay_store *s,
    void (*fn)(const char *user, uint32_t device_id, void *arg), void *arg)
    NONNULL(1, 2);

/* Fills *st (see struct relay_store_stats). Returns 0, ERR_TIMEOUT or
 * ERR_DB; *st is zeroed on failure. */
WUR int relay_store_stats(struct relay_store *s, struct relay_store_stats *st)
    NONNULL(1, 2);

#endif
