/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The subcommands of `sealpost`: one file per command (cli_cmd_*.c), a
 * dispatch table in cli_main.c, and the option handling they share. */
#ifndef SEALPOST_CLI_CMD_H
#define SEALPOST_CLI_CMD_H

#include <getopt.h>

#include "client-cli/cli.h"
#include "client-cli/cli_tls.h"
#include "common/compat.h"

/* A subcommand: main gets argv[0] = the command's name and returns the
 * process exit code (enum cli_exit). */
struct cli_cmd {
	const char *name;
	int (*main)(int argc, char **argv, struct cli_opts *o);
	const char *summary; /* one line for `sealpost --help` */
	const char *usage;   /* the command's --help text */
};

/* Options every command takes; their codes are above 0x100 so that a
 * command's own short options never clash. */
enum {
	CLI_OPT_HOME = 0x100,
	CLI_OPT_JSON,
	CLI_OPT_PASSFILE,
	CLI_OPT_HELP,
};

#define CLI_COMMON_LONGOPTS                                                  \
	{ "home", required_argument, NULL, CLI_OPT_HOME },                   \
	    { "json", no_argument, NULL, CLI_OPT_JSON },                     \
	    { "passphrase-file", required_argument, NULL, CLI_OPT_PASSFILE }, \
	    { "verbose", no_argument, NULL, 'v' },                           \
	    { "help", no_argument, NULL, CLI_OPT_HELP }

#define CLI_COMMON_HELP                                                      \
	"Common options:\n"                                                  \
	"  --home DIR             the client's home (default "               \
	"$XDG_DATA_HOME/sealpost)\n"                                         \
	"  --json                 print JSON, one object per line\n"        \
	"  --passphrase-file FILE read the storage passphrase from FILE\n"   \
	"  -v, --verbose          log more to stderr\n"                      \
	"  --help                 show this help\n"

/* Handles a common option ch (with optarg arg) into o, but --help, which
 * the command handles with cli_help. 1 if it was one, else 0. */
int cli_common_opt(int ch, const char *arg, struct cli_opts *o) NONNULL(3);

/* Prints cmd's usage and the common options to stdout; CLI_EXIT_OK. */
int cli_help(const struct cli_cmd *cmd) NONNULL(1);

/* Prints "usage: ..." of cmd and a hint to stderr; returns
 * CLI_EXIT_USAGE. what (may be NULL) says what was wrong. */
int cli_usage_error(const struct cli_cmd *cmd, const char *what)
    NONNULL(1);

/* Applies the logging level of o (call once options are parsed). */
void cli_apply_opts(const struct cli_opts *o) NONNULL(1);

/* Opens the home of o (cli_open) and reports a failure; returns 0 or the
 * exit code. */
int cli_open_or_report(struct cli_ctx *c, const struct cli_opts *o)
    NONNULL(1, 2);

/* Asks "question [y/N] " on the terminal: 1 for yes, 0 for anything
 * else, -1 if there is no terminal. */
int cli_confirm(const char *question) NONNULL(1);

/* ---- certificate pins (cli_pin.c) ---------------------------------- */

#define CLI_MAX_PINS 8

/* A server to pin: its name and URL, and what its probe found. */
struct cli_pinned {
	const char *name; /* "key server", "relay" */
	const char *url;
	int has_pin; /* a TLS URL: pin is its certificate's SHA-256 */
	uint8_t pin[CLI_TLS_PIN_LEN];
	char desc[160];
};

/*
 * Reads the certificate of the server p names (nothing for tcp:// and
 * ipc:// URLs: has_pin 0) and decides whether to pin it: the one pinned
 * already (old, may be NULL) is kept; another must be one of the --pin
 * values (npins > 0); without them, a certificate replacing old is
 * handled as accept says (0 refuse, 1 accept, 2 ask on the terminal, not
 * with --json), and a first one (no old) is trusted and reported. Refusals are ERR_AUTH,
 * recorded with both fingerprints; an unreachable server ERR_NET.
 */
WUR int cli_pin_server(struct cli_ctx *c, struct cli_pinned *p,
    const uint8_t (*pins)[CLI_TLS_PIN_LEN], size_t npins, const uint8_t *old,
    int accept) NONNULL(1, 2);

/* Adds a --pin value to pins (at most CLI_MAX_PINS); a usage error
 * (its exit code, printed) for a bad one, else 0. */
int cli_parse_pin(const struct cli_cmd *cmd, const char *arg,
    uint8_t (*pins)[CLI_TLS_PIN_LEN], size_t *npins) NONNULL(1, 2, 3, 4);

/* The commands. */
extern const struct cli_cmd cli_cmd_init, cli_cmd_send, cli_cmd_receive,
    cli_cmd_chat, cli_cmd_contacts, cli_cmd_verify, cli_cmd_trust,
    cli_cmd_devices, cli_cmd_servers, cli_cmd_status, cli_cmd_selftest;

#endif
