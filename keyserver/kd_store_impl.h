/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Internals of the SQLite key directory, shared by kd_store_*.c only. */
#ifndef SEALPOST_KD_STORE_IMPL_H
#define SEALPOST_KD_STORE_IMPL_H

#include <pthread.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "keyserver/kd_store.h"
#include "service/db.h"

struct kd_store {
	pthread_mutex_t lock;
	struct db *db;
};

/* Inserts one-time prekeys of a device (in a transaction). */
int kd_insert_prekeys(struct db *db, int64_t uid, uint32_t device_id,
    const struct proto_prekeys *l);

/* The id and state of user: ERR_NOT_FOUND if none. */
static inline int
kd_user_id(struct db *db, const char *user, int64_t *id, int *disabled)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db, "SELECT id, disabled FROM users WHERE name = ?",
		 &st)) != 0) {
		return r;
	}
	db_bind_text(st, 1, user);
	if ((r = db_step(db, st)) < 0) {
		return r;
	}
	if (r == 0) {
		return ERR_NOT_FOUND;
	}
	*id = sqlite3_column_int64(st, 0);
	if (disabled != NULL) {
		*disabled = sqlite3_column_int(st, 1);
	}
	db_stmt_done(st);
	return 0;
}

/* 0 if device_id of user uid exists and is not revoked; ERR_NOT_FOUND,
 * ERR_REVOKED. */
static inline int
kd_device_state(struct db *db, int64_t uid, uint32_t device_id)
{
	sqlite3_stmt *st;
	int r;

	if ((r = db_stmt(db,
		 "SELECT revoked_ms IS NOT NULL FROM devices"
		 " WHERE user_id = ? AND device_id = ?",
		 &st)) != 0) {
		return r;
	}
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, device_id);
	if ((r = db_step(db, st)) < 0) {
		return r;
	}
	if (r == 0) {
		return ERR_NOT_FOUND;
	}
	r = sqlite3_column_int(st, 0) ? ERR_REVOKED : 0;
	db_stmt_done(st);
	return r;
}

/* The uid of user, which must be enabled, with device_id active. */
static inline int
kd_active_device(struct db *db, const char *user, uint32_t device_id,
    int64_t *uid)
{
	int disabled, r;

	if ((r = kd_user_id(db, user, uid, &disabled)) != 0) {
		return r;
	}
	if (disabled) {
		return ERR_DISABLED;
	}
	return kd_device_state(db, *uid, device_id);
}

#endif
