/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost servers: the servers this device uses, a move to new
 * addresses, and new pins when a server's certificate was replaced. */
#include <string.h>

#include "client-cli/cli_cmd.h"
#include "common/err.h"

static int servers_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_servers = {
	"servers",
	servers_main,
	"show or change the servers and their pinned certificates",
	"usage: " CLI_PROG " servers [OPTIONS] [--keyserver URL] [--relay URL] "
	"[--check]\n"
	"\n"
	"Shows the key server and relay this device uses and the SHA-256 of\n"
	"the certificate pinned for each. --keyserver and --relay move to new\n"
	"addresses; --check reads the certificates again. A certificate that\n"
	"differs from the pinned one (the administrator replaced it, or\n"
	"someone is intercepting) is accepted only if it matches a --pin, or\n"
	"after you confirm its fingerprint on the terminal (--yes accepts it\n"
	"without asking). Both servers must then answer a sign-in before\n"
	"anything is saved.\n"
	"\n"
	"  --keyserver URL      the key server's new address\n"
	"  --relay URL          the relay's new address\n"
	"  --check              read both certificates again\n"
	"  --pin SHA256         the fingerprint a new certificate must have\n"
	"                       (repeatable)\n"
	"  -y, --yes            accept a changed certificate without asking\n",
};

struct servers_args {
	const char *keyserver, *relay;
	uint8_t pins[CLI_MAX_PINS][CLI_TLS_PIN_LEN];
	size_t npins;
	int check, yes;
};

static int
parse(int argc, char **argv, struct cli_opts *o, struct servers_args *a)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "keyserver", required_argument, NULL, 'k' },
		{ "relay", required_argument, NULL, 'r' },
		{ "check", no_argument, NULL, 'c' },
		{ "pin", required_argument, NULL, 'p' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, r;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "vy", longopts, NULL)) != -1) {
		switch (ch) {
		case CLI_OPT_HELP:
			cli_help(&cli_cmd_servers);
			return -1;
		case 'k':
			a->keyserver = optarg;
			break;
		case 'r':
			a->relay = optarg;
			break;
		case 'c':
			a->check = 1;
			break;
		case 'p':
			if ((r = cli_parse_pin(&cli_cmd_servers, optarg,
				 a->pins, &a->npins)) != 0) {
				return r;
			}
			break;
		case 'y':
			a->yes = 1;
			break;
		default:
			if (!cli_common_opt(ch, optarg, o)) {
				return cli_usage_error(&cli_cmd_servers, NULL);
			}
		}
	}
	if (optind != argc) {
		return cli_usage_error(&cli_cmd_servers, "no arguments");
	}
	if ((a->keyserver != NULL && strlen(a->keyserver) > CLI_MAX_URL) ||
	    (a->relay != NULL && strlen(a->relay) > CLI_MAX_URL)) {
		return cli_usage_error(&cli_cmd_servers, "a URL is too long");
	}
	if ((a->npins > 0 || a->yes) && a->keyserver == NULL &&
	    a->relay == NULL && !a->check) {
		return cli_usage_error(&cli_cmd_servers,
		    "--pin and --yes go with --keyserver, --relay or --check");
	}
	return 0;
}

static void
show(const struct cli_ctx *c)
{
	const struct cli_account *a = &c->acct;
	char h1[2 * CLI_TLS_PIN_LEN + 1], h2[2 * CLI_TLS_PIN_LEN + 1];

	if (a->has_keyserver_pin) {
		cli_tls_pin_format(a->keyserver_pin, h1);
	}
	if (a->has_relay_pin) {
		cli_tls_pin_format(a->relay_pin, h2);
	}
	if (c->opt.json) {
		cli_json_emit(json_pack("{s:s,s:{s:s,s:s?},s:{s:s,s:s?}}",
		    "type", "servers", "keyserver", "url", a->keyserver_url,
		    "pin", a->has_keyserver_pin ? h1 : NULL, "relay", "url",
		    a->relay_url, "pin", a->has_relay_pin ? h2 : NULL));
		return;
	}
	printf("Key server: %s\n", a->keyserver_url);
	if (a->has_keyserver_pin) {
		printf("            certificate SHA-256 %s\n", h1);
	}
	printf("Relay:      %s\n", a->relay_url);
	if (a->has_relay_pin) {
		printf("            certificate SHA-256 %s\n", h2);
	}
}

/* Probes one server at url against the pin held (if any). */
static int
repin(struct cli_ctx *c, const struct servers_args *a, struct cli_pinned *p,
    int has_old, const uint8_t *old)
{
	return cli_pin_server(c, p, a->pins, a->npins, has_old ? old : NULL,
	    a->yes ? 1 : 2);
}

/* The account with new URLs and pins, once both servers sign in. */
static int
change(struct cli_ctx *c, const struct servers_args *a)
{
	struct cli_account next = c->acct;
	struct cli_pinned ks, relay;
	struct cli_conn *conn;
	int r;

	memset(&ks, 0, sizeof(ks));
	memset(&relay, 0, sizeof(relay));
	ks.name = "key server";
	ks.url = a->keyserver != NULL ? a->keyserver : c->acct.keyserver_url;
	relay.name = "relay";
	relay.url = a->relay != NULL ? a->relay : c->acct.relay_url;
	if ((r = repin(c, a, &ks, c->acct.has_keyserver_pin,
		 c->acct.keyserver_pin)) != 0 ||
	    (r = repin(c, a, &relay, c->acct.has_relay_pin,
		 c->acct.relay_pin)) != 0) {
		return r;
	}
	snprintf(next.keyserver_url, sizeof(next.keyserver_url), "%s", ks.url);
	snprintf(next.relay_url, sizeof(next.relay_url), "%s", relay.url);
	next.has_keyserver_pin = ks.has_pin;
	memcpy(next.keyserver_pin, ks.pin, CLI_TLS_PIN_LEN);
	next.has_relay_pin = relay.has_pin;
	memcpy(next.relay_pin, relay.pin, CLI_TLS_PIN_LEN);
	/* Sign in to both with the new settings before keeping them. */
	cli_conn_free(c->ks);
	cli_conn_free(c->relay);
	c->ks = c->relay = NULL;
	c->acct = next;
	if ((r = cli_keyserver(c, &conn)) != 0 ||
	    (r = cli_relay(c, &conn)) != 0) {
		return r;
	}
	if ((r = cli_store_account_put(c->store, &next)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r, "cannot save the new "
						   "servers in %s",
		    c->home);
	}
	return 0;
}

int
servers_main(int argc, char **argv, struct cli_opts *o)
{
	struct servers_args a;
	struct cli_ctx c;
	int r, code;

	if ((r = parse(argc, argv, o, &a)) != 0) {
		return r < 0 ? CLI_EXIT_OK : r;
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	r = 0;
	if (a.keyserver != NULL || a.relay != NULL || a.check) {
		r = change(&c, &a);
	}
	if (r == 0) {
		show(&c);
	}
	code = cli_report(&c, r);
	cli_close(&c);
	return code;
}
