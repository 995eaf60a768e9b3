/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost: the terminal client. Global options, the dispatch table and
 * the option handling the commands share. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-cli/cli_cmd.h"
#include "common/err.h"
#include "common/log.h"
#include "common/version.h"

static const struct cli_cmd *const cmds[] = {
	&cli_cmd_init,
	&cli_cmd_send,
	&cli_cmd_receive,
	&cli_cmd_chat,
	&cli_cmd_contacts,
	&cli_cmd_verify,
	&cli_cmd_trust,
	&cli_cmd_devices,
	&cli_cmd_servers,
	&cli_cmd_status,
	&cli_cmd_selftest,
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

int
cli_common_opt(int ch, const char *arg, struct cli_opts *o)
{
	switch (ch) {
	case CLI_OPT_HOME:
		o->home = arg;
		return 1;
	case CLI_OPT_JSON:
		o->json = 1;
		return 1;
	case CLI_OPT_PASSFILE:
		o->passphrase_file = arg;
		return 1;
	case 'v':
		o->verbose = 1;
		return 1;
	default:
		return 0;
	}
}

int
cli_help(const struct cli_cmd *cmd)
{
	printf("%s\n%s", cmd->usage, CLI_COMMON_HELP);
	return CLI_EXIT_OK;
}

int
cli_usage_error(const struct cli_cmd *cmd, const char *what)
{
	if (what != NULL) {
		fprintf(stderr, CLI_PROG " %s: %s\n", cmd->name, what);
	}
	fprintf(stderr, "%.*s\nTry `" CLI_PROG " %s --help'.\n",
	    (int)strcspn(cmd->usage, "\n"), cmd->usage, cmd->name);
	return CLI_EXIT_USAGE;
}

/* Below LOG_LEVEL_ERR: nothing. Without -v the modules stay silent: what
 * went wrong reaches the person once, as a sentence (cli_report). */
#define LOG_QUIET ((enum log_level)(LOG_LEVEL_ERR - 1))

void
cli_apply_opts(const struct cli_opts *o)
{
	log_init(CLI_PROG, o->verbose ? LOG_LEVEL_INFO : LOG_QUIET, 0);
}

int
cli_open_or_report(struct cli_ctx *c, const struct cli_opts *o)
{
	int r;

	cli_apply_opts(o);
	if ((r = cli_open(c, o)) != 0) {
		return cli_report(c, r);
	}
	return 0;
}

int
cli_confirm(const char *question)
{
	char line[16];
	FILE *tty;
	int yes;

	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		return -1;
	}
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	yes = fgets(line, sizeof(line), tty) != NULL &&
	    (line[0] == 'y' || line[0] == 'Y');
	fclose(tty);
	return yes;
}

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: " CLI_PROG " [--home DIR] [--json] [--passphrase-file FILE] "
	    "[-v] COMMAND [ARGS]...\n"
	    "       " CLI_PROG " help COMMAND\n"
	    "\nEnd-to-end encrypted messaging from the terminal.\n\n"
	    "Commands:\n");
	for (i = 0; i < NCMDS; i++) {
		fprintf(f, "  %-10s %s\n", cmds[i]->name, cmds[i]->summary);
	}
	fprintf(f, "\n`" CLI_PROG " COMMAND --help` describes a command.\n\n"
		   "%s  --version              show the version and exit\n",
	    CLI_COMMON_HELP);
}

/* Makes sure fds 0-2 are open, so that no file this process opens can
 * become its stdout by accident. */
static void
sane_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {
	}
	if (fd > 2) {
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_opts o;
	size_t i;
	int ch;

	sane_fds();
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		fprintf(stderr, CLI_PROG ": libsodium failed to start\n");
		return CLI_EXIT_FAIL;
	}
	memset(&o, 0, sizeof(o));
	cli_apply_opts(&o);
	/* "+": options up to the command name only. */
	while ((ch = getopt_long(argc, argv, "+v", longopts, NULL)) != -1) {
		if (ch == 'V') {
			printf(CLI_PROG " " SEALPOST_VERSION "\n");
			return CLI_EXIT_OK;
		}
		if (ch == CLI_OPT_HELP) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (!cli_common_opt(ch, optarg, &o)) {
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(argv[optind], cmds[i]->name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0; /* glibc: reinitialise for the command */
			return cmds[i]->main(argc, argv, &o);
		}
	}
	if (strcmp(argv[optind], "help") == 0) {
		for (i = 0; optind + 1 < argc && i < NCMDS; i++) {
			if (strcmp(argv[optind + 1], cmds[i]->name) == 0) {
				return cli_help(cmds[i]);
			}
		}
		usage(stdout);
		return CLI_EXIT_OK;
	}
	fprintf(stderr, CLI_PROG ": '%s' is not a command\n", argv[optind]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
