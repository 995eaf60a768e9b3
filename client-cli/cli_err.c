/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's failure record and exit classes. */
#include "client-cli/cli_err.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/err.h"

#define DETAIL_MAX 512

static _Thread_local char detail[DETAIL_MAX];
static _Thread_local int detail_set;
static _Thread_local int detail_class;
static _Thread_local int detail_code;

int
cli_fail(int cls, int r, const char *fmt, ...)
{
	va_list ap;

	PANIC_IF(r >= 0);
	if (detail_set) {
		return r;
	}
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	detail_set = 1;
	detail_class = cls != 0 ? cls : cli_err_class(r);
	detail_code = r;
	return r;
}

void
cli_err_clear(void)
{
	detail_set = 0;
	detail_class = 0;
	detail_code = 0;
	detail[0] = '\0';
}

const char *
cli_err_detail(void)
{
	return detail_set ? detail : NULL;
}

int
cli_err_class(int r)
{
	switch (r) {
	case ERR_OK:
		return CLI_EXIT_OK;
	case ERR_ARG:
		return CLI_EXIT_USAGE;
	case ERR_CONFIG:
	case ERR_STATE:
	case ERR_PERM:
	case ERR_VERSION:
	case ERR_SYS:
		return CLI_EXIT_STATE;
	case ERR_NET:
	case ERR_TIMEOUT:
		return CLI_EXIT_NET;
	case ERR_AUTH:
	case ERR_UNAUTH:
	case ERR_REVOKED:
	case ERR_DISABLED:
		return CLI_EXIT_AUTH;
	case ERR_UNTRUSTED:
		return CLI_EXIT_TRUST;
	case ERR_KEY:
	case ERR_REPLAY:
	case ERR_SKIP:
		return CLI_EXIT_CRYPTO;
	case ERR_NOT_FOUND:
	case ERR_EXISTS:
	case ERR_QUOTA:
	case ERR_RATE:
	case ERR_INVITE:
	case ERR_MISMATCH:
	case ERR_TOO_LONG:
		return CLI_EXIT_REFUSED;
	default:
		return CLI_EXIT_FAIL;
	}
}

int
cli_err_exit(int r)
{
	if (r == 0) {
		return CLI_EXIT_OK;
	}
	return detail_set ? detail_class : cli_err_class(r);
}

int
cli_err_code(int r)
{
	return r != 0 && detail_set ? detail_code : r;
}

const char *
cli_exit_name(int code)
{
	static const char *const names[] = {
		[CLI_EXIT_OK] = "ok",
		[CLI_EXIT_FAIL] = "failure",
		[CLI_EXIT_USAGE] = "usage",
		[CLI_EXIT_STATE] = "state",
		[CLI_EXIT_NET] = "network",
		[CLI_EXIT_AUTH] = "auth",
		[CLI_EXIT_TRUST] = "trust",
		[CLI_EXIT_CRYPTO] = "crypto",
		[CLI_EXIT_REFUSED] = "refused",
	};

	if (code < 0 || (size_t)code >= sizeof(names) / sizeof(names[0])) {
		return "failure";
	}
	return names[code];
}
