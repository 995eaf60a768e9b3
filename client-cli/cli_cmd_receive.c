/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost receive [--follow] */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_dir.h"
#include "client-cli/cli_recv.h"
#include "client-cli/cli_send.h"
#include "client-cli/cli_signal.h"
#include "common/err.h"

static int receive_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_receive = {
	"receive",
	receive_main,
	"fetch, decrypt and show new messages",
	"usage: " CLI_PROG " receive [OPTIONS] [--follow]\n"
	"\n"
	"Fetches the messages waiting on the relay, checks the chain of\n"
	"this device's queue (a message dropped, reordered or replayed by\n"
	"the relay is reported), checks each sender's device against the\n"
	"key server, decrypts, stores, shows, and only then acknowledges\n"
	"them. Each line shows the time, the sender and device, and the\n"
	"text; copies of messages you sent from another device show as\n"
	"`you -> USER`. Queued outgoing messages are sent first, and this\n"
	"device's prekeys are refilled when the key server runs low.\n"
	"\n"
	"  -f, --follow           keep waiting for messages until interrupted\n"
	"\n"
	"Exit status 7 if the relay's queue chain did not verify.\n",
};

/* The things to do before fetching; their failures do not stop it. */
static void
before(struct cli_ctx *c)
{
	struct cli_upkeep up;

	if (cli_send_flush(c, NULL) != 0) {
		cli_notice(c, "outbox", NULL, "queued messages were not sent "
					      "yet: %s",
		    cli_err_detail() != NULL ? cli_err_detail() : "error");
		cli_err_clear();
	}
	if (cli_dir_maintain(c, &up) != 0) {
		cli_notice(c, "prekeys", NULL, "could not check this device's "
					       "prekeys: %s",
		    cli_err_detail() != NULL ? cli_err_detail() : "error");
		cli_err_clear();
	} else if (up.uploaded > 0) {
		cli_notice(c, "prekeys",
		    json_pack("{s:I}", "uploaded", (json_int_t)up.uploaded),
		    "uploaded %zu new one-time prekeys", up.uploaded);
	}
}

/* Waits ms milliseconds or until a signal, whichever is first. */
static void
pause_ms(int ms)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int waited;

	for (waited = 0; waited < ms && !cli_signalled(); waited += 100) {
		nanosleep(&ts, NULL);
	}
}

/* Fetches and processes until the queue is empty (or, following, until
 * a signal: then a relay that cannot be reached is tried again, at
 * growing intervals). *breaks counts chain breaks. */
static int
run(struct cli_ctx *c, int follow, size_t *breaks)
{
	struct cli_recv_stats st;
	struct cli_fetched *f;
	struct cli_conn *relay = NULL;
	int r, backoff = 0;

	/* Zeroed: freeing it is safe before any fetch filled it. */
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		return ERR_NOMEM;
	}
	for (;;) {
		if (follow && cli_signalled()) {
			r = 0;
			break;
		}
		if ((r = cli_relay(c, &relay)) == 0) {
			cli_signals_watch(relay);
			r = cli_recv_fetch(relay,
			    follow ? CLI_FOLLOW_WAIT_MS : 0, f);
		}
		if (r != 0 && follow && cli_signalled()) {
			cli_err_clear();
			r = 0;
			break;
		}
		if ((r == ERR_NET || r == ERR_TIMEOUT) && follow) {
			backoff = backoff == 0 ? 1000
			    : backoff < 30000  ? 2 * backoff
					       : backoff;
			cli_notice(c, "relay", NULL, "%s; trying again in %d s",
			    cli_err_detail() != NULL ? cli_err_detail()
						     : err_str(r),
			    backoff / 1000);
			cli_err_clear();
			cli_fetched_free(f);
			pause_ms(backoff);
			continue;
		}
		if (r != 0) {
			cli_fetched_free(f);
			break;
		}
		backoff = 0;
		r = cli_recv_process(c, f, &st);
		*breaks += st.chain_breaks;
		if (r != 0 && follow && cli_signalled()) {
			/* Interrupted mid-batch (the ACK cancelled): what was
			 * stored stays; the entries come again and are
			 * acknowledged by the next run. */
			cli_err_clear();
			r = 0;
			cli_fetched_free(f);
			break;
		}
		if (r == 0 && st.opk_used && cli_dir_maintain(c, NULL) != 0) {
			cli_err_clear(); /* tried again next time */
		}
		if (follow) {
			/* Only the relay connection waits between batches. */
			cli_keyserver_drop(c);
		}
		cli_fetched_free(f);
		if (r != 0 || (!follow && st.entries == 0)) {
			break;
		}
	}
	free(f);
	return r;
}

int
receive_main(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx c;
	size_t breaks = 0;
	int ch, follow = 0, r, code;

	while ((ch = getopt_long(argc, argv, "fv", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_receive);
		}
		if (ch == 'f') {
			follow = 1;
		} else if (!cli_common_opt(ch, optarg, o)) {
			return cli_usage_error(&cli_cmd_receive, NULL);
		}
	}
	if (optind != argc) {
		return cli_usage_error(&cli_cmd_receive, "no arguments");
	}
	/* Before nng starts a thread: they all inherit the mask. */
	if (follow && cli_signals_start() != 0) {
		return CLI_EXIT_FAIL;
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	/* Messages committed but not shown when a run was cut short. */
	if ((r = cli_recv_show(&c)) == 0) {
		before(&c);
		if (follow) {
			cli_keyserver_drop(&c);
		}
		r = run(&c, follow, &breaks);
	}
	code = cli_report(&c, r);
	if (code == 0 && breaks > 0) {
		code = CLI_EXIT_CRYPTO;
	}
	cli_signals_forget();
	cli_close(&c);
	return code;
}
