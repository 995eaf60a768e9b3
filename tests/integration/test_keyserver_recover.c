/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Recovery of an account whose user lost every device, against a real
 * sealpost-keyserver on 127.0.0.1: invites bound to an account by the
 * admin, REGISTER with them, what happens to the old devices, and the
 * relay on the recovered (and on a migrated) database. */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "common/mem.h"
#include "keyserver/kd_store.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define OUT_MAX 8192

static struct device *
dev(struct harness *h, const char *user, uint64_t seed)
{
	struct device *d = harness_device(h, user, seed, 2);

	assert_non_null(d);
	return d;
}

/* A connection, authenticated as d unless d is NULL. */
static struct conn *
conn_as(struct harness *h, const struct device *d)
{
	struct conn *c = harness_conn(h, NULL);

	assert_non_null(c);
	if (d != NULL) {
		assert_ok(device_auth(d, c));
	}
	return c;
}

/* REGISTER d with token on a fresh connection, returned in *cp. */
static int
join(struct harness *h, struct device *d, const char *token,
    struct conn **cp)
{
	struct conn *c = conn_as(h, NULL);

	if (cp != NULL) {
		*cp = c;
	}
	return device_join(d, c, token, NULL, 0);
}

/* `invite create A1 A2 A3 A4` (NULL ends them early), which must succeed:
 * the token into tok. */
static void
invite(struct harness *h, char tok[static KD_INVITE_TOKEN_LEN + 1],
    const char *a1, const char *a2, const char *a3, const char *a4)
{
	char out[OUT_MAX], id[KD_INVITE_ID_LEN + 1];

	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", a1, a2, a3, a4, NULL),
	    0);
	assert_int_equal(sscanf(out, "invite %8s token %26s", id, tok), 2);
	assert_int_equal(strlen(tok), KD_INVITE_TOKEN_LEN);
}

/* The admin's `invite list`, into out[OUT_MAX]. */
static void
invite_list(struct harness *h, char *out)
{
	assert_int_equal(keyserver_admin(h->dir, out, OUT_MAX, "invite",
			     "list", NULL),
	    0);
}

/* user's device list: exactly one active device, d, its own approver,
 * its link signature by its own key. */
static void
assert_only_root(struct conn *c, const char *user, const struct device *d)
{
	struct proto_device l[PROTO_MAX_LISTED];
	struct wire_writer w;
	uint8_t *tbs;
	size_t n = 0, len;

	assert_ok(conn_devices(c, user, l, PROTO_MAX_LISTED, &n));
	assert_int_equal(n, 1);
	assert_int_equal(l[0].device_id, d->id);
	assert_int_equal(l[0].revoked, 0);
	assert_int_equal(l[0].approver, d->id);
	assert_memory_equal(l[0].ik, d->ik->ed_pk, KEY_LEN);
	wire_writer_init(&w, 256);
	proto_link_tbs(&w, user, l[0].ik);
	assert_ok(wire_writer_finish(&w, &tbs, &len));
	assert_ok(key_verify(l[0].ik, tbs, len, l[0].link_sig));
	mem_wipe_free(tbs, len);
}

/* What the admin sees after alice's recovery by device 3. */
static void
assert_admin_view(struct harness *h)
{
	char out[OUT_MAX], *d3;

	invite_list(h, out);
	assert_non_null(strstr(out, "uses-left 0 expires never"));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "list", "alice", NULL),
	    0);
	assert_non_null(strstr(out, "device 1 "));
	assert_non_null(strstr(out, "device 2 "));
	assert_non_null(d3 = strstr(out, "device 3 "));
	assert_non_null(strstr(d3, " approved-by 3 "));
	assert_null(strstr(d3, "revoked"));
	/* Devices 1 and 2, listed before 3, are both revoked. */
	*d3 = '\0';
	assert_non_null(strstr(out, " revoked\ndevice 2 "));
	assert_true(strlen(out) > 9);
	assert_string_equal(out + strlen(out) - 9, " revoked\n");
}

/* Alice (devices 1 and 2, both connected) loses them; the admin binds an
 * invite to her account; a new device registers with it and is the
 * account's only device. */
static void
test_recover(void **state)
{
	struct harness *h = *state;
	struct device *a1 = dev(h, "alice", 1), *a2 = dev(h, "alice", 2);
	struct device *bob = dev(h, "bob", 3), *a3 = dev(h, "alice", 4);
	struct device *other = dev(h, "bob", 5), *a4 = dev(h, "alice", 6);
	char tok[KD_INVITE_TOKEN_LEN + 1], bound[KD_INVITE_TOKEN_LEN + 1];
	struct proto_bundle b[PROTO_MAX_DEVICES];
	uint8_t slot[PROTO_LINK_SLOT_LEN] = { 1 }, got[PROTO_MAX_LINK_BLOB];
	struct conn *c1, *c2, *cb, *c3;
	struct proto_status st;
	char out[OUT_MAX];
	size_t n = 0;

	assert_ok(keyserver_start(&h->ks, h->dir, NULL));
	invite(h, tok, "--uses", "5", NULL, NULL);
	assert_ok(join(h, a1, tok, &c1));
	assert_ok(device_join(a2, conn_as(h, NULL), NULL, a1, 0));
	c2 = conn_as(h, a2);
	assert_ok(join(h, bob, tok, &cb));
	assert_ok(conn_link_open(c1, slot));
	invite(h, bound, "--user", "alice", NULL, NULL);
	invite_list(h, out);
	assert_non_null(strstr(out, " user alice\n"));
	/* For alice only: bob's, a new name's and a taken name's attempts
	 * take nothing. An ordinary invite cannot take alice's name. */
	assert_err(join(h, other, bound, NULL), ERR_INVITE);
	snprintf(other->user, sizeof(other->user), "carol");
	assert_err(join(h, other, bound, NULL), ERR_INVITE);
	assert_err(join(h, a3, tok, NULL), ERR_EXISTS);
	invite_list(h, out);
	assert_non_null(strstr(out, "uses-left 1 expires never"));

	assert_ok(join(h, a3, bound, &c3));
	assert_int_equal(a3->id, 3);
	assert_ok(conn_status(c3, &st));
	assert_int_equal(st.opk_count, 2);
	/* Old devices: their connections lost their binding; a new AUTH is
	 * refused as revoked; their slot is gone. */
	assert_err(conn_status(c1, &st), ERR_UNAUTH);
	assert_err(conn_status(c2, &st), ERR_UNAUTH);
	assert_err(device_auth(a1, conn_as(h, NULL)), ERR_REVOKED);
	assert_err(device_auth(a2, conn_as(h, NULL)), ERR_REVOKED);
	assert_err(conn_link_get(cb, slot, PROTO_LINK_RESPONSE, 0, got, &n),
	    ERR_NOT_FOUND);
	/* What others see: the new root only, and its keys only. */
	assert_only_root(cb, "alice", a3);
	assert_ok(conn_claim(cb, "alice", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 1);
	assert_int_equal(b[0].device_id, 3);
	assert_memory_equal(b[0].ik, a3->ik->ed_pk, KEY_LEN);
	assert_int_equal(b[0].opk_id, device_opk_at(a3, 0, NULL));
	/* The invite was for one use. */
	assert_err(join(h, a4, bound, NULL), ERR_INVITE);
	assert_admin_view(h);
}

/* A disabled account is not recovered, and nothing is taken; enabled
 * again, it is. Open registration uses a bound invite too, and still
 * ignores other tokens. */
static void
test_recover_disabled_open(void **state)
{
	struct harness *h = *state;
	struct device *a1 = dev(h, "alice", 1), *a2 = dev(h, "alice", 2);
	char tok[KD_INVITE_TOKEN_LEN + 1], plain[KD_INVITE_TOKEN_LEN + 1];
	char out[OUT_MAX];

	assert_ok(keyserver_start(&h->ks, h->dir,
	    ARGS("--registration", "open")));
	assert_ok(join(h, a1, NULL, NULL));
	invite(h, tok, "--user", "alice", "--expires", "1d");
	invite(h, plain, NULL, NULL, NULL, NULL);
	assert_err(join(h, a2, NULL, NULL), ERR_EXISTS);
	assert_err(join(h, a2, plain, NULL), ERR_EXISTS);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "disable", "alice", NULL),
	    0);
	assert_err(join(h, a2, tok, NULL), ERR_DISABLED);
	invite_list(h, out);
	assert_non_null(strstr(out, "uses-left 1 expires 2"));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "enable", "alice", NULL),
	    0);
	assert_ok(device_auth(a1, conn_as(h, NULL)));
	assert_ok(join(h, a2, tok, NULL));
	assert_int_equal(a2->id, 2);
	assert_err(device_auth(a1, conn_as(h, NULL)), ERR_REVOKED);
	assert_only_root(conn_as(h, a2), "alice", a2);
	/* The ordinary invite was never used: open registration ignored
	 * it. */
	invite_list(h, out);
	assert_non_null(strstr(out, "uses-left 1 expires never"));
}

/* The admin command: bound invites name an existing account and are for
 * one registration; the list shows the account. */
static void
test_admin_bound(void **state)
{
	struct harness *h = *state;
	struct device *a1 = dev(h, "alice", 1), *a2 = dev(h, "alice", 2);
	char tok[KD_INVITE_TOKEN_LEN + 1], id[KD_INVITE_ID_LEN + 1];
	char out[OUT_MAX], log[CLIENT_PATH_MAX], line[128];
	FILE *f;

	assert_ok(keyserver_start(&h->ks, h->dir, NULL));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--user", "nobody", NULL),
	    1);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--user", "alice", "--uses", "2", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--uses", "3", "--user", "alice", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--user", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--user", "", NULL),
	    2);
	/* The refusals say why. */
	assert_ok(client_path(log, sizeof(log), h->dir, "admin.log"));
	assert_non_null(f = fopen(log, "r"));
	memset(out, 0, sizeof(out));
	assert_true(fread(out, 1, sizeof(out) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(out, "no account named 'nobody'"));
	assert_non_null(strstr(out, "--uses must be 1"));
	invite_list(h, out);
	assert_null(strstr(out, "invite "));

	invite(h, tok, NULL, NULL, NULL, NULL);
	assert_ok(join(h, a1, tok, NULL));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--uses", "1", "--user", "alice", NULL),
	    0);
	assert_int_equal(sscanf(out, "invite %8s token %26s", id, tok), 2);
	assert_non_null(strstr(out, " uses 1 expires never user alice\n"));
	invite_list(h, out);
	snprintf(line, sizeof(line), "invite %s uses-left 1 expires never "
				     "created ", id);
	assert_non_null(strstr(out, line));
	assert_non_null(strstr(out, " user alice\n"));
	/* Revoked before use, it recovers nothing. */
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "revoke", id, NULL),
	    0);
	assert_err(join(h, a2, tok, NULL), ERR_INVITE);
	invite_list(h, out);
	assert_non_null(strstr(out, " user alice revoked\n"));
	assert_ok(device_auth(a1, conn_as(h, NULL)));
}

/* Binds the invite of token tok to user with SQL, as if its account had
 * gone since (nothing deletes accounts yet). */
static void
bind_invite(const char *path, const char *tok, const char *user)
{
	uint8_t hash[crypto_hash_sha256_BYTES];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;

	crypto_hash_sha256(hash, (const uint8_t *)tok, strlen(tok));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "UPDATE invites SET bound_user = ?"
			     " WHERE hash = ?",
			     -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 2, hash, sizeof(hash), SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* The store: a bound invite for an account that does not exist creates
 * it; a recovery that fails (the new key is an old one) changes
 * nothing. */
static void
test_recover_store(void **state)
{
	struct harness *h = *state;
	const char *tok = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *tok2 = "bbbbbbbbbbbbbbbbbbbbbbbbbb";
	struct device *a1 = dev(h, "alice", 1), *c1 = dev(h, "carol", 2);
	char path[CLIENT_PATH_MAX], id[KD_INVITE_ID_LEN + 1];
	struct proto_device_upload u;
	struct kd_store *s = NULL;
	struct kd_device d;
	uint32_t did = 0;

	assert_ok(client_path(path, sizeof(path), h->dir, "store.db"));
	assert_ok(kd_store_open(path, &s));
	device_upload_view(a1, 0, 2, &u);
	assert_ok(kd_register(s, NULL, KD_REGISTER_OPEN, 100, "alice", &u,
	    &did));
	assert_err(kd_invite_create(s, 100, 2, 0, "alice", tok, id), ERR_ARG);
	assert_err(kd_invite_create(s, 100, 1, 0, "ghost", tok, id),
	    ERR_NOT_FOUND);
	assert_ok(kd_invite_create(s, 100, 1, 0, NULL, tok, id));
	bind_invite(path, tok, "carol");
	device_upload_view(c1, 0, 2, &u);
	assert_err(kd_register(s, tok, 0, 200, "dave", &u, &did), ERR_INVITE);
	assert_ok(kd_register(s, tok, 0, 200, "carol", &u, &did));
	assert_int_equal(did, 1);
	/* Recovering alice with her own old key: refused whole. */
	assert_ok(kd_invite_create(s, 100, 1, 0, "alice", tok2, id));
	device_upload_view(a1, 0, 0, &u);
	assert_err(kd_register(s, tok2, 0, 300, "alice", &u, &did),
	    ERR_EXISTS);
	assert_int_equal(did, 0);
	assert_ok(kd_device_get(s, "alice", 1, &d));
	assert_int_equal(d.revoked, 0);
	assert_err(kd_device_get(s, "alice", 2, &d), ERR_NOT_FOUND);
	device_upload_view(dev(h, "alice", 3), 0, 0, &u);
	assert_ok(kd_register(s, tok2, 0, 300, "alice", &u, &did));
	assert_int_equal(did, 2);
	assert_ok(kd_device_get(s, "alice", 1, &d));
	assert_int_equal(d.revoked, 1);
	kd_store_close(s);
}

/* The fixture's devices, as device_new makes them from its seeds. */
static struct device *
fixture_device(struct harness *h, const char *user, uint64_t seed,
    uint32_t id)
{
	struct device *d = dev(h, user, seed);

	d->id = id;
	d->uploaded = 2;
	return d;
}

/* A database of schema version 1, migrated: alice (devices 1 and 2)
 * recovered; the relay starts on it and sees the new device list. */
static void
test_recover_v1(void **state)
{
	static const uint8_t env[] = "sealed bytes";
	struct harness *h = *state;
	struct device *a1 = fixture_device(h, "alice", 101, 1);
	struct device *bob = fixture_device(h, "bob", 103, 1);
	struct device *a3 = dev(h, "alice", 7);
	char tok[KD_INVITE_TOKEN_LEN + 1];
	struct proto_send_item it;
	struct send_result res;
	struct send_group g = { "alice", 1, &it };
	struct conn *cr;

	assert_ok(keyserver_fixture(h->dir, "keyserver-v1.sql"));
	assert_ok(keyserver_start(&h->ks, h->dir, NULL));
	invite(h, tok, "--user", "alice", NULL, NULL);
	assert_ok(join(h, a3, tok, NULL));
	assert_int_equal(a3->id, 3);
	assert_only_root(conn_as(h, bob), "alice", a3);

	assert_ok(harness_relay(h, NULL));
	assert_non_null(harness_login(h, a3, NULL));
	assert_non_null(cr = harness_relay_conn(h, NULL));
	assert_err(device_auth(a1, cr), ERR_REVOKED);
	/* Bob's sends follow the new list: device 1 is revoked, 3 is
	 * wanted. */
	assert_non_null(cr = harness_login(h, bob, NULL));
	memset(&it, 0, sizeof(it));
	it.id[0] = 1;
	it.env = env;
	it.len = sizeof(env);
	it.device_id = 1;
	assert_ok(conn_send(cr, &g, 1, &res));
	assert_int_equal(res.result, PROTO_SEND_MISMATCH);
	assert_int_equal(res.mm[0].nrevoked, 1);
	assert_int_equal(res.mm[0].revoked[0], 1);
	assert_int_equal(res.mm[0].nmissing, 1);
	assert_int_equal(res.mm[0].missing[0], 3);
	it.device_id = 3;
	assert_ok(conn_send(cr, &g, 1, &res));
	assert_int_equal(res.result, PROTO_SEND_STORED);
}

#define T(f)                                                                 \
	cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_recover),
		T(test_recover_disabled_open),
		T(test_admin_bound),
		T(test_recover_store),
		T(test_recover_v1),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("keyserver_recover", tests, NULL,
	    NULL);
}
