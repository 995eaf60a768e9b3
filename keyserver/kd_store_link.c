/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Device-link rendezvous slots on SQLite: a mailbox of two opaque parts
 * per slot, owned by one device, deleted lazily after expiry. */
#include <sodium.h>

#include "keyserver/kd_store_impl.h"

/* A live slot as read: its owner and both parts (length 0: not set). */
struct slot_row {
	char user[PROTO_MAX_USER + 1];
	uint32_t device_id;
	uint8_t part[2][PROTO_MAX_LINK_BLOB];
	size_t len[2];
};

static int
part_valid(uint8_t part)
{
	return part == PROTO_LINK_REQUEST || part == PROTO_LINK_RESPONSE;
}

/* Copies nullable BLOB column i (at most PROTO_MAX_LINK_BLOB bytes). */
static int
col_part(sqlite3_stmt *st, int i, uint8_t *out, size_t *len)
{
	const void *p = sqlite3_column_blob(st, i);
	int n = sqlite3_column_bytes(st, i);

	*len = 0;
	if (p == NULL) {
		return 0;
	}
	if (n < 1 || n > PROTO_MAX_LINK_BLOB) {
		log_err("link slot part of %d bytes", n);
		return ERR_DB;
	}
	memcpy(out, p, (size_t)n);
	*len = (size_t)n;
	return 0;
}

/* Reads slot into row if it is live: not expired, its owner device active
 * and the account enabled. ERR_NOT_FOUND otherwise. */
static int
read_slot(struct db *db, int64_t now_ms,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], struct slot_row *row)
{
	const unsigned char *t;
	sqlite3_stmt *st;
	int r;

	memset(row, 0, sizeof(*row));
	if ((r = db_stmt(db,
		 "SELECT u.name, l.device_id, l.request, l.response"
		 " FROM link_slots l JOIN users u ON u.id = l.user_id"
		 " JOIN devices d ON d.user_id = l.user_id"
		 "  AND d.device_id = l.device_id"
		 " WHERE l.slot = ? AND l.expires_ms > ? AND u.disabled = 0"
		 "  AND d.revoked_ms IS NULL",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, slot, PROTO_LINK_SLOT_LEN);
	sqlite3_bind_int64(st, 2, now_ms);
	if ((r = db_step(db, st)) != 1) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	if ((t = sqlite3_column_text(st, 0)) != NULL) {
		strncpy(row->user, (const char *)t, PROTO_MAX_USER);
	}
	row->device_id = (uint32_t)sqlite3_column_int64(st, 1);
	if ((r = col_part(st, 2, row->part[0], &row->len[0])) == 0) {
		r = col_part(st, 3, row->part[1], &row->len[1]);
	}
	db_stmt_done(st);
	return r;
}

/* 0 if the requester (user NULL: none) owns the slot of row. */
static int
owner(const struct slot_row *row, const char *user, uint32_t device_id)
{
	if (user == NULL) {
		return ERR_UNAUTH;
	}
	return strcmp(row->user, user) == 0 && row->device_id == device_id
	    ? 0
	    : ERR_PERM;
}

/* Deletes expired slots and those of revoked devices. */
static int
sweep(struct db *db, int64_t now_ms)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "DELETE FROM link_slots WHERE expires_ms <= ? OR EXISTS"
		 " (SELECT 1 FROM devices d WHERE"
		 "  d.user_id = link_slots.user_id AND"
		 "  d.device_id = link_slots.device_id AND"
		 "  d.revoked_ms IS NOT NULL)",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, now_ms);
	return db_run(db, st);
}

/* ERR_EXISTS if slot is taken, ERR_QUOTA if uid has its fill of slots
 * (after the sweep every slot left of an enabled account is live). */
static int
room_for(struct db *db, int64_t uid,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	sqlite3_stmt *st;
	int64_t n;
	int r;

	if ((r = db_stmt(db, "SELECT 1 FROM link_slots WHERE slot = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, slot, PROTO_LINK_SLOT_LEN);
	if ((r = db_step(db, st)) != 0) {
		if (r == 1) {
			db_stmt_done(st);
		}
		return r == 1 ? ERR_EXISTS : r;
	}
	if ((r = db_stmt(db,
		 "SELECT count(*) FROM link_slots WHERE user_id = ?", &st)) !=
	    0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	if ((r = db_step(db, st)) != 1) {
		return r < 0 ? r : ERR_DB;
	}
	n = sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return n >= KD_LINK_MAX_SLOTS ? ERR_QUOTA : 0;
}

int
kd_link_slot_open(struct kd_store *s, int64_t now_ms, int64_t ttl_ms,
    const char *user, uint32_t device_id,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	sqlite3_stmt *st;
	int64_t uid;
	int r;

	if (ttl_ms < 1 || ttl_ms > PROTO_LINK_TTL_MS) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = kd_active_device(s->db, user, device_id, &uid)) == 0 &&
	    (r = sweep(s->db, now_ms)) == 0 &&
	    (r = room_for(s->db, uid, slot)) == 0 &&
	    (r = db_stmt(s->db,
		 "INSERT INTO link_slots (slot, user_id, device_id,"
		 " created_ms, expires_ms) VALUES (?, ?, ?, ?, ?)",
		 &st)) == 0) {
		db_bind_blob(st, 1, slot, PROTO_LINK_SLOT_LEN);
		sqlite3_bind_int64(st, 2, uid);
		sqlite3_bind_int64(st, 3, device_id);
		sqlite3_bind_int64(st, 4, now_ms);
		sqlite3_bind_int64(st, 5, now_ms + ttl_ms);
		r = db_run(s->db, st);
	}
	r = db_finish(s->db, r);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Whether a put of blob into part of row may go ahead: 0 to store it, 1
 * if the part holds exactly blob already, or the error. */
static int
may_put(const struct slot_row *row, uint8_t part, const char *user,
    uint32_t device_id, const uint8_t *blob, size_t len)
{
	size_t i = part == PROTO_LINK_REQUEST ? 0 : 1;
	int r;

	if (part == PROTO_LINK_RESPONSE) {
		if ((r = owner(row, user, device_id)) != 0) {
			return r;
		}
		if (row->len[0] == 0) {
			return ERR_STATE;
		}
	}
	if (row->len[i] == 0) {
		return 0;
	}
	/* SECURITY: anyone may put a request, so the comparison with the
	 * stored one, which only the owner may read, is constant time. */
	if (row->len[i] == len &&
	    sodium_memcmp(row->part[i], blob, len) == 0) {
		return 1;
	}
	return ERR_EXISTS;
}

int
kd_link_slot_put(struct kd_store *s, int64_t now_ms,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const char *user, uint32_t device_id, const uint8_t *blob, size_t len)
{
	static const char *const sql[] = {
		"UPDATE link_slots SET request = ? WHERE slot = ?",
		"UPDATE link_slots SET response = ? WHERE slot = ?",
	};
	struct slot_row row;
	sqlite3_stmt *st;
	int r;

	if (!part_valid(part) || len < 1 || len > PROTO_MAX_LINK_BLOB) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&s->lock);
	if ((r = db_begin(s->db)) != 0) {
		goto out;
	}
	if ((r = read_slot(s->db, now_ms, slot, &row)) == 0 &&
	    (r = may_put(&row, part, user, device_id, blob, len)) == 0 &&
	    (r = db_stmt(s->db, sql[part - 1], &st)) == 0) {
		db_bind_blob(st, 1, blob, len);
		db_bind_blob(st, 2, slot, PROTO_LINK_SLOT_LEN);
		r = db_run(s->db, st);
	}
	r = db_finish(s->db, r == 1 ? 0 : r);
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int
kd_link_slot_get(struct kd_store *s, int64_t now_ms,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const char *user, uint32_t device_id,
    uint8_t blob[static PROTO_MAX_LINK_BLOB], size_t *len)
{
	struct slot_row row;
	size_t i = part == PROTO_LINK_REQUEST ? 0 : 1;
	int r;

	*len = 0;
	if (!part_valid(part)) {
		return ERR_ARG;
	}
	pthread_mutex_lock(&s->lock);
	r = read_slot(s->db, now_ms, slot, &row);
	pthread_mutex_unlock(&s->lock);
	if (r == 0 && part == PROTO_LINK_REQUEST) {
		r = owner(&row, user, device_id);
	}
	if (r == 0) {
		memcpy(blob, row.part[i], row.len[i]);
		*len = row.len[i];
	}
	return r;
}
