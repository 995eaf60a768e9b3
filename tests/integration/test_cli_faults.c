/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The sealpost client when things go wrong: one-time prekeys running
 * out, a kill -9 between commit and send or between decrypt and ack, the
 * relay down, the exit codes and --json errors, and TLS pinning. The
 * everyday paths are in test_cli.c. */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/cli_harness.h"
#include "tests/unit/helpers.h"

#include "client-cli/cli_dir.h" /* CLI_OPK_LOW */

#define MAXM CT_MAX_MSGS
#define NOARGS ((const char *const[]){ NULL })
#define KILLED (128 + SIGKILL)

static json_int_t
outbox(struct ct *t, const char *home, int want)
{
	return ct_int(ct_obj(ct_status(t, home, want), "queue"), "outbox");
}

static void
test_prekeys_run_out(void **state)
{
	struct ct *t = ct_of(state);
	json_t *m[MAXM], *pk;
	json_int_t ad, bd, cd;

	bd = ct_init(t, "bob", "bob", ARGS("--prekeys", "1"));
	ad = ct_init(t, "alice", "alice", NULL);
	cd = ct_init(t, "carol", "carol", NULL);
	/* alice takes bob's only one-time prekey, carol the last-resort
	 * one. */
	ct_send(t, "alice", "bob", "from alice", NULL);
	ct_send(t, "carol", "bob", "from carol", NULL);
	assert_int_equal(ct_receive(t, "bob", m, MAXM), 2);
	ct_assert_msg(m[0], "in", "alice", ad, "from alice");
	ct_assert_msg(m[1], "in", "carol", cd, "from carol");

	pk = ct_obj(ct_status(t, "bob", 0), "prekeys");
	assert_true(ct_int(pk, "last_resort_uses") >= 1);
	/* Refilled by the receive, and kept here. */
	assert_true(ct_int(pk, "server_one_time") >= CLI_OPK_LOW);
	assert_true(ct_int(pk, "local_one_time") >= ct_int(pk,
							 "server_one_time"));

	/* Both sessions work both ways. */
	ct_send(t, "bob", "carol", "to carol", NULL);
	ct_receive_texts(t, "carol", "bob", bd, ARGS("to carol"), NULL);
	ct_send(t, "bob", "alice", "to alice", NULL);
	ct_receive_texts(t, "alice", "bob", bd, ARGS("to alice"), NULL);
}

static void
test_crash_after_receive_commit(void **state)
{
	struct ct *t = ct_of(state);
	char id[CT_ID_HEX + 1];
	json_t *lines, *m[MAXM];
	json_int_t ad, bd;
	int rc;

	ad = ct_init(t, "alice", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);
	ct_send(t, "alice", "bob", "survives", id);

	assert_int_equal(setenv(CT_CRASH_ENV, "receive-committed", 1), 0);
	rc = ct_json(t, "bob", ARGS("receive"), &lines);
	assert_int_equal(unsetenv(CT_CRASH_ENV), 0);
	ct_expect_exit(t, rc, KILLED, "receive killed after its commit");
	assert_int_equal(ct_count(lines, "message"), 0);

	/* Stored but not shown, not acknowledged: shown exactly once. */
	ct_receive_texts(t, "bob", "alice", ad, ARGS("survives"), m);
	assert_string_equal(ct_str(m[0], "id"), id);
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);

	/* The session survived on both sides. */
	ct_send(t, "bob", "alice", "still works", NULL);
	ct_receive_texts(t, "alice", "bob", bd, ARGS("still works"), NULL);
	ct_send(t, "alice", "bob", "and back", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("and back"), NULL);
}

static void
test_crash_after_send_commit(void **state)
{
	struct ct *t = ct_of(state);
	json_t *lines;
	json_int_t ad, bd;
	int rc;

	ad = ct_init(t, "alice", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);

	assert_int_equal(setenv(CT_CRASH_ENV, "send-committed", 1), 0);
	rc = ct_json(t, "alice", ARGS("send", "bob", "queued"), &lines);
	assert_int_equal(unsetenv(CT_CRASH_ENV), 0);
	ct_expect_exit(t, rc, KILLED, "send killed after its commit");
	assert_int_equal(ct_count(lines, "sent"), 0);
	assert_int_equal(outbox(t, "alice", 0), 1);
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);

	/* alice's receive sends what is queued first. */
	ct_receive_texts(t, "alice", "bob", bd, ARGS(NULL), NULL);
	assert_int_equal(outbox(t, "alice", 0), 0);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("queued"), NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);

	ct_send(t, "alice", "bob", "again", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("again"), NULL);
	ct_send(t, "bob", "alice", "reply", NULL);
	ct_receive_texts(t, "alice", "bob", bd, ARGS("reply"), NULL);
}

static void
test_usage_and_help(void **state)
{
	static const char *const cmds[] = { "init", "send", "receive", "chat",
		"contacts", "verify", "trust", "devices", "status",
		"selftest" };
	struct ct *t = ct_of(state);
	char want[64];
	const char *out;
	json_t *lines;
	size_t i;

	ct_expect_exit(t, ct_text(t, NULL, NOARGS, &out), 2, "no command");
	ct_expect_exit(t, ct_run(t, NULL, 1, NOARGS, NULL, &lines), 2,
	    "--json, no command");
	ct_expect_exit(t, ct_text(t, NULL, ARGS("frobnicate"), &out), 2,
	    "an unknown command");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send"), &lines), 2,
	    "send without arguments");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "a", "b", "c"),
			      &lines),
	    2, "send with too many arguments");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("receive", "x"), &lines), 2,
	    "receive with an argument");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("devices", "revoke"),
			      &lines),
	    2, "devices revoke without an id");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("init", "--user", "alice"),
			      &lines),
	    2, "init without servers");
	ct_expect_exit(t, ct_json(t, "alice",
			      ARGS("init", "--user", "Alice!", "--keyserver",
				  t->ks_url, "--relay", t->relay_url),
			      &lines),
	    2, "init with a bad user name");

	ct_expect_exit(t, ct_text(t, NULL, ARGS("--help"), &out), 0, "--help");
	assert_int_equal(strncmp(out, "usage: sealpost", 15), 0);
	ct_expect_exit(t, ct_text(t, NULL, ARGS("--version"), &out), 0,
	    "--version");
	assert_int_equal(strncmp(out, "sealpost ", 9), 0);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "usage: sealpost %s", cmds[i]);
		ct_expect_exit(t, ct_text(t, NULL, ARGS(cmds[i], "--help"),
				      &out),
		    0, cmds[i]);
		assert_non_null(strstr(out, want));
		ct_expect_exit(t, ct_text(t, NULL, ARGS("help", cmds[i]),
				      &out),
		    0, cmds[i]);
		assert_non_null(strstr(out, want));
	}
	/* Help needs no home, and sets none up. */
	ct_expect_exit(t, ct_text(t, "nohome", ARGS("init", "--help"), &out),
	    0, "init --help");
	ct_path(t, "nohome/sealpost.db", want);
	assert_int_equal(access(want, F_OK), -1);
}

static void
test_state_and_refusals(void **state)
{
	const char *const *const on_empty[] = { ARGS("send", "bob", "x"),
		ARGS("receive"), ARGS("contacts"), ARGS("status"),
		ARGS("devices", "list"), ARGS("verify", "bob"),
		ARGS("trust", "bob"), ARGS("chat", "bob") };
	struct ct *t = ct_of(state);
	json_t *lines, *o, *f;
	size_t i;

	/* A home that was never set up. */
	for (i = 0; i < sizeof(on_empty) / sizeof(on_empty[0]); i++) {
		ct_expect_exit(t, ct_json(t, "empty", on_empty[i], &lines), 3,
		    on_empty[i][0]);
		o = ct_error(lines, 3);
		assert_non_null(strstr(ct_str(o, "message"), "sealpost init"));
	}
	/* The self-test needs no home. */
	ct_expect_exit(t, ct_run(t, NULL, 1, ARGS("selftest"), NULL, &lines),
	    0, "selftest");
	o = ct_one(lines, "selftest");
	assert_true(ct_bool(o, "ok"));
	assert_int_equal(ct_int(o, "failed"), 0);
	assert_true(ct_int(o, "passed") > 100);
	assert_true(json_array_size(ct_arr(o, "files")) >= 5);
	json_array_foreach (ct_arr(o, "files"), i, f) {
		assert_true(ct_bool(f, "ok"));
	}

	ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	ct_expect_exit(t, ct_json(t, "alice",
			      ARGS("init", "--user", "alice", "--keyserver",
				  t->ks_url, "--relay", t->relay_url),
			      &lines),
	    3, "init on a home set up already");
	ct_error(lines, 3);
	ct_expect_exit(t, ct_json(t, "carol",
			      ARGS("init", "--user", "alice", "--keyserver",
				  t->ks_url, "--relay", t->relay_url),
			      &lines),
	    8, "init of a taken user name");
	ct_error(lines, 8);
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "nosuchuser", "x"),
			      &lines),
	    8, "send to an unknown user");
	assert_non_null(strstr(ct_str(ct_error(lines, 8), "message"),
	    "nosuchuser"));
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "alice", "x"),
			      &lines),
	    2, "send to oneself");
	ct_error(lines, 2);
	ct_expect_exit(t, ct_json(t, "alice", ARGS("trust", "nosuchuser"),
			      &lines),
	    8, "trust of a stranger");
	ct_error(lines, 8);
	ct_expect_exit(t, ct_json(t, "alice",
			      ARGS("devices", "revoke", "99"), &lines),
	    8, "revoke of a device that does not exist");
	ct_error(lines, 8);
	assert_int_equal(outbox(t, "alice", 0), 0);
}

/* Starts the stopped relay again on the port it had: the clients keep
 * its URL. */
static void
relay_restart_same_port(struct ct *t)
{
	struct daemon *d = &t->h->relay;
	char url[64];
	size_t i;

	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", d->port);
	for (i = 0; d->argv[i] != NULL; i++) {
		if (strcmp(d->argv[i], "tcp://127.0.0.1:0") == 0) {
			break;
		}
	}
	assert_non_null(d->argv[i]);
	free(d->argv[i]);
	assert_non_null(d->argv[i] = strdup(url));
	assert_ok(daemon_restart(d));
	assert_string_equal(d->url, t->relay_url);
}

static void
test_relay_down(void **state)
{
	struct ct *t = ct_of(state);
	json_t *lines, *st;
	json_int_t ad;

	ad = ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	assert_int_equal(daemon_stop(&t->h->relay, 0), 0);

	/* Sealed and committed, but not sent: exit 4, kept queued. */
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "queued 1"),
			      &lines),
	    4, "send with the relay down");
	ct_error(lines, 4);
	assert_int_equal(ct_count(lines, "sent"), 0);
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "queued 2"),
			      &lines),
	    4, "send with the relay down");
	st = ct_status(t, "alice", 4);
	assert_false(ct_bool(ct_obj(st, "relay"), "reachable"));
	assert_true(strlen(ct_str(ct_obj(st, "relay"), "error")) > 0);
	assert_true(ct_bool(ct_obj(st, "keyserver"), "reachable"));
	assert_int_equal(ct_int(ct_obj(st, "queue"), "outbox"), 2);
	ct_expect_exit(t, ct_json(t, "bob", ARGS("receive"), &lines), 4,
	    "receive with the relay down");
	ct_error(lines, 4);

	/* Back on the same address: the queue goes out first, in order. */
	relay_restart_same_port(t);
	ct_send(t, "alice", "bob", "after restart", NULL);
	ct_receive_texts(t, "bob", "alice", ad,
	    ARGS("queued 1", "queued 2", "after restart"), NULL);
	st = ct_status(t, "alice", 0);
	assert_true(ct_bool(ct_obj(st, "relay"), "reachable"));
	assert_int_equal(ct_int(ct_obj(st, "queue"), "outbox"), 0);
}

/* receive --follow rides out a relay restart. */
static void
test_follow_relay_restart(void **state)
{
	struct ct *t = ct_of(state);
	char out[CLIENT_PATH_MAX];
	json_t *lines;
	json_int_t ad;
	pid_t pid;

	ad = ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	pid = ct_follow(t, "bob", out);
	ct_wait_parked(t, 1);
	assert_int_equal(daemon_stop(&t->h->relay, 0), 0);
	relay_restart_same_port(t);
	ct_send(t, "alice", "bob", "after restart", NULL);
	lines = ct_poll_messages(t, pid, out, 1);
	ct_assert_msg(ct_one(lines, "message"), "in", "alice", ad,
	    "after restart");
	ct_wait_parked(t, 1);
	ct_stop(t, pid);
	lines = ct_file_lines(t, out);
	assert_int_equal(ct_count(lines, "message"), 1);
	assert_int_equal(ct_count(lines, "error"), 0);
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);
}

/* ---- TLS ---- */

/* The SHA-256 of the DER of the (first) certificate in a PEM file, in
 * lower-case hex: what a pin is. */
static void
cert_sha256(const char *path, char hex[static 65])
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	uint8_t der[8192], h[crypto_hash_sha256_BYTES];
	char pem[16384], *b, *e;
	size_t n;
	FILE *f;

	assert_non_null(f = fopen(path, "r"));
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	assert_non_null(b = strstr(pem, begin));
	b += sizeof(begin) - 1;
	assert_non_null(e = strstr(b, "-----END CERTIFICATE-----"));
	assert_int_equal(sodium_base642bin(der, sizeof(der), b,
			     (size_t)(e - b), "\r\n", &n, NULL,
			     sodium_base64_VARIANT_ORIGINAL),
	    0);
	crypto_hash_sha256(h, der, n);
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

/* Both daemons with a tls+tcp:// listener only. */
static void
start_tls(struct ct *t, const char *cert, const char *key)
{
	struct harness *h = t->h;
	char ksdb[CLIENT_PATH_MAX];

	assert_ok(daemon_start(&h->ks, h->dir, KEYSERVER_PROG,
	    ARGS("--db", "keyserver.db", "--listen", "tls+tcp://127.0.0.1:0",
		"--tls-cert", cert, "--tls-key", key, "--http", "",
		"--registration", "open")));
	ct_path(t, "keyserver.db", ksdb);
	ct_path(t, "relay", h->relay_dir);
	assert_true(mkdir(h->relay_dir, 0700) == 0 || errno == EEXIST);
	assert_ok(daemon_start(&h->relay, h->relay_dir, RELAY_PROG,
	    ARGS("--db", "relay.db", "--directory", ksdb, "--listen",
		"tls+tcp://127.0.0.1:0", "--tls-cert", cert, "--tls-key", key,
		"--http", "")));
	assert_int_equal(strncmp(h->ks.url, "tls+tcp://127.0.0.1:", 20), 0);
	assert_int_equal(strncmp(h->relay.url, "tls+tcp://127.0.0.1:", 20), 0);
	snprintf(t->ks_url, sizeof(t->ks_url), "%s", h->ks.url);
	snprintf(t->relay_url, sizeof(t->relay_url), "%s", h->relay.url);
}

/* init over TLS on first use: a "pin" notice per server, both pinned to
 * the certificate fp. */
static json_int_t
init_tofu(struct ct *t, const char *home, const char *user, const char *fp)
{
	json_t *lines, *o;
	size_t i, pins = 0;
	int rc;

	rc = ct_json(t, home,
	    ARGS("init", "--user", user, "--keyserver", t->ks_url, "--relay",
		t->relay_url),
	    &lines);
	ct_expect_exit(t, rc, 0, "init over TLS");
	json_array_foreach (lines, i, o) {
		if (strcmp(ct_str(o, "type"), "notice") == 0 &&
		    strcmp(ct_str(o, "kind"), "pin") == 0) {
			assert_string_equal(ct_str(o, "sha256"), fp);
			assert_true(strcmp(ct_str(o, "url"), t->ks_url) == 0 ||
			    strcmp(ct_str(o, "url"), t->relay_url) == 0);
			pins++;
		}
	}
	assert_int_equal(pins, 2);
	o = ct_one(lines, "init");
	assert_string_equal(ct_str(ct_obj(o, "keyserver"), "pin"), fp);
	assert_string_equal(ct_str(ct_obj(o, "relay"), "pin"), fp);
	return ct_int(o, "device");
}

static void
test_tls_pinning(void **state)
{
	struct ct *t = ct_of(state);
	char cert[CLIENT_PATH_MAX], key[CLIENT_PATH_MAX], p[CLIENT_PATH_MAX];
	char fp[65], wrong[65];
	json_t *lines;
	json_int_t ad;

	if (!client_have_openssl()) {
		fprintf(stderr, "openssl CLI not found: TLS test skipped\n");
		skip();
	}
	assert_ok(client_gen_certs(t->h->dir));
	ct_path(t, "server.pem", cert);
	ct_path(t, "server.key", key);
	cert_sha256(cert, fp);
	start_tls(t, cert, key);

	ad = init_tofu(t, "alice", "alice", fp);
	init_tofu(t, "bob", "bob", fp);
	ct_send(t, "alice", "bob", "over TLS", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("over TLS"), NULL);
	assert_string_equal(ct_str(ct_obj(ct_status(t, "bob", 0), "relay"),
				"pin"),
	    fp);

	/* A --pin that is not the server's: refused, nothing set up. */
	memcpy(wrong, fp, sizeof(wrong));
	wrong[0] = wrong[0] == '0' ? '1' : '0';
	ct_expect_exit(t, ct_json(t, "carol",
			      ARGS("init", "--user", "carol", "--keyserver",
				  t->ks_url, "--relay", t->relay_url, "--pin",
				  wrong),
			      &lines),
	    5, "init with a wrong --pin");
	ct_error(lines, 5);
	assert_int_equal(ct_count(lines, "init"), 0);
	ct_path(t, "carol/sealpost.db", p);
	assert_int_equal(access(p, F_OK), -1);
	ct_path(t, "carol/storage.key", p);
	assert_int_equal(access(p, F_OK), -1);

	/* The right --pin: no trust on first use needed, no notice. */
	ct_expect_exit(t, ct_json(t, "carol",
			      ARGS("init", "--user", "carol", "--keyserver",
				  t->ks_url, "--relay", t->relay_url, "--pin",
				  fp),
			      &lines),
	    0, "init with the right --pin");
	assert_int_equal(ct_count(lines, "notice"), 0);
	assert_string_equal(ct_str(ct_obj(ct_one(lines, "init"), "relay"),
				"pin"),
	    fp);
	ct_send(t, "carol", "bob", "pinned", NULL);
	ct_receive_texts(t, "bob", "carol", 0, ARGS("pinned"), NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, ct_setup, ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_prekeys_run_out),
		T(test_crash_after_receive_commit),
		T(test_crash_after_send_commit),
		T(test_usage_and_help),
		T(test_state_and_refusals),
		T(test_relay_down),
		T(test_follow_relay_restart),
		cmocka_unit_test_setup_teardown(test_tls_pinning,
		    ct_setup_bare, ct_teardown),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("cli_faults", tests, NULL, NULL);
}
