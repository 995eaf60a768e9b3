/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost send USER [TEXT] */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_payload.h"
#include "client-cli/cli_send.h"
#include "common/err.h"
#include "common/mem.h"

static int send_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_send = {
	"send",
	send_main,
	"send a message to a user (all their devices, and your others)",
	"usage: " CLI_PROG " send [OPTIONS] USER [TEXT]\n"
	"\n"
	"Sends TEXT, or standard input up to its end when TEXT is absent,\n"
	"to every device of USER, and a copy to each of your other devices.\n"
	"Sessions are set up from USER's prekeys where none exist; if USER\n"
	"linked or removed a device, the device lists are refreshed and the\n"
	"message goes to the devices as they are now. A message is committed\n"
	"to the local outbox before it leaves: if the relay cannot be\n"
	"reached, it stays queued and goes out with the next send or\n"
	"receive. At most 60000 bytes. Nothing is sent to a user whose\n"
	"identity key changed until you run `" CLI_PROG " trust USER`.\n",
};

/* Reads standard input into a heap buffer of at most CLI_MAX_TEXT + 1
 * bytes (one more tells "too long"). */
static int
read_stdin(uint8_t **out, size_t *len)
{
	size_t cap = CLI_MAX_TEXT + 1, n = 0;
	uint8_t *buf;
	ssize_t got;

	*out = NULL;
	*len = 0;
	if ((buf = mem_alloc(cap)) == NULL) {
		return ERR_NOMEM;
	}
	while (n < cap && (got = read(0, buf + n, cap - n)) != 0) {
		if (got < 0) {
			mem_wipe_free(buf, cap);
			return cli_fail(CLI_EXIT_FAIL, ERR_SYS,
			    "cannot read the message from standard input");
		}
		n += (size_t)got;
	}
	/* A final newline from `echo` or a heredoc is not part of it. */
	if (n > 0 && n <= CLI_MAX_TEXT && buf[n - 1] == '\n') {
		n--;
	}
	*out = buf;
	*len = n;
	return 0;
}

static void
print_sent(const struct cli_ctx *c, const struct cli_sent *s)
{
	char id[2 * CLI_MSG_ID_LEN + 1], chain[2 * PROTO_HASH_LEN + 1];
	json_t *o, *rcs;
	size_t i, mine = 0;

	cli_hex(s->id, sizeof(s->id), id);
	if (!c->opt.json) {
		for (i = 0; i < s->n; i++) {
			mine += strcmp(s->rc[i].user, c->acct.user) == 0;
		}
		printf("sent to %s (%zu device%s; %zu cop%s for your other "
		       "devices)\n",
		    s->peer, s->n - mine, s->n - mine == 1 ? "" : "s", mine,
		    mine == 1 ? "y" : "ies");
		return;
	}
	rcs = json_array();
	for (i = 0; i < s->n; i++) {
		cli_hex(s->rc[i].chain, PROTO_HASH_LEN, chain);
		json_array_append_new(rcs,
		    json_pack("{s:s,s:I,s:I,s:s}", "user", s->rc[i].user,
			"device", (json_int_t)s->rc[i].device, "seq",
			(json_int_t)s->rc[i].seq, "chain", chain));
	}
	o = json_pack("{s:s,s:s,s:s,s:o}", "type", "sent", "id", id, "peer",
	    s->peer, "receipts", rcs);
	cli_json_emit(o);
}

int
send_main(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx c;
	struct cli_sent *sent = NULL;
	uint8_t *buf = NULL;
	const uint8_t *text;
	size_t len = 0;
	int ch, r, code;

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_send);
		}
		if (!cli_common_opt(ch, optarg, o)) {
			return cli_usage_error(&cli_cmd_send, NULL);
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		return cli_usage_error(&cli_cmd_send,
		    "give a user and at most one text");
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	if (argc - optind == 2) {
		text = (const uint8_t *)argv[optind + 1];
		len = strlen(argv[optind + 1]);
		r = 0;
	} else {
		r = read_stdin(&buf, &len);
		text = buf;
	}
	/* Older queued messages go first, so the order holds. */
	if (r == 0 && cli_send_flush(&c, NULL) != 0) {
		cli_err_clear();
	}
	if (r == 0 && (sent = mem_zalloc(sizeof(*sent))) == NULL) {
		r = ERR_NOMEM;
	}
	if (r == 0 &&
	    (r = cli_send_text(&c, argv[optind], text, len, sent)) == 0) {
		print_sent(&c, sent);
	}
	code = cli_report(&c, r);
	mem_wipe_free(buf, CLI_MAX_TEXT + 1);
	mem_wipe_free(sent, sizeof(*sent));
	cli_close(&c);
	return code;
}
