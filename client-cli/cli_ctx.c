/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Opening the client's home: the storage key (key file or passphrase),
 * the store, the account and identity, and the two signed-in
 * connections. */
#include "client-cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "common/err.h"
#include "common/mem.h"

void
cli_crash_point(const char *name)
{
	const char *want = getenv("SEALPOST_TEST_CRASH");

	if (want != NULL && strcmp(want, name) == 0) {
		fflush(stdout);
		raise(SIGKILL);
	}
}

/* Reads one line (without its newline) from fd into buf. */
static int
read_line_fd(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	ssize_t got;
	char ch;

	for (;;) {
		got = read(fd, &ch, 1);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0 || ch == '\n') {
			break;
		}
		if (n == cap) {
			sodium_memzero(buf, cap);
			return ERR_TOO_LONG;
		}
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r') {
		n--;
	}
	*len = n;
	return 0;
}

/* Asks on the terminal with echo off. */
static int
ask_tty(const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	int fd, r, restore = 0;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) {
		return ERR_NOT_FOUND;
	}
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* best effort: the prompt is a courtesy */
	}
	r = read_line_fd(fd, buf, cap, len);
	if (restore) {
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	}
	if (write(fd, "\n", 1) < 0) {
		/* as above */
	}
	close(fd);
	return r;
}

/* The passphrase from --passphrase-file or the environment, if given. */
static int
passphrase_given(const struct cli_opts *opts, char *buf, size_t cap,
    size_t *len)
{
	const char *env = getenv(CLI_ENV_PASSPHRASE);
	int fd, r;

	if (opts->passphrase_file != NULL) {
		if ((fd = open(opts->passphrase_file, O_RDONLY | O_CLOEXEC)) <
		    0) {
			return cli_fail(CLI_EXIT_STATE, ERR_SYS,
			    "cannot read the passphrase file %s: %s",
			    opts->passphrase_file, strerror(errno));
		}
		r = read_line_fd(fd, buf, cap, len);
		close(fd);
		return r != 0 ? cli_fail(CLI_EXIT_USAGE, ERR_ARG,
				    "the passphrase in %s is too long",
				    opts->passphrase_file)
			      : 0;
	}
	if (env != NULL) {
		if ((*len = strlen(env)) > cap) {
			return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
			    "$%s is too long", CLI_ENV_PASSPHRASE);
		}
		memcpy(buf, env, *len);
		return 0;
	}
	return ERR_NOT_FOUND;
}

int
cli_read_passphrase(const struct cli_opts *opts, int confirm, char *buf,
    size_t cap, size_t *len)
{
	char again[CLI_MAX_PASSPHRASE];
	size_t n2 = 0;
	int r;

	*len = 0;
	if ((r = passphrase_given(opts, buf, cap, len)) != ERR_NOT_FOUND) {
		goto check;
	}
	if ((r = ask_tty(confirm ? "New passphrase: " : "Passphrase: ", buf,
		 cap, len)) == ERR_NOT_FOUND) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "a passphrase is needed and there is no terminal to ask "
		    "on: use --passphrase-file FILE or $%s",
		    CLI_ENV_PASSPHRASE);
	}
	if (r == 0 && confirm) {
		r = ask_tty("Again: ", again, sizeof(again), &n2);
		if (r == 0 && (n2 != *len || sodium_memcmp(again, buf, n2) !=
			0)) {
			r = cli_fail(CLI_EXIT_USAGE, ERR_ARG,
			    "the two passphrases differ");
		}
		sodium_memzero(again, sizeof(again));
	}
check:
	if (r == 0 && *len == 0) {
		r = cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "the passphrase is empty");
	}
	if (r != 0) {
		sodium_memzero(buf, cap);
		*len = 0;
	}
	return r;
}

int
cli_load_key(const char *dir, const struct cli_opts *opts,
    struct cli_storage_key **out)
{
	char pass[CLI_MAX_PASSPHRASE];
	size_t n = 0;
	int kind, r;

	*out = NULL;
	if ((kind = cli_key_kind(dir)) < 0) {
		return cli_fail(CLI_EXIT_STATE, kind,
		    "cannot read the storage key in %s", dir);
	}
	if (kind == CLI_KEY_NONE) {
		return cli_fail(CLI_EXIT_STATE, ERR_STATE,
		    "%s is not set up: run `sealpost init` first (or give "
		    "--home)", dir);
	}
	if (kind == CLI_KEY_FILE) {
		r = cli_key_file_load(dir, out);
		return r != 0 ? cli_fail(CLI_EXIT_STATE, r,
				    "cannot load the storage key of %s", dir)
			      : 0;
	}
	if ((r = cli_read_passphrase(opts, 0, pass, sizeof(pass), &n)) ==
	    0) {
		r = cli_key_passphrase_load(dir, pass, n, out);
		if (r == ERR_AUTH) {
			r = cli_fail(CLI_EXIT_AUTH, r,
			    "wrong passphrase for %s", dir);
		} else if (r != 0) {
			r = cli_fail(CLI_EXIT_STATE, r,
			    "cannot derive the storage key of %s", dir);
		}
	}
	sodium_memzero(pass, sizeof(pass));
	return r;
}

int
cli_open(struct cli_ctx *c, const struct cli_opts *opts)
{
	struct cli_storage_key *key = NULL;
	int r;

	memset(c, 0, sizeof(*c));
	c->opt = *opts;
	c->rng = &rng_system;
	if ((r = cli_home_resolve(opts->home, c->home)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "cannot find a home directory: give --home DIR");
	}
	/* Only init creates a home: a missing one is a wrong --home or a
	 * device not set up yet, not something to make here. */
	if (access(c->home, F_OK) != 0) {
		return cli_fail(CLI_EXIT_STATE, ERR_STATE,
		    "%s does not exist: set this device up with `sealpost "
		    "init` first (or give the right --home)", c->home);
	}
	if ((r = cli_home_prepare(c->home)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "the home directory %s is not usable (it must be yours "
		    "and mode 0700)", c->home);
	}
	if ((r = cli_load_key(c->home, opts, &key)) != 0) {
		return r;
	}
	r = cli_store_open(c->home, key, c->rng, &c->store);
	cli_storage_key_free(key);
	if (r == ERR_AUTH) {
		return cli_fail(CLI_EXIT_AUTH, r,
		    "the storage key does not open the database in %s",
		    c->home);
	}
	if (r != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "cannot open the database in %s", c->home);
	}
	if ((r = cli_store_account_get(c->store, &c->acct)) == ERR_NOT_FOUND) {
		return cli_fail(CLI_EXIT_STATE, ERR_STATE,
		    "%s holds no account: its set-up was interrupted; remove "
		    "the directory and run `sealpost init` again", c->home);
	}
	if (r != 0 || (r = cli_store_identity_get(c->store, &c->ik)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "cannot read the account of %s", c->home);
	}
	c->dev.ik = c->ik;
	memcpy(c->dev.user, c->acct.user, sizeof(c->dev.user));
	c->dev.id = c->acct.device;
	return 0;
}

void
cli_close(struct cli_ctx *c)
{
	cli_conn_free(c->ks);
	cli_conn_free(c->relay);
	cli_store_close(c->store);
	identity_free(c->ik);
	c->ks = NULL;
	c->relay = NULL;
	c->store = NULL;
	c->ik = NULL;
}

/* Opens and signs in the connection to the server at url. */
static int
connect_as(struct cli_ctx *c, const char *name, const char *url,
    const uint8_t *pin, struct cli_conn **slot, struct cli_conn **out)
{
	struct cli_server srv = { name, url, pin };
	int r;

	*out = NULL;
	if (*slot == NULL) {
		if ((r = cli_conn_open(&srv, slot)) != 0) {
			return r;
		}
		if ((r = cli_conn_login(*slot, &c->dev)) != 0) {
			cli_conn_free(*slot);
			*slot = NULL;
			return r;
		}
	}
	*out = *slot;
	return 0;
}

int
cli_keyserver(struct cli_ctx *c, struct cli_conn **out)
{
	return connect_as(c, "key server", c->acct.keyserver_url,
	    c->acct.has_keyserver_pin ? c->acct.keyserver_pin : NULL, &c->ks,
	    out);
}

void
cli_keyserver_drop(struct cli_ctx *c)
{
	cli_conn_free(c->ks);
	c->ks = NULL;
}

int
cli_relay(struct cli_ctx *c, struct cli_conn **out)
{
	return connect_as(c, "relay", c->acct.relay_url,
	    c->acct.has_relay_pin ? c->acct.relay_pin : NULL, &c->relay,
	    out);
}
