/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The key directory's storage: accounts, devices, prekeys, invites and
 * device-link rendezvous slots.
 * Callers go through these functions only, so a PostgreSQL backend can
 * stand beside the SQLite one (kd_store_sqlite.c). */
#ifndef SEALPOST_KD_STORE_H
#define SEALPOST_KD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/proto.h"

#define KD_INVITE_TOKEN_LEN 26 /* base32 of 16 random bytes, no padding */
#define KD_INVITE_ID_LEN 8     /* hex prefix of the token hash */

/*
 * Thread safety: every function may be called from any thread; the store
 * serialises them. Every write is one transaction, committed before the
 * function returns: what a caller was told happened survives a crash.
 */
struct kd_store;

struct kd_device {
	uint32_t device_id;
	uint8_t ik[PROTO_KEY_LEN];
	uint32_t approver;
	uint8_t link_sig[PROTO_SIG_LEN];
	int revoked;
	int user_disabled;
	int64_t created_ms;
};

struct kd_invite {
	char id[KD_INVITE_ID_LEN + 1];
	char user[PROTO_MAX_USER + 1]; /* the account it is bound to, or "" */
	int64_t uses_left;
	int64_t expires_ms; /* 0: never */
	int64_t created_ms;
	int revoked;
};

struct kd_user {
	char name[PROTO_MAX_USER + 1];
	int disabled;
	uint32_t active_devices;
	int64_t created_ms;
};

/* Opens (creating and migrating) the SQLite store at path. */
WUR int kd_store_open(const char *path, struct kd_store **out) NONNULL(1, 2);

/* Opens an existing store read-only, as the relay reads the directory: the
 * schema must be exactly this program's (ERR_VERSION), and every write
 * fails (ERR_DB). It sees the key server's commits as they happen. */
WUR int kd_store_open_readonly(const char *path, struct kd_store **out)
    NONNULL(1, 2);
void kd_store_close(struct kd_store *s);

/* kd_register flags. */
#define KD_REGISTER_OPEN (1U << 0) /* open registration: no token needed */

/*
 * Registers dev, with its prekeys, as a device of user; *device_id gets
 * its id. invite is the request's token (NULL or "": none). Without
 * KD_REGISTER_OPEN it must name a live invite: not revoked, not expired,
 * uses left (ERR_INVITE). With it, a token that is not a live invite bound
 * to an account is ignored.
 *
 * An unbound invite (or none) creates the account with device 1:
 * ERR_EXISTS if the name is taken. An invite bound to an account needs
 * user to be that account (ERR_INVITE). If the account exists, it is
 * recovered: every active device is revoked as by kd_revoke without a
 * signature (prekeys deleted), the account's rendezvous slots are
 * deleted, and dev joins as a new root device (its own approver) under
 * the account's next unused id; a disabled account is ERR_DISABLED. If it
 * does not exist, it is created (device 1). A used invite loses one use
 * in the same transaction; on any failure nothing changes. ERR_EXISTS if
 * the identity key is taken, ERR_QUOTA if device ids ran out. The caller
 * unbinds the connections of revoked devices.
 */
WUR int kd_register(struct kd_store *s, const char *invite, unsigned flags,
    int64_t now_ms, const char *user, const struct proto_device_upload *dev,
    uint32_t *device_id) NONNULL(1, 5, 6, 7);

/* Adds a device to user with the next unused id. ERR_NOT_FOUND,
 * ERR_DISABLED, ERR_QUOTA (PROTO_MAX_DEVICES active), ERR_EXISTS (key). */
WUR int kd_link(struct kd_store *s, int64_t now_ms, const char *user,
    const struct proto_device_upload *dev, uint32_t *device_id)
    NONNULL(1, 3, 4, 5);

/* A device of user, revoked or not. ERR_NOT_FOUND. */
WUR int kd_device_get(struct kd_store *s, const char *user, uint32_t device_id,
    struct kd_device *out) NONNULL(1, 2, 4);

/* Revokes a device and deletes its prekeys; sig (may be NULL for an admin
 * revocation) is kept. ERR_NOT_FOUND, ERR_REVOKED (already). */
WUR int kd_revoke(struct kd_store *s, int64_t now_ms, const char *user,
    uint32_t device_id, const uint8_t *sig) NONNULL(1, 3);

/* Adds one-time prekeys (ERR_EXISTS for a key id already stocked,
 * ERR_QUOTA past max_stock); *stock gets the new count. */
WUR int kd_upload_prekeys(struct kd_store *s, const char *user,
    uint32_t device_id, const struct proto_prekeys *l, uint32_t max_stock,
    uint32_t *stock) NONNULL(1, 2, 4, 6);

/* Replaces the signed (kind 1) or last-resort (kind 2) prekey; a new
 * last-resort key starts with zero uses. */
WUR int kd_rotate(struct kd_store *s, const char *user, uint32_t device_id,
    uint8_t kind, const struct proto_signed_prekey *k) NONNULL(1, 2, 5);

WUR int kd_status(struct kd_store *s, const char *user, uint32_t device_id,
    struct proto_status *out) NONNULL(1, 2, 4);

/*
 * One bundle per active device of user (at most max), in device order.
 * Each takes the device's oldest one-time prekey and deletes it in the same
 * transaction, or else serves the last-resort key and counts the use.
 * skip(device_id, arg) may exclude devices (rate limits, the requester's
 * own device): it returns non-zero to skip. ERR_NOT_FOUND, ERR_DISABLED.
 */
WUR int kd_claim(struct kd_store *s, const char *user,
    int (*skip)(uint32_t device_id, void *arg), void *arg,
    struct proto_bundle *out, size_t max, size_t *n) NONNULL(1, 2, 5, 7);

/* The active devices of user with their link signatures, and the revoked
 * devices in their chains of approvers (revoked set), in device order.
 * ERR_NOT_FOUND, ERR_DISABLED, ERR_TOO_LONG (more than max entries). */
WUR int kd_devices(struct kd_store *s, const char *user,
    struct proto_device *out, size_t max, size_t *n) NONNULL(1, 2, 3, 5);

/* Admin. */
/* An invite for uses registrations (>= 1), expiring at expires_ms (0:
 * never, else > 0), whose token is stored as its SHA-256 hash; id gets
 * the id lists show. With user non-NULL it is bound to that existing
 * account (ERR_NOT_FOUND otherwise) and good for one registration (uses
 * other than 1: ERR_ARG), which recovers the account (kd_register). */
WUR int kd_invite_create(struct kd_store *s, int64_t now_ms, int64_t uses,
    int64_t expires_ms, const char *user,
    const char token[static KD_INVITE_TOKEN_LEN + 1],
    char id[static KD_INVITE_ID_LEN + 1]) NONNULL(1, 6, 7);
/* Revokes by id (the hash prefix listed). ERR_NOT_FOUND. */
WUR int kd_invite_revoke(struct kd_store *s, const char *id) NONNULL(1, 2);
WUR int kd_invite_list(struct kd_store *s,
    void (*fn)(const struct kd_invite *, void *), void *arg) NONNULL(1, 2);
WUR int kd_user_list(struct kd_store *s,
    void (*fn)(const struct kd_user *, void *), void *arg) NONNULL(1, 2);
/* Disables (1) or re-enables (0) an account. ERR_NOT_FOUND. */
WUR int kd_user_disable(struct kd_store *s, const char *user, int disabled)
    NONNULL(1, 2);
/* Every device of user, revoked ones too. */
WUR int kd_device_list(struct kd_store *s, const char *user,
    void (*fn)(const struct kd_device *, void *), void *arg)
    NONNULL(1, 2, 3);

/*
 * Device-link rendezvous slots (docs/PROTOCOL.md#dir-link). A slot is
 * live from its opening while now_ms < its expiry, its owner device is
 * active and its account enabled; every function reports a slot that is
 * not live as ERR_NOT_FOUND, like an unknown one. A requester is an
 * authenticated device (user, device_id), or user NULL for a connection
 * that is not authenticated (device_id is then ignored). Parts are
 * enum proto_link_part; another part is ERR_ARG.
 */
#define KD_LINK_MAX_SLOTS 4 /* live slots of one account */

/* Opens slot for the active device_id of user, live until now_ms +
 * ttl_ms (1..PROTO_LINK_TTL_MS, else ERR_ARG). In the same transaction it
 * first deletes every expired slot and every slot of a revoked device.
 * ERR_EXISTS if the slot id is taken, ERR_QUOTA if user already has
 * KD_LINK_MAX_SLOTS live slots; ERR_NOT_FOUND, ERR_DISABLED, ERR_REVOKED
 * for the owner. */
WUR int kd_link_slot_open(struct kd_store *s, int64_t now_ms, int64_t ttl_ms,
    const char *user, uint32_t device_id,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN]) NONNULL(1, 4, 6);

/*
 * Stores blob[0..len) (1..PROTO_MAX_LINK_BLOB bytes, else ERR_ARG) as part
 * of a live slot. The request: by anyone, once. The response: by the
 * slot's owner only (no requester: ERR_UNAUTH; another device: ERR_PERM),
 * once the request is set (ERR_STATE), once. A part already set is
 * ERR_EXISTS, unless blob equals it byte for byte: then 0 and nothing
 * changes, so a resent put succeeds. The blob is copied.
 */
WUR int kd_link_slot_put(struct kd_store *s, int64_t now_ms,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const char *user, uint32_t device_id, const uint8_t *blob, size_t len)
    NONNULL(1, 3, 7);

/* Copies part of a live slot into blob; *len is its length, 0 while it is
 * not set. The request is for the slot's owner only (ERR_UNAUTH,
 * ERR_PERM as above), the response for anyone. On failure *len is 0. */
WUR int kd_link_slot_get(struct kd_store *s, int64_t now_ms,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const char *user, uint32_t device_id,
    uint8_t blob[static PROTO_MAX_LINK_BLOB], size_t *len)
    NONNULL(1, 3, 7, 8);

/* Metrics: one-time prekeys in stock, over all devices; -1 on error. */
int64_t kd_prekey_stock(struct kd_store *s) NONNULL(1);

#endif
