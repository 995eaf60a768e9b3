/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Receiving: FETCH, the queue chain checked entry by entry, senders
 * checked against the directory, decryption and the message committed in
 * one transaction, display, then ACK (docs/PROTOCOL.md, client
 * receiving). A crash anywhere loses nothing and shows nothing twice. */
#ifndef SEALPOST_CLI_RECV_H
#define SEALPOST_CLI_RECV_H

#include <stddef.h>
#include <stdint.h>

#include "client-cli/cli.h"
#include "common/compat.h"
#include "common/proto.h"

#define CLI_FETCH_MAX 100		 /* entries per FETCH */
#define CLI_FETCH_BYTES (4U << 20)	 /* envelope bytes per FETCH */
#define CLI_FOLLOW_WAIT_MS 25000	 /* long-poll, below req0's resend */

/* A FETCH reply, entries viewed in it. */
struct cli_fetched {
	struct cli_reply rep;
	size_t n;
	struct proto_entry e[CLI_FETCH_MAX];
};

/* What one batch did. */
struct cli_recv_stats {
	size_t entries;	 /* fetched */
	size_t messages; /* stored and shown */
	size_t dropped;	 /* could not be used (reported) */
	size_t expired, overflow;
	size_t chain_breaks;
	int opk_used; /* a one-time prekey was consumed */
};

/*
 * FETCH on relay (a connection signed in as this device; not c->relay
 * necessarily: the chat mode long-polls on its own), waiting up to
 * wait_ms for something to arrive. Only the network: no store access, so
 * another thread may run it. f must be released with
 * cli_fetched_free. Recorded errors; ERR_TIMEOUT after cli_conn_cancel.
 */
WUR int cli_recv_fetch(struct cli_conn *relay, uint32_t wait_ms,
    struct cli_fetched *f) NONNULL(1, 3);
void cli_fetched_free(struct cli_fetched *f) NONNULL(1);

/*
 * Processes f: checks the queue chain, opens and checks each envelope,
 * decrypts and stores the messages with the chain state in one
 * transaction, shows them (cli_recv_show), then ACKs every entry of f on
 * c's relay connection. Entries that cannot be used are reported
 * (cli_notice) and acknowledged. st (may be NULL) gets the counts.
 * Recorded errors; on an error before the commit nothing is stored or
 * acknowledged.
 */
WUR int cli_recv_process(struct cli_ctx *c, const struct cli_fetched *f,
    struct cli_recv_stats *st) NONNULL(1, 2);

/* Shows the stored messages not shown yet, then marks them shown. */
WUR int cli_recv_show(struct cli_ctx *c) NONNULL(1);

#endif
