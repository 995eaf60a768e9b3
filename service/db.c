/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* SQLite connection setup, migrations, statement cache and error mapping. */
#include "service/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"

struct db_cached {
	const char *key;  /* the caller's pointer: the fast path */
	sqlite3_stmt *st; /* NULL if the slot is free */
	uint64_t used;    /* tick of the last db_stmt, for LRU eviction */
};

struct db {
	sqlite3 *h;
	unsigned flags;
	int version;
	uint64_t tick;
	struct db_cached cache[DB_STMT_CACHE];
};

static long fail_after = -1;

void
db_fail_after(long k)
{
	fail_after = k;
}

/* 1 if this call must fail (test injection). */
static int
injected(void)
{
	if (fail_after < 0) {
		return 0;
	}
	if (fail_after == 0) {
		log_err("sqlite: injected failure");
		return 1;
	}
	fail_after--;
	return 0;
}

/* Maps a SQLite result code to ERR_*, logging once as db.h promises. */
static int
map_rc(struct db *db, int rc, const char *sql)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warn("sqlite: %s (in '%.60s')", sqlite3_errmsg(db->h),
		    sql);
		return ERR_TIMEOUT;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE ||
		    rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
		    rc == SQLITE_CONSTRAINT_ROWID) {
			return ERR_EXISTS;
		}
		break;
	case SQLITE_NOMEM:
		log_err("sqlite: out of memory (in '%.60s')", sql);
		return ERR_NOMEM;
	default:
		break;
	}
	log_err("sqlite: %s (in '%.60s')", sqlite3_errmsg(db->h), sql);
	return ERR_DB;
}

/*
 * SECURITY: the file is created here, 0600, before SQLite sees it; SQLite
 * gives the -wal and -shm files the database file's mode. An existing file
 * readable by group or others is refused rather than fixed: someone made it
 * so, and its contents may already have leaked.
 */
static int
check_file(const char *path, unsigned flags)
{
	struct stat sb;
	int fd;

	if ((flags & DB_READONLY) == 0) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0) {
			close(fd);
		} else if (errno != EEXIST) {
			log_err("cannot create %s: %s", path, strerror(errno));
			return ERR_SYS;
		}
	}
	if (stat(path, &sb) != 0) {
		log_err("cannot stat %s: %s", path, strerror(errno));
		return errno == ENOENT ? ERR_NOT_FOUND : ERR_SYS;
	}
	if (!S_ISREG(sb.st_mode)) {
		log_err("refusing %s: not a regular file", path);
		return ERR_PERM;
	}
	if ((sb.st_mode & 077) != 0) {
		log_err("refusing %s: mode %04o lets group or others in; "
			"run chmod 600 on it",
		    path, (unsigned)(sb.st_mode & 07777));
		return ERR_PERM;
	}
	return 0;
}

/* Runs a PRAGMA that returns one row and gives its integer or text. */
static int
pragma_get(struct db *db, const char *sql, int *ival, char *text,
    size_t cap)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int r;

	if ((r = db_stmt(db, sql, &st)) != 0) {
		return r;
	}
	if ((r = db_step(db, st)) < 0) {
		return r;
	}
	if (r == 0) {
		log_err("sqlite: '%s' gave no row", sql);
		return ERR_DB;
	}
	if (ival != NULL) {
		*ival = sqlite3_column_int(st, 0);
	}
	if (text != NULL) {
		t = sqlite3_column_text(st, 0);
		snprintf(text, cap, "%s", t != NULL ? (const char *)t : "");
	}
	db_stmt_done(st);
	return 0;
}

static int
setup(struct db *db)
{
	char mode[16];
	int r;

	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
	if ((r = pragma_get(db, "PRAGMA journal_mode=WAL", NULL, mode,
		 sizeof(mode))) != 0) {
		return r;
	}
	if (strcmp(mode, "wal") != 0) {
		log_err("sqlite: journal_mode is '%s', not 'wal'", mode);
		return ERR_DB;
	}
	if ((r = db_exec(db, "PRAGMA foreign_keys=ON")) != 0 ||
	    (r = db_exec(db, (db->flags & DB_SYNC_FULL) ?
			    "PRAGMA synchronous=FULL" :
			    "PRAGMA synchronous=NORMAL")) != 0) {
		return r;
	}
	if ((db->flags & DB_SECURE_DELETE) != 0 &&
	    (r = db_exec(db, "PRAGMA secure_delete=ON")) != 0) {
		return r;
	}
	return pragma_get(db, "PRAGMA user_version", &db->version, NULL, 0);
}

/* Applies migration m if the schema (re-read under the write lock, since
 * another process may have migrated meanwhile) is still older. */
static int
migrate_one(struct db *db, const struct db_migration *m)
{
	char sql[64];
	int r;

	if ((r = db_begin(db)) != 0) {
		return r;
	}
	if ((r = pragma_get(db, "PRAGMA user_version", &db->version, NULL,
		 0)) != 0) {
		goto out;
	}
	if (db->version >= m->version) {
		r = 0;
		goto out;
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
	if ((r = db_exec(db, m->sql)) != 0 || (r = db_exec(db, sql)) != 0 ||
	    (r = db_commit(db)) != 0) {
		goto out;
	}
	db->version = m->version;
	log_info("database schema migrated to version %d", m->version);
out:
	db_rollback(db);
	return r;
}

static int
migrate(struct db *db, const char *path, const struct db_migration *migs,
    int n)
{
	int i, r;

	if (db->version > n) {
		log_err("refusing %s: schema version %d is newer than this "
			"program's %d",
		    path, db->version, n);
		return ERR_VERSION;
	}
	if ((db->flags & DB_READONLY) != 0) {
		if (db->version != n) {
			log_err("refusing %s: schema version %d, want %d "
				"(open it read-write once to migrate)",
			    path, db->version, n);
			return ERR_VERSION;
		}
		return 0;
	}
	for (i = db->version; i < n; i++) {
		if ((r = migrate_one(db, &migs[i])) != 0) {
			log_err_r(r, "%s: migration to version %d failed", path,
			    migs[i].version);
			return r;
		}
	}
	return 0;
}

int
db_open(const char *path, unsigned flags, const struct db_migration *migs,
    size_t nmigs, struct db **out)
{
	struct db *db = NULL;
	size_t i;
	int oflags, rc, r = ERR_INTERNAL;

	*out = NULL;
	PANIC_IF(nmigs > 0 && migs == NULL);
	PANIC_IF(nmigs > 100000);
	for (i = 0; i < nmigs; i++) {
		PANIC_IF(migs[i].version != (int)i + 1 || migs[i].sql == NULL);
	}
	if ((r = check_file(path, flags)) != 0) {
		goto out;
	}
	if ((db = mem_zalloc(sizeof(*db))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	db->flags = flags;
	oflags = SQLITE_OPEN_NOMUTEX |
	    ((flags & DB_READONLY) ? SQLITE_OPEN_READONLY :
				     SQLITE_OPEN_READWRITE);
	if ((rc = sqlite3_open_v2(path, &db->h, oflags, NULL)) != SQLITE_OK) {
		log_err("sqlite: cannot open %s: %s", path,
		    db->h != NULL ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		r = rc == SQLITE_NOMEM ? ERR_NOMEM : ERR_DB;
		goto out;
	}
	if ((r = setup(db)) != 0 ||
	    (r = migrate(db, path, migs, (int)nmigs)) != 0) {
		goto out;
	}
	*out = db;
	db = NULL;
	r = 0;
out:
	db_close(db);
	return r;
}

void
db_close(struct db *db)
{
	size_t i;
	int rc;

	if (db == NULL) {
		return;
	}
	for (i = 0; i < DB_STMT_CACHE; i++) {
		sqlite3_finalize(db->cache[i].st);
	}
	/* sqlite3_close with a NULL handle is a harmless no-op. */
	if ((rc = sqlite3_close(db->h)) != SQLITE_OK) {
		log_err("sqlite: close: %s", sqlite3_errstr(rc));
	}
	free(db);
}

void
db_set_busy_timeout(struct db *db, int ms)
{
	PANIC_IF(ms < 0);
	sqlite3_busy_timeout(db->h, ms);
}

int
db_schema_version(const struct db *db)
{
	return db->version;
}

/* The cached statement for sql, or NULL. */
static struct db_cached *
lookup(struct db *db, const char *sql)
{
	struct db_cached *c;
	size_t i;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		c = &db->cache[i];
		if (c->st != NULL && c->key == sql &&
		    strcmp(sqlite3_sql(c->st), sql) == 0) {
			return c;
		}
	}
	/* Same text at another address (e.g. a string built at run time). */
	for (i = 0; i < DB_STMT_CACHE; i++) {
		c = &db->cache[i];
		if (c->st != NULL && strcmp(sqlite3_sql(c->st), sql) == 0) {
			c->key = sql;
			return c;
		}
	}
	return NULL;
}

/* A free slot, or the least recently used one, finalized. */
static struct db_cached *
victim(struct db *db)
{
	struct db_cached *c = &db->cache[0];
	size_t i;

	for (i = 0; i < DB_STMT_CACHE; i++) {
		if (db->cache[i].st == NULL) {
			return &db->cache[i];
		}
		if (db->cache[i].used < c->used) {
			c = &db->cache[i];
		}
	}
	sqlite3_finalize(c->st);
	c->st = NULL;
	return c;
}

int
db_stmt(struct db *db, const char *sql, sqlite3_stmt **out)
{
	struct db_cached *c;
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if ((c = lookup(db, sql)) == NULL) {
		rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL);
		if (rc != SQLITE_OK || st == NULL) {
			sqlite3_finalize(st);
			log_err("sqlite: cannot prepare '%.60s': %s", sql,
			    sqlite3_errmsg(db->h));
			return rc == SQLITE_NOMEM ? ERR_NOMEM : ERR_DB;
		}
		c = victim(db);
		c->st = st;
		c->key = sql;
	}
	/* Any error reset returns was already reported by db_step. */
	(void)sqlite3_reset(c->st);
	(void)sqlite3_clear_bindings(c->st);
	c->used = ++db->tick;
	*out = c->st;
	return 0;
}

void
db_stmt_done(sqlite3_stmt *st)
{
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

int
db_step(struct db *db, sqlite3_stmt *st)
{
	int rc;

	if (injected()) {
		(void)sqlite3_reset(st);
		return ERR_DB;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		return 1;
	}
	if (rc == SQLITE_DONE) {
		return 0;
	}
	rc = map_rc(db, rc, sqlite3_sql(st));
	(void)sqlite3_reset(st);
	return rc;
}

int
db_exec(struct db *db, const char *sql)
{
	int rc;

	if (injected()) {
		return ERR_DB;
	}
	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL)) != SQLITE_OK) {
		return map_rc(db, rc, sql);
	}
	return 0;
}

/* Steps a cached transaction-control statement. */
static int
control(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(db, sql, &st)) != 0) {
		return r;
	}
	r = db_step(db, st);
	db_stmt_done(st);
	return r;
}

int
db_begin(struct db *db)
{
	PANIC_IF(!sqlite3_get_autocommit(db->h));
	return control(db, "BEGIN IMMEDIATE");
}

int
db_commit(struct db *db)
{
	PANIC_IF(sqlite3_get_autocommit(db->h));
	return control(db, "COMMIT");
}

void
db_rollback(struct db *db)
{
	/* SQLite may already have rolled back on its own (e.g. SQLITE_FULL). */
	if (sqlite3_get_autocommit(db->h)) {
		return;
	}
	if (sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK) {
		log_err("sqlite: rollback: %s", sqlite3_errmsg(db->h));
	}
}

int
db_in_transaction(struct db *db)
{
	return !sqlite3_get_autocommit(db->h);
}

int64_t
db_changes(struct db *db)
{
	return (int64_t)sqlite3_changes64(db->h);
}

int64_t
db_last_rowid(struct db *db)
{
	return (int64_t)sqlite3_last_insert_rowid(db->h);
}

int
db_checkpoint(struct db *db, int truncate)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(db->h, NULL,
	    truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	if (rc != SQLITE_OK) {
		return map_rc(db, rc, "PRAGMA wal_checkpoint");
	}
	return 0;
}

void
db_bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
	PANIC_IF(n > INT32_MAX);
	(void)sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *t)
{
	(void)sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT);
}

int
db_col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
	const void *p = sqlite3_column_blob(st, i);

	if (p == NULL || (size_t)sqlite3_column_bytes(st, i) != n) {
		log_err("column %d: a blob of %d bytes, not %zu", i,
		    sqlite3_column_bytes(st, i), n);
		return ERR_DB;
	}
	memcpy(out, p, n);
	return 0;
}

int
db_run(struct db *db, sqlite3_stmt *st)
{
	int r = db_step(db, st);

	if (r == 1) {
		db_stmt_done(st);
		return 0;
	}
	return r;
}

int
db_finish(struct db *db, int r)
{
	if (r == 0 && (r = db_commit(db)) == 0) {
		return 0;
	}
	db_rollback(db);
	return r;
}

