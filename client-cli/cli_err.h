/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* What the client tells a person when something fails: one sentence that
 * names the server or file, what failed and what to do, and the exit code
 * of its class. */
#ifndef SEALPOST_CLI_ERR_H
#define SEALPOST_CLI_ERR_H

#include "common/compat.h"

/* Exit codes, stable: scripts act on them (sealpost(1) lists them). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,    /* anything not in a class below */
	CLI_EXIT_USAGE = 2,   /* bad command line */
	CLI_EXIT_STATE = 3,   /* home not set up, already set up, files */
	CLI_EXIT_NET = 4,     /* a server could not be reached in time */
	CLI_EXIT_AUTH = 5,    /* a key, passphrase, pin or sign-in refused */
	CLI_EXIT_TRUST = 6,   /* a contact's identity changed: run trust */
	CLI_EXIT_CRYPTO = 7,  /* a message or vector failed to verify */
	CLI_EXIT_REFUSED = 8, /* a server refused the request */
};

/*
 * Records why the operation failed, as a sentence for a person, with the
 * exit class cls (0: the class of r, see cli_err_class), and returns r so
 * that a caller can write `return cli_fail(0, ERR_NET, "...")`. The first
 * record since cli_err_clear wins: the lowest layer knows the cause best.
 * r must be negative. Thread local.
 */
int cli_fail(int cls, int r, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Forgets the record (at the start of an operation that may fail). */
void cli_err_clear(void);

/* The recorded sentence, or NULL if none. */
const char *cli_err_detail(void);

/* The exit code for error r: the class of the record if there is one
 * (given, or the default class of the recorded error), else the default
 * class of r. 0 for r == 0. */
int cli_err_exit(int r);

/* The error the record is about (r if there is none; 0 for r == 0). */
int cli_err_code(int r);

/* The default exit class of error r. */
int cli_err_class(int r);

/* A short name of an exit code ("usage", "network", ...), for --json. */
const char *cli_exit_name(int code);

#endif
