/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client against a key directory that lies: a device slipped into the
 * person's own account, and a contact's identity replaced after all its
 * devices were removed. The directory's database is changed the way a
 * compromised server would change it; the client must refuse to send and
 * say why, not trust the new keys. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keyserver/kd_store.h"
#include "tests/integration/cli_harness.h"
#include "tests/unit/helpers.h"

/* Adds to user's account a device of the attacker's: a root approved by
 * nobody of that account (its link signature is its own), as a
 * compromised directory can store it. Returns its id. */
static uint32_t
inject_device(struct ct *t, const char *user)
{
	struct proto_device_upload u;
	struct kd_store *s = NULL;
	struct device *d = NULL;
	char db[CLIENT_PATH_MAX];
	uint32_t id = 0;

	assert_ok(client_path(db, sizeof(db), t->h->dir, "keyserver.db"));
	assert_ok(device_new(user, 0xbad, 1, &d));
	device_upload_view(d, 0, 1, &u);
	assert_ok(kd_store_open(db, &s));
	assert_ok(kd_link(s, (int64_t)time(NULL) * 1000, user, &u, &id));
	kd_store_close(s);
	device_free(d);
	assert_true(id > 1);
	return id;
}

/* 1 if lines hold a notice of kind. */
static int
has_notice(const json_t *lines, const char *kind)
{
	const json_t *o;
	size_t i;

	json_array_foreach(lines, i, o) {
		if (strcmp(ct_str(o, "type"), "notice") == 0 &&
		    strcmp(ct_str(o, "kind"), kind) == 0) {
			return 1;
		}
	}
	return 0;
}

/* A device in alice's own account that none of her devices approved: no
 * sync copy goes to it, sending stops with a sentence saying which device
 * to revoke, and after the revocation everything goes out. */
static void
test_own_account_injection(void **state)
{
	struct ct *t = ct_of(state);
	char want[64];
	json_t *lines, *s;
	json_int_t ad;
	uint32_t x;

	ad = ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	ct_send(t, "alice", "bob", "before", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("before"), NULL);

	x = inject_device(t, "alice");
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "after"),
			      &lines),
	    6, "send with an unknown own device");
	snprintf(want, sizeof(want), "devices revoke %u", x);
	assert_non_null(strstr(ct_str(ct_error(lines, 6), "message"), want));
	assert_true(has_notice(lines, "unknown_device"));
	assert_int_equal(ct_count(lines, "sent"), 0);
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);

	snprintf(want, sizeof(want), "%u", x);
	ct_expect_exit(t, ct_json(t, "alice", ARGS("devices", "revoke", want),
			      &lines),
	    0, "revoke the unknown device");
	/* The held message first, then the new one; never to the
	 * attacker's device. */
	s = ct_send(t, "alice", "bob", "after revoke", NULL);
	assert_false(ct_receipt(s, "alice", x));
	ct_receive_texts(t, "bob", "alice", ad, ARGS("after", "after revoke"),
	    NULL);
}

/* A verified contact whose every device was revoked does not start over
 * on first use: the new root that appears later is an identity change. */
static void
test_reroot_after_removal(void **state)
{
	struct ct *t = ct_of(state);
	char tok[65], out[1024];
	json_t *lines, *o;
	json_int_t ad;
	size_t i;

	ad = ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	ct_send(t, "alice", "bob", "hello", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("hello"), NULL);
	ct_expect_exit(t, ct_json(t, "alice",
			      ARGS("verify", "bob", "--confirm"), &lines),
	    0, "verify");

	assert_int_equal(keyserver_admin(t->h->dir, out, sizeof(out),
			     "device", "revoke", "bob", "1", NULL),
	    0);
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "gone"),
			      &lines),
	    8, "send to a user without devices");
	assert_non_null(strstr(ct_str(ct_error(lines, 8), "message"),
	    "no device of bob"));

	ct_recovery_invite(t, "bob", tok);
	ct_init(t, "bob2", "bob", ARGS("--invite", tok));
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "new"),
			      &lines),
	    6, "send to a new root");
	assert_non_null(strstr(ct_str(ct_error(lines, 6), "message"),
	    "sealpost trust bob"));
	ct_expect_exit(t, ct_json(t, "alice", ARGS("contacts"), &lines), 0,
	    "contacts");
	json_array_foreach(ct_arr(ct_one(lines, "contacts"), "contacts"), i, o) {
		if (strcmp(ct_str(o, "user"), "bob") == 0) {
			assert_string_equal(ct_str(o, "trust"), "changed");
		}
	}
	ct_receive_texts(t, "bob2", "alice", ad, ARGS(NULL), NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_own_account_injection,
		    ct_setup, ct_teardown),
		cmocka_unit_test_setup_teardown(test_reroot_after_removal,
		    ct_setup, ct_teardown),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "test_cli_hostile: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
