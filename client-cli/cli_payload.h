/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* What a ratchet message carries between Sealpost clients: a text, or the
 * transcript of a text this user sent from another device (sync). The
 * format is docs/PROTOCOL.md, client payload. */
#ifndef SEALPOST_CLI_PAYLOAD_H
#define SEALPOST_CLI_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "common/proto.h"

#define CLI_PAYLOAD_VERSION 0x01
#define CLI_PAYLOAD_ID_LEN 16
/* The longest text: its envelope, as a prekey message in the largest
 * padding bucket, stays within the relay's default max-envelope (64 KiB).
 * docs/PROTOCOL.md shows the arithmetic. */
#define CLI_MAX_TEXT 60000
/* version, kind, id, sent_ms, vec8 peer, vec32 body */
#define CLI_PAYLOAD_FIXED (1 + 1 + CLI_PAYLOAD_ID_LEN + 8 + 1 + 4)

enum cli_payload_kind {
	CLI_PAYLOAD_TEXT = 1, /* a text to the recipient */
	CLI_PAYLOAD_SYNC = 2, /* a text the sender sent to `peer` */
};

struct cli_payload {
	uint8_t kind;
	uint8_t id[CLI_PAYLOAD_ID_LEN]; /* the message's id, on every copy */
	int64_t sent_ms;
	char peer[PROTO_MAX_USER + 1]; /* SYNC only; empty for TEXT */
	const uint8_t *body;	       /* viewed, not owned */
	size_t len;
};

/* Encodes p into a heap buffer (*out; free with mem_wipe_free(*out,
 * *len): it holds plaintext). ERR_ARG for an unknown kind, a peer that is
 * not a user name (SYNC) or not empty (TEXT); ERR_TOO_LONG for a body
 * over CLI_MAX_TEXT; ERR_NOMEM. */
WUR int cli_payload_encode(const struct cli_payload *p, uint8_t **out,
    size_t *len) NONNULL(1, 2, 3);

/* Decodes buf[0..n) into *p (body viewed in buf): ERR_SHORT,
 * ERR_VERSION, ERR_TYPE (unknown kind: a newer client), ERR_INVALID (a
 * peer as above), ERR_TOO_LONG, ERR_TRAILING. *p is zeroed on failure. */
WUR int cli_payload_decode(const uint8_t *buf, size_t n,
    struct cli_payload *p) NONNULL(1, 3);

#endif
