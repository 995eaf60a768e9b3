/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sending: one envelope per device of the recipient and per other device
 * of the sender, committed to the outbox before anything leaves, then
 * sent in one SEND per message; device-list mismatches are resolved by
 * refreshing the lists and completing the fan-out (docs/PROTOCOL.md,
 * client sending). */
#ifndef SEALPOST_CLI_SEND_H
#define SEALPOST_CLI_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli.h"
#include "common/compat.h"

/* A relay receipt: where the envelope for one device sits in that
 * device's queue chain (docs/PROTOCOL.md, the queue chain). */
struct cli_receipt {
	char user[PROTO_MAX_USER + 1];
	uint32_t device;
	uint64_t seq;
	uint8_t chain[PROTO_HASH_LEN];
};

#define CLI_MAX_FANOUT (2 * PROTO_MAX_DEVICES)

/* What happened to one message. */
struct cli_sent {
	uint8_t id[CLI_MSG_ID_LEN];
	char peer[PROTO_MAX_USER + 1];
	int sent;   /* the relay stored every envelope */
	int held;   /* not sent: the peer's identity changed */
	size_t n;   /* receipts */
	struct cli_receipt rc[CLI_MAX_FANOUT];
};

/*
 * Queues text[0..len) for user: checks that user's identity is trusted
 * (ERR_UNTRUSTED, recorded, if it changed), makes sure the device lists of
 * user and of the own account are known, sets up sessions for devices
 * that have none (CLAIM), then in one transaction stores the message, the
 * advanced sessions and one outbox entry per device. Then sends what the
 * outbox holds (cli_send_flush). out (may be NULL) describes this
 * message. A failure after the commit (the relay unreachable) leaves the
 * message queued: it is sent by the next send or receive, and the error
 * is returned (recorded) all the same.
 */
WUR int cli_send_text(struct cli_ctx *c, const char *user,
    const uint8_t *text, size_t len, struct cli_sent *out)
    NONNULL(1, 2);

/*
 * Sends every queued message, oldest first, each in one SEND; resolves a
 * mismatch (refresh, fan out to the missing devices, drop the envelopes
 * of removed ones) up to a few times; a message to a contact whose
 * identity changed is held. *nsent (may be NULL) counts what went out.
 * Stops at the first error (recorded).
 */
WUR int cli_send_flush(struct cli_ctx *c, size_t *nsent) NONNULL(1);

#endif
