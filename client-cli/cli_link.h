/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Linking a new device with a short one-time code (docs/PROTOCOL.md,
 * device linking): an existing device shows the code, the person types it
 * on the new one; the two swap the new device's identity key and the
 * existing device's link signature through the key server's rendezvous
 * slot, each MACed under a key the code derives and the server never
 * sees. */
#ifndef SEALPOST_CLI_LINK_H
#define SEALPOST_CLI_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli_net.h"
#include "common/compat.h"
#include "common/proto.h"
#include "crypto/keys.h"
#include "crypto/rng.h"

#define CLI_LINK_CODE_BYTES 10 /* 80 bits: 40 name the slot, 40 secret */
#define CLI_LINK_SLOT_PART 5
#define CLI_LINK_CODE_TEXT 20 /* XXXX-XXXX-XXXX-XXXX and a NUL */
#define CLI_LINK_VERSION 0x01
#define CLI_LINK_REQUEST_LEN (1 + 1 + PROTO_MAX_USER + KEY_LEN + 32)
#define CLI_LINK_RESPONSE_LEN (1 + 4 + SIG_LEN + 32)
#define CLI_LABEL_LINK_SLOT "Sealpost-v1 LinkSlot"
#define CLI_LABEL_LINK_SALT "Sealpost-v1 LinkKey"
#define CLI_LABEL_LINK_REQUEST "Sealpost-v1 LinkRequest"
#define CLI_LABEL_LINK_RESPONSE "Sealpost-v1 LinkResponse"

/* A code and what it derives. Holds a secret: cli_link_code_wipe. */
struct cli_link_code {
	uint8_t raw[CLI_LINK_CODE_BYTES];
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	uint8_t key[32];
};

/* A fresh code from rng, its text (Crockford base32, four groups of
 * four), slot and key. 0 or ERR_NOMEM (Argon2id could not get memory). */
WUR int cli_link_code_new(const struct rng *rng, struct cli_link_code *lc,
    char text[static CLI_LINK_CODE_TEXT]) NONNULL(1, 2, 3);

/* The code a person typed: case, '-' and spaces do not matter, O reads as
 * 0 and I, L as 1. ERR_INVALID (not 16 such characters) or ERR_NOMEM. */
WUR int cli_link_code_parse(const char *text, struct cli_link_code *lc)
    NONNULL(1, 2);

void cli_link_code_wipe(struct cli_link_code *lc) NONNULL(1);

/* The request: version || vec8 user || ik || HMAC(key, LinkRequest ||
 * vec8 user || ik). out holds CLI_LINK_REQUEST_LEN bytes; *n its size. */
void cli_link_request(const struct cli_link_code *lc, const char *user,
    const uint8_t ik[static KEY_LEN], uint8_t *out, size_t *n)
    NONNULL(1, 2, 3, 4, 5);

/* Checks a request for user: 0 and the new device's key in ik, or
 * ERR_AUTH (wrong code, another user, altered), ERR_KEY (not a valid
 * identity key). */
WUR int cli_link_request_open(const struct cli_link_code *lc,
    const char *user, const uint8_t *blob, size_t n,
    uint8_t ik[static KEY_LEN]) NONNULL(1, 2, 3, 5);

/* The response: version || u32 approver || sig || HMAC(key, LinkResponse
 * || vec8 user || ik || u32 approver || sig). */
void cli_link_response(const struct cli_link_code *lc, const char *user,
    const uint8_t ik[static KEY_LEN], uint32_t approver,
    const uint8_t sig[static SIG_LEN], uint8_t *out, size_t *n)
    NONNULL(1, 2, 3, 5, 6, 7);

/* Checks a response to the request for (user, ik): 0, approver and sig;
 * or ERR_AUTH. */
WUR int cli_link_response_open(const struct cli_link_code *lc,
    const char *user, const uint8_t ik[static KEY_LEN], const uint8_t *blob,
    size_t n, uint32_t *approver, uint8_t sig[static SIG_LEN])
    NONNULL(1, 2, 3, 4, 6, 7);

/* LINK_OPEN, LINK_PUT and LINK_GET on ks. link_get long-polls until the
 * part is set, deadline_ms (clock_wall_ms) passes (ERR_TIMEOUT), or a
 * signal (ERR_TIMEOUT); blob gets up to PROTO_MAX_LINK_BLOB bytes.
 * Recorded errors (an unknown or expired slot: "the code is wrong or
 * expired"). */
WUR int cli_link_open(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN]) NONNULL(1, 2);
WUR int cli_link_put(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const uint8_t *blob, size_t n) NONNULL(1, 2, 4);
WUR int cli_link_get(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    int64_t deadline_ms, uint8_t *blob, size_t *n) NONNULL(1, 2, 5, 6);

#endif
