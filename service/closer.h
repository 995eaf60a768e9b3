/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* nng_close with a deadline: nng 1.5.2 can hang in nng_close (DESIGN §9),
 * so the close runs on a helper thread and the caller waits a bounded
 * time. Shared by the daemons' shutdown and the client. */
#ifndef SEALPOST_CLOSER_H
#define SEALPOST_CLOSER_H

#include <nng/nng.h>

#include "common/compat.h"

/*
 * Closes sock on a helper thread and waits at most timeout_ms for it.
 * Stop every aio of the socket first. Returns 1 if the socket closed in
 * time (then done is not called), 0 if the close was abandoned (logged):
 * the helper thread calls done(arg) (if not NULL) when nng_close returns,
 * if ever, so state the close still uses is freed there, not by the
 * caller. Also 0 if no thread can be started: the socket is then left
 * open and done is never called (what it would free stays allocated,
 * which is safe). Thread safe.
 */
int closer_close(nng_socket sock, int timeout_ms, void (*done)(void *arg),
    void *arg);

#endif
