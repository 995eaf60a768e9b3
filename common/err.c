/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Error code texts. */
#include "common/err.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

struct err_desc {
	int code;
	const char *name;
	const char *text;
};

static const struct err_desc descs[] = {
	{ ERR_OK, "ERR_OK", "success" },
	{ ERR_INTERNAL, "ERR_INTERNAL", "internal error" },
	{ ERR_NOMEM, "ERR_NOMEM", "out of memory" },
	{ ERR_SHORT, "ERR_SHORT", "input truncated" },
	{ ERR_TRAILING, "ERR_TRAILING", "unexpected trailing bytes" },
	{ ERR_TOO_LONG, "ERR_TOO_LONG", "length over limit" },
	{ ERR_VERSION, "ERR_VERSION", "unsupported version" },
	{ ERR_TYPE, "ERR_TYPE", "unknown message type" },
	{ ERR_AUTH, "ERR_AUTH", "authentication failed" },
	{ ERR_KEY, "ERR_KEY", "invalid public key" },
	{ ERR_INVALID, "ERR_INVALID", "invalid field value" },
	{ ERR_SKIP, "ERR_SKIP", "too many skipped messages" },
	{ ERR_REPLAY, "ERR_REPLAY",
	    "message already received or its key expired" },
	{ ERR_STATE, "ERR_STATE", "operation not possible in this state" },
	{ ERR_ARG, "ERR_ARG", "invalid argument" },
	{ ERR_NET, "ERR_NET", "network error" },
	{ ERR_DB, "ERR_DB", "database error" },
	{ ERR_SYS, "ERR_SYS", "system error" },
	{ ERR_NOT_FOUND, "ERR_NOT_FOUND", "not found" },
	{ ERR_EXISTS, "ERR_EXISTS", "already exists" },
	{ ERR_QUOTA, "ERR_QUOTA", "quota exceeded" },
	{ ERR_RATE, "ERR_RATE", "rate limit exceeded" },
	{ ERR_PERM, "ERR_PERM", "permission denied" },
	{ ERR_TIMEOUT, "ERR_TIMEOUT", "timed out" },
	{ ERR_MISMATCH, "ERR_MISMATCH", "device list mismatch" },
	{ ERR_CONFIG, "ERR_CONFIG", "invalid configuration" },
	{ ERR_UNAUTH, "ERR_UNAUTH", "not authenticated" },
	{ ERR_INVITE, "ERR_INVITE", "invite unknown, expired or used up" },
	{ ERR_REVOKED, "ERR_REVOKED", "device revoked" },
	{ ERR_DISABLED, "ERR_DISABLED", "account disabled" },
	{ ERR_UNTRUSTED, "ERR_UNTRUSTED",
	    "identity key changed and not yet trusted" },
};

static const struct err_desc *
find(int r)
{
	size_t i;

	for (i = 0; i < sizeof(descs) / sizeof(descs[0]); i++) {
		if (descs[i].code == r) {
			return &descs[i];
		}
	}
	return NULL;
}

const char *
err_str(int r)
{
	const struct err_desc *d = find(r);

	return d != NULL ? d->text : "unknown error";
}

const char *
err_name(int r)
{
	const struct err_desc *d = find(r);

	return d != NULL ? d->name : "ERR_UNKNOWN";
}

void
err_panic(const char *file, int line, const char *what)
{
	fprintf(stderr, "sealpost: fatal: %s:%d: %s\n", file, line, what);
	abort();
}
