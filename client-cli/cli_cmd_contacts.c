/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost contacts, sealpost verify USER, sealpost trust USER. */
#include <string.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_dir.h"
#include "common/err.h"
#include "crypto/fingerprint.h"

static int contacts_main(int argc, char **argv, struct cli_opts *o);
static int verify_main(int argc, char **argv, struct cli_opts *o);
static int trust_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_contacts = {
	"contacts",
	contacts_main,
	"list the people you exchanged messages with",
	"usage: " CLI_PROG " contacts [OPTIONS]\n"
	"\n"
	"Lists every contact with its trust (unverified: keys accepted on\n"
	"first use; verified: safety numbers compared; changed: an identity\n"
	"key changed and messages to them are held until `" CLI_PROG
	" trust`),\n"
	"its devices and when it was first seen.\n",
};

const struct cli_cmd cli_cmd_verify = {
	"verify",
	verify_main,
	"show the safety numbers of a contact and mark it verified",
	"usage: " CLI_PROG " verify [OPTIONS] USER [--confirm]\n"
	"\n"
	"Refreshes USER's device list and shows one 60-digit safety number\n"
	"per device of USER, computed from USER's and this device's identity\n"
	"keys. USER sees the same numbers with `" CLI_PROG " verify` on their\n"
	"side. Compare them in person or over a call you trust: if they\n"
	"match, nobody (not even the key server) substituted a key. Asks\n"
	"whether they match on a terminal; --confirm records it without\n"
	"asking.\n"
	"\n"
	"  --confirm            mark USER verified (the numbers were compared)\n",
};

const struct cli_cmd cli_cmd_trust = {
	"trust",
	trust_main,
	"accept a contact's changed identity key",
	"usage: " CLI_PROG " trust [OPTIONS] USER\n"
	"\n"
	"When USER's identity changes (they set Sealpost up again, or\n"
	"someone is impersonating them), messages to USER are held. After\n"
	"checking with USER, ideally with `" CLI_PROG " verify USER`, this\n"
	"accepts the new keys: held messages then go out with the next send\n"
	"or receive.\n",
};

static const char *
trust_name(enum cli_trust t)
{
	return t == CLI_TRUST_VERIFIED ? "verified"
	    : t == CLI_TRUST_CHANGED   ? "changed"
				       : "unverified";
}

/* Parses common options and exactly nargs arguments. */
static int
parse(const struct cli_cmd *cmd, int argc, char **argv, struct cli_opts *o,
    int nargs, int *confirm)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ "confirm", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			cli_help(cmd);
			return -1;
		}
		if (ch == 'c' && confirm != NULL) {
			*confirm = 1;
		} else if (!cli_common_opt(ch, optarg, o)) {
			return cli_usage_error(cmd, NULL);
		}
	}
	if (argc - optind != nargs) {
		return cli_usage_error(cmd, nargs == 0 ? "no arguments"
						       : "give one user");
	}
	return 0;
}

struct list {
	struct cli_ctx *c;
	json_t *arr;
	size_t n;
	struct cli_contact ct[256];
};

static int
collect(const struct cli_contact *ct, void *arg)
{
	struct list *l = arg;

	if (strcmp(ct->user, l->c->acct.user) != 0 &&
	    l->n < sizeof(l->ct) / sizeof(l->ct[0])) {
		l->ct[l->n++] = *ct;
	}
	return 0;
}

static int
show_contact(struct cli_ctx *c, const struct cli_contact *ct, json_t *arr)
{
	struct cli_contact_device d[PROTO_MAX_LISTED];
	char t[32], ids[PROTO_MAX_LISTED * 11 + 1];
	json_t *devs;
	size_t n = 0, i, off = 0;
	int r;

	if ((r = cli_store_contact_devices(c->store, ct->user, d,
		 PROTO_MAX_LISTED, &n)) != 0) {
		return r;
	}
	cli_time_local(ct->first_seen_ms, t);
	devs = json_array();
	ids[0] = '\0';
	for (i = 0; i < n && i < PROTO_MAX_LISTED; i++) {
		json_array_append_new(devs, json_integer(d[i].device));
		off += (size_t)snprintf(ids + off, sizeof(ids) - off, "%s%u",
		    i > 0 ? "," : "", d[i].device);
	}
	if (arr != NULL) {
		json_array_append_new(arr,
		    json_pack("{s:s,s:s,s:o,s:I}", "user", ct->user, "trust",
			trust_name(ct->trust), "devices", devs, "first_seen_ms",
			(json_int_t)ct->first_seen_ms));
		return 0;
	}
	json_decref(devs);
	printf("%-20s %-10s %-12s %s\n", ct->user, trust_name(ct->trust), ids,
	    t);
	return 0;
}

int
contacts_main(int argc, char **argv, struct cli_opts *o)
{
	struct cli_ctx c;
	struct list *l = NULL;
	json_t *arr = NULL;
	size_t i;
	int r, code;

	if ((r = parse(&cli_cmd_contacts, argc, argv, o, 0, NULL)) != 0) {
		return r < 0 ? CLI_EXIT_OK : r;
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		r = ERR_NOMEM;
	} else {
		l->c = &c;
		r = cli_store_contact_foreach(c.store, collect, l);
	}
	if (r == 0 && c.opt.json) {
		arr = json_array();
	} else if (r == 0) {
		printf("%-20s %-10s %-12s %s\n", "USER", "TRUST", "DEVICES",
		    "FIRST SEEN");
	}
	for (i = 0; r == 0 && i < l->n; i++) {
		r = show_contact(&c, &l->ct[i], arr);
	}
	if (r == 0 && arr != NULL) {
		cli_json_emit(json_pack("{s:s,s:o}", "type", "contacts",
		    "contacts", arr));
	} else {
		json_decref(arr);
	}
	free(l);
	code = cli_report(&c, r);
	cli_close(&c);
	return code;
}

/* Prints the safety numbers of every device of user. */
static int
show_numbers(struct cli_ctx *c, const char *user, json_t *arr)
{
	struct cli_contact_device d[PROTO_MAX_LISTED];
	char num[SAFETY_NUMBER_DIGITS + 1];
	size_t n = 0, i, k;
	int r;

	if ((r = cli_store_contact_devices(c->store, user, d,
		 PROTO_MAX_LISTED, &n)) != 0) {
		return r;
	}
	if (arr == NULL) {
		printf("Safety numbers with %s; compare them with what %s "
		       "sees, in person or over a call you trust:\n",
		    user, user);
	}
	for (i = 0; i < n && i < PROTO_MAX_LISTED; i++) {
		if ((r = fingerprint_safety_number(c->acct.user, c->ik->ed_pk,
			 user, d[i].ik, num)) != 0) {
			return cli_fail(CLI_EXIT_CRYPTO, r,
			    "cannot compute the safety number of %s/%u", user,
			    d[i].device);
		}
		if (arr != NULL) {
			json_array_append_new(arr,
			    json_pack("{s:I,s:s}", "device",
				(json_int_t)d[i].device, "safety_number",
				num));
			continue;
		}
		printf("\n  %s/%u and you (%s/%u):\n   ", user, d[i].device,
		    c->acct.user, c->acct.device);
		for (k = 0; k < SAFETY_NUMBER_DIGITS; k += 5) {
			printf(" %.5s%s", num + k, k == 25 ? "\n   " : "");
		}
		printf("\n");
	}
	return 0;
}

int
verify_main(int argc, char **argv, struct cli_opts *o)
{
	struct cli_refresh rep;
	struct cli_ctx c;
	const char *user;
	json_t *arr = NULL;
	int confirm = 0, r, code, yes;

	if ((r = parse(&cli_cmd_verify, argc, argv, o, 1, &confirm)) != 0) {
		return r < 0 ? CLI_EXIT_OK : r;
	}
	user = argv[optind];
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	if (strcmp(user, c.acct.user) == 0) {
		r = cli_fail(CLI_EXIT_USAGE, ERR_ARG,
		    "your own devices are checked by their link signatures; "
		    "see `" CLI_PROG " devices list`");
	} else if ((r = cli_dir_refresh(&c, user, &rep)) == 0) {
		arr = c.opt.json ? json_array() : NULL;
		r = show_numbers(&c, user, arr);
	}
	yes = confirm;
	if (r == 0 && !confirm && !c.opt.json) {
		yes = cli_confirm("\nDo these numbers match the ones on the "
				  "other side?") == 1;
	}
	if (r == 0 && yes) {
		r = cli_store_contact_set_trust(c.store, user,
		    CLI_TRUST_VERIFIED);
	}
	if (r == 0 && arr != NULL) {
		cli_json_emit(json_pack("{s:s,s:s,s:o,s:b}", "type", "verify",
		    "user", user, "numbers", arr, "verified", yes));
	} else {
		json_decref(arr);
		if (r == 0) {
			printf(yes ? "%s is now verified.\n"
				   : "%s is not marked verified.\n",
			    user);
		}
	}
	code = cli_report(&c, r);
	cli_close(&c);
	return code;
}

int
trust_main(int argc, char **argv, struct cli_opts *o)
{
	struct cli_contact ct;
	struct cli_ctx c;
	const char *user;
	int r, code, was;

	if ((r = parse(&cli_cmd_trust, argc, argv, o, 1, NULL)) != 0) {
		return r < 0 ? CLI_EXIT_OK : r;
	}
	user = argv[optind];
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	if ((r = cli_store_contact_get(c.store, user, &ct)) == ERR_NOT_FOUND) {
		r = cli_fail(CLI_EXIT_REFUSED, r,
		    "%s is not a contact yet: there is nothing to trust", user);
	}
	was = r == 0 ? (int)ct.trust : 0;
	if (r == 0 && (r = cli_dir_trust(&c, user)) == 0) {
		if (c.opt.json) {
			cli_json_emit(json_pack("{s:s,s:s,s:b}", "type",
			    "trust", "user", user, "changed",
			    was == CLI_TRUST_CHANGED));
		} else if (was == CLI_TRUST_CHANGED) {
			printf("Accepted the new identity of %s. Held "
			       "messages go out with your next send or "
			       "receive; compare safety numbers with `" CLI_PROG
			       " verify %s`.\n",
			    user, user);
		} else {
			printf("The identity of %s has not changed: nothing "
			       "to accept.\n",
			    user);
		}
	}
	code = cli_report(&c, r);
	cli_close(&c);
	return code;
}
