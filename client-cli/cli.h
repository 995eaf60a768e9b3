/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The terminal client's context: the home directory, the open store, the
 * device's account and identity, its connections to the two servers, and
 * how it prints (text for people, JSON lines for scripts). Every command
 * (cli_cmd_*.c) works through it. */
#ifndef SEALPOST_CLI_H
#define SEALPOST_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client-cli/cli_err.h"
#include "client-cli/cli_home.h"
#include "client-cli/cli_net.h"
#include "client-cli/cli_store.h"
#include "common/compat.h"
#include "crypto/keys.h"
#include "crypto/rng.h"

#define CLI_PROG "sealpost"
/* The environment variable a script may put the passphrase in. */
#define CLI_ENV_PASSPHRASE "SEALPOST_PASSPHRASE"
#define CLI_MAX_PASSPHRASE 1024

/* Options every command accepts (before or after the command name). */
struct cli_opts {
	const char *home;	     /* --home DIR */
	const char *passphrase_file; /* --passphrase-file FILE */
	int json;		     /* --json */
	int verbose;		     /* -v: log at info level */
};

struct cli_ctx {
	struct cli_opts opt;
	char home[CLI_PATH_MAX];
	struct cli_store *store;
	struct cli_account acct;
	struct identity_key *ik;
	struct cli_device dev; /* acct.user, acct.device, ik */
	struct cli_conn *ks;   /* opened and signed in on first use */
	struct cli_conn *relay;
	const struct rng *rng;
};

/*
 * Opens the set-up home of opts: resolves and checks the directory, loads
 * the storage key (asking for the passphrase if the home has one), opens
 * the store and reads the account and identity. ERR_STATE (recorded, with
 * what to run) if the home is not set up. Errors are recorded for the
 * person (cli_fail). cli_close releases everything; it is safe on a
 * context that failed to open or was zeroed.
 */
WUR int cli_open(struct cli_ctx *c, const struct cli_opts *opts)
    NONNULL(1, 2);
void cli_close(struct cli_ctx *c) NONNULL(1);

/*
 * Loads the storage key of home dir: the key file, or the passphrase
 * (from --passphrase-file, $SEALPOST_PASSPHRASE or the terminal, in that
 * order) with storage.params. Recorded errors. *out NULL on failure.
 */
WUR int cli_load_key(const char *dir, const struct cli_opts *opts,
    struct cli_storage_key **out) NONNULL(1, 2, 3);

/*
 * Reads a passphrase as cli_load_key does; confirm asks twice on a
 * terminal (for a new one). buf gets cap bytes at most (no NUL needed by
 * the callers: *len is its length). The caller wipes buf. ERR_ARG if no
 * source gives one, recorded.
 */
WUR int cli_read_passphrase(const struct cli_opts *opts, int confirm,
    char *buf, size_t cap, size_t *len) NONNULL(1, 3, 5);

/* The signed-in connections, opened on first use. Recorded errors. */
WUR int cli_keyserver(struct cli_ctx *c, struct cli_conn **out)
    NONNULL(1, 2);
/* Closes the key server connection until it is needed again (a long-
 * running command need not hold a connection it rarely uses). */
void cli_keyserver_drop(struct cli_ctx *c) NONNULL(1);
WUR int cli_relay(struct cli_ctx *c, struct cli_conn **out) NONNULL(1, 2);

/*
 * A crash point for the crash-safety tests: if $SEALPOST_TEST_CRASH names
 * this point, the process kills itself with SIGKILL here, as a power cut
 * or `kill -9` would. The points are "send-committed" (the outbox is
 * committed, nothing sent) and "receive-committed" (messages committed,
 * not shown, not acknowledged).
 */
void cli_crash_point(const char *name) NONNULL(1);

/* ---- output (cli_out.c) -------------------------------------------- */

/*
 * Writes n bytes of peer-supplied text to f so that it cannot drive the
 * terminal: valid UTF-8 passes except control characters (C0 but tab,
 * DEL, C1), which are written as \xNN like invalid bytes, and every
 * newline is followed by indent spaces so a continuation line never looks
 * like a line of its own.
 */
void cli_put_text(FILE *f, const uint8_t *p, size_t n, int indent)
    NONNULL(1);

/* "2026-12-06 16:40:01" in local time, into out[32]. */
void cli_time_local(int64_t ms, char out[static 32]) NONNULL(2);
/* "2026-12-06T16:40:01.123Z" (UTC), into out[32]. */
void cli_time_iso(int64_t ms, char out[static 32]) NONNULL(2);

/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void cli_hex(const uint8_t *p, size_t n, char *out) NONNULL(1, 3);

/* Key fingerprint for people: the log id of pk in four groups of four
 * ("1a2b 3c4d 5e6f 7a8b"), into out[20]. */
void cli_key_id(const uint8_t pk[static KEY_LEN], char out[static 20])
    NONNULL(1, 2);

/* A JSON string of p[0..n) if it is valid UTF-8, else NULL. */
json_t *cli_json_text(const uint8_t *p, size_t n);

/* Prints o as one compact line on stdout, flushes, and drops o's
 * reference. */
void cli_json_emit(json_t *o);

/* Prints one message: a text line on stdout, or a JSON object. */
void cli_show_message(const struct cli_ctx *c, const struct cli_message *m,
    int trust) NONNULL(1, 2);

/*
 * Reports an event that is not a message (a new contact device, an
 * identity change, a dropped or expired message...): kind is a stable
 * word for --json ("new_device"); the text goes to stderr prefixed
 * "sealpost: " in text mode, or {"type":"notice","kind":..., "text":...}
 * plus the extra fields of o (may be NULL; its reference is taken) to
 * stdout with --json.
 */
void cli_notice(const struct cli_ctx *c, const char *kind, json_t *o,
    const char *fmt, ...) PRINTF_LIKE(4, 5) NONNULL(1, 2, 4);

/* Prints the recorded failure of r for a person (stderr) and, with
 * --json, as {"type":"error",...} on stdout; returns its exit code. */
int cli_report(const struct cli_ctx *c, int r) NONNULL(1);

#endif
