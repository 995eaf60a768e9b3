/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* SQLite plumbing shared by the daemons and the client: a private 0600 file
 * in WAL mode, forward schema migrations, a cache of prepared statements,
 * transactions, and errors mapped to ERR_* at this boundary. */
#ifndef SEALPOST_DB_H
#define SEALPOST_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

/*
 * Threading: a struct db (and every statement it hands out) is used by one
 * thread at a time; callers serialise. The connection is opened with
 * SQLITE_OPEN_NOMUTEX, so SQLite adds no locking of its own. Several
 * struct db on the same file, in one process or several, are fine: SQLite's
 * file locks and the busy timeout arbitrate between them.
 */
struct db;

/* One schema step. A migration list is ordered, versions 1..N contiguous;
 * migration v takes a schema at user_version v-1 to v. sql may hold several
 * statements but no BEGIN/COMMIT of its own. */
struct db_migration {
	int version;
	const char *sql;
};

#define DB_READONLY      (1U << 0) /* read only; no migrations */
#define DB_SYNC_FULL     (1U << 1) /* synchronous=FULL, not NORMAL */
#define DB_SECURE_DELETE (1U << 2) /* secure_delete=ON (client DB) */

#define DB_BUSY_TIMEOUT_MS 5000 /* default busy timeout */
#define DB_STMT_CACHE      64   /* statements kept prepared */

/*
 * Opens (and, unless DB_READONLY, creates) the database at path and brings
 * its schema up to date with migs[0..nmigs).
 *
 * A new file is created 0600 (O_CREAT|O_EXCL). An existing file that is
 * group- or other-accessible, or not a regular file, is refused with
 * ERR_PERM. Sets journal_mode=WAL (ERR_DB if SQLite will not), the busy
 * timeout to DB_BUSY_TIMEOUT_MS, foreign_keys=ON and synchronous=NORMAL
 * (FULL with DB_SYNC_FULL).
 *
 * Each pending migration runs in its own BEGIN IMMEDIATE transaction with
 * PRAGMA user_version = v, so a failure leaves the schema at the last
 * complete version. A schema newer than nmigs gives ERR_VERSION. With
 * DB_READONLY the file must exist and be exactly at version nmigs (else
 * ERR_VERSION); nothing is written.
 *
 * Returns 0, ERR_PERM, ERR_VERSION, ERR_NOT_FOUND (DB_READONLY and no
 * file), ERR_SYS (file creation, stat),
 * ERR_TIMEOUT (locked past the busy timeout), ERR_DB or ERR_NOMEM; every
 * failure is logged once here. *out is NULL on failure. Misordered
 * migrations are a programmer error (PANIC_IF).
 */
WUR int db_open(const char *path, unsigned flags,
    const struct db_migration *migs, size_t nmigs, struct db **out)
    NONNULL(1, 5);

/* Finalizes every cached statement and closes the connection; an open
 * transaction is rolled back. NULL is a no-op. */
void db_close(struct db *db);

/* Sets the busy timeout (ms, >= 0) used by every later call. */
void db_set_busy_timeout(struct db *db, int ms) NONNULL(1);

/* The schema version (PRAGMA user_version) found after db_open. */
int db_schema_version(const struct db *db) NONNULL(1);

/*
 * Returns in *out a prepared statement for sql, reset and with its
 * bindings cleared, from the cache (prepared on first use). The statement
 * belongs to db: never finalize it. It stays valid until db_close or until
 * DB_STMT_CACHE other distinct texts have been requested since its last
 * use (the least recently used statement is evicted). Bind with
 * sqlite3_bind_* (SQLITE_TRANSIENT for buffers the caller frees), read
 * with sqlite3_column_*. A statement left mid-result keeps a read snapshot
 * open: finish with db_step until 0, or call db_stmt_done.
 * Returns 0, ERR_DB (bad SQL, logged) or ERR_NOMEM; *out NULL on failure.
 */
WUR int db_stmt(struct db *db, const char *sql, sqlite3_stmt **out)
    NONNULL(1, 2, 3);

/* Resets st and clears its bindings (ends its read snapshot). */
void db_stmt_done(sqlite3_stmt *st) NONNULL(1);

/*
 * Steps st once. Returns 1 for a row, 0 when done, ERR_EXISTS for a
 * UNIQUE or PRIMARY KEY violation (not logged: often expected),
 * ERR_TIMEOUT when the database stayed locked past the busy timeout
 * (logged as a warning), ERR_DB for anything else, including CHECK,
 * NOT NULL and FOREIGN KEY violations, which are bugs (logged with
 * sqlite3_errmsg). On an error st is reset. Subject to db_fail_after.
 */
WUR int db_step(struct db *db, sqlite3_stmt *st) NONNULL(1, 2);

/* Runs one or more statements without results (DDL, one-off PRAGMAs).
 * Returns as db_step (0 on success). Subject to db_fail_after. */
WUR int db_exec(struct db *db, const char *sql) NONNULL(1, 2);

/*
 * db_begin starts a BEGIN IMMEDIATE transaction (takes the write lock now,
 * waiting up to the busy timeout: ERR_TIMEOUT). Transactions do not nest;
 * db_begin inside one is a programmer error (PANIC_IF). db_commit returns
 * as db_step; on failure the transaction is still open and the caller
 * calls db_rollback. Both are subject to db_fail_after.
 * db_rollback ends the open transaction, if any; it never fails (a
 * failure is logged) and is not subject to db_fail_after, so it is safe on
 * every cleanup path.
 */
WUR int db_begin(struct db *db) NONNULL(1);
WUR int db_commit(struct db *db) NONNULL(1);
void db_rollback(struct db *db) NONNULL(1);

/* 1 if a transaction is open, else 0. */
int db_in_transaction(struct db *db) NONNULL(1);

/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(struct db *db) NONNULL(1);

/* Rowid of the last successful INSERT on this connection. */
int64_t db_last_rowid(struct db *db) NONNULL(1);

/* Binding helpers: SQLITE_TRANSIENT copies, so the input may be freed
 * right after. n must fit an int (the callers' lengths are bounded). */
void db_bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
    NONNULL(1);
void db_bind_text(sqlite3_stmt *st, int i, const char *t) NONNULL(1, 3);

/* Copies BLOB column i, which must be exactly n bytes (else ERR_DB,
 * logged: the schema guarantees the length, so this is corruption). */
WUR int db_col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
    NONNULL(1, 3);

/* Steps a statement that returns no row to its end: 0 or db_step's
 * error. */
WUR int db_run(struct db *db, sqlite3_stmt *st) NONNULL(1, 2);

/* Ends a write transaction: commits if r is 0, else (or if the commit
 * fails) rolls back. Returns r or the commit's error. */
WUR int db_finish(struct db *db, int r) NONNULL(1);

/*
 * Checkpoints the WAL into the database: PASSIVE, or TRUNCATE (waits for
 * readers and writers up to the busy timeout, then truncates the WAL to
 * zero bytes) when truncate is non-zero. Use TRUNCATE after deleting key
 * material. Returns 0, ERR_TIMEOUT or ERR_DB.
 */
WUR int db_checkpoint(struct db *db, int truncate) NONNULL(1);

/*
 * Test hook, like mem_fail_after: the next k calls of db_step, db_exec,
 * db_begin and db_commit succeed, and every later one fails with ERR_DB
 * without touching the database, until db_fail_after(-1). Migrations in
 * db_open count too. Process-wide and not thread safe: set it before any
 * thread starts.
 */
void db_fail_after(long k);

#endif
