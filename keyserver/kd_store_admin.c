/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Administration of the key directory on SQLite: invites (bound to an
 * account or not), accounts and device listings. Invite tokens are stored
 * only as SHA-256 hashes. */
#include <sodium.h>

#include "keyserver/kd_store_impl.h"

int
kd_invite_create(struct kd_store *s, int64_t now_ms, int64_t uses,
    int64_t expires_ms, const char *user,
    const char token[static KD_INVITE_TOKEN_LEN + 1],
    char id[static KD_INVITE_ID_LEN + 1])
{
	uint8_t hash[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	sqlite3_stmt *st;
	int64_t uid;
	int r;

	memset(id, 0, KD_INVITE_ID_LEN + 1);
	if (uses < 1 || expires_ms < 0 || (user != NULL && uses != 1)) {
		return ERR_ARG;
	}
	crypto_hash_sha256(hash, (const uint8_t *)token, strlen(token));
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((user == NULL || (r = kd_user_id(s->db, user, &uid, NULL)) == 0) &&
	    (r = db_stmt(s->db,
		 "INSERT INTO invites (hash, id, uses_left, expires_ms,"
		 " created_ms, bound_user) VALUES (?, ?, ?, ?, ?, ?)",
		 &st)) == 0) {
		db_bind_blob(st, 1, hash, sizeof(hash));
		(void)sqlite3_bind_text(st, 2, hex, KD_INVITE_ID_LEN,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, uses);
		sqlite3_bind_int64(st, 4, expires_ms);
		sqlite3_bind_int64(st, 5, now_ms);
		if (user != NULL) {
			db_bind_text(st, 6, user);
		}
		r = db_run(s->db, st);
	}
	if ((r = db_finish(s->db, r)) == 0) {
		memcpy(id, hex, KD_INVITE_ID_LEN);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_invite_revoke(struct kd_store *s, const char *id)
{
	sqlite3_stmt *st;
	int r;

	pthread_mutex_lock(&s->lock);
	if ((r = db_stmt(s->db,
		 "UPDATE invites SET revoked = 1 WHERE id = ?", &st)) == 0) {
		db_bind_text(st, 1, id);
		if ((r = db_run(s->db, st)) == 0 && db_changes(s->db) != 1) {
			r = ERR_NOT_FOUND;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_invite_list(struct kd_store *s,
	void (*fn)(const struct kd_invite *, void *), void *arg)
{
	struct kd_invite inv;
	const unsigned char *t;
	sqlite3_stmt *st;
	int r;

	pthread_mutex_lock(&s->lock);
	if ((r = db_stmt(s->db,
		 "SELECT id, uses_left, expires_ms, created_ms, revoked,"
		 " bound_user FROM invites ORDER BY created_ms, id",
		 &st)) != 0) {
		goto out;
	}
	while ((r = db_step(s->db, st)) == 1) {
		memset(&inv, 0, sizeof(inv));
		if ((t = sqlite3_column_text(st, 0)) != NULL) {
			strncpy(inv.id, (const char *)t, KD_INVITE_ID_LEN);
		}
		inv.uses_left = sqlite3_column_int64(st, 1);
		inv.expires_ms = sqlite3_column_int64(st, 2);
		inv.created_ms = sqlite3_column_int64(st, 3);
		inv.revoked = sqlite3_column_int(st, 4);
		if ((t = sqlite3_column_text(st, 5)) != NULL) {
			strncpy(inv.user, (const char *)t, PROTO_MAX_USER);
		}
		fn(&inv, arg);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_user_list(struct kd_store *s, void (*fn)(const struct kd_user *, void *),
    void *arg)
{
	struct kd_user u;
	const unsigned char *t;
	sqlite3_stmt *st;
	int r;

	pthread_mutex_lock(&s->lock);
	if ((r = db_stmt(s->db,
		 "SELECT u.name, u.disabled, u.created_ms,"
		 " (SELECT count(*) FROM devices d WHERE d.user_id = u.id"
		 "  AND d.revoked_ms IS NULL)"
		 " FROM users u ORDER BY u.name",
		 &st)) != 0) {
		goto out;
	}
	while ((r = db_step(s->db, st)) == 1) {
		memset(&u, 0, sizeof(u));
		if ((t = sqlite3_column_text(st, 0)) != NULL) {
			strncpy(u.name, (const char *)t, PROTO_MAX_USER);
		}
		u.disabled = sqlite3_column_int(st, 1);
		u.created_ms = sqlite3_column_int64(st, 2);
		u.active_devices = (uint32_t)sqlite3_column_int64(st, 3);
		fn(&u, arg);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_user_disable(struct kd_store *s, const char *user, int disabled)
{
	sqlite3_stmt *st;
	int r;

	pthread_mutex_lock(&s->lock);
	if ((r = db_stmt(s->db,
		 "UPDATE users SET disabled = ? WHERE name = ?", &st)) == 0) {
		sqlite3_bind_int(st, 1, disabled != 0);
		db_bind_text(st, 2, user);
		if ((r = db_run(s->db, st)) == 0 && db_changes(s->db) != 1) {
			r = ERR_NOT_FOUND;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_device_list(struct kd_store *s, const char *user,
    void (*fn)(const struct kd_device *, void *), void *arg)
{
	struct kd_device d;
	sqlite3_stmt *st;
	int64_t uid;
	int disabled, r;

	pthread_mutex_lock(&s->lock);
	if ((r = kd_user_id(s->db, user, &uid, &disabled)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT device_id, ik, approver, link_sig,"
		 " revoked_ms IS NOT NULL, created_ms FROM devices"
		 " WHERE user_id = ? ORDER BY device_id",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, uid);
	while ((r = db_step(s->db, st)) == 1) {
		memset(&d, 0, sizeof(d));
		d.device_id = (uint32_t)sqlite3_column_int64(st, 0);
		d.approver = (uint32_t)sqlite3_column_int64(st, 2);
		d.revoked = sqlite3_column_int(st, 4);
		d.user_disabled = disabled;
		d.created_ms = sqlite3_column_int64(st, 5);
		if ((r = db_col_blob(st, 1, d.ik, PROTO_KEY_LEN)) != 0 ||
		    (r = db_col_blob(st, 3, d.link_sig, PROTO_SIG_LEN)) != 0) {
			db_stmt_done(st);
			break;
		}
		fn(&d, arg);
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}
