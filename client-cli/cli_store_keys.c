/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client store's key tables: signed, last-resort and one-time
 * prekeys, their secrets sealed, deleted with a WAL truncate. */
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_store.h"
#include "client-cli/cli_store_impl.h"
#include "common/err.h"
#include "common/log.h"

/* AD of a prekey secret: [u8(kind) ||] u32(id) || pk. kind 0 is the
 * one-time table, which has no kind column. */
static void
prekey_ad(struct wire_writer *ad, int kind, uint32_t id,
    const uint8_t pk[static KEY_LEN])
{
	cli_ad_begin(ad, kind == 0 ? "onetime_prekeys" : "signed_prekeys",
	    "secret");
	if (kind != 0) {
		wire_put_u8(ad, (uint8_t)kind);
	}
	wire_put_u32(ad, id);
	wire_put_bytes(ad, pk, KEY_LEN);
}

/* Reads pk (column 0) and the sealed secret (column 1) of a prekey row
 * into kp. */
static int
prekey_read(struct cli_store *s, sqlite3_stmt *st, int kind, uint32_t id,
    struct x25519_keypair *kp)
{
	struct wire_writer ad;
	const uint8_t *v;
	size_t n;
	int r;

	if ((r = db_col_blob(st, 0, kp->pk, KEY_LEN)) != 0) {
		return r;
	}
	prekey_ad(&ad, kind, id, kp->pk);
	cli_col_view(st, 1, &v, &n);
	return cli_unseal_fixed(s, &ad, v, n, kp->sk, KEY_LEN);
}

static int
check_kind(enum prekey_kind kind)
{
	return kind == PREKEY_SIGNED || kind == PREKEY_LAST_RESORT ? 0 :
								      ERR_ARG;
}

int
cli_store_spk_put(struct cli_store *s, enum prekey_kind kind, uint32_t id,
    const struct x25519_keypair *kp, const uint8_t sig[static SIG_LEN],
    int64_t now_ms)
{
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t clen = 0;
	int r;

	if ((r = check_kind(kind)) != 0) {
		return r;
	}
	prekey_ad(&ad, (int)kind, id, kp->pk);
	if ((r = cli_seal(s, &ad, kp->sk, KEY_LEN, &c, &clen)) != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO signed_prekeys (kind, id, pk, sig, secret,"
		 " created_ms) VALUES (?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, id);
	db_bind_blob(st, 3, kp->pk, KEY_LEN);
	db_bind_blob(st, 4, sig, SIG_LEN);
	db_bind_blob(st, 5, c, clen);
	sqlite3_bind_int64(st, 6, now_ms);
	r = db_run(s->db, st);
out:
	free(c);
	return r;
}

int
cli_store_spk_get(struct cli_store *s, enum prekey_kind kind, uint32_t id,
    struct x25519_keypair *kp, uint8_t *sig)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(kp, 0, sizeof(*kp));
	if (sig != NULL) {
		memset(sig, 0, SIG_LEN);
	}
	if ((r = check_kind(kind)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT pk, secret, sig FROM signed_prekeys"
		 " WHERE kind = ? AND id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, id);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	r = prekey_read(s, st, (int)kind, id, kp);
	if (r == 0 && sig != NULL) {
		r = db_col_blob(st, 2, sig, SIG_LEN);
	}
	db_stmt_done(st);
	if (r != 0) {
		x25519_keypair_wipe(kp);
		if (sig != NULL) {
			memset(sig, 0, SIG_LEN);
		}
	}
	return r;
}

int
cli_store_spk_latest(struct cli_store *s, enum prekey_kind kind,
    uint32_t *id)
{
	sqlite3_stmt *st = NULL;
	int r;

	*id = 0;
	if ((r = check_kind(kind)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT id FROM signed_prekeys WHERE kind = ?"
		 " ORDER BY created_ms DESC, id DESC LIMIT 1",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	*id = (uint32_t)sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return 0;
}

int
cli_store_spk_age(struct cli_store *s, enum prekey_kind kind,
    int64_t *created_ms)
{
	sqlite3_stmt *st = NULL;
	int r;

	*created_ms = 0;
	if ((r = check_kind(kind)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT max(created_ms) FROM signed_prekeys WHERE kind = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_DB : r;
	}
	if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
		r = ERR_NOT_FOUND;
	} else {
		*created_ms = sqlite3_column_int64(st, 0);
		r = 0;
	}
	db_stmt_done(st);
	return r;
}

int
cli_store_spk_prune(struct cli_store *s, enum prekey_kind kind,
    int64_t cutoff_ms, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t gone;
	int r;

	if (n != NULL) {
		*n = 0;
	}
	if ((r = check_kind(kind)) != 0 ||
	    (r = db_stmt(s->db,
		 "DELETE FROM signed_prekeys WHERE kind = ?1 AND created_ms <"
		 " (SELECT max(created_ms) FROM signed_prekeys"
		 " WHERE kind = ?1 AND created_ms <= ?2)",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, cutoff_ms);
	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	if ((gone = db_changes(s->db)) == 0) {
		return 0;
	}
	if (n != NULL) {
		*n = (size_t)gone;
	}
	return cli_key_deleted(s);
}

int
cli_store_spk_delete(struct cli_store *s, enum prekey_kind kind,
    uint32_t id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = check_kind(kind)) != 0 ||
	    (r = db_stmt(s->db,
		 "DELETE FROM signed_prekeys WHERE kind = ? AND id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, id);
	return cli_delete_key(s, st);
}

int
cli_store_opk_next_id(struct cli_store *s, uint32_t *id)
{
	sqlite3_stmt *st = NULL;
	int64_t next = 1;
	int own = 0, r;

	*id = 0;
	if ((r = cli_tx_start(s, &own)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT value FROM meta WHERE name = 'opk_next_id'", &st)) !=
		0 ||
	    (r = db_step(s->db, st)) < 0) {
		goto out;
	}
	if (r == 1) {
		next = sqlite3_column_int64(st, 0);
		db_stmt_done(st);
	}
	if (next < 1 || next > (int64_t)UINT32_MAX) {
		log_err("one-time prekey ids used up");
		r = ERR_STATE;
		goto out;
	}
	if ((r = db_stmt(s->db,
		 "INSERT OR REPLACE INTO meta (name, value)"
		 " VALUES ('opk_next_id', ?)",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, next + 1);
	if ((r = db_run(s->db, st)) == 0) {
		*id = (uint32_t)next;
	}
out:
	r = cli_tx_end(s, own, r);
	if (r != 0) {
		*id = 0;
	}
	return r;
}

int
cli_store_opk_put(struct cli_store *s, uint32_t id,
    const struct x25519_keypair *kp, int64_t now_ms)
{
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t clen = 0;
	int r;

	prekey_ad(&ad, 0, id, kp->pk);
	if ((r = cli_seal(s, &ad, kp->sk, KEY_LEN, &c, &clen)) != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO onetime_prekeys (id, pk, secret, created_ms)"
		 " VALUES (?, ?, ?, ?)",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	db_bind_blob(st, 2, kp->pk, KEY_LEN);
	db_bind_blob(st, 3, c, clen);
	sqlite3_bind_int64(st, 4, now_ms);
	r = db_run(s->db, st);
out:
	free(c);
	return r;
}

int
cli_store_opk_get(struct cli_store *s, uint32_t id,
    struct x25519_keypair *kp)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(kp, 0, sizeof(*kp));
	if ((r = db_stmt(s->db,
		 "SELECT pk, secret FROM onetime_prekeys WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, id);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	r = prekey_read(s, st, 0, id, kp);
	db_stmt_done(st);
	if (r != 0) {
		x25519_keypair_wipe(kp);
	}
	return r;
}

int
cli_store_opk_delete(struct cli_store *s, uint32_t id)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db, "DELETE FROM onetime_prekeys WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, id);
	return cli_delete_key(s, st);
}

int
cli_store_opk_count(struct cli_store *s, uint64_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = db_stmt(s->db, "SELECT count(*) FROM onetime_prekeys",
		 &st)) != 0) {
		return r;
	}
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_DB : r;
	}
	*n = (uint64_t)sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return 0;
}
