/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Interrupting long-running commands (receive --follow, chat, devices
 * link) cleanly: SIGINT and SIGTERM are taken by one thread, which sets a
 * flag and cancels the network call in flight, so the command stops
 * between two batches and never half way through one. */
#ifndef SEALPOST_CLI_SIGNAL_H
#define SEALPOST_CLI_SIGNAL_H

#include "client-cli/cli_net.h"
#include "common/compat.h"

/*
 * Blocks SIGINT and SIGTERM in the calling thread (call it before nng
 * starts any thread, so they all inherit the mask) and starts the thread
 * that waits for them. 0 or ERR_SYS.
 */
WUR int cli_signals_start(void);

/* 1 once SIGINT or SIGTERM arrived. */
int cli_signalled(void);

/* The connections whose calls a signal cancels (up to 4; NULL is
 * ignored). Set them before the calls. */
void cli_signals_watch(struct cli_conn *c);

/* Forgets every watched connection (before they are freed). */
void cli_signals_forget(void);

/* Also writes a byte to fd on a signal (a poll loop's wake-up), or -1. */
void cli_signals_notify_fd(int fd);

#endif
