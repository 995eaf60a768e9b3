/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Internals of the SQLite key directory, shared by kd_store_*.c only. */
#ifndef SEALPOST_KD_STORE_IMPL_H
#define SEALPOST_KD_STORE_IMPL_H

#include <pthread.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "keyserver/kd_store.h"
#include "service/db.h"

struct kd_store {
	pthread_mutex_t lock;
	struct db *db;
};

/* Inserts one-time prekeys of a device (in a transaction). */
int kd_insert_prekeys(struct db *db, int64_t uid, uint32_t device_id,
    const struct proto_prekeys *l);

/* Binding helpers: SQLITE_TRANSIENT copies, so inputs may go right after. */
static inline void
kd_bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
	(void)sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
}

static inline void
kd_bind_text(sqlite3_stmt *st, int i, const char *t)
{
	(void)sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
}

/* Copies a BLOB column of exactly n bytes; ERR_DB if it is not. */
static inline int
kd_col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
	const void *p = sqlite3_column_blob(st, i);

	if (p == NULL || (size_t)sqlite3_column_bytes(st, i) != n) {
		log_err("column %d: bad blob length", i);
		return ERR_DB;
	}
	memcpy(out, p, n);
	return 0;
}

/* Runs a statement with no result row expected. */
static inline int
kd_run(struct db *db, sqlite3_stmt *st)
{
	int r = db_step(db, st);

	if (r == 1) {
		db_stmt_done(st);
		return 0;
	}
	return r;
}

/* The id and state of user: ERR_NOT_FOUND if none. */
static inline int
kd_user_id(struct db *db, const char *user, int64_t *id, int *disabled)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db, "SELECT id, disabled FROM users WHERE name = ?",
		 &st)) != 0) {
		return r;
	}
	kd_bind_text(st, 1, user);
	if ((r = db_step(db, st)) < 0) {
		return r;
	}
	if (r == 0) {
		return ERR_NOT_FOUND;
	}
	*id = sqlite3_column_int64(st, 0);
	if (disabled != NULL) {
		*disabled = sqlite3_column_int(st, 1);
	}
	db_stmt_done(st);
	return 0;
}

/* Ends a write: commit if r is 0, else roll back. */
static inline int
kd_finish(struct db *db, int r)
{
	if (r == 0 && (r = db_commit(db)) == 0) {
		return 0;
	}
	db_rollback(db);
	return r;
}

#endif
