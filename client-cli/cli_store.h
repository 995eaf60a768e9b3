/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's local state: one SQLite file whose secret columns are
 * sealed with the storage key. docs/PROTOCOL.md section 13 is the
 * specification (schema, sealed value format, associated data). */
#ifndef SEALPOST_CLI_STORE_H
#define SEALPOST_CLI_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli_home.h"
#include "common/compat.h"
#include "common/proto.h"
#include "crypto/keys.h"
#include "crypto/ratchet.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

#define CLI_DB_FILENAME "sealpost.db"
#define CLI_LABEL_STATE "Sealpost-v1 ClientState"
#define CLI_SEALED_VERSION 0x01
#define CLI_SEALED_OVERHEAD (1 + 24 + 16) /* version, nonce, tag */
#define CLI_MAX_USER PROTO_MAX_USER
#define CLI_MAX_URL 255
#define CLI_PIN_LEN 32           /* SHA-256 of the server's certificate */
#define CLI_MSG_ID_LEN 16
#define CLI_MAX_BODY (1U << 21)      /* message body bytes */
#define CLI_MAX_ENVELOPE (1U << 22)  /* outbox envelope bytes */
/* Sessions kept per peer device: the active one and older ones that may
 * still decrypt late messages (docs/PROTOCOL.md, client sessions). */
#define CLI_MAX_SESSIONS 5

/*
 * Threading: a store is used by one thread at a time (it wraps one struct
 * db). Every function outside cli_store_begin..commit is its own
 * transaction: when it returns 0 its write is durable, against power loss
 * too (synchronous=FULL), so the client may ack the relay right after a
 * commit (DESIGN §7). Every output is cleared on entry and
 * left cleared on failure. A value that fails to open under the storage
 * key (wrong key, tampered, moved between rows or columns) is ERR_AUTH,
 * logged with the tag "AUTH-FAIL".
 */
struct cli_store;

struct cli_account {
	char user[CLI_MAX_USER + 1];
	uint32_t device;
	char keyserver_url[CLI_MAX_URL + 1];
	char relay_url[CLI_MAX_URL + 1];
	int has_keyserver_pin;
	uint8_t keyserver_pin[CLI_PIN_LEN];
	int has_relay_pin;
	uint8_t relay_pin[CLI_PIN_LEN];
	int64_t created_ms;
};

enum cli_trust {
	CLI_TRUST_UNVERIFIED = 0,
	CLI_TRUST_VERIFIED = 1,
	CLI_TRUST_CHANGED = 2, /* an identity key changed since verified */
};

struct cli_contact {
	char user[CLI_MAX_USER + 1];
	enum cli_trust trust;
	int64_t first_seen_ms;
};

struct cli_contact_device {
	uint32_t device;
	uint8_t ik[KEY_LEN]; /* Ed25519 identity public key */
	int64_t first_seen_ms;
};

/* The relay queue chain as this device last verified it (PROTOCOL.md
 * queue chain): seq of the last entry and the chain value after it. */
struct cli_chain {
	uint64_t seq;
	uint8_t head[PROTO_HASH_LEN];
};

enum cli_outbox_state {
	CLI_OUTBOX_QUEUED = 0,
	CLI_OUTBOX_SENT = 1,
};

/* An outbox entry: one envelope of an outgoing message (msg_id) for one
 * device. envelope is heap memory owned by the struct after a get:
 * release with cli_outbox_wipe. */
struct cli_outbox {
	uint8_t id[PROTO_ID_LEN];
	uint8_t msg_id[CLI_MSG_ID_LEN];
	char user[CLI_MAX_USER + 1];
	uint32_t device;
	uint8_t *envelope;
	size_t envelope_len;
	enum cli_outbox_state state;
	int64_t created_ms;
};

enum cli_direction {
	CLI_MSG_IN = 0,
	CLI_MSG_OUT = 1,
};

/* A message. body (plaintext) is heap memory owned by the struct after a
 * get: release with cli_message_wipe, which wipes it. shown is 0 for a
 * message that was stored but not yet displayed; seq is the insertion
 * order (set by get and the walks, ignored by put). */
struct cli_message {
	uint8_t id[CLI_MSG_ID_LEN];
	char peer_user[CLI_MAX_USER + 1];
	uint32_t peer_device;
	enum cli_direction direction;
	int64_t time_ms;
	uint8_t *body;
	size_t body_len;
	int shown;
	int64_t seq;
};

/*
 * Opens (creating and migrating) dir/sealpost.db through db_open with
 * DB_SECURE_DELETE | DB_SYNC_FULL (WAL mode); dir must have passed
 * cli_home_prepare. The store keeps its own guarded copy of key (the
 * caller may free key at once) and uses rng for nonces and ids: rng must
 * outlive the store. A new database gets a key check value; an existing
 * one is checked against key: ERR_AUTH (the wrong key, logged
 * "AUTH-FAIL"). Also db_open's errors (ERR_PERM for
 * a group- or other-accessible file), ERR_TOO_LONG, ERR_NOMEM. *out is
 * NULL on failure.
 */
WUR int cli_store_open(const char *dir, const struct cli_storage_key *key,
    const struct rng *rng, struct cli_store **out) NONNULL(1, 2, 3, 4);

/* Rolls back an open transaction, checkpoints (TRUNCATE, best effort:
 * a failure is logged), closes, and wipes the key copy. NULL is a no-op. */
void cli_store_close(struct cli_store *s);

/*
 * Transactions: one at a time, no nesting (PANIC_IF). Between begin and
 * commit every function joins the transaction, so "ratchet state + message"
 * and "ratchet state + outbox entry" commit atomically. commit returns 0
 * or db_commit's error; on an error the transaction is rolled back (not
 * left open). If key material was deleted inside the transaction, commit
 * then checkpoints with TRUNCATE; a checkpoint that cannot run (another
 * reader holds the WAL) is logged, not returned (the transaction IS
 * committed, and 0 means exactly that), and is retried at the next
 * commit and at close; cli_store_checkpoint reports it. rollback never
 * fails and is a no-op outside a transaction.
 */
WUR int cli_store_begin(struct cli_store *s) NONNULL(1);
WUR int cli_store_commit(struct cli_store *s) NONNULL(1);
void cli_store_rollback(struct cli_store *s) NONNULL(1);

/* Checkpoints the WAL with TRUNCATE, so overwritten or deleted values
 * (old ratchet states, used keys) leave the -wal file. Call after a batch
 * of receives. 0, ERR_TIMEOUT, ERR_DB, ERR_STATE inside a transaction. */
WUR int cli_store_checkpoint(struct cli_store *s) NONNULL(1);

/* The account (one row). put inserts or replaces it: ERR_ARG for an empty
 * or over-long user or URL. get: 0 or ERR_NOT_FOUND. */
WUR int cli_store_account_put(struct cli_store *s,
    const struct cli_account *a) NONNULL(1, 2);
WUR int cli_store_account_get(struct cli_store *s, struct cli_account *a)
    NONNULL(1, 2);

/* The device identity, sealed (identity_encode_secret bytes). put never
 * replaces one: ERR_EXISTS. get: 0, ERR_NOT_FOUND, ERR_AUTH, ERR_NOMEM or
 * identity_decode_secret's errors; *out NULL on failure. */
WUR int cli_store_identity_put(struct cli_store *s,
    const struct identity_key *ik) NONNULL(1, 2);
WUR int cli_store_identity_get(struct cli_store *s,
    struct identity_key **out) NONNULL(1, 2);

/*
 * Signed and last-resort prekeys by (kind, id): the key pair (secret
 * sealed) and its signature. put: ERR_EXISTS if (kind, id) exists, ERR_ARG
 * for another kind. get: 0 or ERR_NOT_FOUND, ERR_AUTH; kp is wiped on
 * failure; sig may be NULL. latest: the id of the newest (largest
 * created_ms, then id) of kind, or ERR_NOT_FOUND. delete: 0 or
 * ERR_NOT_FOUND; it is a key deletion (see cli_store_opk_delete).
 */
WUR int cli_store_spk_put(struct cli_store *s, enum prekey_kind kind,
    uint32_t id, const struct x25519_keypair *kp,
    const uint8_t sig[static SIG_LEN], int64_t now_ms) NONNULL(1, 4, 5);
WUR int cli_store_spk_get(struct cli_store *s, enum prekey_kind kind,
    uint32_t id, struct x25519_keypair *kp, uint8_t *sig) NONNULL(1, 4);
WUR int cli_store_spk_latest(struct cli_store *s, enum prekey_kind kind,
    uint32_t *id) NONNULL(1, 3);
WUR int cli_store_spk_delete(struct cli_store *s, enum prekey_kind kind,
    uint32_t id) NONNULL(1);
/* The created_ms of the newest key of kind (as latest), or ERR_NOT_FOUND. */
WUR int cli_store_spk_age(struct cli_store *s, enum prekey_kind kind,
    int64_t *created_ms) NONNULL(1, 3);
/*
 * Deletes the keys of kind that were replaced before cutoff_ms: every key
 * older than the newest one created at or before cutoff_ms. A replaced
 * key is kept until then so that messages started under it still open.
 * *n (may be NULL) gets how many went; a key deletion as above.
 */
WUR int cli_store_spk_prune(struct cli_store *s, enum prekey_kind kind,
    int64_t cutoff_ms, size_t *n) NONNULL(1);

/*
 * One-time prekeys by id. next_id hands out ids from a counter that
 * never goes back (1, 2, ...), so a deleted id is never reused. put:
 * ERR_EXISTS. get: 0, ERR_NOT_FOUND (unknown or already used), ERR_AUTH.
 *
 * delete: removes the key pair for good; call it only once the first
 * message under the key has authenticated (a forged first message must not
 * burn the key). Outside a transaction it then checkpoints with TRUNCATE,
 * so with secure_delete the secret is gone from the file and the -wal;
 * inside one, commit does it. A checkpoint that cannot run (another
 * reader holds the WAL) is logged and tried again at the next commit and
 * at close: the deletion is committed all the same. 0 or ERR_NOT_FOUND.
 */
WUR int cli_store_opk_next_id(struct cli_store *s, uint32_t *id)
    NONNULL(1, 2);
WUR int cli_store_opk_put(struct cli_store *s, uint32_t id,
    const struct x25519_keypair *kp, int64_t now_ms) NONNULL(1, 3);
WUR int cli_store_opk_get(struct cli_store *s, uint32_t id,
    struct x25519_keypair *kp) NONNULL(1, 3);
WUR int cli_store_opk_delete(struct cli_store *s, uint32_t id) NONNULL(1);
WUR int cli_store_opk_count(struct cli_store *s, uint64_t *n) NONNULL(1, 2);

/*
 * Contacts. put inserts a contact or updates its trust (first_seen_ms of
 * an existing row is kept). get: 0 or ERR_NOT_FOUND. set_trust: 0 or
 * ERR_NOT_FOUND. foreach calls f for every contact in user order, stopping
 * at (and returning) the first non-zero value f returns; f must not call
 * the store. ERR_ARG for a bad user or trust value.
 */
WUR int cli_store_contact_put(struct cli_store *s,
    const struct cli_contact *c) NONNULL(1, 2);
WUR int cli_store_contact_get(struct cli_store *s, const char *user,
    struct cli_contact *c) NONNULL(1, 2, 3);
WUR int cli_store_contact_set_trust(struct cli_store *s, const char *user,
    enum cli_trust trust) NONNULL(1, 2);
WUR int cli_store_contact_foreach(struct cli_store *s,
    int (*f)(const struct cli_contact *c, void *arg), void *arg)
    NONNULL(1, 2);

/*
 * A contact's devices and their identity keys. device_put inserts or
 * replaces (identity key changed; first_seen_ms of an existing row is
 * kept): the contact must exist (ERR_NOT_FOUND). devices fills out[0..cap)
 * in device order and sets *n to the number the contact has, which may be
 * more than cap. device_delete: 0 or ERR_NOT_FOUND.
 */
WUR int cli_store_contact_device_put(struct cli_store *s, const char *user,
    const struct cli_contact_device *d) NONNULL(1, 2, 3);
WUR int cli_store_contact_devices(struct cli_store *s, const char *user,
    struct cli_contact_device *out, size_t cap, size_t *n)
    NONNULL(1, 2, 5);
WUR int cli_store_contact_device_delete(struct cli_store *s,
    const char *user, uint32_t device) NONNULL(1, 2);

/*
 * Sessions, by peer (user, device): the ratchet state (encoded, sealed)
 * and, while the session is still a pending prekey session (no reply
 * seen), the X3DH header its messages carry. A peer device may have
 * several sessions (a new one starts when either side initiates again):
 * one is active, the one messages are sent on; the others are kept, at
 * most CLI_MAX_SESSIONS in all, newest first, to decrypt late messages.
 * Each has a sid, unique in the store.
 *
 * put updates the active session (inserting it as active if the device
 * has none); pending NULL marks it established. get reads the active
 * one: 0 or ERR_NOT_FOUND, ERR_AUTH, ratchet_decode's errors; *out NULL
 * on failure; *is_pending is 1 and *pending filled if pending was stored
 * (pending may be NULL to ignore). delete removes every session of the
 * device: 0 or ERR_NOT_FOUND; a key deletion (see cli_store_opk_delete).
 * devices lists the peer devices with a session, as contact_devices.
 */
WUR int cli_store_session_put(struct cli_store *s, const char *user,
    uint32_t device, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms) NONNULL(1, 2, 4);
WUR int cli_store_session_get(struct cli_store *s, const char *user,
    uint32_t device, struct ratchet_session **out, int *is_pending,
    struct x3dh_header *pending) NONNULL(1, 2, 4, 5);
WUR int cli_store_session_delete(struct cli_store *s, const char *user,
    uint32_t device) NONNULL(1, 2);
WUR int cli_store_session_devices(struct cli_store *s, const char *user,
    uint32_t *out, size_t cap, size_t *n) NONNULL(1, 2, 5);

/*
 * new inserts a session as the device's active one; the previous active
 * session stays as an older one, and the oldest beyond CLI_MAX_SESSIONS
 * are deleted (a key deletion). *sid (may be NULL) gets its sid.
 * list fills sids[0..cap) with the device's sessions, the active one
 * first, then the others newest first; *n gets their number (may exceed
 * cap). load and save read and update one session by sid (ERR_NOT_FOUND
 * if it is not one of the device's); load sets *active. activate makes sid
 * the active session. Errors as above.
 */
WUR int cli_store_session_new(struct cli_store *s, const char *user,
    uint32_t device, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms, int64_t *sid)
    NONNULL(1, 2, 4);
WUR int cli_store_session_list(struct cli_store *s, const char *user,
    uint32_t device, int64_t *sids, size_t cap, size_t *n)
    NONNULL(1, 2, 6);
WUR int cli_store_session_load(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid, struct ratchet_session **out,
    int *is_pending, struct x3dh_header *pending, int *active)
    NONNULL(1, 2, 5, 6);
WUR int cli_store_session_save(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid, const struct ratchet_session *rs,
    const struct x3dh_header *pending, int64_t now_ms) NONNULL(1, 2, 5);
WUR int cli_store_session_activate(struct cli_store *s, const char *user,
    uint32_t device, int64_t sid) NONNULL(1, 2);

/* The relay queue chain of a device (user, device) this client reads.
 * get: 0 or ERR_NOT_FOUND (nothing seen yet: seq 0, head all zero). put
 * inserts or replaces. */
WUR int cli_store_chain_get(struct cli_store *s, const char *user,
    uint32_t device, struct cli_chain *c) NONNULL(1, 2, 4);
WUR int cli_store_chain_put(struct cli_store *s, const char *user,
    uint32_t device, const struct cli_chain *c) NONNULL(1, 2, 4);

/*
 * The outbox of sealed envelopes (each sealed again at rest), grouped by
 * the outgoing message they carry (msg_id): the envelopes of one message
 * go to the relay together. put: e's state and every field as given;
 * ERR_EXISTS for a known id; ERR_ARG for an empty or over-CLI_MAX_ENVELOPE
 * envelope. get: 0, ERR_NOT_FOUND, ERR_AUTH, ERR_NOMEM; on success
 * e->envelope is the caller's (free with cli_outbox_wipe). mark_sent,
 * delete: 0 or ERR_NOT_FOUND. queued fills ids[0..cap) with the queued
 * entries, oldest first, and *n with their number (may exceed cap).
 * queued_msgs does the same for the messages with a queued entry, oldest
 * first; of_msg for the entries (queued or sent) of one message.
 */
WUR int cli_store_outbox_put(struct cli_store *s, const struct cli_outbox *e)
    NONNULL(1, 2);
WUR int cli_store_outbox_get(struct cli_store *s,
    const uint8_t id[static PROTO_ID_LEN], struct cli_outbox *e)
    NONNULL(1, 2, 3);
WUR int cli_store_outbox_mark_sent(struct cli_store *s,
    const uint8_t id[static PROTO_ID_LEN]) NONNULL(1, 2);
WUR int cli_store_outbox_delete(struct cli_store *s,
    const uint8_t id[static PROTO_ID_LEN]) NONNULL(1, 2);
WUR int cli_store_outbox_queued(struct cli_store *s,
    uint8_t (*ids)[PROTO_ID_LEN], size_t cap, size_t *n) NONNULL(1, 4);
/* Deletes every queued entry for (user, device): envelopes sealed to a
 * key that device no longer has. 0 (also when there was none). */
WUR int cli_store_outbox_drop_device(struct cli_store *s, const char *user,
    uint32_t device) NONNULL(1, 2);
WUR int cli_store_outbox_queued_msgs(struct cli_store *s,
    uint8_t (*msg_ids)[CLI_MSG_ID_LEN], size_t cap, size_t *n)
    NONNULL(1, 4);
WUR int cli_store_outbox_of_msg(struct cli_store *s,
    const uint8_t msg_id[static CLI_MSG_ID_LEN],
    uint8_t (*ids)[PROTO_ID_LEN], size_t cap, size_t *n) NONNULL(1, 2, 5);
/* Frees e->envelope and zeroes e. */
void cli_outbox_wipe(struct cli_outbox *e) NONNULL(1);

/*
 * Messages, by a 16-byte id (incoming: the envelope id; outgoing: random,
 * see cli_store_new_id). put: ERR_EXISTS for a known id (a redelivery),
 * ERR_ARG for a bad user, direction or a body over CLI_MAX_BODY (an empty
 * body is allowed). get: as outbox_get; free with cli_message_wipe.
 * foreach: every message, or those of peer_user if not NULL, by time then
 * insertion order; f sees a decrypted message that is wiped when f
 * returns and must not call the store; a non-zero return of f stops and is
 * returned. ERR_AUTH stops the walk at a bad row.
 */
WUR int cli_store_msg_put(struct cli_store *s, const struct cli_message *m)
    NONNULL(1, 2);
WUR int cli_store_msg_get(struct cli_store *s,
    const uint8_t id[static CLI_MSG_ID_LEN], struct cli_message *m)
    NONNULL(1, 2, 3);
WUR int cli_store_msg_foreach(struct cli_store *s, const char *peer_user,
    int (*f)(const struct cli_message *m, void *arg), void *arg)
    NONNULL(1, 3);
/* Wipes and frees m->body and zeroes m. */
void cli_message_wipe(struct cli_message *m) NONNULL(1);

/*
 * unshown walks the messages not yet displayed (shown 0), in insertion
 * order (m->seq), as foreach does. shown_upto marks every message up to
 * and including seq as displayed. recent walks the last limit messages
 * with peer_user (all peers if NULL) in time order, as foreach does.
 */
WUR int cli_store_msg_unshown(struct cli_store *s,
    int (*f)(const struct cli_message *m, void *arg), void *arg)
    NONNULL(1, 2);
WUR int cli_store_msg_shown_upto(struct cli_store *s, int64_t seq)
    NONNULL(1);
WUR int cli_store_msg_recent(struct cli_store *s, const char *peer_user,
    size_t limit, int (*f)(const struct cli_message *m, void *arg),
    void *arg) NONNULL(1, 4);

/* What cli_store_count counts. */
enum cli_count {
	CLI_COUNT_MESSAGES = 0,	 /* messages stored */
	CLI_COUNT_QUEUED = 1,	 /* outbox entries not yet sent */
	CLI_COUNT_UNSHOWN = 2,	 /* messages not yet displayed */
};

/* *n gets the number of rows of kind what. 0, ERR_ARG or ERR_DB. */
WUR int cli_store_count(struct cli_store *s, enum cli_count what,
    uint64_t *n) NONNULL(1, 3);

/* Fills id with random bytes from the store's rng. */
void cli_store_new_id(struct cli_store *s, uint8_t id[static 16])
    NONNULL(1, 2);

#endif
