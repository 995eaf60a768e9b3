/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The sealpost client, the real binary against the real key server and
 * relay on 127.0.0.1: offline and online delivery, linked devices and
 * their sync copies, an identity change and trust, revocation, safety
 * numbers and chat without a terminal. Crashes, prekey exhaustion, exit
 * codes and TLS pinning are in test_cli_faults.c. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/cli_harness.h"
#include "tests/unit/helpers.h"

#define MAXM CT_MAX_MSGS

static void
test_offline_online(void **state)
{
	struct ct *t = ct_of(state);
	char id1[CT_ID_HEX + 1], id2[CT_ID_HEX + 1], idr[CT_ID_HEX + 1];
	char out[CLIENT_PATH_MAX];
	json_t *m[MAXM], *lines;
	json_int_t ad, bd;
	pid_t pid;

	ad = ct_init(t, "alice", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);

	/* Offline: bob runs nothing while alice sends twice. */
	assert_true(ct_receipt(ct_send(t, "alice", "bob", "first", id1),
	    "bob", bd));
	ct_send(t, "alice", "bob", "second, with ünïcode", id2);
	ct_receive_texts(t, "bob", "alice", ad,
	    ARGS("first", "second, with ünïcode"), m);
	assert_string_equal(ct_str(m[0], "id"), id1);
	assert_string_equal(ct_str(m[1], "id"), id2);
	assert_true(ct_int(m[0], "time_ms") <= ct_int(m[1], "time_ms"));
	ct_send(t, "bob", "alice", "reply", idr);
	ct_receive_texts(t, "alice", "bob", bd, ARGS("reply"), m);
	assert_string_equal(ct_str(m[0], "id"), idr);

	/* Online: bob waits in receive --follow (parked on the relay). */
	pid = ct_follow(t, "bob", out);
	ct_wait_parked(t, 1);
	ct_send(t, "alice", "bob", "online", id1);
	lines = ct_poll_messages(t, pid, out, 1);
	ct_assert_msg(ct_one(lines, "message"), "in", "alice", ad, "online");
	assert_string_equal(ct_str(ct_one(lines, "message"), "id"), id1);

	/* Parked again, idle: SIGTERM ends it at once, cleanly. */
	ct_wait_parked(t, 1);
	ct_stop(t, pid);
	lines = ct_file_lines(t, out);
	assert_int_equal(ct_count(lines, "message"), 1);
	assert_int_equal(ct_count(lines, "error"), 0);
	/* Acknowledged: nothing comes twice. */
	ct_receive_texts(t, "bob", "alice", ad, ARGS(NULL), NULL);
	ct_receive_texts(t, "alice", "bob", bd, ARGS(NULL), NULL);
}

/* Adds a message to the conversation set conv: id -> "dir peer text". */
static void
conv_add(json_t *conv, const char *id, const char *dir, const char *peer,
    const char *text)
{
	assert_int_equal(json_object_set_new(conv, id,
			     json_sprintf("%s %s %s", dir, peer, text)),
	    0);
}

/* The conversation with peer that home has stored, as `chat` shows it
 * before reading input (none here): a set as conv_add makes (borrowed). */
static json_t *
history(struct ct *t, const char *home, const char *peer)
{
	json_t *lines, *m[MAXM], *conv = json_object();
	size_t n, i;

	assert_non_null(conv);
	json_array_append_new(t->keep, conv); /* freed by teardown */
	ct_expect_exit(t, ct_run(t, home, 1, ARGS("chat", peer), "", &lines),
	    0, "chat with no input");
	n = ct_messages(lines, m, MAXM);
	for (i = 0; i < n; i++) {
		assert_string_equal(ct_str(m[i], "peer"), peer);
		conv_add(conv, ct_str(m[i], "id"), ct_str(m[i], "direction"),
		    peer, ct_str(m[i], "text"));
	}
	assert_int_equal(json_object_size(conv), n); /* no duplicates */
	return conv;
}

static void
assert_same_conv(const json_t *a, const json_t *b, const char *what)
{
	char *da, *db;

	if (json_equal(a, b)) {
		return;
	}
	da = json_dumps(a, JSON_SORT_KEYS);
	db = json_dumps(b, JSON_SORT_KEYS);
	fprintf(stderr, "%s\n  %s\nvs\n  %s\n", what, da, db);
	free(da);
	free(db);
	fail_msg("%s: different conversations", what);
}

/* One message of m[0..n) with id, or a failure. */
static json_t *
by_id(json_t **m, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(ct_str(m[i], "id"), id) == 0) {
			return m[i];
		}
	}
	fail_msg("no message %s", id);
	return NULL;
}

static void
test_two_devices(void **state)
{
	struct ct *t = ct_of(state);
	char m1[CT_ID_HEX + 1], m2[CT_ID_HEX + 1], m3[CT_ID_HEX + 1];
	json_t *m[MAXM], *s, *lines, *want;
	json_int_t a1, a2, bd;
	size_t n;

	a1 = ct_init(t, "alice1", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);
	/* bob learns alice's device list now: it is stale once she links
	 * her second device. */
	ct_expect_exit(t, ct_json(t, "bob", ARGS("verify", "alice"), &lines),
	    0, "verify");
	a2 = ct_link(t, "alice1", "alice2", "alice");
	assert_int_not_equal(a1, a2);

	/* alice/1 sends: bob's device and her new one get it. */
	s = ct_send(t, "alice1", "bob", "from one", m1);
	assert_true(ct_receipt(s, "bob", bd));
	assert_true(ct_receipt(s, "alice", a2));
	ct_receive_texts(t, "bob", "alice", a1, ARGS("from one"), NULL);

	/* bob replies to both of alice's devices, his list refreshed. */
	s = ct_send(t, "bob", "alice", "reply", m2);
	assert_true(ct_receipt(s, "alice", a1));
	assert_true(ct_receipt(s, "alice", a2));
	ct_receive_texts(t, "alice1", "bob", bd, ARGS("reply"), NULL);

	/* alice/2: the sync copy of alice/1's message, and the reply. */
	n = ct_receive(t, "alice2", m, MAXM);
	assert_int_equal(n, 2);
	ct_assert_msg(by_id(m, n, m1), "out", "bob", 0, "from one");
	ct_assert_msg(by_id(m, n, m2), "in", "bob", bd, "reply");

	/* alice/2 sends; alice/1 sees it as her own. */
	s = ct_send(t, "alice2", "bob", "from two", m3);
	assert_true(ct_receipt(s, "bob", bd));
	assert_true(ct_receipt(s, "alice", a1));
	n = ct_receive(t, "alice1", m, MAXM);
	assert_int_equal(n, 1);
	ct_assert_msg(m[0], "out", "bob", 0, "from two");
	assert_string_equal(ct_str(m[0], "id"), m3);
	ct_receive_texts(t, "bob", "alice", a2, ARGS("from two"), NULL);

	/* Both devices store the same conversation, as does bob. */
	want = json_object();
	json_array_append_new(t->keep, want);
	conv_add(want, m1, "out", "bob", "from one");
	conv_add(want, m2, "in", "bob", "reply");
	conv_add(want, m3, "out", "bob", "from two");
	assert_same_conv(history(t, "alice1", "bob"), want, "alice/1");
	assert_same_conv(history(t, "alice2", "bob"), want, "alice/2");
	want = json_object();
	json_array_append_new(t->keep, want);
	conv_add(want, m1, "in", "alice", "from one");
	conv_add(want, m2, "out", "alice", "reply");
	conv_add(want, m3, "in", "alice", "from two");
	assert_same_conv(history(t, "bob", "alice"), want, "bob");
}

/* The contact user as home's contacts --json lists it. */
static json_t *
contact(struct ct *t, const char *home, const char *user)
{
	json_t *lines, *c;
	size_t i;

	ct_expect_exit(t, ct_json(t, home, ARGS("contacts"), &lines), 0,
	    "contacts");
	json_array_foreach (ct_arr(ct_one(lines, "contacts"), "contacts"), i,
	    c) {
		if (strcmp(ct_str(c, "user"), user) == 0) {
			return c;
		}
	}
	fail_msg("%s is not a contact of %s: %s", user, home, t->text);
	return NULL;
}

/* 1 if the JSON array a holds the integer v. */
static int
has_int(const json_t *a, json_int_t v)
{
	json_t *x;
	size_t i;

	json_array_foreach (a, i, x) {
		if (json_is_integer(x) && json_integer_value(x) == v) {
			return 1;
		}
	}
	return 0;
}

static void
test_reinstall_trust(void **state)
{
	struct ct *t = ct_of(state);
	char tok[65];
	json_t *lines, *o, *s;
	json_int_t ad, b1, b2;

	ad = ct_init(t, "alice", "alice", NULL);
	b1 = ct_init(t, "bob1", "bob", NULL);
	ct_send(t, "alice", "bob", "before", NULL);
	ct_receive_texts(t, "bob1", "alice", ad, ARGS("before"), NULL);
	ct_send(t, "bob1", "alice", "hello", NULL);
	ct_receive_texts(t, "alice", "bob", b1, ARGS("hello"), NULL);
	assert_string_equal(ct_str(contact(t, "alice", "bob"), "trust"),
	    "unverified");

	/* bob lost his device: a new home, a new identity. */
	ct_recovery_invite(t, "bob", tok);
	b2 = ct_init(t, "bob2", "bob", ARGS("--invite", tok));

	/* alice's client holds the message and says what to do. */
	ct_expect_exit(t, ct_json(t, "alice", ARGS("send", "bob", "held"),
			      &lines),
	    6, "send to a changed identity");
	o = ct_error(lines, 6);
	assert_non_null(strstr(ct_str(o, "message"), "sealpost trust bob"));
	assert_int_equal(ct_count(lines, "sent"), 0);
	ct_receive_texts(t, "bob2", "alice", ad, ARGS(NULL), NULL);
	assert_string_equal(ct_str(contact(t, "alice", "bob"), "trust"),
	    "changed");

	ct_expect_exit(t, ct_json(t, "alice", ARGS("trust", "bob"), &lines),
	    0, "trust");
	o = ct_one(lines, "trust");
	assert_string_equal(ct_str(o, "user"), "bob");
	assert_true(ct_bool(o, "changed"));
	o = contact(t, "alice", "bob");
	assert_string_equal(ct_str(o, "trust"), "unverified");
	assert_true(has_int(ct_arr(o, "devices"), b2));
	assert_false(has_int(ct_arr(o, "devices"), b1));

	/* Now it goes to the new device only; the held message first (as
	 * `sealpost trust --help` promises). */
	s = ct_send(t, "alice", "bob", "after trust", NULL);
	assert_true(ct_receipt(s, "bob", b2));
	assert_false(ct_receipt(s, "bob", b1));
	ct_receive_texts(t, "bob2", "alice", ad, ARGS("held", "after trust"),
	    NULL);
	ct_send(t, "bob2", "alice", "new phone", NULL);
	ct_receive_texts(t, "alice", "bob", b2, ARGS("new phone"), NULL);

	/* The old device was revoked by the recovery. */
	ct_expect_exit(t, ct_json(t, "bob1", ARGS("receive"), &lines), 5,
	    "receive on a revoked device");
	ct_error(lines, 5);
	assert_int_equal(ct_count(lines, "message"), 0);
}

/* home's devices list --json: this device active, gone revoked (or not
 * listed), nothing else. */
static void
check_device_list(struct ct *t, const char *home, json_int_t self,
    json_int_t gone)
{
	json_t *lines, *o, *d;
	size_t i, seen = 0;

	ct_expect_exit(t, ct_json(t, home, ARGS("devices", "list"), &lines),
	    0, "devices list");
	o = ct_one(lines, "devices");
	assert_string_equal(ct_str(o, "user"), "alice");
	json_array_foreach (ct_arr(o, "devices"), i, d) {
		if (ct_int(d, "device") == self) {
			assert_true(ct_bool(d, "this"));
			assert_false(ct_bool(d, "revoked"));
			seen++;
		} else if (ct_int(d, "device") == gone) {
			assert_true(ct_bool(d, "revoked"));
			assert_false(ct_bool(d, "this"));
		} else {
			fail_msg("an unknown device %lld",
			    (long long)ct_int(d, "device"));
		}
	}
	assert_int_equal(seen, 1);
}

/* alice/1 revokes alice/2, which bob had sessions with. */
static void
test_revoke(void **state)
{
	struct ct *t = ct_of(state);
	json_t *lines, *o;
	json_int_t a1, a2, bd;
	char id[16];

	a1 = ct_init(t, "alice1", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);
	a2 = ct_link(t, "alice1", "alice2", "alice");
	o = ct_send(t, "bob", "alice", "before", NULL);
	assert_true(ct_receipt(o, "alice", a1) && ct_receipt(o, "alice", a2));
	ct_receive_texts(t, "alice1", "bob", bd, ARGS("before"), NULL);
	ct_receive_texts(t, "alice2", "bob", bd, ARGS("before"), NULL);

	snprintf(id, sizeof(id), "%lld", (long long)a2);
	ct_expect_exit(t, ct_json(t, "alice1", ARGS("devices", "revoke", id),
			      &lines),
	    0, "devices revoke");
	assert_int_equal(ct_int(ct_one(lines, "revoked"), "device"), a2);

	/* bob's list is stale: the relay's mismatch sorts it out. */
	o = ct_send(t, "bob", "alice", "after revoke", NULL);
	assert_true(ct_receipt(o, "alice", a1));
	assert_false(ct_receipt(o, "alice", a2));
	ct_receive_texts(t, "alice1", "bob", bd, ARGS("after revoke"), NULL);
	ct_expect_exit(t, ct_json(t, "alice2", ARGS("receive"), &lines), 5,
	    "receive on the revoked device");
	ct_error(lines, 5);
	assert_int_equal(ct_count(lines, "message"), 0);
	check_device_list(t, "alice1", a1, a2);
}

/* bob learned alice's list (both devices) from her first message, but
 * never had a session with alice/2 when she revoked it. */
static void
test_revoke_unseen_device(void **state)
{
	struct ct *t = ct_of(state);
	json_t *lines, *o;
	json_int_t a1, a2, bd;
	char id[16];

	a1 = ct_init(t, "alice1", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);
	a2 = ct_link(t, "alice1", "alice2", "alice");
	ct_send(t, "alice1", "bob", "hello", NULL);
	ct_receive_texts(t, "bob", "alice", a1, ARGS("hello"), NULL);
	snprintf(id, sizeof(id), "%lld", (long long)a2);
	ct_expect_exit(t, ct_json(t, "alice1", ARGS("devices", "revoke", id),
			      &lines),
	    0, "devices revoke");

	o = ct_send(t, "bob", "alice", "after revoke", NULL);
	assert_true(ct_receipt(o, "alice", a1));
	assert_false(ct_receipt(o, "alice", a2));
	ct_receive_texts(t, "alice1", "bob", bd, ARGS("after revoke"), NULL);
	check_device_list(t, "alice1", a1, a2);
}

/* The safety number of the only device verify --json showed. */
static void
safety_number(struct ct *t, const char *home, const char *peer,
    json_int_t device, int confirm, char out[static 61])
{
	json_t *lines, *v, *nums, *e;
	const char *sn;

	ct_expect_exit(t,
	    ct_json(t, home,
		confirm ? ARGS("verify", peer, "--confirm")
			: ARGS("verify", peer),
		&lines),
	    0, "verify");
	v = ct_one(lines, "verify");
	assert_string_equal(ct_str(v, "user"), peer);
	assert_int_equal(ct_bool(v, "verified"), confirm);
	nums = ct_arr(v, "numbers");
	assert_int_equal(json_array_size(nums), 1);
	e = json_array_get(nums, 0);
	assert_int_equal(ct_int(e, "device"), device);
	sn = ct_str(e, "safety_number");
	assert_int_equal(strlen(sn), 60);
	assert_int_equal(strspn(sn, "0123456789"), 60);
	memcpy(out, sn, 61);
}

static void
test_verify(void **state)
{
	struct ct *t = ct_of(state);
	char sa[61], sb[61], sc[61], again[61];
	json_t *m[MAXM];
	json_int_t ad, bd, cd;

	ad = ct_init(t, "alice", "alice", NULL);
	bd = ct_init(t, "bob", "bob", NULL);
	cd = ct_init(t, "carol", "carol", NULL);
	ct_send(t, "alice", "bob", "hi", NULL);
	ct_receive_texts(t, "bob", "alice", ad, ARGS("hi"), NULL);

	safety_number(t, "alice", "bob", bd, 0, sa);
	safety_number(t, "bob", "alice", ad, 0, sb);
	assert_string_equal(sa, sb);
	/* Another pair has another number. */
	safety_number(t, "alice", "carol", cd, 0, sc);
	assert_string_not_equal(sa, sc);
	assert_string_equal(ct_str(contact(t, "alice", "bob"), "trust"),
	    "unverified");

	safety_number(t, "alice", "bob", bd, 1, again);
	assert_string_equal(again, sa);
	assert_string_equal(ct_str(contact(t, "alice", "bob"), "trust"),
	    "verified");
	/* Only alice's side is marked, and bob's messages show it. */
	assert_string_equal(ct_str(contact(t, "bob", "alice"), "trust"),
	    "unverified");
	ct_send(t, "bob", "alice", "checked", NULL);
	ct_receive_texts(t, "alice", "bob", bd, ARGS("checked"), m);
	assert_string_equal(ct_str(m[0], "trust"), "verified");
}

static void
test_chat_pipe(void **state)
{
	struct ct *t = ct_of(state);
	json_t *lines, *m[MAXM], *got[MAXM];
	json_int_t ad;
	size_t n;

	ad = ct_init(t, "alice", "alice", NULL);
	ct_init(t, "bob", "bob", NULL);
	ct_expect_exit(t, ct_run(t, "alice", 1, ARGS("chat", "bob"),
			      "one\ntwo\n", &lines),
	    0, "chat with lines on stdin");
	/* It shows what it sent, in order. */
	n = ct_messages(lines, m, MAXM);
	assert_int_equal(n, 2);
	ct_assert_msg(m[0], "out", "bob", 0, "one");
	ct_assert_msg(m[1], "out", "bob", 0, "two");
	ct_receive_texts(t, "bob", "alice", ad, ARGS("one", "two"), got);
	assert_string_equal(ct_str(got[0], "id"), ct_str(m[0], "id"));
	assert_string_equal(ct_str(got[1], "id"), ct_str(m[1], "id"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, ct_setup, ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_offline_online),
		T(test_two_devices),
		T(test_reinstall_trust),
		T(test_revoke),
		T(test_revoke_unseen_device),
		T(test_verify),
		T(test_chat_pipe),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
