/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Logging sinks. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/err.h"

static const char *prog = "sealpost";
static enum log_level max_level = LOG_LEVEL_INFO;
static int to_syslog;

static const char *const names[] = { "emerg", "alert", "crit", "err",
	"warning", "notice", "info", "debug" };

void
log_init(const char *progname, enum log_level max, int use_syslog)
{
	prog = progname;
	max_level = max;
	to_syslog = use_syslog;
	if (use_syslog) {
		openlog(progname, LOG_PID, LOG_DAEMON);
	}
}

int
log_level_parse(const char *s)
{
	int i;

	for (i = LOG_LEVEL_ERR; i <= LOG_LEVEL_DEBUG; i++) {
		if (strcmp(s, names[i]) == 0) {
			return i;
		}
	}
	return -1;
}

void
log_write(enum log_level level, const char *func, int r, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	if (level > max_level) {
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_syslog) {
		if (r != 0) {
			syslog((int)level, "%s: %s: %s", func, msg, err_str(r));
		} else {
			syslog((int)level, "%s: %s", func, msg);
		}
		return;
	}
	if (r != 0) {
		fprintf(stderr, "%s: %s: %s: %s: %s\n", prog, names[level], func,
		    msg, err_str(r));
	} else {
		fprintf(stderr, "%s: %s: %s: %s\n", prog, names[level], func,
		    msg);
	}
}
