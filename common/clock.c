/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
#include "common/clock.h"

#include <time.h>

static int64_t
ms_of(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these two clocks on a supported system. */
	(void)clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
clock_wall_ms(void)
{
	return ms_of(CLOCK_REALTIME);
}

int64_t
clock_mono_ms(void)
{
	return ms_of(CLOCK_MONOTONIC);
}
