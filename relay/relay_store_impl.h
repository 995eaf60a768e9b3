/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Internals of the relay's SQLite queue store, shared by relay_store*.c
 * and the unit test only. */
#ifndef SEALPOST_RELAY_STORE_IMPL_H
#define SEALPOST_RELAY_STORE_IMPL_H

#include <pthread.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "relay/relay_store.h"
#include "service/db.h"

/* An enqueue call waiting for (or in) a group commit; on its caller's
 * stack. Written by the leader, read by the caller once done is set. */
struct relay_call {
	int64_t now_ms;
	const struct relay_item *items;
	size_t n;
	struct proto_receipt *out;
	char quota_name[PROTO_MAX_USER + 12]; /* "user/4294967295" */
	int r;
	int done;
	struct relay_call *next;
};

/*
 * Two locks, never held together: lock guards the database connection
 * (one thread at a time, as db.h requires); qlock guards the group-commit
 * queue: pending calls, the leader flag and the counters.
 */
struct relay_store {
	pthread_mutex_t lock;
	struct db *db;
	struct relay_store_config cfg;

	pthread_mutex_t qlock;
	pthread_cond_t qcond;      /* a batch finished */
	struct relay_call *pending; /* waiting for the next batch, FIFO */
	struct relay_call **tail;
	int leading;               /* a leader is running a batch */
	unsigned inflight;         /* callers inside relay_store_enqueue */
	uint64_t enqueues, commits;
};

/* A batch stops taking in late calls once it holds this many items. */
#define RELAY_BATCH_ITEMS 1000

/* A queue row. */
struct relay_queue {
	int64_t id;
	uint64_t next_seq;
	uint8_t head[PROTO_HASH_LEN];
	uint64_t count, bytes;
};

/* 0 if user is a name of 1..PROTO_MAX_USER bytes, else ERR_ARG. */
int relay_check_user(const char *user);

/* Finds queue (user, device); with create, makes an empty one if none
 * (h_0 head, next seq 1). ERR_NOT_FOUND without create and no queue. */
int relay_queue_get(struct db *db, const char *user, uint32_t device,
    int create, struct relay_queue *q);

#endif
