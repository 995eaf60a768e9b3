/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client store: schema, opening with the key check, transactions,
 * sealing of secret columns, and the tables of the device's own keys. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_store.h"
#include "client-cli/cli_store_impl.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "crypto/aead.h"

#define WIPE(a) sodium_memzero((a), sizeof(a))

/*
 * Schema (docs/PROTOCOL.md section 13 is the reference; keep both in
 * step). Columns named secret, state, envelope, body and meta's
 * key_check value are sealed values; everything else is plain.
 */
static const struct db_migration migrations[] = {
	{ 1,
	    "CREATE TABLE meta ("
	    " name TEXT PRIMARY KEY,"
	    " value NOT NULL);"
	    "CREATE TABLE account ("
	    " id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " keyserver_url TEXT NOT NULL,"
	    " relay_url TEXT NOT NULL,"
	    " keyserver_pin BLOB CHECK (length(keyserver_pin) = 32),"
	    " relay_pin BLOB CHECK (length(relay_pin) = 32),"
	    " created_ms INTEGER NOT NULL);"
	    "CREATE TABLE identity ("
	    " id INTEGER PRIMARY KEY CHECK (id = 1),"
	    " secret BLOB NOT NULL);"
	    "CREATE TABLE signed_prekeys ("
	    " kind INTEGER NOT NULL CHECK (kind IN (1, 2)),"
	    " id INTEGER NOT NULL,"
	    " pk BLOB NOT NULL,"
	    " sig BLOB NOT NULL,"
	    " secret BLOB NOT NULL,"
	    " created_ms INTEGER NOT NULL,"
	    " PRIMARY KEY (kind, id));"
	    "CREATE TABLE onetime_prekeys ("
	    " id INTEGER PRIMARY KEY,"
	    " pk BLOB NOT NULL,"
	    " secret BLOB NOT NULL,"
	    " created_ms INTEGER NOT NULL);"
	    "CREATE TABLE contacts ("
	    " user TEXT PRIMARY KEY,"
	    " trust INTEGER NOT NULL CHECK (trust IN (0, 1, 2)),"
	    " first_seen_ms INTEGER NOT NULL);"
	    "CREATE TABLE contact_devices ("
	    " user TEXT NOT NULL REFERENCES contacts(user) ON DELETE CASCADE,"
	    " device INTEGER NOT NULL,"
	    " ik BLOB NOT NULL,"
	    " first_seen_ms INTEGER NOT NULL,"
	    " PRIMARY KEY (user, device));"
	    "CREATE TABLE sessions ("
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " state BLOB NOT NULL,"
	    " pending BLOB,"
	    " updated_ms INTEGER NOT NULL,"
	    " PRIMARY KEY (user, device));"
	    "CREATE TABLE relay_chain ("
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " seq INTEGER NOT NULL,"
	    " head BLOB NOT NULL,"
	    " PRIMARY KEY (user, device));"
	    "CREATE TABLE outbox ("
	    " id BLOB PRIMARY KEY,"
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " envelope BLOB NOT NULL,"
	    " state INTEGER NOT NULL CHECK (state IN (0, 1)),"
	    " created_ms INTEGER NOT NULL);"
	    "CREATE INDEX outbox_queued ON outbox(created_ms)"
	    " WHERE state = 0;"
	    "CREATE TABLE messages ("
	    " seq INTEGER PRIMARY KEY,"
	    " id BLOB NOT NULL UNIQUE,"
	    " peer_user TEXT NOT NULL,"
	    " peer_device INTEGER NOT NULL,"
	    " direction INTEGER NOT NULL CHECK (direction IN (0, 1)),"
	    " time_ms INTEGER NOT NULL,"
	    " body BLOB NOT NULL);"
	    "CREATE INDEX messages_peer ON messages(peer_user, time_ms);"
	    "CREATE INDEX messages_time ON messages(time_ms);" },
	/* Version 2: several sessions per peer device (one active), outbox
	 * entries grouped by the message they carry, and messages that
	 * were stored but not yet displayed. */
	{ 2,
	    "ALTER TABLE sessions RENAME TO sessions_v1;"
	    "CREATE TABLE sessions ("
	    " sid INTEGER PRIMARY KEY,"
	    " user TEXT NOT NULL,"
	    " device INTEGER NOT NULL,"
	    " active INTEGER NOT NULL CHECK (active IN (0, 1)),"
	    " state BLOB NOT NULL,"
	    " pending BLOB,"
	    " updated_ms INTEGER NOT NULL);"
	    "CREATE UNIQUE INDEX sessions_active ON sessions(user, device)"
	    " WHERE active = 1;"
	    "CREATE INDEX sessions_peer ON sessions(user, device, sid);"
	    "INSERT INTO sessions (user, device, active, state, pending,"
	    " updated_ms) SELECT user, device, 1, state, pending, updated_ms"
	    " FROM sessions_v1 ORDER BY user, device;"
	    "DROP TABLE sessions_v1;"
	    "ALTER TABLE outbox ADD COLUMN msg_id BLOB"
	    " CHECK (msg_id IS NULL OR length(msg_id) = 16);"
	    "CREATE INDEX outbox_msg ON outbox(msg_id, created_ms);"
	    "ALTER TABLE messages ADD COLUMN shown INTEGER NOT NULL"
	    " DEFAULT 1 CHECK (shown IN (0, 1));"
	    "CREATE INDEX messages_unshown ON messages(seq) WHERE shown = 0;" },
};

void
cli_ad_begin(struct wire_writer *w, const char *table, const char *column)
{
	wire_writer_init(w, CLI_AD_MAX);
	wire_put_bytes(w, (const uint8_t *)CLI_LABEL_STATE,
	    sizeof(CLI_LABEL_STATE) - 1);
	wire_put_u8(w, CLI_SEALED_VERSION);
	wire_put_vec8(w, (const uint8_t *)table, strlen(table));
	wire_put_vec8(w, (const uint8_t *)column, strlen(column));
}

int
cli_seal(struct cli_store *s, struct wire_writer *ad, const uint8_t *pt,
    size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t *a = NULL, *c = NULL;
	size_t alen = 0, n;
	int r;

	*out = NULL;
	*out_len = 0;
	if ((r = wire_writer_finish(ad, &a, &alen)) != 0) {
		return r;
	}
	PANIC_IF(len > SIZE_MAX - CLI_SEALED_OVERHEAD);
	n = CLI_SEALED_OVERHEAD + len;
	if ((c = mem_alloc(n)) == NULL) {
		mem_wipe_free(a, alen);
		return ERR_NOMEM;
	}
	c[0] = CLI_SEALED_VERSION;
	rng_fill(s->rng, c + 1, AEAD_NONCE_LEN);
	aead_seal(c + 1 + AEAD_NONCE_LEN, pt, len, a, alen, c + 1,
	    s->key->key);
	mem_wipe_free(a, alen);
	*out = c;
	*out_len = n;
	return 0;
}

/* Logs which table.column failed to open, read back from the AD: no
 * secret, and it says which value was tampered with or moved. */
static void
log_auth_fail(const uint8_t *a, size_t alen)
{
	struct wire_reader rd;
	const uint8_t *t = NULL, *c = NULL;
	size_t tn = 0, cn = 0;
	const uint8_t *skip;

	wire_reader_init(&rd, a, alen);
	/* sizeof counts the NUL: label and version byte together. */
	if (wire_get_view(&rd, &skip, sizeof(CLI_LABEL_STATE)) != 0 ||
	    wire_get_vec8(&rd, &t, &tn, 255) != 0 ||
	    wire_get_vec8(&rd, &c, &cn, 255) != 0) {
		log_err("AUTH-FAIL: a sealed value does not open");
		return;
	}
	log_err("AUTH-FAIL: a sealed %.*s.%.*s value does not open under the "
		"storage key",
	    (int)tn, (const char *)t, (int)cn, (const char *)c);
}

int
cli_unseal(struct cli_store *s, struct wire_writer *ad, const uint8_t *c,
    size_t clen, uint8_t **pt, size_t *pt_len)
{
	uint8_t *a = NULL, *m = NULL;
	size_t alen = 0, n = 0;
	int r;

	*pt = NULL;
	*pt_len = 0;
	if ((r = wire_writer_finish(ad, &a, &alen)) != 0) {
		return r;
	}
	if (clen < CLI_SEALED_OVERHEAD || c[0] != CLI_SEALED_VERSION) {
		r = ERR_AUTH;
		goto out;
	}
	n = clen - CLI_SEALED_OVERHEAD;
	if ((m = mem_alloc(n == 0 ? 1 : n)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (aead_open(m, c + 1 + AEAD_NONCE_LEN, clen - 1 - AEAD_NONCE_LEN,
		a, alen, c + 1, s->key->key) != 0) {
		r = ERR_AUTH;
		goto out;
	}
	*pt = m;
	*pt_len = n;
	m = NULL;
	r = 0;
out:
	if (r == ERR_AUTH) {
		log_auth_fail(a, alen);
	}
	mem_wipe_free(m, n == 0 ? 1 : n);
	mem_wipe_free(a, alen);
	return r;
}

int
cli_unseal_fixed(struct cli_store *s, struct wire_writer *ad,
    const uint8_t *c, size_t clen, uint8_t *out, size_t n)
{
	uint8_t *m = NULL;
	size_t mlen = 0;
	int r;

	memset(out, 0, n);
	if (clen != CLI_SEALED_OVERHEAD + n) {
		wire_writer_wipe(ad);
		log_err("AUTH-FAIL: a sealed key of the wrong length");
		return ERR_AUTH;
	}
	if ((r = cli_unseal(s, ad, c, clen, &m, &mlen)) != 0) {
		return r;
	}
	memcpy(out, m, n);
	mem_wipe_free(m, mlen);
	return 0;
}

int
cli_peer_stmt(struct cli_store *s, const char *sql, const char *user,
    uint32_t device, sqlite3_stmt **st)
{
	size_t n;
	int r;

	*st = NULL;
	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = db_stmt(s->db, sql, st)) != 0) {
		return r;
	}
	db_bind_text(*st, 1, user);
	sqlite3_bind_int64(*st, 2, device);
	return 0;
}

int
cli_check_user(const char *user, size_t *n)
{
	*n = strnlen(user, CLI_MAX_USER + 1);
	if (*n == 0 || *n > CLI_MAX_USER) {
		*n = 0;
		return ERR_ARG;
	}
	return 0;
}

void
cli_col_view(sqlite3_stmt *st, int i, const uint8_t **p, size_t *n)
{
	static const uint8_t empty[1];

	*p = sqlite3_column_blob(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	if (*p == NULL) {
		*p = empty;
		*n = 0;
	}
}

int
cli_col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n;

	out[0] = '\0';
	if (t == NULL || (n = (size_t)sqlite3_column_bytes(st, i)) >= cap) {
		log_err("column %d: a text of %d bytes, over %zu", i,
		    sqlite3_column_bytes(st, i), cap - 1);
		return ERR_DB;
	}
	memcpy(out, t, n);
	out[n] = '\0';
	return 0;
}

/* SECURITY: TRUNCATE, not PASSIVE: with secure_delete the freed cells are
 * zeroed in the pages written back, and truncating drops the -wal frames
 * that still hold the old pages. */
static int
truncate_wal(struct cli_store *s)
{
	int r;

	if ((r = db_checkpoint(s->db, 1)) != 0) {
		log_warn_r(r, "WAL checkpoint (TRUNCATE) failed; deleted or "
		    "overwritten values may remain in the -wal file");
		return r;
	}
	s->need_truncate = 0;
	return 0;
}

/* After a committed deletion: the checkpoint now, best effort. A reader
 * holding the WAL makes it fail; the deletion is committed all the same,
 * so that is logged (truncate_wal) and tried again at the next commit and
 * at close, not reported as a failure of what was committed. */
static void
truncate_after_commit(struct cli_store *s)
{
	(void)truncate_wal(s);
}

int
cli_key_deleted(struct cli_store *s)
{
	s->need_truncate = 1;
	if (!db_in_transaction(s->db)) {
		truncate_after_commit(s);
	}
	return 0;
}

int
cli_delete_key(struct cli_store *s, sqlite3_stmt *st)
{
	int r;

	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	if (db_changes(s->db) == 0) {
		return ERR_NOT_FOUND;
	}
	return cli_key_deleted(s);
}

int
cli_tx_start(struct cli_store *s, int *own)
{
	*own = !db_in_transaction(s->db);
	return *own ? db_begin(s->db) : 0;
}

int
cli_tx_end(struct cli_store *s, int own, int r)
{
	if (!own) {
		return r;
	}
	if ((r = db_finish(s->db, r)) != 0) {
		return r;
	}
	if (s->need_truncate) {
		truncate_after_commit(s);
	}
	return 0;
}

int
cli_store_begin(struct cli_store *s)
{
	return db_begin(s->db);
}

int
cli_store_commit(struct cli_store *s)
{
	return cli_tx_end(s, 1, 0);
}

void
cli_store_rollback(struct cli_store *s)
{
	db_rollback(s->db);
}

int
cli_store_checkpoint(struct cli_store *s)
{
	if (db_in_transaction(s->db)) {
		return ERR_STATE;
	}
	return truncate_wal(s);
}

void
cli_store_new_id(struct cli_store *s, uint8_t id[static 16])
{
	rng_fill(s->rng, id, 16);
}

/* The key check: meta.key_check holds a sealed empty value. Written by
 * the first open, verified by every later one, so the wrong storage key
 * fails at open rather than at the first secret read. */
static int
key_check(struct cli_store *s)
{
	static const char name[] = "key_check";
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL, *m = NULL;
	size_t clen = 0, mlen = 0;
	const uint8_t *v;
	int own = 0, r;

	wire_writer_init(&ad, 0);
	if ((r = cli_tx_start(s, &own)) != 0 ||
	    (r = db_stmt(s->db, "SELECT value FROM meta WHERE name = ?",
		 &st)) != 0) {
		goto out;
	}
	db_bind_text(st, 1, name);
	cli_ad_begin(&ad, "meta", "value");
	wire_put_vec8(&ad, (const uint8_t *)name, sizeof(name) - 1);
	if ((r = db_step(s->db, st)) == 1) {
		cli_col_view(st, 0, &v, &clen);
		r = cli_unseal(s, &ad, v, clen, &m, &mlen);
		clen = 0;
		db_stmt_done(st);
		goto out;
	}
	if (r < 0 || (r = cli_seal(s, &ad, NULL, 0, &c, &clen)) != 0 ||
	    (r = db_stmt(s->db, "INSERT INTO meta (name, value) VALUES (?, ?)",
		 &st)) != 0) {
		goto out;
	}
	db_bind_text(st, 1, name);
	db_bind_blob(st, 2, c, clen);
	r = db_run(s->db, st);
out:
	wire_writer_wipe(&ad);
	mem_wipe_free(m, mlen);
	free(c);
	return cli_tx_end(s, own, r);
}

int
cli_store_open(const char *dir, const struct cli_storage_key *key,
    const struct rng *rng, struct cli_store **out)
{
	char path[CLI_PATH_MAX];
	struct cli_store *s = NULL;
	int n, r;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, CLI_DB_FILENAME);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		log_err("path too long: %s/%s", dir, CLI_DB_FILENAME);
		return ERR_TOO_LONG;
	}
	if ((s = mem_zalloc(sizeof(*s))) == NULL) {
		return ERR_NOMEM;
	}
	s->rng = rng;
	if ((s->key = mem_secure_alloc(sizeof(*s->key))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(s->key->key, key->key, sizeof(s->key->key));
	/* SYNC_FULL: the client acks the relay (which then deletes) right
	 * after a commit, so the commit must survive a power loss too. */
	if ((r = db_open(path, DB_SECURE_DELETE | DB_SYNC_FULL, migrations,
		 sizeof(migrations) / sizeof(migrations[0]), &s->db)) != 0 ||
	    (r = key_check(s)) != 0) {
		goto out;
	}
	*out = s;
	s = NULL;
out:
	if (s != NULL) {
		db_close(s->db);
		cli_storage_key_free(s->key);
		free(s);
	}
	return r;
}

void
cli_store_close(struct cli_store *s)
{
	if (s == NULL) {
		return;
	}
	db_rollback(s->db);
	/* Best effort: a failure is logged by truncate_wal. */
	(void)truncate_wal(s);
	db_close(s->db);
	cli_storage_key_free(s->key);
	free(s);
}

static int
check_url(const char *url)
{
	size_t n = strnlen(url, CLI_MAX_URL + 1);

	return n >= 1 && n <= CLI_MAX_URL ? 0 : ERR_ARG;
}

int
cli_store_account_put(struct cli_store *s, const struct cli_account *a)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	if ((r = cli_check_user(a->user, &n)) != 0 ||
	    (r = check_url(a->keyserver_url)) != 0 ||
	    (r = check_url(a->relay_url)) != 0) {
		return r;
	}
	if ((r = db_stmt(s->db,
		 "INSERT OR REPLACE INTO account (id, user, device,"
		 " keyserver_url, relay_url, keyserver_pin, relay_pin,"
		 " created_ms) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, a->user);
	sqlite3_bind_int64(st, 2, a->device);
	db_bind_text(st, 3, a->keyserver_url);
	db_bind_text(st, 4, a->relay_url);
	if (a->has_keyserver_pin) {
		db_bind_blob(st, 5, a->keyserver_pin, CLI_PIN_LEN);
	}
	if (a->has_relay_pin) {
		db_bind_blob(st, 6, a->relay_pin, CLI_PIN_LEN);
	}
	sqlite3_bind_int64(st, 7, a->created_ms);
	return db_run(s->db, st);
}

/* Reads an optional pin column: NULL leaves it unset. */
static int
get_pin(sqlite3_stmt *st, int i, int *has, uint8_t pin[static CLI_PIN_LEN])
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		return 0;
	}
	*has = 1;
	return db_col_blob(st, i, pin, CLI_PIN_LEN);
}

int
cli_store_account_get(struct cli_store *s, struct cli_account *a)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = db_stmt(s->db,
		 "SELECT user, device, keyserver_url, relay_url,"
		 " keyserver_pin, relay_pin, created_ms FROM account"
		 " WHERE id = 1",
		 &st)) != 0) {
		return r;
	}
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	a->device = (uint32_t)sqlite3_column_int64(st, 1);
	a->created_ms = sqlite3_column_int64(st, 6);
	if ((r = cli_col_text(st, 0, a->user, sizeof(a->user))) != 0 ||
	    (r = cli_col_text(st, 2, a->keyserver_url,
		 sizeof(a->keyserver_url))) != 0 ||
	    (r = cli_col_text(st, 3, a->relay_url, sizeof(a->relay_url))) !=
		0 ||
	    (r = get_pin(st, 4, &a->has_keyserver_pin, a->keyserver_pin)) !=
		0 ||
	    (r = get_pin(st, 5, &a->has_relay_pin, a->relay_pin)) != 0) {
		memset(a, 0, sizeof(*a));
	}
	db_stmt_done(st);
	return r;
}

int
cli_store_identity_put(struct cli_store *s, const struct identity_key *ik)
{
	uint8_t sec[IDENTITY_SECRET_LEN];
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t clen = 0;
	int r;

	identity_encode_secret(ik, sec);
	cli_ad_begin(&ad, "identity", "secret");
	r = cli_seal(s, &ad, sec, sizeof(sec), &c, &clen);
	WIPE(sec);
	if (r != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO identity (id, secret) VALUES (1, ?)", &st)) !=
		0) {
		goto out;
	}
	db_bind_blob(st, 1, c, clen);
	r = db_run(s->db, st);
out:
	free(c);
	return r;
}

int
cli_store_identity_get(struct cli_store *s, struct identity_key **out)
{
	uint8_t sec[IDENTITY_SECRET_LEN];
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	const uint8_t *v;
	size_t n;
	int r;

	*out = NULL;
	if ((r = db_stmt(s->db, "SELECT secret FROM identity WHERE id = 1",
		 &st)) != 0) {
		return r;
	}
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	cli_col_view(st, 0, &v, &n);
	cli_ad_begin(&ad, "identity", "secret");
	r = cli_unseal_fixed(s, &ad, v, n, sec, sizeof(sec));
	db_stmt_done(st);
	if (r == 0) {
		r = identity_decode_secret(sec, sizeof(sec), out);
	}
	WIPE(sec);
	return r;
}
