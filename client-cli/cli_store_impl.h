/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Internals of the client store, shared by cli_store*.c and the unit
 * tests only: the struct, sealing under the storage key, and the
 * transaction helpers. */
#ifndef SEALPOST_CLI_STORE_IMPL_H
#define SEALPOST_CLI_STORE_IMPL_H

#include <sqlite3.h>

#include "client-cli/cli_store.h"
#include "common/wire.h"
#include "service/db.h"

struct cli_store {
	struct db *db;
	struct cli_storage_key *key; /* the store's own guarded copy */
	const struct rng *rng;
	int need_truncate; /* key material deleted since the last TRUNCATE */
};

/* Largest associated data: label, version, table, column and the longest
 * row binding (messages). */
#define CLI_AD_MAX 256

/*
 * Starts the associated data of a value of table.column (CLIENT-STATE.md
 * "Associated data"): LABEL || u8(version) || vec8(table) || vec8(column).
 * The caller appends the row binding with wire_put_* and passes w to
 * cli_seal/cli_unseal, which consume (free) it on every path.
 */
void cli_ad_begin(struct wire_writer *w, const char *table,
    const char *column) NONNULL(1, 2, 3);

/* Seals pt (len bytes; len 0 allowed) under the store key with a fresh
 * nonce: *out (heap, free with free) is u8(version) || nonce || ct || tag.
 * 0, ERR_NOMEM, ERR_TOO_LONG (AD). Outputs NULL/0 on failure. */
WUR int cli_seal(struct cli_store *s, struct wire_writer *ad,
    const uint8_t *pt, size_t len, uint8_t **out, size_t *out_len)
    NONNULL(1, 2, 5, 6);

/* Opens a sealed value into *pt (heap, at least one byte allocated; free
 * with mem_wipe_free(*pt, *pt_len)). ERR_AUTH for a bad version, length
 * or tag (logged "AUTH-FAIL" with table.column), ERR_NOMEM. */
WUR int cli_unseal(struct cli_store *s, struct wire_writer *ad,
    const uint8_t *c, size_t clen, uint8_t **pt, size_t *pt_len)
    NONNULL(1, 2, 3, 5, 6);

/* cli_unseal into a caller buffer of exactly n bytes (ERR_AUTH for any
 * other plaintext length); out is zeroed on failure. */
WUR int cli_unseal_fixed(struct cli_store *s, struct wire_writer *ad,
    const uint8_t *c, size_t clen, uint8_t *out, size_t n)
    NONNULL(1, 2, 3, 5);

/* Joins the caller's transaction or starts one (*own = 1). */
WUR int cli_tx_start(struct cli_store *s, int *own) NONNULL(1, 2);
/* Ends what cli_tx_start started: commit if r == 0 (then the pending
 * TRUNCATE), else roll back. Returns r or the commit's error. Inside the
 * caller's transaction (own == 0) it returns r untouched. */
WUR int cli_tx_end(struct cli_store *s, int own, int r) NONNULL(1);

/* Records that key material was deleted: outside a transaction, the
 * TRUNCATE checkpoint now (its error returned); inside, at commit. */
WUR int cli_key_deleted(struct cli_store *s) NONNULL(1);

/* Runs st, a DELETE of key material: ERR_NOT_FOUND if no row went, else
 * as cli_key_deleted. */
WUR int cli_delete_key(struct cli_store *s, sqlite3_stmt *st) NONNULL(1, 2);

/* A cached statement for sql whose parameters 1 and 2 are a user name
 * and a device id, both bound (db_stmt otherwise). ERR_ARG for a user name
 * that is empty or too long; db_stmt's errors. *st NULL on failure. */
WUR int cli_peer_stmt(struct cli_store *s, const char *sql, const char *user,
    uint32_t device, sqlite3_stmt **st) NONNULL(1, 2, 3, 5);

/* 0 if user is 1..CLI_MAX_USER bytes (then its length in *n), else
 * ERR_ARG. */
WUR int cli_check_user(const char *user, size_t *n) NONNULL(1, 2);

/* Copies TEXT column i into out (cap bytes with the NUL): ERR_DB if NULL
 * or too long (corruption: the schema's writers bound it). */
WUR int cli_col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
    NONNULL(1, 3);

/* A view of BLOB column i, valid until the next step or reset of st; an
 * empty or NULL value gives a non-NULL pointer and *n == 0. */
void cli_col_view(sqlite3_stmt *st, int i, const uint8_t **p, size_t *n)
    NONNULL(1, 3, 4);

#endif
