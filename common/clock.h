/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The two clocks, in milliseconds: the wall clock for times that are
 * stored or sent, the monotonic clock for deadlines and durations. */
#ifndef SEALPOST_CLOCK_H
#define SEALPOST_CLOCK_H

#include <stdint.h>

/* Milliseconds since the epoch (CLOCK_REALTIME): stored times, expiry. */
int64_t clock_wall_ms(void);

/* Milliseconds on CLOCK_MONOTONIC: deadlines, timeouts, durations. */
int64_t clock_mono_ms(void);

#endif
