/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The single list of error codes. Codes are stable: never renumber one,
 * only append. They also travel on the wire in ERROR replies. */
#ifndef SEALPOST_ERR_H
#define SEALPOST_ERR_H

#include "common/compat.h"

enum err_code {
	ERR_OK = 0,
	ERR_INTERNAL = -1,  /* a bug or an impossible state */
	ERR_NOMEM = -2,     /* allocation failed */
	ERR_SHORT = -3,     /* input truncated */
	ERR_TRAILING = -4,  /* bytes left after a complete message */
	ERR_TOO_LONG = -5,  /* a length is over its limit */
	ERR_VERSION = -6,   /* unknown version byte */
	ERR_TYPE = -7,      /* unknown message type */
	ERR_AUTH = -8,      /* authentication or decryption failed */
	ERR_KEY = -9,       /* invalid or small-order public key */
	ERR_INVALID = -10,  /* malformed field value */
	ERR_SKIP = -11,     /* message too far ahead of its chain */
	ERR_REPLAY = -12,   /* message already received or key dropped */
	ERR_STATE = -13,    /* operation not possible in this state */
	ERR_ARG = -14,      /* caller passed an invalid argument */
	ERR_NET = -15,      /* transport error */
	ERR_DB = -16,       /* database error */
	ERR_SYS = -17,      /* operating system error (errno) */
	ERR_NOT_FOUND = -18,
	ERR_EXISTS = -19,
	ERR_QUOTA = -20,
	ERR_RATE = -21,
	ERR_PERM = -22,
	ERR_TIMEOUT = -23,
	ERR_MISMATCH = -24,
	ERR_CONFIG = -25,
	ERR_UNAUTH = -26,   /* request needs an authenticated device */
	ERR_INVITE = -27,   /* invite unknown, expired or used up */
	ERR_REVOKED = -28,  /* device revoked */
	ERR_DISABLED = -29, /* account disabled */
	ERR_UNTRUSTED = -30, /* a peer's identity key changed; not trusted */
};

/* Returns a short static English description of r; never NULL. An unknown
 * code gives "unknown error". Thread safe. */
const char *err_str(int r);

/* Returns the symbolic name ("ERR_AUTH") of r, or "ERR_UNKNOWN". */
const char *err_name(int r);

/* Programmer misuse: always on, never for network or disk bytes. */
#define PANIC_IF(cond)                                                       \
	do {                                                                 \
		if (cond) {                                                  \
			err_panic(__FILE__, __LINE__, #cond);                \
		}                                                            \
	} while (0)

/* Prints where and why to stderr, then aborts. */
NORETURN void err_panic(const char *file, int line, const char *what);

#endif
