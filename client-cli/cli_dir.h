/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's side of the key directory: device lists checked signature
 * by signature, the trust rules for contacts' devices (docs/PROTOCOL.md,
 * client device lists), prekey bundles, and the upkeep of this device's
 * own prekeys. */
#ifndef SEALPOST_CLI_DIR_H
#define SEALPOST_CLI_DIR_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli.h"
#include "common/compat.h"
#include "common/proto.h"

/* One-time prekeys: refill below LOW up to TARGET; a new device uploads
 * CLI_OPK_INITIAL. */
#define CLI_OPK_LOW 20
#define CLI_OPK_TARGET 100
#define CLI_OPK_INITIAL 100
/* Signed prekeys are replaced after a week, last-resort ones after a
 * month; a replaced key is kept for a month for messages in flight. */
#define CLI_SPK_ROTATE_MS ((int64_t)7 * 24 * 3600 * 1000)
#define CLI_LRK_ROTATE_MS ((int64_t)30 * 24 * 3600 * 1000)
#define CLI_SPK_KEEP_MS ((int64_t)30 * 24 * 3600 * 1000)

/* A user's device list as the directory served it, every link signature
 * checked: active entries (revoked 0) and revoked approvers. */
struct cli_devlist {
	size_t n;
	struct proto_device d[PROTO_MAX_LISTED];
};

/*
 * DEVICES user, then checks that every entry's identity key is valid and
 * its link signature verifies under its approver's key (a root approves
 * itself), approvers being listed. A list that fails is refused as a
 * whole: ERR_AUTH, recorded ("the key server served a device list for bob
 * whose ..."). Also the request's errors (ERR_NOT_FOUND: no such user).
 */
WUR int cli_dir_fetch(struct cli_ctx *c, const char *user,
    struct cli_devlist *l) NONNULL(1, 2, 3);

/* The entry of device id in l, or NULL. */
const struct proto_device *cli_devlist_find(const struct cli_devlist *l,
    uint32_t id) NONNULL(1);

/* What cli_dir_refresh found. */
struct cli_refresh {
	int first;   /* first contact: its devices accepted on first use */
	int changed; /* an identity changed now (trust became CHANGED) */
	enum cli_trust trust;
	size_t nnew; /* devices new since the last refresh */
	uint32_t new_ids[PROTO_MAX_DEVICES];
	size_t nremoved; /* devices gone (revoked) */
	uint32_t removed_ids[PROTO_MAX_LISTED];
	size_t nactive; /* the active devices now */
	uint32_t active_ids[PROTO_MAX_DEVICES];
};

/*
 * Fetches user's device list and applies the trust rules against what
 * the store knows, in one transaction: the first list of a user is
 * accepted (trust on first use); later, a device is accepted if it is
 * known with the same identity key or its approvers lead to a known
 * device; a known device with another key, or a new root, is an identity
 * change: the contact's trust becomes CHANGED (sending to it is refused
 * until cli_dir_trust) and that device's sessions and queued envelopes
 * are deleted. Only a user never seen before starts on first use: a
 * contact whose devices were all removed does not. Devices no longer
 * active are forgotten with their sessions. For the user's own account,
 * this device and its approvers are the known base, and this device
 * missing from the list is ERR_REVOKED; an own device that nothing
 * vouches for is not stored (nothing goes to it) and the refresh returns
 * ERR_UNTRUSTED (recorded: revoke it) after committing the rest. Notices
 * for new, removed and changed devices are printed (cli_notice).
 * Recorded errors.
 */
WUR int cli_dir_refresh(struct cli_ctx *c, const char *user,
    struct cli_refresh *rep) NONNULL(1, 2, 3);

/* Accepts a contact's changed identity: trust CHANGED becomes
 * UNVERIFIED. ERR_NOT_FOUND for an unknown contact. */
WUR int cli_dir_trust(struct cli_ctx *c, const char *user) NONNULL(1, 2);

/*
 * CLAIM user: one bundle per active device of user but this one, into
 * out[0..PROTO_MAX_DEVICES), *n of them. Each bundle's identity key must
 * be the one the store knows for that device (else ERR_MISMATCH: the
 * list changed since; refresh it). Recorded errors.
 */
WUR int cli_dir_claim(struct cli_ctx *c, const char *user,
    struct proto_bundle *out, size_t *n) NONNULL(1, 2, 3, 4);

/* What cli_dir_maintain did. */
struct cli_upkeep {
	struct proto_status st; /* the directory's counts, after */
	size_t uploaded;	/* one-time prekeys added */
	int spk_rotated, lrk_rotated;
	size_t pruned; /* replaced signed prekeys deleted */
};

/*
 * Keeps this device's prekeys in stock: STATUS, then uploads one-time
 * prekeys when fewer than CLI_OPK_LOW remain (up to CLI_OPK_TARGET),
 * replaces the signed prekey after CLI_SPK_ROTATE_MS and the last-resort
 * one after CLI_LRK_ROTATE_MS, and deletes replaced keys after
 * CLI_SPK_KEEP_MS. New secrets are committed before they are uploaded.
 * up may be NULL. Recorded errors.
 */
WUR int cli_dir_maintain(struct cli_ctx *c, struct cli_upkeep *up)
    NONNULL(1);

/*
 * Makes n new one-time prekeys, stores them (one transaction) and writes
 * their public halves to w as the opks list of an upload (vec16 of u32 id
 * || pk). Recorded errors.
 */
WUR int cli_dir_new_opks(struct cli_ctx *c, size_t n, struct wire_writer *w)
    NONNULL(1, 3);

/* Makes and stores a new signed (kind PREKEY_SIGNED) or last-resort
 * prekey with the next id; *k gets its public part and signature. */
WUR int cli_dir_new_spk(struct cli_ctx *c, enum prekey_kind kind,
    struct proto_signed_prekey *k) NONNULL(1, 3);

#endif
