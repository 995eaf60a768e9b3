/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Prekeys and device lists on SQLite: upload, rotate, status, claim,
 * revoke, list. */
#include <stdlib.h>

#include "keyserver/kd_store_impl.h"

int
kd_revoke(struct kd_store *s, int64_t now_ms, const char *user,
    uint32_t device_id, const uint8_t *sig)
{
	sqlite3_stmt *st;
	int64_t uid;
	int disabled, r;

	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	/* An admin may revoke a device of a disabled account too. */
	if ((r = kd_user_id(s->db, user, &uid, &disabled)) == 0 &&
	    (r = kd_device_state(s->db, uid, device_id)) == 0 &&
	    (r = db_stmt(s->db,
		 "UPDATE devices SET revoked_ms = ?, revoke_sig = ?"
		 " WHERE user_id = ? AND device_id = ?",
		 &st)) == 0) {
		sqlite3_bind_int64(st, 1, now_ms);
		if (sig != NULL) {
			db_bind_blob(st, 2, sig, PROTO_SIG_LEN);
		}
		sqlite3_bind_int64(st, 3, uid);
		sqlite3_bind_int64(st, 4, device_id);
		r = db_run(s->db, st);
	}
	if (r == 0 && (r = db_stmt(s->db,
			   "DELETE FROM prekeys WHERE user_id = ?"
			   " AND device_id = ?",
			   &st)) == 0) {
		sqlite3_bind_int64(st, 1, uid);
		sqlite3_bind_int64(st, 2, device_id);
		r = db_run(s->db, st);
	}
	r = db_finish(s->db, r);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int
stock_of(struct db *db, int64_t uid, uint32_t device_id, uint32_t *n)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "SELECT count(*) FROM prekeys WHERE user_id = ?"
		 " AND device_id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, device_id);
	if ((r = db_step(db, st)) != 1) {
		return r < 0 ? r : ERR_DB;
	}
	*n = (uint32_t)sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return 0;
}

int
kd_upload_prekeys(struct kd_store *s, const char *user, uint32_t device_id,
    const struct proto_prekeys *l, uint32_t max_stock, uint32_t *stock)
{
	uint32_t n = 0;
	int64_t uid;
	int r;

	*stock = 0;
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = kd_active_device(s->db, user, device_id, &uid)) == 0 &&
	    (r = stock_of(s->db, uid, device_id, &n)) == 0) {
		if ((uint64_t)n + l->n > max_stock) {
			r = ERR_QUOTA;
		} else {
			r = kd_insert_prekeys(s->db, uid, device_id, l);
		}
	}
	if ((r = db_finish(s->db, r)) == 0) {
		*stock = n + (uint32_t)l->n;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_rotate(struct kd_store *s, const char *user, uint32_t device_id,
    uint8_t kind, const struct proto_signed_prekey *k)
{
	static const char *const sql[] = {
		"UPDATE devices SET spk_id = ?, spk = ?, spk_sig = ?"
		" WHERE user_id = ? AND device_id = ?",
		"UPDATE devices SET lrk_id = ?, lrk = ?, lrk_sig = ?,"
		" lrk_uses = 0 WHERE user_id = ? AND device_id = ?",
	};
	sqlite3_stmt *st;
	int64_t uid;
	int r;

	if (kind != 1 && kind != 2) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = kd_active_device(s->db, user, device_id, &uid)) == 0 &&
	    (r = db_stmt(s->db, sql[kind - 1], &st)) == 0) {
		sqlite3_bind_int64(st, 1, k->id);
		db_bind_blob(st, 2, k->pk, PROTO_KEY_LEN);
		db_bind_blob(st, 3, k->sig, PROTO_SIG_LEN);
		sqlite3_bind_int64(st, 4, uid);
		sqlite3_bind_int64(st, 5, device_id);
		r = db_run(s->db, st);
	}
	r = db_finish(s->db, r);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_status(struct kd_store *s, const char *user, uint32_t device_id,
    struct proto_status *out)
{
	sqlite3_stmt *st;
	int64_t uid;
	int r;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if ((r = kd_active_device(s->db, user, device_id, &uid)) != 0 ||
	    (r = stock_of(s->db, uid, device_id, &out->opk_count)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT lrk_uses, spk_id, lrk_id FROM devices"
		 " WHERE user_id = ? AND device_id = ?",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, device_id);
	if ((r = db_step(s->db, st)) == 1) {
		out->last_resort_uses = (uint32_t)sqlite3_column_int64(st, 0);
		out->spk_id = (uint32_t)sqlite3_column_int64(st, 1);
		out->lrk_id = (uint32_t)sqlite3_column_int64(st, 2);
		db_stmt_done(st);
		r = 0;
	} else if (r == 0) {
		r = ERR_NOT_FOUND;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Fills b's one-time slot: the oldest one-time prekey (deleted), else the
 * last-resort key (its use counted). Kinds as crypto/x3dh.h numbers them. */
static int
take_prekey(struct db *db, int64_t uid, struct proto_bundle *b,
    const uint8_t lrk[static PROTO_KEY_LEN],
    const uint8_t lrk_sig[static PROTO_SIG_LEN], uint32_t lrk_id)
{
	sqlite3_stmt *st;
	int64_t seq;
	int r;

	if ((r = db_stmt(db,
		 "SELECT seq, key_id, pk FROM prekeys WHERE user_id = ?"
		 " AND device_id = ? ORDER BY seq LIMIT 1",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, b->device_id);
	if ((r = db_step(db, st)) < 0) {
		return r;
	}
	if (r == 1) {
		seq = sqlite3_column_int64(st, 0);
		b->opk_kind = 1;
		b->opk_id = (uint32_t)sqlite3_column_int64(st, 1);
		r = db_col_blob(st, 2, b->opk, PROTO_KEY_LEN);
		db_stmt_done(st);
		if (r != 0 || (r = db_stmt(db,
				   "DELETE FROM prekeys WHERE seq = ?",
				   &st)) != 0) {
			return r;
		}
		sqlite3_bind_int64(st, 1, seq);
		return db_run(db, st);
	}
	b->opk_kind = 2;
	b->opk_id = lrk_id;
	memcpy(b->opk, lrk, PROTO_KEY_LEN);
	memcpy(b->opk_sig, lrk_sig, PROTO_SIG_LEN);
	if ((r = db_stmt(db,
		 "UPDATE devices SET lrk_uses = lrk_uses + 1"
		 " WHERE user_id = ? AND device_id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, b->device_id);
	return db_run(db, st);
}

/* Reads the active devices' bundle columns into out[0..*n). */
static int
read_bundles(struct db *db, int64_t uid, int (*skip)(uint32_t, void *),
    void *arg, struct proto_bundle *out, size_t max, size_t *n,
    uint8_t (*lrk)[PROTO_KEY_LEN + PROTO_SIG_LEN], uint32_t *lrk_id)
{
	struct proto_bundle *b;
	sqlite3_stmt *st;
	uint32_t id;
	int r;

	if ((r = db_stmt(db,
		 "SELECT device_id, ik, spk_id, spk, spk_sig, lrk_id, lrk,"
		 " lrk_sig FROM devices WHERE user_id = ? AND revoked_ms IS"
		 " NULL ORDER BY device_id",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	while ((r = db_step(db, st)) == 1) {
		id = (uint32_t)sqlite3_column_int64(st, 0);
		if ((skip != NULL && skip(id, arg)) || *n == max) {
			continue;
		}
		b = &out[*n];
		memset(b, 0, sizeof(*b));
		b->device_id = id;
		b->spk.id = (uint32_t)sqlite3_column_int64(st, 2);
		lrk_id[*n] = (uint32_t)sqlite3_column_int64(st, 5);
		if ((r = db_col_blob(st, 1, b->ik, PROTO_KEY_LEN)) != 0 ||
		    (r = db_col_blob(st, 3, b->spk.pk, PROTO_KEY_LEN)) != 0 ||
		    (r = db_col_blob(st, 4, b->spk.sig, PROTO_SIG_LEN)) != 0 ||
		    (r = db_col_blob(st, 6, lrk[*n], PROTO_KEY_LEN)) != 0 ||
		    (r = db_col_blob(st, 7, lrk[*n] + PROTO_KEY_LEN,
			 PROTO_SIG_LEN)) != 0) {
			db_stmt_done(st);
			return r;
		}
		(*n)++;
	}
	return r;
}

int
kd_claim(struct kd_store *s, const char *user,
    int (*skip)(uint32_t device_id, void *arg), void *arg,
    struct proto_bundle *out, size_t max, size_t *n)
{
	uint8_t lrk[PROTO_MAX_DEVICES][PROTO_KEY_LEN + PROTO_SIG_LEN];
	uint32_t lrk_id[PROTO_MAX_DEVICES];
	int64_t uid;
	int disabled, r;
	size_t i;

	*n = 0;
	if (max > PROTO_MAX_DEVICES) {
		max = PROTO_MAX_DEVICES;
	}
	pthread_mutex_lock(&s->lock);
	/* SECURITY: select and delete in one write transaction, so a
	 * one-time prekey is handed out at most once. */
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = kd_user_id(s->db, user, &uid, &disabled)) == 0 && disabled) {
		r = ERR_DISABLED;
	}
	if (r == 0) {
		r = read_bundles(s->db, uid, skip, arg, out, max, n, lrk,
		    lrk_id);
	}
	for (i = 0; r == 0 && i < *n; i++) {
		r = take_prekey(s->db, uid, &out[i], lrk[i],
		    lrk[i] + PROTO_KEY_LEN, lrk_id[i]);
	}
	if ((r = db_finish(s->db, r)) != 0) {
		memset(out, 0, max * sizeof(out[0]));
		*n = 0;
	}
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Marks, among the n devices of all[] (in id order), every active one and
 * the approvers of marked ones, transitively. Returns how many. */
static size_t
mark_listed(const struct proto_device *all, size_t n, uint8_t *keep)
{
	size_t i, j, count = 0;
	int changed = 1;

	for (i = 0; i < n; i++) {
		keep[i] = !all[i].revoked;
	}
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			for (j = 0; keep[i] && j < n; j++) {
				if (all[j].device_id == all[i].approver &&
				    !keep[j]) {
					keep[j] = 1;
					changed = 1;
				}
			}
		}
	}
	for (i = 0; i < n; i++) {
		count += keep[i];
	}
	return count;
}

/* Reads every device of uid into *all (heap, at most KD_MAX_HISTORY). */
#define KD_MAX_HISTORY 4096

static int
read_devices(struct db *db, int64_t uid, struct proto_device **all,
    size_t *n)
{
	struct proto_device *d, *grown;
	sqlite3_stmt *st;
	size_t cap = 0;
	int r;

	*all = NULL;
	*n = 0;
	if ((r = db_stmt(db,
		 "SELECT device_id, ik, approver, link_sig,"
		 " revoked_ms IS NOT NULL FROM devices WHERE user_id = ?"
		 " ORDER BY device_id",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	while ((r = db_step(db, st)) == 1) {
		if (*n == cap) {
			cap = cap == 0 ? 16 : 2 * cap;
			if (cap > KD_MAX_HISTORY ||
			    (grown = realloc(*all, cap * sizeof(**all))) ==
				NULL) {
				db_stmt_done(st);
				return cap > KD_MAX_HISTORY ? ERR_TOO_LONG
							    : ERR_NOMEM;
			}
			*all = grown;
		}
		d = &(*all)[*n];
		memset(d, 0, sizeof(*d));
		d->device_id = (uint32_t)sqlite3_column_int64(st, 0);
		d->approver = (uint32_t)sqlite3_column_int64(st, 2);
		d->revoked = (uint8_t)sqlite3_column_int(st, 4);
		if ((r = db_col_blob(st, 1, d->ik, PROTO_KEY_LEN)) != 0 ||
		    (r = db_col_blob(st, 3, d->link_sig, PROTO_SIG_LEN)) !=
			0) {
			db_stmt_done(st);
			return r;
		}
		(*n)++;
	}
	return r;
}

int
kd_devices(struct kd_store *s, const char *user, struct proto_device *out,
    size_t max, size_t *n)
{
	struct proto_device *all = NULL;
	uint8_t *keep = NULL;
	size_t total = 0, i;
	int64_t uid;
	int disabled, r;

	*n = 0;
	pthread_mutex_lock(&s->lock);
	if ((r = kd_user_id(s->db, user, &uid, &disabled)) != 0 ||
	    (r = read_devices(s->db, uid, &all, &total)) != 0) {
		goto out;
	}
	if (disabled) {
		r = ERR_DISABLED;
		goto out;
	}
	if (total > 0 && (keep = calloc(total, 1)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if (total > 0 && mark_listed(all, total, keep) > max) {
		r = ERR_TOO_LONG;
		goto out;
	}
	for (i = 0; i < total; i++) {
		if (keep[i]) {
			out[(*n)++] = all[i];
		}
	}
out:
	pthread_mutex_unlock(&s->lock);
	free(keep);
	free(all);
	return r;
}

int64_t
kd_prekey_stock(struct kd_store *s)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	pthread_mutex_lock(&s->lock);
	if (db_stmt(s->db, "SELECT count(*) FROM prekeys", &st) == 0 &&
	    db_step(s->db, st) == 1) {
		v = sqlite3_column_int64(st, 0);
		db_stmt_done(st);
	}
	pthread_mutex_unlock(&s->lock);
	return v;
}
