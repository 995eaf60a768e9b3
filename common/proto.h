/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The network protocol: frames (version, type, body) and the messages of
 * authentication and the key directory, encoded only through common/wire.
 * docs/PROTOCOL.md, "Wire protocol", is the specification. */
#ifndef SEALPOST_PROTO_H
#define SEALPOST_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/wire.h"

#define PROTO_VERSION 0x01
#define PROTO_KEY_LEN 32
#define PROTO_SIG_LEN 64
#define PROTO_NONCE_LEN 32
#define PROTO_MAX_SERVER_ID 64
#define PROTO_MAX_USER 32
#define PROTO_MIN_USER 3
#define PROTO_MAX_INVITE 64
#define PROTO_MAX_ERROR_TEXT 200
#define PROTO_MAX_PREKEYS 1000 /* one-time prekeys in one upload */
#define PROTO_MAX_DEVICES 32   /* active devices of one account */
#define PROTO_MAX_LISTED 128   /* entries in a DEVICES reply */

/* Signature domain tags (ASCII, no NUL). */
#define PROTO_LABEL_AUTH "Sealpost-v1 Auth"
#define PROTO_LABEL_REGISTER "Sealpost-v1 Register"
#define PROTO_LABEL_DEVICE_LINK "Sealpost-v1 DeviceLink"
#define PROTO_LABEL_DEVICE_REVOKE "Sealpost-v1 DeviceRevoke"
/* Hash domain tags of the relay's queue chain. */
#define PROTO_LABEL_CHAIN "Sealpost-v1 QueueChain"
#define PROTO_LABEL_ENTRY "Sealpost-v1 QueueEntry"
#define PROTO_LABEL_OVERFLOW "Sealpost-v1 QueueOverflow"

#define PROTO_ID_LEN 16       /* client-chosen envelope id */
#define PROTO_HASH_LEN 32     /* SHA-256 */
#define PROTO_MAX_GROUPS 16   /* recipients in one SEND */
#define PROTO_MAX_FETCH 1000  /* entries in one FETCH reply */
#define PROTO_MAX_ACK 1000    /* ids in one ACK */
#define PROTO_MAX_WAIT_MS 30000 /* longest FETCH or LINK_GET long-poll */

#define PROTO_LINK_SLOT_LEN 8            /* device-link rendezvous slot id */
#define PROTO_MAX_LINK_BLOB 1024         /* one part of a rendezvous */
#define PROTO_LINK_TTL_MS (600 * 1000)   /* longest life of a slot */

/* Request types. A successful reply has type (request | PROTO_REPLY); a
 * failed one is PROTO_ERROR. */
enum proto_type {
	PROTO_CHALLENGE = 0x01,
	PROTO_AUTH = 0x02,
	PROTO_REGISTER = 0x10,
	PROTO_LINK = 0x11,
	PROTO_REVOKE = 0x12,
	PROTO_UPLOAD_PREKEYS = 0x13,
	PROTO_ROTATE = 0x14,
	PROTO_STATUS = 0x15,
	PROTO_CLAIM = 0x16,
	PROTO_DEVICES = 0x17,
	PROTO_LINK_OPEN = 0x18,
	PROTO_LINK_PUT = 0x19,
	PROTO_LINK_GET = 0x1A,
	PROTO_SEND = 0x20,
	PROTO_FETCH = 0x21,
	PROTO_ACK = 0x22,
	PROTO_ERROR = 0x7F,
	PROTO_REPLY = 0x80,
};

/* 1 for a request type this version defines, else 0. */
int proto_is_request(uint8_t type);

/*
 * Starts a frame: PROTO_VERSION || type. The body follows through the
 * usual wire_put_* calls on w.
 */
void proto_frame_begin(struct wire_writer *w, uint8_t type) NONNULL(1);

/*
 * Opens a frame: checks the version (ERR_VERSION), reads the type and
 * leaves *body positioned on the body. ERR_SHORT if fewer than two bytes.
 */
WUR int proto_frame_open(const uint8_t *p, size_t len, uint8_t *type,
    struct wire_reader *body) NONNULL(3, 4);

/*
 * An ERROR frame: u16 code (the error's absolute value) || vec8 text.
 * proto_error_encode writes a whole frame; the text is cut to
 * PROTO_MAX_ERROR_TEXT bytes. proto_error_decode reads the body: *code
 * gets the negative ERR_* value (0 or a positive code on the wire is
 * ERR_INVALID), text is copied NUL-terminated into text[cap].
 */
void proto_error_encode(struct wire_writer *w, int code, const char *text)
    NONNULL(1, 3);
WUR int proto_error_decode(struct wire_reader *r, int *code, char *text,
    size_t cap) NONNULL(1, 2, 3);

/* User names: PROTO_MIN_USER..PROTO_MAX_USER bytes of [a-z0-9._-],
 * starting with a letter. 1 if valid. */
int proto_user_valid(const uint8_t *p, size_t len) NONNULL(1);

/* A signed prekey (signed or last resort) as uploaded and served. */
struct proto_signed_prekey {
	uint32_t id;
	uint8_t pk[PROTO_KEY_LEN];
	uint8_t sig[PROTO_SIG_LEN];
};

/* A list of one-time prekeys inside a decoded message: n entries of
 * u32 id || pk, viewed in place (valid as long as the input). */
struct proto_prekeys {
	const uint8_t *p;
	size_t n;
};

/* Entry i of a list (i < n). */
void proto_prekeys_at(const struct proto_prekeys *l, size_t i, uint32_t *id,
    uint8_t pk[static PROTO_KEY_LEN]) NONNULL(1, 3, 4);

/* Writes vec16(n entries of u32 id || pk): ids[i], pks + 32 * i. */
void proto_prekeys_put(struct wire_writer *w, const uint32_t *ids,
    const uint8_t *pks, size_t n) NONNULL(1);

/* What a device uploads when it joins: identity, signed prekey,
 * last-resort prekey, one-time prekeys, and the link signature by the
 * approving device (itself for an account's first device). */
struct proto_device_upload {
	uint8_t ik[PROTO_KEY_LEN];
	struct proto_signed_prekey spk;
	struct proto_signed_prekey lrk;
	struct proto_prekeys opks;
	uint32_t approver; /* 0 on REGISTER: the device approves itself */
	uint8_t link_sig[PROTO_SIG_LEN];
};

/* CHALLENGE reply body. */
struct proto_challenge {
	char server_id[PROTO_MAX_SERVER_ID + 1];
	uint8_t nonce[PROTO_NONCE_LEN];
};

/* AUTH request body. */
struct proto_auth {
	char user[PROTO_MAX_USER + 1];
	uint32_t device_id;
	uint8_t nonce[PROTO_NONCE_LEN];
	uint8_t sig[PROTO_SIG_LEN];
};

/* REGISTER and LINK request bodies (LINK has no invite). */
struct proto_join {
	char invite[PROTO_MAX_INVITE + 1]; /* REGISTER only; may be empty */
	char user[PROTO_MAX_USER + 1];
	struct proto_device_upload dev;
	uint8_t nonce[PROTO_NONCE_LEN];
	uint8_t sig[PROTO_SIG_LEN]; /* PROTO_LABEL_REGISTER proof */
};

/* REVOKE request body. */
struct proto_revoke {
	uint32_t device_id;
	uint8_t sig[PROTO_SIG_LEN];
};

/* ROTATE request body. */
struct proto_rotate {
	uint8_t kind; /* 1 signed prekey, 2 last resort (enum prekey_kind) */
	struct proto_signed_prekey key;
};

/* STATUS reply body. */
struct proto_status {
	uint32_t opk_count;
	uint32_t last_resort_uses;
	uint32_t spk_id;
	uint32_t lrk_id;
};

/* One bundle of a CLAIM reply: fixed size. opk_sig is zero unless
 * opk_kind is the last-resort kind; opk and opk_id are zero when kind is
 * none. */
struct proto_bundle {
	uint32_t device_id;
	uint8_t ik[PROTO_KEY_LEN];
	struct proto_signed_prekey spk;
	uint8_t opk_kind;
	uint32_t opk_id;
	uint8_t opk[PROTO_KEY_LEN];
	uint8_t opk_sig[PROTO_SIG_LEN];
};

#define PROTO_BUNDLE_LEN (4 + 32 + (4 + 32 + 64) + 1 + 4 + 32 + 64)

/* One entry of a DEVICES reply: an active device, or a revoked one that
 * approved a listed device (so every link signature can be checked). */
struct proto_device {
	uint32_t device_id;
	uint8_t revoked; /* 0 active, 1 revoked */
	uint8_t ik[PROTO_KEY_LEN];
	uint32_t approver;
	uint8_t link_sig[PROTO_SIG_LEN];
};

#define PROTO_DEVICE_LEN (4 + 1 + 32 + 4 + 64)

/*
 * Body encoders (after proto_frame_begin) and decoders (after
 * proto_frame_open). Decoders read the whole body and end with wire_end
 * (ERR_TRAILING); they check lengths against the limits above (ERR_SHORT,
 * ERR_TOO_LONG) and field syntax (ERR_INVALID: a bad user name, a
 * non-canonical zero field, an unknown kind). They do not verify
 * signatures or keys: that is the receiver's job with crypto/keys. On
 * failure the output struct is zeroed.
 */
void proto_challenge_encode(struct wire_writer *w,
    const struct proto_challenge *m) NONNULL(1, 2);
WUR int proto_challenge_decode(struct wire_reader *r,
    struct proto_challenge *m) NONNULL(1, 2);
void proto_auth_encode(struct wire_writer *w, const struct proto_auth *m)
    NONNULL(1, 2);
WUR int proto_auth_decode(struct wire_reader *r, struct proto_auth *m)
    NONNULL(1, 2);
/* is_link selects the LINK body (no invite, approver present). */
void proto_join_encode(struct wire_writer *w, const struct proto_join *m,
    int is_link) NONNULL(1, 2);
WUR int proto_join_decode(struct wire_reader *r, struct proto_join *m,
    int is_link) NONNULL(1, 2);
void proto_revoke_encode(struct wire_writer *w, const struct proto_revoke *m)
    NONNULL(1, 2);
WUR int proto_revoke_decode(struct wire_reader *r, struct proto_revoke *m)
    NONNULL(1, 2);
WUR int proto_prekeys_decode(struct wire_reader *r, struct proto_prekeys *l)
    NONNULL(1, 2);
void proto_rotate_encode(struct wire_writer *w, const struct proto_rotate *m)
    NONNULL(1, 2);
WUR int proto_rotate_decode(struct wire_reader *r, struct proto_rotate *m)
    NONNULL(1, 2);
void proto_status_encode(struct wire_writer *w, const struct proto_status *m)
    NONNULL(1, 2);
WUR int proto_status_decode(struct wire_reader *r, struct proto_status *m)
    NONNULL(1, 2);
/* CLAIM and DEVICES name a user: vec8 user. */
void proto_user_encode(struct wire_writer *w, const char *user) NONNULL(1, 2);
WUR int proto_user_decode(struct wire_reader *r,
    char user[static PROTO_MAX_USER + 1]) NONNULL(1, 2);
/* A u32 reply (REGISTER/LINK: the device id; UPLOAD_PREKEYS: the stock). */
WUR int proto_u32_decode(struct wire_reader *r, uint32_t *v) NONNULL(1, 2);

/* Lists in replies: u16 count || count fixed-size entries. Write the count
 * first, then each entry. Decoding reads the count (ERR_TOO_LONG above
 * max) and then entries one by one; the caller ends with wire_end. */
void proto_bundle_encode(struct wire_writer *w, const struct proto_bundle *b)
    NONNULL(1, 2);
WUR int proto_bundle_decode(struct wire_reader *r, struct proto_bundle *b)
    NONNULL(1, 2);
void proto_device_encode(struct wire_writer *w, const struct proto_device *d)
    NONNULL(1, 2);
WUR int proto_device_decode(struct wire_reader *r, struct proto_device *d)
    NONNULL(1, 2);
WUR int proto_count_decode(struct wire_reader *r, uint16_t *n, size_t max)
    NONNULL(1, 2);

/*
 * Device-link rendezvous (docs/PROTOCOL.md, "Device-link rendezvous"): two
 * opaque blobs exchanged through a slot the existing device opens.
 *   LINK_OPEN: slot (8)
 *   LINK_PUT:  slot (8) || u8 part || vec16 blob (1..PROTO_MAX_LINK_BLOB)
 *   LINK_GET:  slot (8) || u8 part || u32 wait_ms (0..PROTO_MAX_WAIT_MS)
 *   LINK_GET reply: vec16 blob (0..PROTO_MAX_LINK_BLOB; empty: not set)
 * Decoders end with wire_end (ERR_TRAILING), give ERR_SHORT for a
 * truncated body, ERR_TOO_LONG for a blob over PROTO_MAX_LINK_BLOB, and
 * ERR_INVALID for a part other than 1 or 2, an empty LINK_PUT blob or a
 * wait over PROTO_MAX_WAIT_MS. On failure every output is zeroed (NULL
 * and 0 for a blob view). Blob views point into the input and live as
 * long as it. Encoders write what they are given, unchecked (so tests can
 * build bad bodies); a blob over 65535 bytes poisons the writer.
 */
enum proto_link_part {
	PROTO_LINK_REQUEST = 1,  /* the new device's request */
	PROTO_LINK_RESPONSE = 2, /* the existing device's response */
};

struct proto_link_put {
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	uint8_t part;
	const uint8_t *blob; /* view into the input */
	size_t len;
};

struct proto_link_get {
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	uint8_t part;
	uint32_t wait_ms;
};

void proto_link_open_encode(struct wire_writer *w,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN]) NONNULL(1, 2);
WUR int proto_link_open_decode(struct wire_reader *r,
    uint8_t slot[static PROTO_LINK_SLOT_LEN]) NONNULL(1, 2);
void proto_link_put_encode(struct wire_writer *w,
    const struct proto_link_put *m) NONNULL(1, 2);
WUR int proto_link_put_decode(struct wire_reader *r, struct proto_link_put *m)
    NONNULL(1, 2);
void proto_link_get_encode(struct wire_writer *w,
    const struct proto_link_get *m) NONNULL(1, 2);
WUR int proto_link_get_decode(struct wire_reader *r, struct proto_link_get *m)
    NONNULL(1, 2);
/* The LINK_GET reply body: vec16 blob (0..PROTO_MAX_LINK_BLOB bytes),
 * viewed in place; ends with wire_end. */
WUR int proto_link_blob_decode(struct wire_reader *r, const uint8_t **blob,
    size_t *len) NONNULL(1, 2, 3);

/*
 * Relay messages. SEND carries groups, one per recipient user: vec8 user ||
 * u16 n || n * (u32 device_id || id (16) || vec32 envelope). Decoding is
 * incremental: proto_send_next reads one group header, then
 * proto_send_item each of its n items (envelope viewed in place).
 */
struct proto_send_item {
	uint32_t device_id;
	uint8_t id[PROTO_ID_LEN];
	const uint8_t *env;
	size_t len;
};

/* Reads the group count (1..PROTO_MAX_GROUPS). */
WUR int proto_send_begin(struct wire_reader *r, uint16_t *ngroups)
    NONNULL(1, 2);
/* Reads a group header: user and item count (1..PROTO_MAX_DEVICES). */
WUR int proto_send_group(struct wire_reader *r,
    char user[static PROTO_MAX_USER + 1], uint16_t *n) NONNULL(1, 2, 3);
/* Reads one item; the envelope is at most max_env bytes (ERR_TOO_LONG). */
WUR int proto_send_item(struct wire_reader *r, struct proto_send_item *it,
    size_t max_env) NONNULL(1, 2);
void proto_send_item_encode(struct wire_writer *w,
    const struct proto_send_item *it) NONNULL(1, 2);

/* SEND reply: u8 result, then receipts (result 0) or mismatches (1). */
enum proto_send_result {
	PROTO_SEND_STORED = 0,
	PROTO_SEND_MISMATCH = 1,
};

/* A receipt: the envelope's place in its queue's chain. */
struct proto_receipt {
	uint8_t id[PROTO_ID_LEN];
	uint64_t seq;
	uint8_t chain[PROTO_HASH_LEN];
};

#define PROTO_RECEIPT_LEN (PROTO_ID_LEN + 8 + PROTO_HASH_LEN)

void proto_receipt_encode(struct wire_writer *w, const struct proto_receipt *rc)
    NONNULL(1, 2);
WUR int proto_receipt_decode(struct wire_reader *r, struct proto_receipt *rc)
    NONNULL(1, 2);

/* FETCH request body. */
struct proto_fetch {
	uint16_t max_count; /* 1..PROTO_MAX_FETCH */
	uint32_t max_bytes; /* envelope bytes; the first entry always fits */
	uint32_t wait_ms;   /* 0..PROTO_MAX_WAIT_MS */
};

void proto_fetch_encode(struct wire_writer *w, const struct proto_fetch *m)
    NONNULL(1, 2);
WUR int proto_fetch_decode(struct wire_reader *r, struct proto_fetch *m)
    NONNULL(1, 2);

/* Kinds of queue entries. */
enum proto_entry_kind {
	PROTO_ENTRY_ENVELOPE = 0,
	PROTO_ENTRY_EXPIRED = 1,  /* tombstone: TTL passed, bytes deleted */
	PROTO_ENTRY_OVERFLOW = 2, /* tombstone: a send was refused (quota) */
};

/* One FETCH reply entry: u64 seq || u8 kind || id || entry_hash ||
 * chain || u64 received_ms || vec32 envelope (empty for tombstones). */
struct proto_entry {
	uint64_t seq;
	uint8_t kind;
	uint8_t id[PROTO_ID_LEN];
	uint8_t entry_hash[PROTO_HASH_LEN];
	uint8_t chain[PROTO_HASH_LEN];
	uint64_t received_ms;
	const uint8_t *env; /* view into the input */
	size_t len;
};

void proto_entry_encode(struct wire_writer *w, const struct proto_entry *e)
    NONNULL(1, 2);

/*
 * A whole FETCH reply body: u16 n, then n entries (proto_entry_decode with
 * max_env) into e[0..cap), then wire_end. n over cap (or over
 * PROTO_MAX_FETCH) is ERR_TOO_LONG. *n gets the count; the entries view
 * into the input. On failure *n is 0 and e[0..cap) is zeroed.
 */
WUR int proto_fetch_reply_decode(struct wire_reader *r, struct proto_entry *e,
    size_t cap, size_t *n, size_t max_env) NONNULL(1, 2, 4);
WUR int proto_entry_decode(struct wire_reader *r, struct proto_entry *e,
    size_t max_env) NONNULL(1, 2);

/* ACK body: u16 n (1..PROTO_MAX_ACK) || n * id, viewed in place. */
void proto_ack_encode(struct wire_writer *w, const uint8_t *ids, size_t n)
    NONNULL(1);
WUR int proto_ack_decode(struct wire_reader *r, const uint8_t **ids,
    size_t *n) NONNULL(1, 2, 3);

/* A SEND refused for one group: device ids the directory has and the
 * send lacked (missing), ids it does not know (extra), and ids of revoked
 * devices (revoked). Encoded as vec8 user || three lists of u16 n ||
 * n * u32, each at most PROTO_MAX_DEVICES long. */
struct proto_mismatch {
	char user[PROTO_MAX_USER + 1];
	uint16_t nmissing, nextra, nrevoked;
	uint32_t missing[PROTO_MAX_DEVICES];
	uint32_t extra[PROTO_MAX_DEVICES];
	uint32_t revoked[PROTO_MAX_DEVICES];
};

void proto_mismatch_encode(struct wire_writer *w,
    const struct proto_mismatch *m) NONNULL(1, 2);
WUR int proto_mismatch_decode(struct wire_reader *r, struct proto_mismatch *m)
    NONNULL(1, 2);

/* Queue chain: entry_hash = SHA-256(PROTO_LABEL_ENTRY || id || envelope)
 * for an envelope, SHA-256(PROTO_LABEL_OVERFLOW || id || u64 time_ms) for
 * an overflow tombstone; h_n = SHA-256(PROTO_LABEL_CHAIN || h_(n-1) ||
 * u64 n || entry_hash), h_0 = 32 zero bytes. */
void proto_entry_hash(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t id[static PROTO_ID_LEN], const uint8_t *env, size_t len)
    NONNULL(1, 2);
void proto_overflow_hash(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t id[static PROTO_ID_LEN], uint64_t time_ms) NONNULL(1, 2);
void proto_chain_next(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t prev[static PROTO_HASH_LEN], uint64_t seq,
    const uint8_t entry_hash[static PROTO_HASH_LEN]) NONNULL(1, 2, 4);

/*
 * The entry hash a fetched entry e must carry, as its recipient computes
 * it: from the envelope's id and bytes, from an overflow tombstone's id
 * and time, or, for an expired tombstone whose bytes are gone, as the
 * relay sent it (the chain value then holds the relay to it). 0, or
 * ERR_AUTH for a tombstone that carries bytes or an unknown kind (out is
 * zeroed).
 */
WUR int proto_entry_expected_hash(const struct proto_entry *e,
    uint8_t out[static PROTO_HASH_LEN]) NONNULL(1, 2);

/*
 * The byte strings that are signed (written to w, a fresh writer):
 *   auth:   PROTO_LABEL_AUTH || vec8 server_id || nonce || vec8 user ||
 *           u32 device_id
 *   join:   PROTO_LABEL_REGISTER || vec8 server_id || nonce || vec8 user ||
 *           ik
 *   link:   PROTO_LABEL_DEVICE_LINK || vec8 user || ik (the new device's)
 *   revoke: PROTO_LABEL_DEVICE_REVOKE || vec8 user || u32 device_id || ik
 *           (the revoked device's)
 */
void proto_auth_tbs(struct wire_writer *w, const char *server_id,
    const uint8_t nonce[static PROTO_NONCE_LEN], const char *user,
    uint32_t device_id) NONNULL(1, 2, 3, 4);
void proto_join_tbs(struct wire_writer *w, const char *server_id,
    const uint8_t nonce[static PROTO_NONCE_LEN], const char *user,
    const uint8_t ik[static PROTO_KEY_LEN]) NONNULL(1, 2, 3, 4, 5);
void proto_link_tbs(struct wire_writer *w, const char *user,
    const uint8_t ik[static PROTO_KEY_LEN]) NONNULL(1, 2, 3);
void proto_revoke_tbs(struct wire_writer *w, const char *user,
    uint32_t device_id, const uint8_t ik[static PROTO_KEY_LEN])
    NONNULL(1, 2, 4);

#endif
