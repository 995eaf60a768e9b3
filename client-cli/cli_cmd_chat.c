/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost chat USER: type lines to send them, see messages as they
 * arrive. A receiver thread long-polls the relay on a connection of its
 * own and hands each batch to the main thread, which alone touches the
 * store, the terminal and the other connections. */
#include <editline/readline.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_recv.h"
#include "client-cli/cli_send.h"
#include "client-cli/cli_signal.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

#define HISTORY 20
#define RETRY_S 2 /* after the relay could not be reached */
#define LINE_MAX_BYTES 4096

static int chat_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_chat = {
	"chat",
	chat_main,
	"talk with a user interactively",
	"usage: " CLI_PROG " chat [OPTIONS] USER\n"
	"\n"
	"Shows the last messages with USER, then every message as it\n"
	"arrives (from anyone), and sends each line you type to USER.\n"
	"/quit, end of input (^D) or ^C leaves. Without a terminal, lines\n"
	"are read from standard input and sent until it ends.\n",
};

/* What the receiver thread hands over. */
struct chat {
	struct cli_ctx *c;
	const char *peer;
	struct cli_conn *conn; /* the receiver's own */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t done_cv;
	int pipe[2];
	atomic_int stop;
	struct cli_fetched *f; /* a batch waiting, or NULL */
	int f_result;	       /* the fetch's error, if any */
	char f_error[512];
	int done;	       /* the main thread processed it */
	int tty;
	int in_handler; /* inside libedit's line handler */
	char prompt[PROTO_MAX_USER + 4];
	int quit;
	char buf[LINE_MAX_BYTES]; /* a partial line (no terminal) */
	size_t len;
};

static struct chat *current; /* for the line handler */

static void *
receiver(void *arg)
{
	struct chat *ch = arg;
	struct cli_fetched *f;
	int r;

	while (!atomic_load(&ch->stop)) {
		if ((f = calloc(1, sizeof(*f))) == NULL) {
			break;
		}
		r = cli_recv_fetch(ch->conn, CLI_FOLLOW_WAIT_MS, f);
		pthread_mutex_lock(&ch->lock);
		ch->f = f;
		ch->f_result = r;
		snprintf(ch->f_error, sizeof(ch->f_error), "%s",
		    cli_err_detail() != NULL ? cli_err_detail() : err_str(r));
		cli_err_clear();
		ch->done = 0;
		if (write(ch->pipe[1], "f", 1) < 0) {
			/* the main loop also polls with a timeout */
		}
		while (!ch->done && !atomic_load(&ch->stop)) {
			pthread_cond_wait(&ch->done_cv, &ch->lock);
		}
		if (r != 0) {
			/* The relay is unreachable (the main thread said
			 * so): try again a little later, or stop now. */
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += RETRY_S;
			while (!atomic_load(&ch->stop) &&
			    pthread_cond_timedwait(&ch->done_cv, &ch->lock,
				&until) == 0) {
			}
		}
		pthread_mutex_unlock(&ch->lock);
	}
	return NULL;
}

/* Prints around the line being edited. */
static void
before_output(const struct chat *ch)
{
	if (ch->tty) {
		fputs("\r\033[K", stdout);
	}
}

static void
after_output(const struct chat *ch)
{
	/* Inside the line handler libedit draws a fresh prompt itself once
	 * the handler returns; redrawing now would show the sent line. */
	if (ch->tty && !ch->in_handler) {
		rl_forced_update_display();
	}
	fflush(stdout);
}

/* The main thread's share of a batch the receiver fetched. */
static void
take_batch(struct chat *ch)
{
	struct cli_fetched *f;
	int r;

	pthread_mutex_lock(&ch->lock);
	f = ch->f;
	ch->f = NULL;
	pthread_mutex_unlock(&ch->lock);
	if (f == NULL) {
		return;
	}
	before_output(ch);
	if (ch->f_result != 0) {
		cli_notice(ch->c, "relay", NULL, "%s (trying again)",
		    ch->f_error);
	} else if ((r = cli_recv_process(ch->c, f, NULL)) != 0) {
		cli_notice(ch->c, "receive", NULL, "%s",
		    cli_err_detail() != NULL ? cli_err_detail() : err_str(r));
		cli_err_clear();
	}
	after_output(ch);
	cli_fetched_free(f);
	free(f);
	pthread_mutex_lock(&ch->lock);
	ch->done = 1;
	pthread_cond_signal(&ch->done_cv);
	pthread_mutex_unlock(&ch->lock);
}

/* Sends one typed line. */
static void
send_line(struct chat *ch, const char *line, size_t n)
{
	struct cli_message m;
	struct cli_sent *s;
	int r;

	if (n == 0) {
		return;
	}
	if (n == 5 && memcmp(line, "/quit", 5) == 0) {
		ch->quit = 1;
		return;
	}
	if ((s = mem_zalloc(sizeof(*s))) == NULL) {
		return;
	}
	/* Older queued messages go first, so the order holds. */
	if (cli_send_flush(ch->c, NULL) != 0) {
		cli_err_clear();
	}
	r = cli_send_text(ch->c, ch->peer, (const uint8_t *)line, n, s);
	before_output(ch);
	if (r == 0) {
		memset(&m, 0, sizeof(m));
		memcpy(m.id, s->id, sizeof(m.id));
		snprintf(m.peer_user, sizeof(m.peer_user), "%s", ch->peer);
		m.direction = CLI_MSG_OUT;
		m.time_ms = clock_wall_ms();
		m.body = (uint8_t *)(uintptr_t)line;
		m.body_len = n;
		cli_show_message(ch->c, &m, 0);
	} else {
		cli_report(ch->c, r);
		cli_err_clear();
	}
	after_output(ch);
	mem_wipe_free(s, sizeof(*s));
}

static void
on_line(char *line)
{
	if (line == NULL) {
		current->quit = 1;
		return;
	}
	if (*line != '\0') {
		add_history(line);
	}
	current->in_handler = 1;
	send_line(current, line, strlen(line));
	current->in_handler = 0;
	free(line);
	/* libedit leaves its editor line-buffered after a line: install
	 * the handler again for the next one, character by character. */
	if (!current->quit) {
		rl_callback_handler_install(current->prompt, on_line);
	}
}

/* Reads what standard input has (no terminal): whole lines are sent. */
static void
read_plain(struct chat *ch)
{
	ssize_t got;
	char *nl;
	size_t n;

	got = read(0, ch->buf + ch->len, sizeof(ch->buf) - ch->len);
	if (got < 0 && errno == EINTR) {
		return;
	}
	if (got <= 0) {
		if (ch->len > 0) {
			send_line(ch, ch->buf, ch->len);
		}
		ch->quit = 1;
		return;
	}
	ch->len += (size_t)got;
	while ((nl = memchr(ch->buf, '\n', ch->len)) != NULL) {
		n = (size_t)(nl - ch->buf);
		send_line(ch, ch->buf, n);
		memmove(ch->buf, nl + 1, ch->len - n - 1);
		ch->len -= n + 1;
	}
	if (ch->len == sizeof(ch->buf)) {
		send_line(ch, ch->buf, ch->len); /* an over-long line */
		ch->len = 0;
	}
}

static int
show_history(const struct cli_message *m, void *arg)
{
	cli_show_message(arg, m, 0);
	return 0;
}

static void
loop(struct chat *ch)
{
	struct pollfd p[2];
	char drain[16];

	while (!ch->quit && !cli_signalled()) {
		p[0].fd = 0;
		p[0].events = POLLIN;
		p[1].fd = ch->pipe[0];
		p[1].events = POLLIN;
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, 1000) < 0 && errno != EINTR) {
			break;
		}
		if (p[1].revents != 0) {
			if (read(ch->pipe[0], drain, sizeof(drain)) < 0) {
				/* nothing: the batch pointer says it all */
			}
			take_batch(ch);
		}
		if (p[0].revents != 0) {
			if (ch->tty) {
				rl_callback_read_char();
			} else {
				read_plain(ch);
			}
		}
	}
}

/* Starts the receiver on a connection of its own. */
static int
start(struct chat *ch)
{
	struct cli_server srv = { "relay", ch->c->acct.relay_url,
		ch->c->acct.has_relay_pin ? ch->c->acct.relay_pin : NULL };
	int r;

	if (pipe(ch->pipe) != 0) {
		return cli_fail(0, ERR_SYS, "cannot make a pipe: %s",
		    strerror(errno));
	}
	if ((r = cli_conn_open(&srv, &ch->conn)) != 0 ||
	    (r = cli_conn_login(ch->conn, &ch->c->dev)) != 0) {
		return r;
	}
	cli_signals_watch(ch->conn);
	cli_signals_notify_fd(ch->pipe[1]);
	if (pthread_create(&ch->thread, NULL, receiver, ch) != 0) {
		return cli_fail(0, ERR_SYS, "cannot start a thread");
	}
	return 0;
}

/* Stops the receiver and releases what start made. */
static void
stop(struct chat *ch, int started)
{
	atomic_store(&ch->stop, 1);
	if (ch->conn != NULL) {
		cli_conn_cancel(ch->conn);
	}
	if (started) {
		pthread_mutex_lock(&ch->lock);
		ch->done = 1;
		pthread_cond_signal(&ch->done_cv);
		pthread_mutex_unlock(&ch->lock);
		pthread_join(ch->thread, NULL);
	}
	if (ch->f != NULL) {
		cli_fetched_free(ch->f);
		free(ch->f);
	}
	cli_signals_notify_fd(-1);
	cli_signals_forget();
	cli_conn_free(ch->conn);
	if (ch->pipe[0] >= 0) {
		close(ch->pipe[0]);
		close(ch->pipe[1]);
	}
}

int
chat_main(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static struct chat ch; /* one per process: the line handler */
	struct cli_ctx c;
	int opt, r, code, started = 0;

	while ((opt = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (opt == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_chat);
		}
		if (!cli_common_opt(opt, optarg, o)) {
			return cli_usage_error(&cli_cmd_chat, NULL);
		}
	}
	if (argc - optind != 1) {
		return cli_usage_error(&cli_cmd_chat, "give one user");
	}
	if (cli_signals_start() != 0) {
		return CLI_EXIT_FAIL;
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	memset(&ch, 0, sizeof(ch));
	ch.c = &c;
	ch.peer = argv[optind];
	ch.pipe[0] = ch.pipe[1] = -1;
	ch.tty = isatty(0) && isatty(1) && !c.opt.json;
	pthread_mutex_init(&ch.lock, NULL);
	pthread_cond_init(&ch.done_cv, NULL);
	current = &ch;
	if (!proto_user_valid((const uint8_t *)ch.peer, strlen(ch.peer))) {
		r = cli_fail(CLI_EXIT_USAGE, ERR_ARG, "'%s' is not a user name",
		    ch.peer);
	} else if ((r = cli_store_msg_recent(c.store, ch.peer, HISTORY,
			show_history, &c)) == 0 &&
	    (r = cli_recv_show(&c)) == 0 && (r = start(&ch)) == 0) {
		started = 1;
		if (cli_send_flush(&c, NULL) != 0) {
			cli_err_clear(); /* tried again with the next line */
		}
		if (ch.tty) {
			snprintf(ch.prompt, sizeof(ch.prompt), "%s> ",
			    ch.peer);
			rl_readline_name = CLI_PROG;
			rl_callback_handler_install(ch.prompt, on_line);
		}
		loop(&ch);
		if (ch.tty) {
			rl_callback_handler_remove();
			fputc('\n', stdout);
		}
	}
	stop(&ch, started);
	code = cli_report(&c, r);
	pthread_cond_destroy(&ch.done_cv);
	pthread_mutex_destroy(&ch.lock);
	cli_close(&c);
	return code;
}
