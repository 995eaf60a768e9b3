/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client store's traffic tables: the outbox of sealed envelopes and
 * the message history, both sealed at rest. */
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_store.h"
#include "client-cli/cli_store_impl.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"

/* AD of outbox.envelope: id || vec8(user) || u32(device). */
static void
outbox_ad(struct wire_writer *ad, const uint8_t id[static PROTO_ID_LEN],
    const char *user, uint32_t device)
{
	cli_ad_begin(ad, "outbox", "envelope");
	wire_put_bytes(ad, id, PROTO_ID_LEN);
	wire_put_vec8(ad, (const uint8_t *)user, strlen(user));
	wire_put_u32(ad, device);
}

void
cli_outbox_wipe(struct cli_outbox *e)
{
	mem_wipe_free(e->envelope, e->envelope_len);
	memset(e, 0, sizeof(*e));
}

int
cli_store_outbox_put(struct cli_store *s, const struct cli_outbox *e)
{
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t n, clen = 0;
	int r;

	if ((r = cli_check_user(e->user, &n)) != 0) {
		return r;
	}
	if (e->envelope == NULL || e->envelope_len == 0 ||
	    e->envelope_len > CLI_MAX_ENVELOPE ||
	    (e->state != CLI_OUTBOX_QUEUED && e->state != CLI_OUTBOX_SENT)) {
		return ERR_ARG;
	}
	outbox_ad(&ad, e->id, e->user, e->device);
	if ((r = cli_seal(s, &ad, e->envelope, e->envelope_len, &c, &clen)) !=
		0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO outbox (id, user, device, envelope, state,"
		 " created_ms, msg_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		goto out;
	}
	db_bind_blob(st, 1, e->id, PROTO_ID_LEN);
	db_bind_blob(st, 7, e->msg_id, CLI_MSG_ID_LEN);
	db_bind_text(st, 2, e->user);
	sqlite3_bind_int64(st, 3, e->device);
	db_bind_blob(st, 4, c, clen);
	sqlite3_bind_int(st, 5, (int)e->state);
	sqlite3_bind_int64(st, 6, e->created_ms);
	r = db_run(s->db, st);
out:
	free(c);
	return r;
}

/* Reads user (0), device (1), state (2), created_ms (3), envelope (4)
 * and msg_id (5) of the outbox row of id into e. */
static int
outbox_read(struct cli_store *s, sqlite3_stmt *st,
    const uint8_t id[static PROTO_ID_LEN], struct cli_outbox *e)
{
	struct wire_writer ad;
	const uint8_t *v;
	int64_t state = sqlite3_column_int64(st, 2);
	size_t n;
	int r;

	memcpy(e->id, id, PROTO_ID_LEN);
	e->device = (uint32_t)sqlite3_column_int64(st, 1);
	e->state = state == CLI_OUTBOX_SENT ? CLI_OUTBOX_SENT :
					      CLI_OUTBOX_QUEUED;
	e->created_ms = sqlite3_column_int64(st, 3);
	if ((r = cli_col_text(st, 0, e->user, sizeof(e->user))) != 0) {
		return r;
	}
	/* A version-1 row has no message: it goes out alone. */
	if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
		memcpy(e->msg_id, id, CLI_MSG_ID_LEN);
	} else if ((r = db_col_blob(st, 5, e->msg_id, CLI_MSG_ID_LEN)) !=
	    0) {
		return r;
	}
	outbox_ad(&ad, id, e->user, e->device);
	cli_col_view(st, 4, &v, &n);
	return cli_unseal(s, &ad, v, n, &e->envelope, &e->envelope_len);
}

int
cli_store_outbox_get(struct cli_store *s,
    const uint8_t id_in[static PROTO_ID_LEN], struct cli_outbox *e)
{
	uint8_t id[PROTO_ID_LEN];
	sqlite3_stmt *st = NULL;
	int r;

	memcpy(id, id_in, sizeof(id)); /* id_in may point into e */
	memset(e, 0, sizeof(*e));
	if ((r = db_stmt(s->db,
		 "SELECT user, device, state, created_ms, envelope, msg_id"
		 " FROM outbox WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, id, PROTO_ID_LEN);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	r = outbox_read(s, st, id, e);
	db_stmt_done(st);
	if (r != 0) {
		cli_outbox_wipe(e);
	}
	return r;
}

/* Runs st (bound to one outbox id): ERR_NOT_FOUND if no row changed. */
static int
run_one(struct cli_store *s, sqlite3_stmt *st)
{
	int r;

	if ((r = db_run(s->db, st)) != 0) {
		return r;
	}
	return db_changes(s->db) == 0 ? ERR_NOT_FOUND : 0;
}

int
cli_store_outbox_mark_sent(struct cli_store *s,
    const uint8_t id[static PROTO_ID_LEN])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db, "UPDATE outbox SET state = 1 WHERE id = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, id, PROTO_ID_LEN);
	return run_one(s, st);
}

int
cli_store_outbox_delete(struct cli_store *s,
    const uint8_t id[static PROTO_ID_LEN])
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db, "DELETE FROM outbox WHERE id = ?", &st)) !=
	    0) {
		return r;
	}
	db_bind_blob(st, 1, id, PROTO_ID_LEN);
	return run_one(s, st);
}

/* Steps st, copying its 16-byte column 0 into ids[0..cap); *n counts
 * every row. */
static int
id_list(struct cli_store *s, sqlite3_stmt *st, uint8_t (*ids)[16],
    size_t cap, size_t *n)
{
	int r;

	while ((r = db_step(s->db, st)) == 1) {
		if (*n < cap && (r = db_col_blob(st, 0, ids[*n], 16)) != 0) {
			db_stmt_done(st);
			break;
		}
		(*n)++;
	}
	if (r != 0) {
		*n = 0;
	}
	return r;
}

int
cli_store_outbox_queued(struct cli_store *s, uint8_t (*ids)[PROTO_ID_LEN],
    size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = db_stmt(s->db,
		 "SELECT id FROM outbox WHERE state = 0"
		 " ORDER BY created_ms, rowid",
		 &st)) != 0) {
		return r;
	}
	return id_list(s, st, ids, cap, n);
}

int
cli_store_outbox_drop_device(struct cli_store *s, const char *user,
    uint32_t device)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = cli_peer_stmt(s,
		 "DELETE FROM outbox WHERE state = 0 AND user = ?"
		 " AND device = ?",
		 user, device, &st)) != 0) {
		return r;
	}
	return db_run(s->db, st);
}

int
cli_store_outbox_queued_msgs(struct cli_store *s,
    uint8_t (*msg_ids)[CLI_MSG_ID_LEN], size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = db_stmt(s->db,
		 "SELECT coalesce(msg_id, id) AS m FROM outbox"
		 " WHERE state = 0 GROUP BY m"
		 " ORDER BY min(created_ms), min(rowid)",
		 &st)) != 0) {
		return r;
	}
	return id_list(s, st, msg_ids, cap, n);
}

int
cli_store_outbox_of_msg(struct cli_store *s,
    const uint8_t msg_id[static CLI_MSG_ID_LEN], uint8_t (*ids)[PROTO_ID_LEN],
    size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((r = db_stmt(s->db,
		 "SELECT id FROM outbox WHERE msg_id = ?1"
		 " OR (msg_id IS NULL AND id = ?1) ORDER BY created_ms, rowid",
		 &st)) != 0) {
		return r;
	}
	db_bind_blob(st, 1, msg_id, CLI_MSG_ID_LEN);
	return id_list(s, st, ids, cap, n);
}

/* AD of messages.body: id || vec8(peer_user) || u32(peer_device) ||
 * u8(direction) || u64(time_ms). */
static void
msg_ad(struct wire_writer *ad, const struct cli_message *m)
{
	cli_ad_begin(ad, "messages", "body");
	wire_put_bytes(ad, m->id, CLI_MSG_ID_LEN);
	wire_put_vec8(ad, (const uint8_t *)m->peer_user, strlen(m->peer_user));
	wire_put_u32(ad, m->peer_device);
	wire_put_u8(ad, (uint8_t)m->direction);
	wire_put_u64(ad, (uint64_t)m->time_ms);
}

void
cli_message_wipe(struct cli_message *m)
{
	mem_wipe_free(m->body, m->body_len);
	memset(m, 0, sizeof(*m));
}

int
cli_store_msg_put(struct cli_store *s, const struct cli_message *m)
{
	struct wire_writer ad;
	sqlite3_stmt *st = NULL;
	uint8_t *c = NULL;
	size_t n, clen = 0;
	int r;

	if ((r = cli_check_user(m->peer_user, &n)) != 0) {
		return r;
	}
	if ((m->direction != CLI_MSG_IN && m->direction != CLI_MSG_OUT) ||
	    m->body_len > CLI_MAX_BODY ||
	    (m->body == NULL && m->body_len != 0)) {
		return ERR_ARG;
	}
	msg_ad(&ad, m);
	if ((r = cli_seal(s, &ad, m->body, m->body_len, &c, &clen)) != 0 ||
	    (r = db_stmt(s->db,
		 "INSERT INTO messages (id, peer_user, peer_device,"
		 " direction, time_ms, body, shown)"
		 " VALUES (?, ?, ?, ?, ?, ?, ?)",
		 &st)) != 0) {
		goto out;
	}
	sqlite3_bind_int(st, 7, m->shown ? 1 : 0);
	db_bind_blob(st, 1, m->id, CLI_MSG_ID_LEN);
	db_bind_text(st, 2, m->peer_user);
	sqlite3_bind_int64(st, 3, m->peer_device);
	sqlite3_bind_int(st, 4, (int)m->direction);
	sqlite3_bind_int64(st, 5, m->time_ms);
	db_bind_blob(st, 6, c, clen);
	r = db_run(s->db, st);
out:
	free(c);
	return r;
}

#define MSG_COLUMNS                                                          \
	"id, peer_user, peer_device, direction, time_ms, body, shown, seq"

/* Reads a row of MSG_COLUMNS into m. */
static int
msg_read(struct cli_store *s, sqlite3_stmt *st, struct cli_message *m)
{
	struct wire_writer ad;
	const uint8_t *v;
	size_t n;
	int r;

	memset(m, 0, sizeof(*m));
	m->peer_device = (uint32_t)sqlite3_column_int64(st, 2);
	m->direction = sqlite3_column_int64(st, 3) == CLI_MSG_OUT ?
	    CLI_MSG_OUT :
	    CLI_MSG_IN;
	m->time_ms = sqlite3_column_int64(st, 4);
	m->shown = sqlite3_column_int(st, 6) != 0;
	m->seq = sqlite3_column_int64(st, 7);
	if ((r = db_col_blob(st, 0, m->id, CLI_MSG_ID_LEN)) != 0 ||
	    (r = cli_col_text(st, 1, m->peer_user, sizeof(m->peer_user))) !=
		0) {
		return r;
	}
	msg_ad(&ad, m);
	cli_col_view(st, 5, &v, &n);
	return cli_unseal(s, &ad, v, n, &m->body, &m->body_len);
}

int
cli_store_msg_get(struct cli_store *s,
    const uint8_t id_in[static CLI_MSG_ID_LEN], struct cli_message *m)
{
	uint8_t id[CLI_MSG_ID_LEN];
	sqlite3_stmt *st = NULL;
	int r;

	memcpy(id, id_in, sizeof(id)); /* id_in may point into m */
	memset(m, 0, sizeof(*m));
	if ((r = db_stmt(s->db,
		 "SELECT " MSG_COLUMNS " FROM messages WHERE id = ?", &st)) !=
	    0) {
		return r;
	}
	db_bind_blob(st, 1, id, CLI_MSG_ID_LEN);
	if ((r = db_step(s->db, st)) <= 0) {
		return r == 0 ? ERR_NOT_FOUND : r;
	}
	r = msg_read(s, st, m);
	db_stmt_done(st);
	if (r != 0) {
		cli_message_wipe(m);
	}
	return r;
}

/* Runs f on every row of st (MSG_COLUMNS), as foreach documents. */
static int
msg_walk(struct cli_store *s, sqlite3_stmt *st,
    int (*f)(const struct cli_message *m, void *arg), void *arg)
{
	struct cli_message m;
	int r;

	while ((r = db_step(s->db, st)) == 1) {
		if ((r = msg_read(s, st, &m)) == 0) {
			r = f(&m, arg);
		}
		cli_message_wipe(&m);
		if (r != 0) {
			db_stmt_done(st);
			break;
		}
	}
	return r;
}

int
cli_store_msg_foreach(struct cli_store *s, const char *peer_user,
    int (*f)(const struct cli_message *m, void *arg), void *arg)
{
	return cli_store_msg_recent(s, peer_user, 0, f, arg);
}

int
cli_store_msg_recent(struct cli_store *s, const char *peer_user,
    size_t limit, int (*f)(const struct cli_message *m, void *arg),
    void *arg)
{
	sqlite3_stmt *st = NULL;
	size_t n;
	int r;

	if (peer_user != NULL && (r = cli_check_user(peer_user, &n)) != 0) {
		return r;
	}
	/* The newest `limit` (all when 0: LIMIT -1), then in time order. */
	if ((r = db_stmt(s->db,
		 "SELECT * FROM (SELECT " MSG_COLUMNS " FROM messages"
		 " WHERE ?1 IS NULL OR peer_user = ?1"
		 " ORDER BY time_ms DESC, seq DESC LIMIT ?2)"
		 " ORDER BY time_ms, seq",
		 &st)) != 0) {
		return r;
	}
	if (peer_user != NULL) {
		db_bind_text(st, 1, peer_user);
	}
	sqlite3_bind_int64(st, 2,
	    limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit);
	return msg_walk(s, st, f, arg);
}

int
cli_store_msg_unshown(struct cli_store *s,
    int (*f)(const struct cli_message *m, void *arg), void *arg)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db,
		 "SELECT " MSG_COLUMNS " FROM messages WHERE shown = 0"
		 " ORDER BY seq",
		 &st)) != 0) {
		return r;
	}
	return msg_walk(s, st, f, arg);
}

int
cli_store_msg_shown_upto(struct cli_store *s, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int r;

	if ((r = db_stmt(s->db,
		 "UPDATE messages SET shown = 1 WHERE shown = 0 AND seq <= ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, seq);
	return db_run(s->db, st);
}

int
cli_store_count(struct cli_store *s, enum cli_count what, uint64_t *n)
{
	static const char *const sql[] = {
		[CLI_COUNT_MESSAGES] = "SELECT count(*) FROM messages",
		[CLI_COUNT_QUEUED] =
		    "SELECT count(*) FROM outbox WHERE state = 0",
		[CLI_COUNT_UNSHOWN] =
		    "SELECT count(*) FROM messages WHERE shown = 0",
	};
	sqlite3_stmt *st = NULL;
	int r;

	*n = 0;
	if ((unsigned)what >= sizeof(sql) / sizeof(sql[0])) {
		return ERR_ARG;
	}
	if ((r = db_stmt(s->db, sql[what], &st)) != 0) {
		return r;
	}
	if ((r = db_step(s->db, st)) == 1) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		db_stmt_done(st);
		r = 0;
	} else if (r == 0) {
		r = ERR_DB;
	}
	return r;
}
