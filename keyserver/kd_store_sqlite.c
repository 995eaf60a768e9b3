/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The key directory on SQLite: one connection behind a mutex, one
 * transaction per operation. The schema and its migrations, accounts and
 * their devices. */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "keyserver/kd_store.h"
#include "keyserver/kd_store_impl.h"
#include "service/db.h"

static const struct db_migration migrations[] = {
	{ 1,
	    "CREATE TABLE users ("
	    " id INTEGER PRIMARY KEY,"
	    " name TEXT NOT NULL UNIQUE,"
	    " disabled INTEGER NOT NULL DEFAULT 0,"
	    " created_ms INTEGER NOT NULL,"
	    " next_device INTEGER NOT NULL DEFAULT 1);"
	    "CREATE TABLE devices ("
	    " user_id INTEGER NOT NULL REFERENCES users(id),"
	    " device_id INTEGER NOT NULL,"
	    " ik BLOB NOT NULL UNIQUE,"
	    " approver INTEGER NOT NULL,"
	    " link_sig BLOB NOT NULL,"
	    " created_ms INTEGER NOT NULL,"
	    " revoked_ms INTEGER,"
	    " revoke_sig BLOB,"
	    " spk_id INTEGER NOT NULL, spk BLOB NOT NULL,"
	    " spk_sig BLOB NOT NULL,"
	    " lrk_id INTEGER NOT NULL, lrk BLOB NOT NULL,"
	    " lrk_sig BLOB NOT NULL,"
	    " lrk_uses INTEGER NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (user_id, device_id)) WITHOUT ROWID;"
	    "CREATE TABLE prekeys ("
	    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	    " user_id INTEGER NOT NULL,"
	    " device_id INTEGER NOT NULL,"
	    " key_id INTEGER NOT NULL,"
	    " pk BLOB NOT NULL,"
	    " UNIQUE (user_id, device_id, key_id),"
	    " FOREIGN KEY (user_id, device_id)"
	    "  REFERENCES devices(user_id, device_id));"
	    "CREATE INDEX prekeys_fifo ON prekeys(user_id, device_id, seq);"
	    "CREATE TABLE invites ("
	    " hash BLOB PRIMARY KEY,"
	    " id TEXT NOT NULL UNIQUE,"
	    " uses_left INTEGER NOT NULL,"
	    " expires_ms INTEGER NOT NULL,"
	    " created_ms INTEGER NOT NULL,"
	    " revoked INTEGER NOT NULL DEFAULT 0);" },
	/* Device-link rendezvous slots (kd_store_link.c), and invites bound
	 * to an account, which recover it (kd_register). */
	{ 2,
	    "CREATE TABLE link_slots ("
	    " slot BLOB PRIMARY KEY,"
	    " user_id INTEGER NOT NULL,"
	    " device_id INTEGER NOT NULL,"
	    " created_ms INTEGER NOT NULL,"
	    " expires_ms INTEGER NOT NULL,"
	    " request BLOB,"
	    " response BLOB,"
	    " FOREIGN KEY (user_id, device_id)"
	    "  REFERENCES devices(user_id, device_id)) WITHOUT ROWID;"
	    "CREATE INDEX link_slots_user ON link_slots(user_id);"
	    "CREATE INDEX link_slots_expiry ON link_slots(expires_ms);"
	    "ALTER TABLE invites ADD COLUMN bound_user TEXT;" },
};

static int
open_store(const char *path, unsigned flags, struct kd_store **out)
{
	struct kd_store *s;
	int r;

	*out = NULL;
	if ((s = mem_zalloc(sizeof(*s))) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = db_open(path, flags, migrations,
		 sizeof(migrations) / sizeof(migrations[0]), &s->db)) != 0) {
		mem_wipe_free(s, sizeof(*s));
		return r;
	}
	PANIC_IF(pthread_mutex_init(&s->lock, NULL) != 0);
	*out = s;
	return 0;
}

int
kd_store_open(const char *path, struct kd_store **out)
{
	return open_store(path, 0, out);
}

int
kd_store_open_readonly(const char *path, struct kd_store **out)
{
	return open_store(path, DB_READONLY, out);
}

void
kd_store_close(struct kd_store *s)
{
	if (s == NULL) {
		return;
	}
	db_close(s->db);
	pthread_mutex_destroy(&s->lock);
	mem_wipe_free(s, sizeof(*s));
}

int
kd_insert_prekeys(struct db *db, int64_t uid, uint32_t device_id,
    const struct proto_prekeys *l)
{
	uint8_t pk[PROTO_KEY_LEN];
	sqlite3_stmt *st;
	uint32_t id;
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		proto_prekeys_at(l, i, &id, pk);
		if ((r = db_stmt(db,
			 "INSERT INTO prekeys (user_id, device_id, key_id, pk)"
			 " VALUES (?, ?, ?, ?)",
			 &st)) != 0) {
			return r;
		}
		sqlite3_bind_int64(st, 1, uid);
		sqlite3_bind_int64(st, 2, device_id);
		sqlite3_bind_int64(st, 3, id);
		db_bind_blob(st, 4, pk, sizeof(pk));
		if ((r = db_run(db, st)) != 0) {
			return r;
		}
	}
	return 0;
}

static int
insert_device(struct db *db, int64_t uid, uint32_t device_id, int64_t now_ms,
    const struct proto_device_upload *dev)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "INSERT INTO devices (user_id, device_id, ik, approver,"
		 " link_sig, created_ms, spk_id, spk, spk_sig, lrk_id, lrk,"
		 " lrk_sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, device_id);
	db_bind_blob(st, 3, dev->ik, PROTO_KEY_LEN);
	sqlite3_bind_int64(st, 4, dev->approver != 0 ? dev->approver
						     : device_id);
	db_bind_blob(st, 5, dev->link_sig, PROTO_SIG_LEN);
	sqlite3_bind_int64(st, 6, now_ms);
	sqlite3_bind_int64(st, 7, dev->spk.id);
	db_bind_blob(st, 8, dev->spk.pk, PROTO_KEY_LEN);
	db_bind_blob(st, 9, dev->spk.sig, PROTO_SIG_LEN);
	sqlite3_bind_int64(st, 10, dev->lrk.id);
	db_bind_blob(st, 11, dev->lrk.pk, PROTO_KEY_LEN);
	db_bind_blob(st, 12, dev->lrk.sig, PROTO_SIG_LEN);
	if ((r = db_run(db, st)) != 0 ||
	    (r = db_stmt(db,
		 "UPDATE users SET next_device = ? WHERE id = ?", &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, (int64_t)device_id + 1);
	sqlite3_bind_int64(st, 2, uid);
	if ((r = db_run(db, st)) != 0) {
		return r;
	}
	return kd_insert_prekeys(db, uid, device_id, &dev->opks);
}

/* The live invite (not revoked, not expired, uses left) whose token
 * hashes to hash: 0 and the account it is bound to in bound ("" if
 * none), or ERR_INVITE. */
static int
find_invite(struct db *db,
    const uint8_t hash[static crypto_hash_sha256_BYTES], int64_t now_ms,
    char bound[static PROTO_MAX_USER + 1])
{
	const unsigned char *t;
	sqlite3_stmt *st;
	int r;

	memset(bound, 0, PROTO_MAX_USER + 1);
	if ((r = db_stmt(db,
		 "SELECT bound_user FROM invites WHERE hash = ?"
		 " AND revoked = 0 AND uses_left > 0"
		 " AND (expires_ms = 0 OR expires_ms > ?)",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, hash, crypto_hash_sha256_BYTES);
	sqlite3_bind_int64(st, 2, now_ms);
	if ((r = db_step(db, st)) != 1) {
		return r == 0 ? ERR_INVITE : r;
	}
	if ((t = sqlite3_column_text(st, 0)) != NULL) {
		strncpy(bound, (const char *)t, PROTO_MAX_USER);
	}
	db_stmt_done(st);
	return 0;
}

/* Takes the use of the invite a registration of user needs, if any (see
 * kd_register); *bound is 1 for an invite bound to user. */
static int
use_invite(struct db *db, const char *invite, unsigned flags, int64_t now_ms,
    const char *user, int *bound)
{
	uint8_t hash[crypto_hash_sha256_BYTES];
	char who[PROTO_MAX_USER + 1];
	int open = (flags & KD_REGISTER_OPEN) != 0, r;
	sqlite3_stmt *st;

	*bound = 0;
	if (invite == NULL || invite[0] == '\0') {
		return open ? 0 : ERR_INVITE;
	}
	crypto_hash_sha256(hash, (const uint8_t *)invite, strlen(invite));
	if ((r = find_invite(db, hash, now_ms, who)) != 0) {
		return r == ERR_INVITE && open ? 0 : r;
	}
	if (who[0] == '\0' && open) {
		return 0; /* open registration ignores ordinary tokens */
	}
	/* SECURITY: a bound invite is good for its account only. */
	if (who[0] != '\0' && strcmp(who, user) != 0) {
		return ERR_INVITE;
	}
	*bound = who[0] != '\0';
	if ((r = db_stmt(db,
		 "UPDATE invites SET uses_left = uses_left - 1 WHERE hash = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, hash, sizeof(hash));
	return db_run(db, st);
}

/* A new account user with dev as device 1. */
static int
create_account(struct db *db, int64_t now_ms, const char *user,
    const struct proto_device_upload *dev, uint32_t *id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "INSERT INTO users (name, created_ms) VALUES (?, ?)", &st)) !=
	    0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, now_ms);
	if ((r = db_run(db, st)) != 0) {
		return r;
	}
	*id = 1;
	return insert_device(db, db_last_rowid(db), 1, now_ms, dev);
}

static int
count_active(struct db *db, int64_t uid, uint32_t *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "SELECT count(*) FROM devices WHERE user_id = ?"
		 " AND revoked_ms IS NULL",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	if ((r = db_step(db, st)) != 1) {
		return r < 0 ? r : ERR_DB;
	}
	*n = (uint32_t)sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return 0;
}

static int
next_device(struct db *db, int64_t uid, uint32_t *id)
{
	sqlite3_stmt *st;
	int64_t v;
	int r;

	if ((r = db_stmt(db, "SELECT next_device FROM users WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	if ((r = db_step(db, st)) != 1) {
		return r < 0 ? r : ERR_DB;
	}
	v = sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	if (v < 1 || v > (int64_t)UINT32_MAX) {
		return ERR_QUOTA;
	}
	*id = (uint32_t)v;
	return 0;
}

/* Revokes every active device of uid as an admin revocation does, and
 * deletes the account's prekeys and rendezvous slots. */
static int
revoke_all(struct db *db, int64_t uid, int64_t now_ms)
{
	static const char *const sql[] = {
		"DELETE FROM prekeys WHERE user_id = ?",
		"DELETE FROM link_slots WHERE user_id = ?",
	};
	sqlite3_stmt *st;
	size_t i;
	int r;

	if ((r = db_stmt(db,
		 "UPDATE devices SET revoked_ms = ?, revoke_sig = NULL"
		 " WHERE user_id = ? AND revoked_ms IS NULL",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	sqlite3_bind_int64(st, 2, uid);
	if ((r = db_run(db, st)) != 0) {
		return r;
	}
	for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((r = db_stmt(db, sql[i], &st)) != 0) {
			return r;
		}
		sqlite3_bind_int64(st, 1, uid);
		if ((r = db_run(db, st)) != 0) {
			return r;
		}
	}
	return 0;
}

/* Registration with an invite bound to user: recovers the account, or
 * creates it if there is none. */
static int
register_bound(struct db *db, int64_t now_ms, const char *user,
    const struct proto_device_upload *dev, uint32_t *id)
{
	int64_t uid;
	int disabled, r;

	if ((r = kd_user_id(db, user, &uid, &disabled)) == ERR_NOT_FOUND) {
		return create_account(db, now_ms, user, dev, id);
	}
	if (r != 0) {
		return r;
	}
	if (disabled) {
		return ERR_DISABLED;
	}
	/* A new root: insert_device makes a device without approver its
	 * own approver, and the handler checked its self-signed link. */
	if ((r = revoke_all(db, uid, now_ms)) != 0 ||
	    (r = next_device(db, uid, id)) != 0) {
		return r;
	}
	return insert_device(db, uid, *id, now_ms, dev);
}

int
kd_register(struct kd_store *s, const char *invite, unsigned flags,
    int64_t now_ms, const char *user, const struct proto_device_upload *dev,
    uint32_t *device_id)
{
	uint32_t id = 0;
	int bound = 0, r;

	*device_id = 0;
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = use_invite(s->db, invite, flags, now_ms, user, &bound)) ==
	    0) {
		r = bound ? register_bound(s->db, now_ms, user, dev, &id)
			  : create_account(s->db, now_ms, user, dev, &id);
	}
	if ((r = db_finish(s->db, r)) == 0) {
		*device_id = id;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_link(struct kd_store *s, int64_t now_ms, const char *user,
    const struct proto_device_upload *dev, uint32_t *device_id)
{
	uint32_t active = 0, id = 0;
	int64_t uid;
	int disabled, r;

	*device_id = 0;
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = kd_user_id(s->db, user, &uid, &disabled)) == 0 && disabled) {
		r = ERR_DISABLED;
	}
	if (r == 0 && (r = count_active(s->db, uid, &active)) == 0 &&
	    active >= PROTO_MAX_DEVICES) {
		r = ERR_QUOTA;
	}
	if (r == 0 && (r = next_device(s->db, uid, &id)) == 0) {
		r = insert_device(s->db, uid, id, now_ms, dev);
	}
	if ((r = db_finish(s->db, r)) == 0) {
		*device_id = id;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_device_get(struct kd_store *s, const char *user, uint32_t device_id,
    struct kd_device *out)
{
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if ((r = db_stmt(s->db,
		 "SELECT d.ik, d.approver, d.link_sig, d.revoked_ms IS NOT"
		 " NULL, u.disabled, d.created_ms FROM devices d JOIN users u"
		 " ON u.id = d.user_id WHERE u.name = ? AND d.device_id = ?",
		 &st)) != 0) {
		goto out;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device_id);
	if ((r = db_step(s->db, st)) == 1) {
		out->device_id = device_id;
		out->approver = (uint32_t)sqlite3_column_int64(st, 1);
		out->revoked = sqlite3_column_int(st, 3);
		out->user_disabled = sqlite3_column_int(st, 4);
		out->created_ms = sqlite3_column_int64(st, 5);
		if ((r = db_col_blob(st, 0, out->ik, PROTO_KEY_LEN)) == 0) {
			r = db_col_blob(st, 2, out->link_sig, PROTO_SIG_LEN);
		}
		db_stmt_done(st);
	} else if (r == 0) {
		r = ERR_NOT_FOUND;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}
