/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost init: a new device, registered as a new account or linked into
 * an existing one. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_dir.h"
#include "client-cli/cli_link.h"
#include "client-cli/cli_signal.h"
#include "client-cli/cli_tls.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

#define LINK_WAIT_MS (PROTO_LINK_TTL_MS)

static int init_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_init = {
	"init",
	init_main,
	"set up this device: a new account, or a new device of yours",
	"usage: " CLI_PROG " init --user NAME --keyserver URL --relay URL "
	"[OPTIONS]\n"
	"\n"
	"Creates this device's identity key and prekeys, protects them with\n"
	"a storage key (a 0600 key file, or a passphrase), pins the servers'\n"
	"TLS certificates, and registers a new account, or joins an existing\n"
	"one with a code shown by `" CLI_PROG " devices link` on one of its\n"
	"devices.\n"
	"\n"
	"  --user NAME          the account: 3 to 32 of a-z, 0-9, '.', '_',\n"
	"                       '-', starting with a letter\n"
	"  --keyserver URL      the key server: tls+tcp://HOST:PORT, wss://...,\n"
	"                       or tcp:// and ipc:// on this host\n"
	"  --relay URL          the relay, likewise\n"
	"  --invite TOKEN       an invitation from the administrator\n"
	"  --link CODE          join the account with a device-link code\n"
	"  --pin SHA256         accept a TLS server only with a certificate of\n"
	"                       this SHA-256 fingerprint (repeatable); without\n"
	"                       it, the first certificate seen is trusted and\n"
	"                       printed, to compare with the administrator's\n"
	"  --passphrase         derive the storage key from a passphrase\n"
	"                       (Argon2id) instead of keeping a key file\n"
	"  --kdf-cost LEVEL     interactive, moderate (default) or sensitive\n"
	"  --prekeys N          one-time prekeys to upload (default 100)\n",
};

struct init_args {
	const char *user, *keyserver, *relay, *invite, *link;
	uint8_t pins[CLI_MAX_PINS][CLI_TLS_PIN_LEN];
	size_t npins;
	int passphrase;
	enum cli_kdf_cost cost;
	size_t prekeys;
};

static int
parse_args(int argc, char **argv, struct cli_opts *o, struct init_args *a)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "user", required_argument, NULL, 'u' },
		{ "keyserver", required_argument, NULL, 'k' },
		{ "relay", required_argument, NULL, 'r' },
		{ "invite", required_argument, NULL, 'i' },
		{ "link", required_argument, NULL, 'l' },
		{ "pin", required_argument, NULL, 'p' },
		{ "passphrase", no_argument, NULL, 'P' },
		{ "kdf-cost", required_argument, NULL, 'K' },
		{ "prekeys", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	unsigned long n;
	int ch, r;

	memset(a, 0, sizeof(*a));
	a->cost = CLI_KDF_MODERATE;
	a->prekeys = CLI_OPK_INITIAL;
	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		switch (ch) {
		case CLI_OPT_HELP:
			cli_help(&cli_cmd_init);
			return -1;
		case 'u':
			a->user = optarg;
			break;
		case 'k':
			a->keyserver = optarg;
			break;
		case 'r':
			a->relay = optarg;
			break;
		case 'i':
			a->invite = optarg;
			break;
		case 'l':
			a->link = optarg;
			break;
		case 'p':
			if ((r = cli_parse_pin(&cli_cmd_init, optarg, a->pins,
				 &a->npins)) != 0) {
				return r;
			}
			break;
		case 'P':
			a->passphrase = 1;
			break;
		case 'K':
			if (strcmp(optarg, "interactive") == 0) {
				a->cost = CLI_KDF_INTERACTIVE;
			} else if (strcmp(optarg, "moderate") == 0) {
				a->cost = CLI_KDF_MODERATE;
			} else if (strcmp(optarg, "sensitive") == 0) {
				a->cost = CLI_KDF_SENSITIVE;
			} else {
				return cli_usage_error(&cli_cmd_init,
				    "--kdf-cost is interactive, moderate or "
				    "sensitive");
			}
			break;
		case 'n':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    n < 1 || n > PROTO_MAX_PREKEYS) {
				return cli_usage_error(&cli_cmd_init,
				    "--prekeys is 1 to 1000");
			}
			a->prekeys = n;
			break;
		default:
			if (!cli_common_opt(ch, optarg, o)) {
				return cli_usage_error(&cli_cmd_init, NULL);
			}
		}
	}
	if (optind != argc || a->user == NULL || a->keyserver == NULL ||
	    a->relay == NULL) {
		return cli_usage_error(&cli_cmd_init,
		    "--user, --keyserver and --relay are needed");
	}
	if (!proto_user_valid((const uint8_t *)a->user, strlen(a->user))) {
		return cli_usage_error(&cli_cmd_init,
		    "a user name is 3 to 32 of a-z, 0-9, '.', '_', '-', "
		    "starting with a letter");
	}
	if (a->link != NULL && a->invite != NULL) {
		return cli_usage_error(&cli_cmd_init,
		    "--invite registers a new account, --link joins one: not "
		    "both");
	}
	if (strlen(a->keyserver) > CLI_MAX_URL || strlen(a->relay) >
	    CLI_MAX_URL) {
		return cli_usage_error(&cli_cmd_init, "a URL is too long");
	}
	if (a->npins > 0 && !cli_url_is_tls(a->keyserver) &&
	    !cli_url_is_tls(a->relay)) {
		return cli_usage_error(&cli_cmd_init,
		    "--pin applies to tls+tcp:// and wss:// servers, and "
		    "neither URL is one");
	}
	return 0;
}

/* Makes the storage key (key file or passphrase) and opens the store. */
static int
make_store(struct cli_ctx *c, const struct init_args *a)
{
	struct cli_storage_key *key = NULL;
	char pass[CLI_MAX_PASSPHRASE];
	size_t n = 0;
	int r;

	if (!a->passphrase) {
		r = cli_key_file_create(c->home, c->rng, &key);
	} else if ((r = cli_read_passphrase(&c->opt, 1, pass, sizeof(pass),
			&n)) == 0) {
		r = cli_key_passphrase_create(c->home, pass, n, a->cost, c->rng,
		    &key);
	}
	sodium_memzero(pass, sizeof(pass));
	if (r == 0) {
		r = cli_store_open(c->home, key, c->rng, &c->store);
	}
	cli_storage_key_free(key);
	return r != 0 && cli_err_detail() == NULL
	    ? cli_fail(CLI_EXIT_STATE, r, "cannot create the storage key and "
					  "database in %s",
		  c->home)
	    : r;
}

/* Removes what a failed init created, so that it can simply be run
 * again. */
static void
undo(struct cli_ctx *c)
{
	static const char *const files[] = { CLI_KEY_FILENAME,
		CLI_PARAMS_FILENAME, CLI_DB_FILENAME, CLI_DB_FILENAME "-wal",
		CLI_DB_FILENAME "-shm" };
	char p[CLI_PATH_MAX + 32];
	size_t i;

	cli_store_close(c->store);
	c->store = NULL;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", c->home,
			files[i]) < sizeof(p)) {
			(void)unlink(p);
		}
	}
}

/* The keys of the new device, stored, and their public upload. */
static int
make_keys(struct cli_ctx *c, const struct init_args *a,
    struct proto_device_upload *u, struct wire_writer *opks)
{
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = identity_new(c->rng, &c->ik)) != 0 ||
	    (r = cli_store_identity_put(c->store, c->ik)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r, "cannot store the new "
						   "identity key");
	}
	c->dev.ik = c->ik;
	memcpy(u->ik, c->ik->ed_pk, KEY_LEN);
	wire_writer_init(opks, 2 + a->prekeys * (4 + KEY_LEN));
	if ((r = cli_dir_new_spk(c, PREKEY_SIGNED, &u->spk)) != 0 ||
	    (r = cli_dir_new_spk(c, PREKEY_LAST_RESORT, &u->lrk)) != 0 ||
	    (r = cli_dir_new_opks(c, a->prekeys, opks)) != 0) {
		return r;
	}
	if (opks->err != 0) {
		return opks->err;
	}
	u->opks.p = opks->buf + 2; /* after the count */
	u->opks.n = a->prekeys;
	return 0;
}

/* The new device's half of linking: the request out, the approval in. */
static int
link_request(struct cli_ctx *c, struct cli_conn *ks, const char *user,
    const char *code, struct proto_device_upload *u)
{
	uint8_t blob[PROTO_MAX_LINK_BLOB];
	struct cli_link_code lc;
	char kid[20];
	size_t n = 0;
	int r;

	if ((r = cli_link_code_parse(code, &lc)) != 0) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    r == ERR_INVALID ? "a link code is 16 letters and digits, "
				       "as `" CLI_PROG " devices link` shows "
				       "it"
				     : "cannot derive the key of the link code");
	}
	cli_link_request(&lc, user, u->ik, blob, &n);
	cli_key_id(u->ik, kid);
	if ((r = cli_link_put(ks, lc.slot, PROTO_LINK_REQUEST, blob, n)) ==
	    0) {
		cli_notice(c, "link_waiting", json_pack("{s:s}", "key", kid),
		    "waiting for a device of %s to approve this one; this "
		    "device's key is %s: check that the other device shows "
		    "the same",
		    user, kid);
		r = cli_link_get(ks, lc.slot, PROTO_LINK_RESPONSE,
		    clock_wall_ms() + LINK_WAIT_MS, blob, &n);
	}
	if (r == 0 && cli_link_response_open(&lc, user, u->ik, blob, n,
			  &u->approver, u->link_sig) != 0) {
		r = cli_fail(CLI_EXIT_AUTH, ERR_AUTH,
		    "the approval that came back does not match this code: "
		    "someone else may have answered; start again with a new "
		    "code");
	}
	cli_link_code_wipe(&lc);
	return r;
}

/* Records why the key server refused the join. */
static int
join_refused(struct cli_conn *ks, const char *user, struct cli_reply *rep)
{
	switch (rep->code) {
	case ERR_EXISTS:
		return cli_fail(CLI_EXIT_REFUSED, ERR_EXISTS,
		    "the user name %s is taken on the key server at %s: "
		    "choose another, or join that account from one of its "
		    "devices with `" CLI_PROG " devices link`",
		    user, cli_conn_url(ks));
	case ERR_INVITE:
		return cli_fail(CLI_EXIT_REFUSED, ERR_INVITE,
		    "the key server at %s needs a valid invitation: the "
		    "invite given is unknown, expired or used up (ask the "
		    "administrator for one and pass it with --invite)",
		    cli_conn_url(ks));
	default:
		return cli_conn_refused(ks, "to add this device", rep);
	}
}

/* REGISTER (approver 0) or LINK the upload u; *device gets its id. */
static int
join(struct cli_ctx *c, struct cli_conn *ks, const struct init_args *a,
    const struct proto_device_upload *u, uint32_t *device)
{
	struct proto_challenge ch;
	struct proto_join m;
	struct wire_writer w;
	struct cli_reply rep;
	int is_link = a->link != NULL, r;

	*device = 0;
	if ((r = cli_conn_challenge(ks, &ch)) != 0) {
		return r;
	}
	memset(&m, 0, sizeof(m));
	snprintf(m.invite, sizeof(m.invite), "%s",
	    a->invite != NULL ? a->invite : "");
	snprintf(m.user, sizeof(m.user), "%s", a->user);
	m.dev = *u;
	memcpy(m.nonce, ch.nonce, PROTO_NONCE_LEN);
	if (!is_link) {
		m.dev.approver = 0; /* the first device approves itself */
		wire_writer_init(&w, 128);
		proto_link_tbs(&w, m.user, m.dev.ik);
		if ((r = identity_sign_tbs(c->ik, &w, m.dev.link_sig)) != 0) {
			return r;
		}
	}
	wire_writer_init(&w, 512);
	proto_join_tbs(&w, ch.server_id, m.nonce, m.user, m.dev.ik);
	if ((r = identity_sign_tbs(c->ik, &w, m.sig)) != 0) {
		return r;
	}
	wire_writer_init(&w, (size_t)64 << 10);
	proto_join_encode(&w, &m, is_link);
	r = cli_conn_call_w(ks, is_link ? PROTO_LINK : PROTO_REGISTER, &w, 0,
	    &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = join_refused(ks, a->user, &rep);
	} else if (r == 0 && (r = proto_u32_decode(&rep.body, device)) != 0) {
		r = cli_fail(0, r, "the key server at %s sent a malformed "
				   "reply",
		    cli_conn_url(ks));
	}
	cli_reply_free(&rep);
	return r;
}

/* Refuses a home that holds anything of a client already. */
static int
check_fresh(struct cli_ctx *c)
{
	char p[CLI_PATH_MAX + 32];
	int kind;

	if ((kind = cli_key_kind(c->home)) < 0) {
		return cli_fail(CLI_EXIT_STATE, kind, "cannot inspect %s",
		    c->home);
	}
	snprintf(p, sizeof(p), "%s/%s", c->home, CLI_DB_FILENAME);
	if (kind != CLI_KEY_NONE || access(p, F_OK) == 0) {
		return cli_fail(CLI_EXIT_STATE, ERR_EXISTS,
		    "%s is set up already (give another --home for another "
		    "account, or remove the directory to start over: that "
		    "loses its keys and messages)",
		    c->home);
	}
	return 0;
}

static void
print_summary(const struct cli_ctx *c, const struct cli_pinned *ks,
    const struct cli_pinned *relay)
{
	char kid[20], h1[2 * CLI_TLS_PIN_LEN + 1], h2[2 * CLI_TLS_PIN_LEN + 1];

	cli_key_id(c->ik->ed_pk, kid);
	cli_tls_pin_format(ks->pin, h1);
	cli_tls_pin_format(relay->pin, h2);
	if (c->opt.json) {
		cli_json_emit(json_pack(
		    "{s:s,s:s,s:I,s:s,s:s,s:{s:s,s:s?},s:{s:s,s:s?}}", "type",
		    "init", "user", c->acct.user, "device",
		    (json_int_t)c->acct.device, "home", c->home, "key", kid,
		    "keyserver", "url", ks->url, "pin",
		    ks->has_pin ? h1 : NULL, "relay", "url", relay->url, "pin",
		    relay->has_pin ? h2 : NULL));
		return;
	}
	printf("Set up %s, device %u, in %s.\n", c->acct.user,
	    c->acct.device, c->home);
	printf("This device's key: %s\n", kid);
	printf("Key server: %s%s%s\n", ks->url,
	    ks->has_pin ? ", certificate SHA-256 " : "", ks->has_pin ? h1 : "");
	printf("Relay:      %s%s%s\n", relay->url,
	    relay->has_pin ? ", certificate SHA-256 " : "",
	    relay->has_pin ? h2 : "");
}

/* The account row once the directory has the device. */
static int
save_account(struct cli_ctx *c, const struct init_args *a, uint32_t device,
    const struct cli_pinned *ks, const struct cli_pinned *relay)
{
	struct cli_account *ac = &c->acct;
	int r;

	memset(ac, 0, sizeof(*ac));
	snprintf(ac->user, sizeof(ac->user), "%s", a->user);
	ac->device = device;
	snprintf(ac->keyserver_url, sizeof(ac->keyserver_url), "%s",
	    a->keyserver);
	snprintf(ac->relay_url, sizeof(ac->relay_url), "%s", a->relay);
	if ((ac->has_keyserver_pin = ks->has_pin) != 0) {
		memcpy(ac->keyserver_pin, ks->pin, CLI_PIN_LEN);
	}
	if ((ac->has_relay_pin = relay->has_pin) != 0) {
		memcpy(ac->relay_pin, relay->pin, CLI_PIN_LEN);
	}
	ac->created_ms = clock_wall_ms();
	if ((r = cli_store_account_put(c->store, ac)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "the key server added device %u of %s, but it could not "
		    "be recorded in %s; remove the directory, set up again, "
		    "and revoke device %u from another device",
		    device, a->user, c->home, device);
	}
	snprintf(c->dev.user, sizeof(c->dev.user), "%s", a->user);
	c->dev.id = device;
	return 0;
}

/* Everything up to the device's registration; undone if it fails. */
static int
setup(struct cli_ctx *c, const struct init_args *a, struct cli_pinned *ks,
    struct cli_pinned *relay)
{
	struct cli_server srv = { ks->name, ks->url, NULL };
	struct proto_device_upload u;
	struct wire_writer opks;
	struct cli_conn *conn = NULL;
	uint32_t device = 0;
	int r;

	memset(&opks, 0, sizeof(opks));
	if ((r = cli_pin_server(c, ks, a->pins, a->npins, NULL, 0)) != 0 ||
	    (r = cli_pin_server(c, relay, a->pins, a->npins, NULL, 0)) !=
		0 ||
	    (r = make_store(c, a)) != 0 || (r = make_keys(c, a, &u, &opks)) !=
		0) {
		goto out;
	}
	srv.pin = ks->has_pin ? ks->pin : NULL;
	if ((r = cli_conn_open(&srv, &conn)) != 0) {
		goto out;
	}
	cli_signals_watch(conn);
	if (a->link != NULL &&
	    (r = link_request(c, conn, a->user, a->link, &u)) != 0) {
		goto out;
	}
	if ((r = join(c, conn, a, &u, &device)) != 0) {
		goto out;
	}
	r = save_account(c, a, device, ks, relay);
out:
	cli_signals_forget();
	cli_conn_free(conn);
	wire_writer_wipe(&opks);
	if (r != 0 && device == 0) {
		undo(c);
	}
	return r;
}

/* After the registration: the relay answers, and the own device list
 * checks out (a linked device sees its approver). Warnings only. */
static void
check_after(struct cli_ctx *c)
{
	struct cli_refresh rep;
	struct cli_conn *conn;

	if (cli_relay(c, &conn) != 0) {
		cli_notice(c, "relay", NULL, "set up, but the relay cannot be "
					     "used yet: %s",
		    cli_err_detail() != NULL ? cli_err_detail() : "error");
		cli_err_clear();
	}
	if (cli_dir_refresh(c, c->acct.user, &rep) != 0) {
		cli_notice(c, "devices", NULL, "set up, but the account's "
					       "device list could not be "
					       "checked: %s",
		    cli_err_detail() != NULL ? cli_err_detail() : "error");
		cli_err_clear();
	}
}

int
init_main(int argc, char **argv, struct cli_opts *o)
{
	struct init_args a;
	struct cli_ctx c;
	struct cli_pinned ks, relay;
	int r, code;

	if ((r = parse_args(argc, argv, o, &a)) != 0) {
		return r < 0 ? CLI_EXIT_OK : r;
	}
	cli_apply_opts(o);
	if (a.link != NULL && cli_signals_start() != 0) {
		return CLI_EXIT_FAIL;
	}
	memset(&c, 0, sizeof(c));
	c.opt = *o;
	c.rng = &rng_system;
	memset(&ks, 0, sizeof(ks));
	memset(&relay, 0, sizeof(relay));
	ks.name = "key server";
	ks.url = a.keyserver;
	relay.name = "relay";
	relay.url = a.relay;
	if ((r = cli_home_resolve(o->home, c.home)) != 0) {
		r = cli_fail(CLI_EXIT_STATE, r,
		    "cannot find a home directory: give --home DIR");
	} else if ((r = cli_home_prepare(c.home)) != 0) {
		r = cli_fail(CLI_EXIT_STATE, r,
		    "the home directory %s is not usable (it must be yours "
		    "and mode 0700)", c.home);
	}
	if (r == 0 && (r = check_fresh(&c)) == 0 &&
	    (r = setup(&c, &a, &ks, &relay)) == 0) {
		check_after(&c);
		print_summary(&c, &ks, &relay);
	}
	code = cli_report(&c, r);
	cli_close(&c);
	return code;
}
