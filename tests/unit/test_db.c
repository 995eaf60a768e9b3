/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for service/db: file creation and modes, migrations, read-only
 * opening, the statement cache, error mapping, transactions, injected
 * failures and lock contention between two connections. */
#include "tests/unit/helpers.h"

#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "service/db.h"

static const struct db_migration migs[] = {
	{ 1, "CREATE TABLE t (id INTEGER PRIMARY KEY,"
	     " name TEXT NOT NULL UNIQUE, n INTEGER CHECK (n >= 0));" },
	{ 2, "CREATE TABLE u (id INTEGER PRIMARY KEY,"
	     " t_id INTEGER NOT NULL REFERENCES t(id));"
	     "INSERT INTO t (name, n) VALUES ('seed', 0);" },
	{ 3, "ALTER TABLE t ADD COLUMN extra TEXT;" },
};

static char dir[256];
static char path[300];

static int
make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_db.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/test.db", dir);
	return 0;
}

static void
remove_files(void)
{
	char p[600];
	struct dirent *e;
	DIR *d;

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
}

/* Runs after every test, even a failed one: no hook or file leaks on. */
static int
remove_dir(void **state)
{
	(void)state;
	db_fail_after(-1);
	mem_fail_after(-1);
	remove_files();
	rmdir(dir);
	return 0;
}

/* The single integer that sql yields. */
static int64_t
query_int(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_ok(db_stmt(db, sql, &st));
	assert_int_equal(db_step(db, st), 1);
	v = sqlite3_column_int64(st, 0);
	assert_int_equal(db_step(db, st), 0);
	return v;
}

/* Inserts into t; returns db_step's result. */
static int
insert(struct db *db, const char *name, int n)
{
	sqlite3_stmt *st = NULL;

	assert_ok(db_stmt(db, "INSERT INTO t (name, n) VALUES (?, ?)", &st));
	assert_int_equal(sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT),
	    SQLITE_OK);
	assert_int_equal(sqlite3_bind_int(st, 2, n), SQLITE_OK);
	return db_step(db, st);
}

static void
test_open_migrates(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_int_equal(db_schema_version(db), 2);
	assert_int_equal(query_int(db, "PRAGMA user_version"), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM u"), 0);
	db_close(db);

	/* Reopening runs nothing again (the seed INSERT would collide). */
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_int_equal(db_schema_version(db), 2);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	db_close(db);

	/* A newer program applies only what is new. */
	assert_ok(db_open(path, 0, migs, 3, &db));
	assert_int_equal(db_schema_version(db), 3);
	assert_int_equal(query_int(db,
	    "SELECT count(*) FROM t WHERE extra IS NULL"), 1);
	db_close(db);
	db_close(NULL);
}

static void
test_no_migrations(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, NULL, 0, &db));
	assert_int_equal(db_schema_version(db), 0);
	assert_ok(db_exec(db, "CREATE TABLE x (a)"));
	db_close(db);
}

static void
test_newer_schema_refused(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 3, &db));
	db_close(db);
	db = (struct db *)1;
	assert_err(db_open(path, 0, migs, 2, &db), ERR_VERSION);
	assert_null(db);
	assert_err(db_open(path, DB_READONLY, migs, 2, &db), ERR_VERSION);
	assert_null(db);
}

static void
test_readonly(void **state)
{
	struct db *db = NULL;
	struct stat sb;

	(void)state;
	assert_err(db_open(path, DB_READONLY, migs, 2, &db), ERR_NOT_FOUND);
	assert_int_equal(stat(path, &sb), -1);

	assert_ok(db_open(path, 0, migs, 2, &db));
	db_close(db);
	/* Older than the program: read-only opening does not migrate. */
	assert_err(db_open(path, DB_READONLY, migs, 3, &db), ERR_VERSION);
	assert_null(db);

	assert_ok(db_open(path, DB_READONLY, migs, 2, &db));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	assert_err(insert(db, "x", 1), ERR_DB);
	assert_err(db_exec(db, "DELETE FROM t"), ERR_DB);
	db_close(db);

	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	db_close(db);
}

static void
test_file_mode(void **state)
{
	struct db *db = NULL;
	struct stat sb;
	char wal[320];
	mode_t old;

	(void)state;
	/* 0600 comes from db_open, not from the umask. */
	old = umask(0);
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(insert(db, "a", 1));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	db_close(db);
	umask(old);

	assert_int_equal(chmod(path, 0644), 0);
	db = (struct db *)1;
	assert_err(db_open(path, 0, migs, 2, &db), ERR_PERM);
	assert_null(db);
	assert_err(db_open(path, DB_READONLY, migs, 2, &db), ERR_PERM);
	assert_int_equal(chmod(path, 0640), 0);
	assert_err(db_open(path, 0, migs, 2, &db), ERR_PERM);
	assert_int_equal(chmod(path, 0600), 0);
	assert_ok(db_open(path, 0, migs, 2, &db));
	db_close(db);

	/* A directory is not a database. */
	assert_err(db_open(dir, 0, migs, 2, &db), ERR_PERM);
}

static void
test_pragmas(void **state)
{
	struct db *db = NULL;
	sqlite3_stmt *st = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(db_stmt(db, "PRAGMA journal_mode", &st));
	assert_int_equal(db_step(db, st), 1);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	db_stmt_done(st);
	assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
	/* secure_delete is left at the build's default (Debian: on). */
	db_close(db);

	assert_ok(db_open(path, DB_SYNC_FULL | DB_SECURE_DELETE, migs, 2,
	    &db));
	assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(query_int(db, "PRAGMA secure_delete"), 1);
	db_close(db);
}

static void
test_stmt_cache(void **state)
{
	static const char sql[] = "SELECT name FROM t WHERE n >= ? ORDER BY n";
	char copy[sizeof(sql)], other[64];
	struct db *db = NULL;
	sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
	int i;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(insert(db, "one", 1));
	assert_ok(insert(db, "two", 2));

	assert_ok(db_stmt(db, sql, &a));
	assert_int_equal(sqlite3_bind_int(a, 1, 1), SQLITE_OK);
	assert_int_equal(db_step(db, a), 1);
	assert_string_equal((const char *)sqlite3_column_text(a, 0), "one");

	/* Same text: same statement, reset (back at the first row) and its
	 * binding cleared (NULL matches nothing). */
	assert_ok(db_stmt(db, sql, &b));
	assert_ptr_equal(a, b);
	assert_int_equal(db_step(db, b), 0);
	assert_ok(db_stmt(db, sql, &b));
	assert_int_equal(sqlite3_bind_int(b, 1, 0), SQLITE_OK);
	assert_int_equal(db_step(db, b), 1);
	assert_string_equal((const char *)sqlite3_column_text(b, 0), "seed");

	/* Same text at another address: still the cached one. */
	memcpy(copy, sql, sizeof(sql));
	assert_ok(db_stmt(db, copy, &c));
	assert_ptr_equal(a, c);
	assert_null(sqlite3_bind_parameter_name(c, 1));
	assert_int_equal(db_step(db, c), 0);

	/* Bad SQL. */
	c = (sqlite3_stmt *)1;
	assert_err(db_stmt(db, "SELEC nonsense", &c), ERR_DB);
	assert_null(c);

	/* Overflowing the cache evicts the least recently used statement;
	 * everything keeps working. */
	for (i = 0; i < DB_STMT_CACHE + 8; i++) {
		snprintf(other, sizeof(other), "SELECT %d", i);
		assert_int_equal(query_int(db, other), i);
	}
	assert_ok(db_stmt(db, sql, &a));
	assert_int_equal(sqlite3_bind_int(a, 1, 2), SQLITE_OK);
	assert_int_equal(db_step(db, a), 1);
	assert_string_equal((const char *)sqlite3_column_text(a, 0), "two");
	db_close(db);
}

static void
test_constraints(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(insert(db, "a", 1));
	assert_int_equal(db_changes(db), 1);
	assert_int_equal(db_last_rowid(db), 2); /* after the seed row */
	assert_err(insert(db, "a", 2), ERR_EXISTS);
	assert_err(db_exec(db, "INSERT INTO t (id, name) VALUES (1, 'z')"),
	    ERR_EXISTS);
	/* Bugs, not duplicates: CHECK, NOT NULL, FOREIGN KEY. */
	assert_err(insert(db, "b", -1), ERR_DB);
	assert_err(db_exec(db, "INSERT INTO t (n) VALUES (1)"), ERR_DB);
	assert_err(db_exec(db, "INSERT INTO u (t_id) VALUES (99)"), ERR_DB);
	assert_ok(db_exec(db, "INSERT INTO u (t_id) VALUES (2)"));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
	db_close(db);
}

static void
test_transactions(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	db_rollback(db); /* none open: no-op */
	assert_int_equal(db_in_transaction(db), 0);

	assert_ok(db_begin(db));
	assert_int_equal(db_in_transaction(db), 1);
	assert_ok(insert(db, "gone", 1));
	assert_ok(db_exec(db, "UPDATE t SET n = 5"));
	assert_int_equal(db_changes(db), 2);
	db_rollback(db);
	assert_int_equal(db_in_transaction(db), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	assert_int_equal(query_int(db, "SELECT n FROM t"), 0);

	assert_ok(db_begin(db));
	assert_ok(insert(db, "kept", 1));
	assert_ok(db_commit(db));
	assert_int_equal(db_in_transaction(db), 0);
	db_close(db);

	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
	/* Closing with a transaction open rolls it back. */
	assert_ok(db_begin(db));
	assert_ok(insert(db, "lost", 1));
	db_close(db);
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
	db_close(db);
}

static void
test_fault_injection(void **state)
{
	struct db *db = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(db_begin(db));
	db_fail_after(1);
	assert_ok(insert(db, "first", 1));
	assert_err(insert(db, "second", 2), ERR_DB);
	assert_err(db_exec(db, "DELETE FROM t"), ERR_DB);
	assert_err(db_commit(db), ERR_DB);
	db_rollback(db); /* never injected */
	db_fail_after(-1);
	assert_int_equal(db_in_transaction(db), 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);

	/* A failing commit leaves the transaction open for the rollback. */
	assert_ok(db_begin(db));
	assert_ok(insert(db, "third", 3));
	db_fail_after(0);
	assert_err(db_commit(db), ERR_DB);
	db_fail_after(-1);
	assert_int_equal(db_in_transaction(db), 1);
	db_rollback(db);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
	db_close(db);
}

/* Every DB call of opening a fresh file fails in turn: each failure is
 * clean (a whole migration or none), and a later open completes it. */
static void
test_fault_injection_open(void **state)
{
	struct db *db = NULL;
	int r, done = 0;
	long k;

	(void)state;
	for (k = 0; k < 100 && !done; k++) {
		db_fail_after(k);
		r = db_open(path, 0, migs, 3, &db);
		db_fail_after(-1);
		if (r == 0) {
			done = 1;
		} else {
			assert_err(r, ERR_DB);
			assert_null(db);
		}
		if (db == NULL) {
			assert_ok(db_open(path, 0, migs, 3, &db));
		}
		assert_int_equal(db_schema_version(db), 3);
		assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 1);
		db_close(db);
		db = NULL;
		remove_files();
	}
	assert_true(done);
	assert_true(k > 5);
}

static void
test_busy(void **state)
{
	struct db *a = NULL, *b = NULL;

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &a));
	assert_ok(db_open(path, 0, migs, 2, &b));
	db_set_busy_timeout(b, 50);

	assert_ok(db_begin(a));
	assert_ok(insert(a, "a", 1));
	/* b cannot take the write lock while a holds it. */
	assert_err(db_begin(b), ERR_TIMEOUT);
	assert_int_equal(db_in_transaction(b), 0);
	assert_err(insert(b, "b", 1), ERR_TIMEOUT);
	/* WAL: readers are not blocked, and see the last commit. */
	assert_int_equal(query_int(b, "SELECT count(*) FROM t"), 1);
	assert_ok(db_commit(a));

	assert_ok(db_begin(b));
	assert_ok(insert(b, "b", 1));
	assert_ok(db_commit(b));
	assert_int_equal(query_int(a, "SELECT count(*) FROM t"), 3);
	db_close(b);
	db_close(a);
}

static void
test_checkpoint(void **state)
{
	struct db *db = NULL;
	struct stat sb;
	char wal[320];

	(void)state;
	assert_ok(db_open(path, 0, migs, 2, &db));
	assert_ok(insert(db, "a", 1));
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_true(sb.st_size > 0);
	assert_ok(db_checkpoint(db, 0));
	assert_ok(db_checkpoint(db, 1));
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), 2);
	db_close(db);
}

static void
test_nomem(void **state)
{
	struct db *db = NULL;

	(void)state;
	mem_fail_after(0);
	assert_err(db_open(path, 0, migs, 2, &db), ERR_NOMEM);
	mem_fail_after(-1);
	assert_null(db);
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_dir, remove_dir)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_open_migrates),
		T(test_no_migrations),
		T(test_newer_schema_refused),
		T(test_readonly),
		T(test_file_mode),
		T(test_pragmas),
		T(test_stmt_cache),
		T(test_constraints),
		T(test_transactions),
		T(test_fault_injection),
		T(test_fault_injection_open),
		T(test_busy),
		T(test_checkpoint),
		T(test_nomem),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_db: sodium_init failed\n");
		return 1;
	}
	log_init("test_db", LOG_LEVEL_WARNING, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
