/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client store's peer tables: contacts and their device keys,
 * ratchet sessions (sealed), and the relay queue chain state. */
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_store.h"
#include "client-cli/cli_store_impl.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"

static int
check_trust(enum cli_trust t)
{
	if (t == CLI_TRUST_UNVERIFIED || t == CLI_TRUST_VERIFIED ||
	    t == CLI_TRUST_CHANGED) {
		return 0;
	}
	return ERR_ARG;
}

int
cli_store_contact_put(struct cli_store *s, const struct cli_contact *c)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	if ((r = cli_check_user(c->user, &n)) != 0 ||
	    (r = check_trust(c->trust)) != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO contacts (user, trust, first_seen_ms)"
		 " VALUES (?, ?, ?) ON CONFLICT (user)"
		 " DO UPDATE SET trust = excluded.trust",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, c->user);
	sqlite3_bind_int(st, 2, (int)c->trust);
	sqlite3_bind_int64(st, 3, c->first_seen_ms);
	return db_run(s->db, st);
}

/* Reads user, trust, first_seen_ms from columns 0..2. */
static int
contact_read(sqlite3_stmt *st, struct cli_contact *c)
{
	int64_t t = sqlite3_column_int64(st, 1);

	memset(c, 0, sizeof(*c));
	if (check_trust((enum cli_trust)t) != 0) {
		log_err("contacts: bad trust value %lld", (long long)t);
		return ERR_DB;
	}
	c->trust = (enum cli_trust)t;
	c->first_seen_ms = sqlite3_column_int64(st, 2);
	return cli_col_text(st, 0, c->user, sizeof(c->user));
}

int
cli_store_contact_get(struct cli_store *s, const char *user,
    struct cli_contact *c)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT user, trust, first_seen_ms FROM contacts"
		 " WHERE user = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	r = contact_read(st, c);
	db_stmt_done(st);
	if (r != 0) {
		memset(c, 0, sizeof(*c));
	}
	return r;
}

int
cli_store_contact_set_trust(struct cli_store *s, const char *user,
    enum cli_trust trust)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = check_trust(trust)) != 0 ||
	    (r = db_stmt(s->db, "UPDATE contacts SET trust = ? WHERE user = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int(st, 1, (int)trust);
	db_bind_text(st, 2, user);
	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	return db_changes(s->db) == 0 ? ERR_NOT_FOUND : 0;
}

int
cli_store_contact_foreach(struct cli_store *s,
    int (*f)(const struct cli_contact *c, void *arg), void *arg)
{
	struct cli_contact c;
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db,
		 "SELECT user, trust, first_seen_ms FROM contacts"
		 " ORDER BY user",
		 &st)) != 0) {
		return r;
	}
	while ((r = db_step(s->db, st)) == 1) {
		if ((r = contact_read(st, &c)) != 0 || (r = f(&c, arg)) != 0) {
			db_stmt_done(st);
			return r;
		}
	}
	return r;
}

/* 0 if user is a contact, else ERR_NOT_FOUND. */
static int
contact_exists(struct cli_store *s, const char *user)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db, "SELECT 1 FROM contacts WHERE user = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	if ((r = db_step(s->db, st)) == 1) {
		db_stmt_done(st);
		return 0;
	}
	return r == 0 ? ERR_NOT_FOUND : r;
}

int
cli_store_contact_device_put(struct cli_store *s, const char *user,
    const struct cli_contact_device *d)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int own = 0, r;

	if ((r = cli_check_user(user, &n)) != 0) {
		return r;
	}
	if ((r = cli_tx_start(s, &own)) != 0 ||
	    (r = contact_exists(s, user)) != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO contact_devices (user, device, ik,"
		 " first_seen_ms) VALUES (?, ?, ?, ?)"
		 " ON CONFLICT (user, device) DO UPDATE SET ik = excluded.ik",
		 &st)) != 0) {
		goto out;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, d->device);
	db_bind_blob(st, 3, d->ik, KEY_LEN);
	sqlite3_bind_int64(st, 4, d->first_seen_ms);
	r = db_run(s->db, st);
out:
	return cli_tx_end(s, own, r);
}

int
cli_store_contact_devices(struct cli_store *s, const char *user,
    struct cli_contact_device *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t len;
	int r;

	*n = 0;
	if ((r = cli_check_user(user, &len)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT device, ik, first_seen_ms FROM contact_devices"
		 " WHERE user = ? ORDER BY device",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	while ((r = db_step(s->db, st)) == 1) {
		if (*n < cap) {
			out[*n].device = (uint32_t)sqlite3_column_int64(st, 0);
			out[*n].first_seen_ms = sqlite3_column_int64(st, 2);
			if ((r = db_col_blob(st, 1, out[*n].ik, KEY_LEN)) != 0) {
				db_stmt_done(st);
				*n = 0;
				return r;
			}
		}
		(*n)++;
	}
	if (r != 0) {
		*n = 0;
	}
	return r;
}

int
cli_store_contact_device_delete(struct cli_store *s, const char *user,
    uint32_t device)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cli_peer_stmt(s,
		 "DELETE FROM contact_devices WHERE user = ? AND device = ?",
		 user, device, &st)) != 0) {
		return r;
	}
	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	return db_changes(s->db) == 0 ? ERR_NOT_FOUND : 0;
}

/* AD of sessions.state: vec8(user) || u32(device). */
static void
session_ad(struct wire_writer *ad, const char *user, size_t user_len,
    uint32_t device)
{
	cli_ad_begin(ad, "sessions", "state");
	wire_put_vec8(ad, (const uint8_t *)user, user_len);
	wire_put_u32(ad, device);
}

/* Binds the pending X3DH header (parameter i), or NULL. */
static int
bind_pending(sqlite3_stmt *st, int i, const struct x3dh_header *pending)
{
	struct wire_writer w;
	uint8_t *p = NULL;
	size_t n = 0;
	int r;

	if (pending == NULL) {
		return 0;
	}
	wire_writer_init(&w, X3DH_HEADER_LEN);
	x3dh_header_encode(&w, pending);
	if ((r = wire_writer_finish(&w, &p, &n)) != 0) {
		return r;
	}
	db_bind_blob(st, i, p, n);
	mem_wipe_free(p, n);
	return 0;
}

/* Decodes the pending column (1) of a session row, if not NULL. */
static int
read_pending(sqlite3_stmt *st, int *is_pending, struct x3dh_header *pending)
{
	struct x3dh_header hdr;
	struct wire_reader rd;
	const uint8_t *v;
	size_t n;
	int r;

	if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
		return 0;
	}
	cli_col_view(st, 1, &v, &n);
	wire_reader_init(&rd, v, n);
	if ((r = x3dh_header_decode(&rd, &hdr)) != 0 ||
	    (r = wire_end(&rd)) != 0) {
		log_err("sessions: bad pending X3DH header");
		return ERR_DB;
	}
	*is_pending = 1;
	if (pending != NULL) {
		*pending = hdr;
	}
	return 0;
}

/* Seals the encoded state of rs for (user, device) into *c. */
static int
seal_state(struct cli_store *s, const char *user, size_t n, uint32_t device,
    const struct ratchet_session *rs, uint8_t **c, size_t *clen)
{
	struct wire_writer ad;
	uint8_t *blob = NULL;
	size_t blen = 0;
	int r;

	*c = NULL;
	*clen = 0;
	if ((r = ratchet_encode(rs, &blob, &blen)) != 0) {
		return r;
	}
	session_ad(&ad, user, n, device);
	r = cli_seal(s, &ad, blob, blen, c, clen);
	mem_wipe_free(blob, blen);
	return r;
}

/* The sid of the device's active session: 0, ERR_NOT_FOUND, ERR_DB. */
static int
active_sid(struct cli_store *s, const char *user, uint32_t device,
    int64_t *sid)
{
	sqlite3_stmt *st = NULL;
	int r;

	*sid = 0;
	if ((r = db_stmt(s->db,
		 "SELECT sid FROM sessions"
		 " WHERE user = ? AND device = ? AND active = 1",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	*sid = sqlite3_column_int64(st, 0);
	db_stmt_done(st);
	return 0;
}

/* Writes session row sid (0: a new active row) of (user, device). */
static int
write_session(struct cli_store *s, const char *user, uint32_t device,
    int64_t sid, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t n, clen = 0;
	int r;

	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = seal_state(s, user, n, device, rs, &c, &clen)) != 0) {
		return r;
	}
	if (sid == 0) {
		r = db_stmt(s->db,
		    "INSERT INTO sessions (state, pending, updated_ms, user,"
		    " device, active) VALUES (?, ?, ?, ?, ?, 1)",
		    &st);
	} else {
		r = db_stmt(s->db,
		    "UPDATE sessions SET state = ?, pending = ?,"
		    " updated_ms = ? WHERE user = ? AND device = ?"
		    " AND sid = ?",
		    &st);
	}
	if (r != 0) {
		goto out;
	}
	db_bind_blob(st, 1, c, clen);
	sqlite3_bind_int64(st, 3, now_ms);
	db_bind_text(st, 4, user);
	sqlite3_bind_int64(st, 5, device);
	if (sid != 0) {
		sqlite3_bind_int64(st, 6, sid);
	}
	if ((r = bind_pending(st, 2, pending)) != 0) {
		db_stmt_done(st);
		goto out;
	}
	if ((r = db_run(s->db, st)) == 0 && db_changes(s->db) == 0) {
		r = ERR_NOT_FOUND;
	}
out:
	free(c);
	return r;
}

int
cli_store_session_put(struct cli_store *s, const char *user,
    uint32_t device, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms)
{
	int64_t sid = 0;
	int own, r;

	if ((r = cli_tx_start(s, &own)) != 0) {
		return r;
	}
	if ((r = active_sid(s, user, device, &sid)) == ERR_NOT_FOUND) {
		sid = 0;
		r = 0;
	}
	if (r == 0) {
		r = write_session(s, user, device, sid, rs, pending, now_ms);
	}
	return cli_tx_end(s, own, r);
}

int
cli_store_session_save(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms)
{
	if (sid <= 0) {
		return ERR_NOT_FOUND;
	}
	return write_session(s, user, device, sid, rs, pending, now_ms);
}

/* Deletes the device's oldest inactive sessions beyond CLI_MAX_SESSIONS. */
static int
prune_sessions(struct cli_store *s, const char *user, uint32_t device)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db,
		 "DELETE FROM sessions WHERE user = ?1 AND device = ?2"
		 " AND active = 0 AND sid NOT IN (SELECT sid FROM sessions"
		 " WHERE user = ?1 AND device = ?2"
		 " ORDER BY active DESC, sid DESC LIMIT ?3)",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_int(st, 3, CLI_MAX_SESSIONS);
	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	return db_changes(s->db) > 0 ? cli_key_deleted(s) : 0;
}

/* Makes no session of the device active. */
static int
deactivate(struct cli_store *s, const char *user, uint32_t device)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db,
		 "UPDATE sessions SET active = 0"
		 " WHERE user = ? AND device = ? AND active = 1",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	return db_run(s->db, st);
}

int
cli_store_session_new(struct cli_store *s, const char *user,
    uint32_t device, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms, int64_t *sid)
{
	int own, r;
	size_t n;

	if (sid != NULL) {
		*sid = 0;
	}
	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = cli_tx_start(s, &own)) != 0) {
		return r;
	}
	if ((r = deactivate(s, user, device)) == 0 &&
	    (r = write_session(s, user, device, 0, rs, pending, now_ms)) ==
		0 &&
	    sid != NULL) {
		*sid = db_last_rowid(s->db);
	}
	if (r == 0) {
		r = prune_sessions(s, user, device);
	}
	if ((r = cli_tx_end(s, own, r)) != 0 && sid != NULL) {
		*sid = 0;
	}
	return r;
}

int
cli_store_session_activate(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid)
{
	sqlite3_stmt *st = NULL;
	int own, r;
	size_t n;

	if ((r = cli_check_user(user, &n)) != 0 ||
	    (r = cli_tx_start(s, &own)) != 0) {
		return r;
	}
	if ((r = deactivate(s, user, device)) == 0 &&
	    (r = db_stmt(s->db,
		 "UPDATE sessions SET active = 1"
		 " WHERE user = ? AND device = ? AND sid = ?",
		 &st)) == 0) {
		db_bind_text(st, 1, user);
		sqlite3_bind_int64(st, 2, device);
		sqlite3_bind_int64(st, 3, sid);
		if ((r = db_run(s->db, st)) == 0 && db_changes(s->db) == 0) {
			r = ERR_NOT_FOUND;
		}
	}
	return cli_tx_end(s, own, r);
}

int
cli_store_session_list(struct cli_store *s, const char *user,
    uint32_t device, int64_t *sids, size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = cli_peer_stmt(s,
		 "SELECT sid FROM sessions WHERE user = ? AND device = ?"
		 " ORDER BY active DESC, sid DESC",
		 user, device, &st)) != 0) {
		return r;
	}
	while ((r = db_step(s->db, st)) == 1) {
		if (*n < cap) {
			sids[*n] = sqlite3_column_int64(st, 0);
		}
		(*n)++;
	}
	if (r != 0) {
		*n = 0;
	}
	return r;
}

/* Opens the state (column 0) and pending header (1) of a session row. */
static int
read_session(struct cli_store *s, sqlite3_stmt *st, const char *user,
    uint32_t device, struct ratchet_session **out, int *is_pending,
    struct x3dh_header *pending)
{
	size_t n = strlen(user); /* checked by cli_peer_stmt */
	struct wire_writer ad;
	const uint8_t *v;
	uint8_t *blob = NULL;
	size_t vlen, blen = 0;
	int r;

	session_ad(&ad, user, n, device);
	cli_col_view(st, 0, &v, &vlen);
	if ((r = cli_unseal(s, &ad, v, vlen, &blob, &blen)) != 0 ||
	    (r = read_pending(st, is_pending, pending)) != 0 ||
	    (r = ratchet_decode(blob, blen, out)) != 0) {
		*is_pending = 0;
		if (pending != NULL) {
			memset(pending, 0, sizeof(*pending));
		}
	}
	mem_wipe_free(blob, blen);
	return r;
}

/* Shared by get (sid 0: the active session) and load. */
static int
get_session(struct cli_store *s, const char *user, uint32_t device,
    int64_t sid, struct ratchet_session **out, int *is_pending,
    struct x3dh_header *pending, int *active)
{
	sqlite3_stmt *st = NULL;
	int r;

	*out = NULL;
	*is_pending = 0;
	if (pending != NULL) {
		memset(pending, 0, sizeof(*pending));
	}
	if (active != NULL) {
		*active = 0;
	}
	if ((r = cli_peer_stmt(s,
		 "SELECT state, pending, active FROM sessions"
		 " WHERE user = ? AND device = ?"
		 " AND (sid = ? OR (? = 0 AND active = 1))",
		 user, device, &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 3, sid);
	sqlite3_bind_int64(st, 4, sid);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	if ((r = read_session(s, st, user, device, out, is_pending,
		 pending)) == 0 &&
	    active != NULL) {
		*active = sqlite3_column_int(st, 2) == 1;
	}
	db_stmt_done(st);
	return r;
}

int
cli_store_session_get(struct cli_store *s, const char *user,
    uint32_t device, struct ratchet_session **out, int *is_pending,
    struct x3dh_header *pending)
{
	return get_session(s, user, device, 0, out, is_pending, pending,
	    NULL);
}

int
cli_store_session_load(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid, struct ratchet_session **out,
    int *is_pending, struct x3dh_header *pending, int *active)
{
	if (sid <= 0) {
		*out = NULL;
		*is_pending = 0;
		return ERR_NOT_FOUND;
	}
	return get_session(s, user, device, sid, out, is_pending, pending,
	    active);
}

int
cli_store_session_delete(struct cli_store *s, const char *user,
    uint32_t device)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cli_peer_stmt(s,
		 "DELETE FROM sessions WHERE user = ? AND device = ?",
		 user, device, &st)) != 0) {
		return r;
	}
	return cli_delete_key(s, st);
}

int
cli_store_session_devices(struct cli_store *s, const char *user,
    uint32_t *out, size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t len;
	int r;

	*n = 0;
	if ((r = cli_check_user(user, &len)) != 0 ||
	    (r = db_stmt(s->db,
		 "SELECT DISTINCT device FROM sessions WHERE user = ?"
		 " ORDER BY device",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	while ((r = db_step(s->db, st)) == 1) {
		if (*n < cap) {
			out[*n] = (uint32_t)sqlite3_column_int64(st, 0);
		}
		(*n)++;
	}
	if (r != 0) {
		*n = 0;
	}
	return r;
}

int
cli_store_chain_get(struct cli_store *s, const char *user, uint32_t device,
    struct cli_chain *c)
{
	sqlite3_stmt *st = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = cli_peer_stmt(s,
		 "SELECT seq, head FROM relay_chain"
		 " WHERE user = ? AND device = ?",
		 user, device, &st)) != 0) {
		return r;
	}
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	c->seq = (uint64_t)sqlite3_column_int64(st, 0);
	r = db_col_blob(st, 1, c->head, sizeof(c->head));
	db_stmt_done(st);
	if (r != 0) {
		memset(c, 0, sizeof(*c));
	}
	return r;
}

int
cli_store_chain_put(struct cli_store *s, const char *user, uint32_t device,
    const struct cli_chain *c)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	if ((r = cli_check_user(user, &n)) != 0) {
		return r;
	}
	if (c->seq > (uint64_t)INT64_MAX) {
		return ERR_ARG;
	}
	if ((r = db_stmt(s->db,
		 "INSERT OR REPLACE INTO relay_chain (user, device, seq, head)"
		 " VALUES (?, ?, ?, ?)",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, device);
	sqlite3_bind_int64(st, 3, (int64_t)c->seq);
	db_bind_blob(st, 4, c->head, sizeof(c->head));
	return db_run(s->db, st);
}
