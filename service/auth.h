/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Per-connection challenge-response: a fresh single-use nonce per pipe,
 * a signature by the device identity key over (domain tag, server id,
 * nonce, user, device), and the pipe bound to that device until it
 * closes. */
#ifndef SEALPOST_AUTH_H
#define SEALPOST_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/proto.h"
#include "crypto/rng.h"

/* How long a challenge nonce may be answered. */
#define AUTH_NONCE_TTL_MS 60000

struct auth;

/*
 * A table of pipe states for a server whose identity in signatures is
 * server_id (1..PROTO_MAX_SERVER_ID printable bytes). now_ms gives a
 * monotonic clock in milliseconds (NULL: CLOCK_MONOTONIC), injectable for
 * tests. Thread safe: every call takes the table's lock.
 */
WUR int auth_new(const char *server_id, int64_t (*now_ms)(void),
    struct auth **out) NONNULL(1, 3);
void auth_free(struct auth *a);
const char *auth_server_id(const struct auth *a) NONNULL(1);

/* Pipe life cycle (plug into the server's pipe event): a removed pipe
 * loses its nonce and binding. */
void auth_pipe_event(struct auth *a, uint32_t pipe, int added) NONNULL(1);

/* Issues a fresh nonce for pipe from rng, replacing any earlier one. */
WUR int auth_challenge(struct auth *a, uint32_t pipe, const struct rng *rng,
    uint8_t nonce[static PROTO_NONCE_LEN]) NONNULL(1, 3, 4);

/*
 * Consumes the pipe's nonce: 0 if nonce equals the one issued to this
 * pipe (constant-time compare) and it is younger than AUTH_NONCE_TTL_MS;
 * ERR_AUTH otherwise (none issued, already used, foreign, expired). The
 * nonce is gone after the call whatever the outcome, so a nonce is
 * answered at most once.
 */
WUR int auth_take_nonce(struct auth *a, uint32_t pipe,
    const uint8_t nonce[static PROTO_NONCE_LEN]) NONNULL(1, 3);

/*
 * Checks an AUTH request from pipe against the device's identity key ik:
 * takes the nonce (as above), verifies the signature over
 * proto_auth_tbs, and binds the pipe to (user, device_id). 0 or ERR_AUTH
 * (ERR_NOMEM).
 */
WUR int auth_verify(struct auth *a, uint32_t pipe, const struct proto_auth *m,
    const uint8_t ik[static PROTO_KEY_LEN]) NONNULL(1, 3, 4);

/* Binds pipe to a device directly (after REGISTER or LINK, whose proof the
 * caller checked). ERR_NOT_FOUND if the pipe is not known. */
WUR int auth_bind(struct auth *a, uint32_t pipe, const char *user,
    uint32_t device_id) NONNULL(1, 3);

/* The device pipe is bound to: 0, or ERR_UNAUTH. */
WUR int auth_lookup(struct auth *a, uint32_t pipe,
    char user[static PROTO_MAX_USER + 1], uint32_t *device_id)
    NONNULL(1, 3, 4);

/* Unbinds every pipe bound to (user, device_id), e.g. after revocation;
 * with device_id 0, every device of user. Returns how many. */
size_t auth_unbind(struct auth *a, const char *user, uint32_t device_id)
    NONNULL(1, 2);

/* Number of pipes known / bound (for metrics). */
size_t auth_pipes(struct auth *a, size_t *bound) NONNULL(1);

#endif
