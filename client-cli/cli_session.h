/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's sessions with peer devices (docs/PROTOCOL.md, client
 * sessions): starting one from a prekey bundle, encrypting and sealing a
 * message for a device, and opening and decrypting what arrives, trying
 * the device's sessions before answering a new one. All of it inside the
 * caller's store transaction: nothing here commits. */
#ifndef SEALPOST_CLI_SESSION_H
#define SEALPOST_CLI_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli.h"
#include "common/compat.h"
#include "common/proto.h"
#include "crypto/envelope.h"
#include "crypto/x3dh.h"

/*
 * X3DH with bundle b of user's device b->device_id (its signatures are
 * checked here), then a new active session for that device that sends
 * prekey messages until the first reply. ERR_AUTH/ERR_KEY for a bad
 * bundle (recorded), store errors.
 */
WUR int cli_session_start(struct cli_ctx *c, const char *user,
    const struct proto_bundle *b) NONNULL(1, 2, 3);

/*
 * Encrypts pt[0..len) on the active session with (user, device), saves
 * the advanced state, and seals the result to the device's identity key
 * ik: *env (heap, free with mem_wipe_free) is the envelope for the relay.
 * ERR_NOT_FOUND if the device has no session, ratchet and envelope
 * errors.
 */
WUR int cli_session_seal(struct cli_ctx *c, const char *user, uint32_t device,
    const uint8_t ik[static KEY_LEN], const uint8_t *pt, size_t len,
    uint8_t **env, size_t *env_len) NONNULL(1, 2, 4, 7, 8);

/* An envelope opened with this device's identity key. */
struct cli_opened {
	struct envelope_sender from; /* user, device, authenticated ik */
	uint8_t type;		     /* ENVELOPE_RATCHET or _PREKEY */
	uint8_t *content;	     /* heap: mem_wipe_free */
	size_t len;
};

/* envelope_open, with the sender's user name checked (ERR_INVALID). */
WUR int cli_session_open(struct cli_ctx *c, const uint8_t *env, size_t len,
    struct cli_opened *o) NONNULL(1, 2, 4);
void cli_opened_wipe(struct cli_opened *o) NONNULL(1);

/* How cli_session_decrypt got the plaintext. */
struct cli_decrypted {
	uint8_t *pt; /* heap: mem_wipe_free(pt, len) */
	size_t len;
	int new_session; /* answered a new session (X3DH as responder) */
	int used_opk;	 /* ... consuming this one-time prekey */
	uint32_t opk_id;
};

/*
 * Decrypts o's content: on each session of the sending device, the active
 * one first; a prekey message none of them opens starts a new session as
 * X3DH responder (its header's identity key must be the envelope's
 * sender's: ERR_AUTH). Nothing is stored: cli_session_commit does it once
 * the caller accepts the message, so a replay refused later leaves no
 * trace. Returns 0; ERR_AUTH (no session opens it); ERR_REPLAY (seen
 * before, or its one-time prekey is used up); ERR_NOT_FOUND (a signed
 * prekey this device no longer has); ERR_SKIP, ERR_KEY, ERR_INVALID.
 * d->out.pt is set on success only. The advanced session is kept in d
 * until cli_session_commit or cli_decrypt_wipe.
 */
struct cli_decrypt {
	struct cli_decrypted out;
	struct ratchet_session *rs; /* the advanced session */
	int64_t sid;		    /* its row, 0 for a new one */
	int was_pending;	    /* it was a pending initiator session */
	int was_active;
};

WUR int cli_session_decrypt(struct cli_ctx *c, const struct cli_opened *o,
    struct cli_decrypt *d) NONNULL(1, 2, 3);

/* Stores what cli_session_decrypt did (session state, a new session, the
 * used one-time prekey deleted) in the caller's transaction. */
WUR int cli_session_commit(struct cli_ctx *c, const struct cli_opened *o,
    struct cli_decrypt *d) NONNULL(1, 2, 3);

/* Frees d (the plaintext wiped). */
void cli_decrypt_wipe(struct cli_decrypt *d) NONNULL(1);

#endif
