/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost devices list | link | revoke ID */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_dir.h"
#include "client-cli/cli_link.h"
#include "client-cli/cli_signal.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

static int devices_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_devices = {
	"devices",
	devices_main,
	"list, link or revoke the devices of your account",
	"usage: " CLI_PROG " devices [OPTIONS] list | link [--yes] | revoke ID\n"
	"\n"
	"list    the account's devices as the key server lists them, every\n"
	"        link signature checked: which device approved which\n"
	"link    shows a one-time code (it lasts ten minutes at most) and\n"
	"        the command to run on the new device:\n"
	"        `" CLI_PROG " init --user NAME --keyserver URL --relay URL "
	"--link CODE`,\n"
	"        with --pin FINGERPRINT for TLS servers. This device then\n"
	"        shows the new device's key for you to compare, and signs\n"
	"        it into the account.\n"
	"revoke  removes device ID from the account (this one included):\n"
	"        it stops receiving at once\n"
	"\n"
	"  -y, --yes            link without asking (needed with --json)\n",
};

static int
list(struct cli_ctx *c)
{
	struct cli_devlist *l;
	char kid[20];
	json_t *arr = NULL;
	size_t i;
	int r;

	if ((l = mem_zalloc(sizeof(*l))) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = cli_dir_fetch(c, c->acct.user, l)) != 0) {
		goto out;
	}
	if (c->opt.json) {
		arr = json_array();
	} else {
		printf("%-7s %-20s %-9s %s\n", "DEVICE", "KEY", "APPROVER",
		    "STATE");
	}
	for (i = 0; i < l->n; i++) {
		cli_key_id(l->d[i].ik, kid);
		if (arr != NULL) {
			json_array_append_new(arr,
			    json_pack("{s:I,s:s,s:I,s:b,s:b}", "device",
				(json_int_t)l->d[i].device_id, "key", kid,
				"approver", (json_int_t)l->d[i].approver,
				"revoked", l->d[i].revoked != 0, "this",
				l->d[i].device_id == c->acct.device));
			continue;
		}
		printf("%-7u %-20s %-9u %s%s\n", l->d[i].device_id, kid,
		    l->d[i].approver, l->d[i].revoked ? "revoked" : "active",
		    l->d[i].device_id == c->acct.device ? " (this device)"
							: "");
	}
	if (arr != NULL) {
		cli_json_emit(json_pack("{s:s,s:s,s:o}", "type", "devices",
		    "user", c->acct.user, "devices", arr));
	}
out:
	mem_wipe_free(l, sizeof(*l));
	return r;
}

/* Shows the code and the command for the new device, pins included. */
static void
print_code(const struct cli_ctx *c, const char *text)
{
	const struct cli_account *a = &c->acct;
	char h1[2 * CLI_TLS_PIN_LEN + 1], h2[2 * CLI_TLS_PIN_LEN + 1];
	char pins[2 * (2 * CLI_TLS_PIN_LEN + 8) + 1] = "";
	json_t *arr = json_array();

	if (a->has_keyserver_pin) {
		cli_tls_pin_format(a->keyserver_pin, h1);
		snprintf(pins, sizeof(pins), " --pin %s", h1);
		json_array_append_new(arr, json_string(h1));
	}
	if (a->has_relay_pin) {
		cli_tls_pin_format(a->relay_pin, h2);
		if (!a->has_keyserver_pin || strcmp(h1, h2) != 0) {
			snprintf(pins + strlen(pins), sizeof(pins) - strlen(pins),
			    " --pin %s", h2);
			json_array_append_new(arr, json_string(h2));
		}
	}
	if (c->opt.json) {
		cli_json_emit(json_pack("{s:s,s:s,s:I,s:o}", "type",
		    "link_code", "code", text, "expires_in_s",
		    (json_int_t)(PROTO_LINK_TTL_MS / 1000), "pins", arr));
		return;
	}
	json_decref(arr);
	printf("Link code: %s\n\nOn the new device run:\n  " CLI_PROG
	       " init --user %s --keyserver %s --relay %s --link %s%s\n\n"
	       "Waiting for it (the code lasts ten minutes at most; ^C to "
	       "stop)...\n",
	    text, a->user, a->keyserver_url, a->relay_url, text, pins);
	fflush(stdout);
}

/* Shows the new device's key and asks (unless yes). */
static int
approve(struct cli_ctx *c, const uint8_t ik[static KEY_LEN], int yes)
{
	char kid[20], q[160];
	int answer;

	cli_key_id(ik, kid);
	if (yes) {
		return 0;
	}
	if (c->opt.json) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "with --json nothing is asked: give --yes to approve the "
		    "device with key %s", kid);
	}
	snprintf(q, sizeof(q), "A new device with key %s asks to join %s. "
			       "Does the new device show that key?",
	    kid, c->acct.user);
	if ((answer = cli_confirm(q)) == 1) {
		return 0;
	}
	return cli_fail(CLI_EXIT_AUTH, ERR_PERM,
	    answer < 0 ? "there is no terminal to confirm the new device on: "
			 "give --yes to approve it without asking"
		       : "the new device was not approved");
}

/* The existing device's half of linking. */
static int
link_dev(struct cli_ctx *c, int yes)
{
	uint8_t blob[PROTO_MAX_LINK_BLOB], ik[KEY_LEN], sig[SIG_LEN];
	char text[CLI_LINK_CODE_TEXT], kid[20];
	struct cli_link_code lc;
	struct wire_writer tbs;
	struct cli_conn *ks;
	size_t n = 0;
	int r;

	if ((r = cli_keyserver(c, &ks)) != 0) {
		return r;
	}
	cli_signals_watch(ks);
	if ((r = cli_link_code_new(c->rng, &lc, text)) != 0) {
		return cli_fail(0, r, "cannot derive a link code");
	}
	if ((r = cli_link_open(ks, lc.slot)) != 0) {
		goto out;
	}
	print_code(c, text);
	if ((r = cli_link_get(ks, lc.slot, PROTO_LINK_REQUEST,
		 clock_wall_ms() + PROTO_LINK_TTL_MS, blob, &n)) != 0) {
		goto out;
	}
	if (cli_link_request_open(&lc, c->acct.user, blob, n, ik) != 0) {
		r = cli_fail(CLI_EXIT_AUTH, ERR_AUTH,
		    "the request that came in does not match this code: it "
		    "was not approved; run `" CLI_PROG " devices link` again");
		goto out;
	}
	if ((r = approve(c, ik, yes)) != 0) {
		goto out;
	}
	wire_writer_init(&tbs, 128);
	proto_link_tbs(&tbs, c->acct.user, ik);
	if ((r = identity_sign_tbs(c->ik, &tbs, sig)) != 0) {
		goto out;
	}
	cli_link_response(&lc, c->acct.user, ik, c->acct.device, sig, blob,
	    &n);
	if ((r = cli_link_put(ks, lc.slot, PROTO_LINK_RESPONSE, blob, n)) ==
	    0) {
		cli_key_id(ik, kid);
		if (c->opt.json) {
			cli_json_emit(json_pack("{s:s,s:s}", "type",
			    "link_approved", "key", kid));
		} else {
			printf("Approved the device with key %s; it now "
			       "joins the account.\n",
			    kid);
		}
	}
out:
	cli_link_code_wipe(&lc);
	return r;
}

static int
revoke(struct cli_ctx *c, const char *arg)
{
	struct cli_devlist *l = NULL;
	const struct proto_device *d;
	struct proto_revoke m;
	struct wire_writer w;
	struct cli_reply rep;
	struct cli_refresh rr;
	struct cli_conn *ks;
	unsigned long id;
	char *end;
	int r;

	errno = 0;
	id = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || end == arg || id == 0 ||
	    id > UINT32_MAX) {
		return cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "a device is named by its number, as `" CLI_PROG
		    " devices list` shows it");
	}
	if ((l = mem_zalloc(sizeof(*l))) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = cli_dir_fetch(c, c->acct.user, l)) != 0) {
		goto out;
	}
	if ((d = cli_devlist_find(l, (uint32_t)id)) == NULL || d->revoked) {
		r = cli_fail(CLI_EXIT_REFUSED, ERR_NOT_FOUND,
		    "%s has no active device %lu", c->acct.user, id);
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.device_id = (uint32_t)id;
	wire_writer_init(&w, 128);
	proto_revoke_tbs(&w, c->acct.user, m.device_id, d->ik);
	if ((r = identity_sign_tbs(c->ik, &w, m.sig)) != 0) {
		goto out;
	}
	if ((r = cli_keyserver(c, &ks)) != 0) {
		goto out;
	}
	wire_writer_init(&w, 128);
	proto_revoke_encode(&w, &m);
	r = cli_conn_call_w(ks, PROTO_REVOKE, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(ks, "the revocation", &rep);
	}
	cli_reply_free(&rep);
	if (r == 0 && m.device_id != c->acct.device) {
		/* Forget its sessions and stop sending copies to it. */
		if (cli_dir_refresh(c, c->acct.user, &rr) != 0) {
			cli_err_clear();
		}
	}
	if (r == 0) {
		if (c->opt.json) {
			cli_json_emit(json_pack("{s:s,s:I}", "type", "revoked",
			    "device", (json_int_t)id));
		} else {
			printf("Revoked device %lu of %s.%s\n", id,
			    c->acct.user,
			    m.device_id == c->acct.device
				? " This device can no longer send or "
				  "receive."
				: "");
		}
	}
out:
	mem_wipe_free(l, sizeof(*l));
	return r;
}

int
devices_main(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_ctx c;
	const char *sub;
	int ch, yes = 0, r, code;

	while ((ch = getopt_long(argc, argv, "vy", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_devices);
		}
		if (ch == 'y') {
			yes = 1;
		} else if (!cli_common_opt(ch, optarg, o)) {
			return cli_usage_error(&cli_cmd_devices, NULL);
		}
	}
	sub = optind < argc ? argv[optind] : "list";
	if ((strcmp(sub, "revoke") == 0) != (argc - optind == 2) ||
	    argc - optind > 2 ||
	    (strcmp(sub, "list") != 0 && strcmp(sub, "link") != 0 &&
		strcmp(sub, "revoke") != 0)) {
		return cli_usage_error(&cli_cmd_devices,
		    "list, link, or revoke ID");
	}
	if (strcmp(sub, "link") == 0 && cli_signals_start() != 0) {
		return CLI_EXIT_FAIL;
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	if (strcmp(sub, "list") == 0) {
		r = list(&c);
	} else if (strcmp(sub, "link") == 0) {
		r = link_dev(&c, yes);
	} else {
		r = revoke(&c, argv[optind + 1]);
	}
	code = cli_report(&c, r);
	cli_signals_forget();
	cli_close(&c);
	return code;
}
