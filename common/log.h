/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Logging with RFC 5424 levels to stderr or syslog. Never pass secrets,
 * plaintext or ratchet state; public keys only as 8-byte fingerprints. */
#ifndef SEALPOST_LOG_H
#define SEALPOST_LOG_H

#include "common/compat.h"

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_NOTICE = 5,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Sets the program name, the highest level written and the sink (0 for
 * stderr, 1 for syslog). Call once at start-up, before threads. */
void log_init(const char *progname, enum log_level max, int use_syslog);

/* Parses "err", "warning", "notice", "info" or "debug"; -1 if unknown. */
int log_level_parse(const char *s);

void log_write(enum log_level level, const char *func, int r,
    const char *fmt, ...) PRINTF_LIKE(4, 5);

#define log_err(...) log_write(LOG_LEVEL_ERR, __func__, 0, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARNING, __func__, 0, __VA_ARGS__)
#define log_notice(...) log_write(LOG_LEVEL_NOTICE, __func__, 0, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __func__, 0, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __func__, 0, __VA_ARGS__)
/* The same, appending ": " and err_str(r). */
#define log_err_r(r, ...) log_write(LOG_LEVEL_ERR, __func__, (r), __VA_ARGS__)
#define log_warn_r(r, ...)                                                   \
	log_write(LOG_LEVEL_WARNING, __func__, (r), __VA_ARGS__)

#endif
