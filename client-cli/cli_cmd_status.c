/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost status: the account, both servers, prekeys, queues and the
 * contacts that are not verified. */
#include <string.h>
#include <time.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_dir.h"
#include "client-cli/cli_recv.h"
#include "client-cli/cli_send.h"
#include "client-cli/cli_tls.h"
#include "common/err.h"
#include "common/mem.h"

static int status_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_status = {
	"status",
	status_main,
	"show the account, the servers, prekeys, queues and contacts",
	"usage: " CLI_PROG " status [OPTIONS]\n"
	"\n"
	"Shows this device's account and key, whether each server answers\n"
	"(and the certificate pinned for it), this device's prekey stock on\n"
	"the key server (refilled when low), the messages waiting on the\n"
	"relay and in the local outbox, and the contacts whose identity is\n"
	"not verified or has changed. Exit status 4 if a server cannot be\n"
	"reached.\n",
};

struct report {
	const char *self;
	int ks_ok, relay_ok;
	char ks_err[512], relay_err[512];
	double ks_ms, relay_ms;
	struct cli_upkeep up;
	int up_ok;
	size_t waiting;
	int more;
	uint64_t queued, stored, local_opks;
	json_t *unverified, *changed;
	size_t verified, contacts;
};

static double
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Signs in to one server and times it; the error is kept as text. */
static int
probe(struct cli_ctx *c, int relay, double *ms, char *err, size_t cap)
{
	struct cli_conn *conn;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = relay ? cli_relay(c, &conn) : cli_keyserver(c, &conn);
	*ms = elapsed_ms(&t0);
	if (r != 0) {
		snprintf(err, cap, "%s",
		    cli_err_detail() != NULL ? cli_err_detail() : err_str(r));
		cli_err_clear();
		return 0;
	}
	return 1;
}

static int
count_contact(const struct cli_contact *ct, void *arg)
{
	struct report *rp = arg;

	/* The own account is a contact row too: not one to list. */
	if (strcmp(ct->user, rp->self) == 0) {
		return 0;
	}
	if (ct->trust == CLI_TRUST_VERIFIED) {
		rp->verified++;
	} else {
		json_array_append_new(ct->trust == CLI_TRUST_CHANGED
			? rp->changed
			: rp->unverified,
		    json_string(ct->user));
	}
	rp->contacts++;
	return 0;
}

/* The messages waiting on the relay (a FETCH acknowledges nothing). */
static void
queue(struct cli_ctx *c, struct report *rp)
{
	struct cli_fetched *f;
	struct cli_conn *relay;

	if (!rp->relay_ok || cli_relay(c, &relay) != 0 ||
	    (f = mem_zalloc(sizeof(*f))) == NULL) {
		cli_err_clear();
		return;
	}
	if (cli_recv_fetch(relay, 0, f) == 0) {
		rp->waiting = f->n;
		rp->more = f->n == CLI_FETCH_MAX;
	}
	cli_err_clear();
	cli_fetched_free(f);
	free(f);
}

static int
gather(struct cli_ctx *c, struct report *rp)
{
	int r;

	rp->ks_ok = probe(c, 0, &rp->ks_ms, rp->ks_err, sizeof(rp->ks_err));
	rp->relay_ok = probe(c, 1, &rp->relay_ms, rp->relay_err,
	    sizeof(rp->relay_err));
	if (rp->ks_ok) {
		rp->up_ok = cli_dir_maintain(c, &rp->up) == 0;
		cli_err_clear();
	}
	queue(c, rp);
	rp->unverified = json_array();
	rp->changed = json_array();
	if ((r = cli_store_count(c->store, CLI_COUNT_QUEUED, &rp->queued)) !=
		0 ||
	    (r = cli_store_count(c->store, CLI_COUNT_MESSAGES, &rp->stored)) !=
		0 ||
	    (r = cli_store_opk_count(c->store, &rp->local_opks)) != 0) {
		return r;
	}
	return cli_store_contact_foreach(c->store, count_contact, rp);
}

static json_t *
server_json(const char *url, int has_pin, const uint8_t *pin, int ok,
    double ms, const char *err)
{
	char hex[2 * CLI_TLS_PIN_LEN + 1];

	if (has_pin) {
		cli_tls_pin_format(pin, hex);
	}
	return json_pack("{s:s,s:s?,s:b,s:f,s:s?}", "url", url, "pin",
	    has_pin ? hex : NULL, "reachable", ok, "sign_in_ms", ms, "error",
	    ok ? NULL : err);
}

static void
print_json(const struct cli_ctx *c, struct report *rp)
{
	const struct cli_account *a = &c->acct;
	char kid[20];

	cli_key_id(c->ik->ed_pk, kid);
	cli_json_emit(json_pack("{s:s,s:s,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o}",
	    "type", "status", "user", a->user, "device", (json_int_t)a->device,
	    "key", kid, "home", c->home, "keyserver",
	    server_json(a->keyserver_url, a->has_keyserver_pin,
		a->keyserver_pin, rp->ks_ok, rp->ks_ms, rp->ks_err),
	    "relay",
	    server_json(a->relay_url, a->has_relay_pin, a->relay_pin,
		rp->relay_ok, rp->relay_ms, rp->relay_err),
	    "prekeys",
	    rp->up_ok
		? json_pack("{s:I,s:I,s:I,s:I,s:I}", "server_one_time",
		      (json_int_t)rp->up.st.opk_count, "local_one_time",
		      (json_int_t)rp->local_opks, "last_resort_uses",
		      (json_int_t)rp->up.st.last_resort_uses, "signed_prekey",
		      (json_int_t)rp->up.st.spk_id, "uploaded",
		      (json_int_t)rp->up.uploaded)
		: json_null(),
	    "queue",
	    json_pack("{s:I,s:b,s:I,s:I}", "waiting", (json_int_t)rp->waiting,
		"more", rp->more, "outbox", (json_int_t)rp->queued, "stored",
		(json_int_t)rp->stored),
	    "contacts",
	    json_pack("{s:I,s:I,s:O,s:O}", "total",
		(json_int_t)rp->contacts, "verified", (json_int_t)rp->verified,
		"unverified", rp->unverified, "changed", rp->changed)));
}

static void
print_server(const char *name, const char *url, int has_pin,
    const uint8_t *pin, int ok, double ms, const char *err)
{
	char hex[2 * CLI_TLS_PIN_LEN + 1];

	if (ok) {
		printf("%-11s %s: signed in (%.1f ms)\n", name, url, ms);
	} else {
		printf("%-11s %s: NOT reachable: %s\n", name, url, err);
	}
	if (has_pin) {
		cli_tls_pin_format(pin, hex);
		printf("%-11s certificate SHA-256 %s\n", "", hex);
	}
}

static void
print_text(const struct cli_ctx *c, const struct report *rp)
{
	const struct cli_account *a = &c->acct;
	char kid[20], *names;

	cli_key_id(c->ik->ed_pk, kid);
	printf("%-11s %s, device %u, key %s\n", "Account:", a->user,
	    a->device, kid);
	printf("%-11s %s\n", "Home:", c->home);
	print_server("Key server:", a->keyserver_url, a->has_keyserver_pin,
	    a->keyserver_pin, rp->ks_ok, rp->ks_ms, rp->ks_err);
	print_server("Relay:", a->relay_url, a->has_relay_pin, a->relay_pin,
	    rp->relay_ok, rp->relay_ms, rp->relay_err);
	if (rp->up_ok) {
		printf("%-11s %u one-time on the key server (%llu kept "
		       "here)%s; last resort used %u times; signed prekey "
		       "%u\n",
		    "Prekeys:", rp->up.st.opk_count,
		    (unsigned long long)rp->local_opks,
		    rp->up.uploaded > 0 ? ", just refilled" : "",
		    rp->up.st.last_resort_uses, rp->up.st.spk_id);
	}
	printf("%-11s %zu%s waiting on the relay, %llu queued to send, %llu "
	       "stored\n",
	    "Messages:", rp->waiting, rp->more ? " or more" : "",
	    (unsigned long long)rp->queued, (unsigned long long)rp->stored);
	names = json_dumps(rp->changed, JSON_COMPACT);
	printf("%-11s %zu, %zu verified; identity changed: %s\n",
	    "Contacts:", rp->contacts, rp->verified,
	    json_array_size(rp->changed) > 0 && names != NULL ? names
							      : "none");
	free(names);
	names = json_dumps(rp->unverified, JSON_COMPACT);
	printf("%-11s %s\n", "Unverified:",
	    json_array_size(rp->unverified) > 0 && names != NULL ? names
								 : "none");
	free(names);
}

int
status_main(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct report rp;
	struct cli_ctx c;
	int ch, r, code;

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_status);
		}
		if (!cli_common_opt(ch, optarg, o)) {
			return cli_usage_error(&cli_cmd_status, NULL);
		}
	}
	if (optind != argc) {
		return cli_usage_error(&cli_cmd_status, "no arguments");
	}
	if ((code = cli_open_or_report(&c, o)) != 0) {
		cli_close(&c);
		return code;
	}
	memset(&rp, 0, sizeof(rp));
	rp.self = c.acct.user;
	if ((r = gather(&c, &rp)) == 0) {
		if (c.opt.json) {
			print_json(&c, &rp);
		} else {
			print_text(&c, &rp);
		}
	}
	json_decref(rp.unverified);
	json_decref(rp.changed);
	code = cli_report(&c, r);
	if (code == 0 && (!rp.ks_ok || !rp.relay_ok)) {
		code = CLI_EXIT_NET;
	}
	cli_close(&c);
	return code;
}
