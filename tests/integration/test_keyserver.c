/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost-keyserver against a real daemon on 127.0.0.1: registration
 * and invites, linking, revocation, claims, rate limits, admin commands
 * and TLS. Load and hostile input are in test_keyserver_{load,bad}.c. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "common/clock.h"
#include "common/mem.h"
#include "crypto/x3dh.h"
#include "keyserver/kd_store.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define OUT_MAX 8192

static struct harness *
start(void **state, const char *const *extra)
{
	struct harness *h = *state;

	assert_ok(keyserver_start(&h->ks, h->dir, extra));
	return h;
}

static struct device *
dev(struct harness *h, const char *user, uint64_t seed, size_t nopk)
{
	struct device *d = harness_device(h, user, seed, nopk);

	assert_non_null(d);
	return d;
}

static struct conn *
conn(struct harness *h)
{
	struct conn *c = harness_conn(h, NULL);

	assert_non_null(c);
	return c;
}

/* Joins d on a fresh connection, which it returns in *cp (may be NULL). */
static int
join(struct harness *h, struct device *d, const char *invite,
    const struct device *approver, unsigned flags, struct conn **cp)
{
	struct conn *c = conn(h);

	if (cp != NULL) {
		*cp = c;
	}
	return device_join(d, c, invite, approver, flags);
}

/* "invite ID token TOKEN ..." from `invite create ARGS`. */
static void
invite(struct harness *h, const char *uses, const char *expires,
    char id[static KD_INVITE_ID_LEN + 1],
    char token[static KD_INVITE_TOKEN_LEN + 1])
{
	char out[OUT_MAX];
	int rc;

	if (expires != NULL) {
		rc = keyserver_admin(h->dir, out, sizeof(out), "invite",
		    "create", "--uses", uses, "--expires", expires, NULL);
	} else {
		rc = keyserver_admin(h->dir, out, sizeof(out), "invite",
		    "create", "--uses", uses, NULL);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(sscanf(out, "invite %8s token %26s", id, token), 2);
	assert_int_equal(strlen(token), KD_INVITE_TOKEN_LEN);
}

/* Polls the wall clock until it passes t (a few ms at most). */
static void
wall_clock_past(int64_t t)
{
	int64_t end = clock_mono_ms() + 1000;

	while (clock_wall_ms() <= t && clock_mono_ms() < end) {
		client_nap_ms(1);
	}
	assert_true(clock_wall_ms() > t);
}

static void
test_register_invite(void **state)
{
	struct harness *h = start(state, NULL);
	char id[KD_INVITE_ID_LEN + 1], tok[KD_INVITE_TOKEN_LEN + 1];
	char id2[KD_INVITE_ID_LEN + 1], tok2[KD_INVITE_TOKEN_LEN + 1];
	struct device *alice = dev(h, "alice", 1, 3);
	struct device *bob = dev(h, "bob", 2, 3);
	struct device *evil = dev(h, "alice", 3, 0);
	int64_t t;

	invite(h, "1", NULL, id, tok);
	assert_ok(join(h, alice, tok, NULL, 0, NULL));
	assert_int_equal(alice->id, 1);
	/* Used up, none, unknown. */
	assert_err(join(h, bob, tok, NULL, 0, NULL), ERR_INVITE);
	assert_err(join(h, bob, NULL, NULL, 0, NULL), ERR_INVITE);
	assert_err(join(h, bob, "abcdefghijklmnopqrstuvwxyz", NULL, 0, NULL),
	    ERR_INVITE);
	assert_err(join(h, bob, "x", NULL, 0, NULL), ERR_INVITE);
	/* Expired: it ends 1 ms after the admin command reads the clock,
	 * which is before clock_wall_ms() here. */
	invite(h, "5", "1ms", id2, tok2);
	t = clock_wall_ms();
	wall_clock_past(t + 1);
	assert_err(join(h, bob, tok2, NULL, 0, NULL), ERR_INVITE);

	invite(h, "10", NULL, id2, tok2);
	/* Taken name, bad names, forged proofs: all keep the invite. */
	assert_err(join(h, evil, tok2, NULL, 0, NULL), ERR_EXISTS);
	snprintf(bob->user, sizeof(bob->user), "Bob");
	assert_err(join(h, bob, tok2, NULL, 0, NULL), ERR_INVALID);
	snprintf(bob->user, sizeof(bob->user), "9bob");
	assert_err(join(h, bob, tok2, NULL, 0, NULL), ERR_INVALID);
	snprintf(bob->user, sizeof(bob->user), "bo");
	assert_err(join(h, bob, tok2, NULL, 0, NULL), ERR_INVALID);
	snprintf(bob->user, sizeof(bob->user), "bob");
	assert_err(join(h, bob, tok2, NULL, DEVICE_BAD_JOIN_SIG, NULL),
	    ERR_AUTH);
	assert_err(join(h, bob, tok2, NULL, DEVICE_BAD_SPK_SIG, NULL),
	    ERR_AUTH);
	assert_ok(join(h, bob, tok2, NULL, 0, NULL));
	assert_int_equal(bob->id, 1);
	/* The same identity key cannot join twice. */
	snprintf(bob->user, sizeof(bob->user), "bob2");
	assert_err(join(h, bob, tok2, NULL, 0, NULL), ERR_EXISTS);
}

/* Expiry with an explicit clock, on the store itself. */
static void
test_invite_expiry_store(void **state)
{
	struct harness *h = *state;
	char path[CLIENT_PATH_MAX], id[KD_INVITE_ID_LEN + 1];
	const char *tok = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
	struct device *a = dev(h, "alice", 11, 2);
	struct device *b = dev(h, "bob", 12, 2);
	struct proto_device_upload u;
	struct kd_store *s = NULL;
	uint32_t did = 0;

	assert_ok(client_path(path, sizeof(path), h->dir, "store.db"));
	assert_ok(kd_store_open(path, &s));
	assert_ok(kd_invite_create(s, 1000, 2, 2000, NULL, tok, id));
	device_upload_view(a, 0, 2, &u);
	assert_ok(kd_register(s, tok, 0, 1999, "alice", &u, &did));
	assert_int_equal(did, 1);
	device_upload_view(b, 0, 2, &u);
	assert_err(kd_register(s, tok, 0, 2000, "bob", &u, &did), ERR_INVITE);
	assert_err(kd_register(s, tok, 0, 5000, "bob", &u, &did), ERR_INVITE);
	assert_err(kd_register(s, "bbbbbbbbbbbbbbbbbbbbbbbbbb", 0, 1500, "bob",
		       &u, &did),
	    ERR_INVITE);
	assert_ok(kd_register(s, tok, 0, 1500, "bob", &u, &did));
	kd_store_close(s);
}

static void
test_register_open(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open"));
	struct device *alice = dev(h, "alice", 1, 3);
	struct device *bob = dev(h, "bob", 2, 3);
	struct proto_status st;
	struct conn *c;

	assert_ok(join(h, alice, NULL, NULL, 0, &c));
	assert_int_equal(alice->id, 1);
	assert_ok(conn_status(c, &st));
	assert_int_equal(st.opk_count, 3);
	/* A token is ignored in open mode. */
	assert_ok(join(h, bob, "whatever", NULL, 0, NULL));
}

/* Checks every link signature of a DEVICES list with its approver's
 * key; returns the number of devices. */
/* Checks every link signature of user's device list against its
 * approver's key (which must be listed); returns the active devices. */
static size_t
check_device_list(struct conn *c, const char *user)
{
	struct proto_device d[PROTO_MAX_LISTED];
	struct wire_writer w;
	uint8_t *tbs;
	size_t n = 0, i, j, len, active = 0;

	assert_ok(conn_devices(c, user, d, PROTO_MAX_LISTED, &n));
	for (i = 0; i < n; i++) {
		active += !d[i].revoked;
		for (j = 0; j < n && d[j].device_id != d[i].approver; j++) {
		}
		assert_true(j < n);
		if (d[i].device_id == 1) {
			assert_int_equal(d[i].approver, 1);
		}
		wire_writer_init(&w, 256);
		proto_link_tbs(&w, user, d[i].ik);
		assert_ok(wire_writer_finish(&w, &tbs, &len));
		assert_ok(key_verify(d[j].ik, tbs, len, d[i].link_sig));
		mem_wipe_free(tbs, len);
	}
	return active;
}

static void
test_link(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open"));
	struct device *a1 = dev(h, "alice", 1, 2);
	struct device *a2 = dev(h, "alice", 2, 2);
	struct device *a3 = dev(h, "alice", 3, 2);
	struct device *bob = dev(h, "bob", 4, 2);
	struct proto_device d[PROTO_MAX_DEVICES];
	struct proto_status st;
	struct conn *c1, *c2, *cb;
	size_t n = 0;

	assert_ok(join(h, a1, NULL, NULL, 0, &c1));
	assert_ok(join(h, bob, NULL, NULL, 0, &cb));
	assert_ok(join(h, a2, NULL, a1, 0, &c2));
	assert_int_equal(a2->id, 2);
	assert_ok(conn_status(c2, &st));
	assert_int_equal(st.opk_count, 2);
	/* Approval signed by a key that is not device 1's. */
	assert_err(join(h, a3, NULL, a1, DEVICE_BAD_LINK_SIG, NULL),
	    ERR_AUTH);
	/* Bob (also a device 1) cannot approve for alice. */
	assert_err(join(h, a3, NULL, bob, 0, NULL), ERR_AUTH);
	assert_int_equal(check_device_list(cb, "alice"), 2);
	assert_int_equal(check_device_list(c1, "alice"), 2);
	assert_ok(conn_devices(cb, "alice", d, PROTO_MAX_DEVICES, &n));
	assert_int_equal(d[1].device_id, 2);
	assert_int_equal(d[1].approver, 1);
	assert_memory_equal(d[1].ik, a2->ik->ed_pk, KEY_LEN);
	assert_err(conn_devices(cb, "nobody", d, PROTO_MAX_DEVICES, &n),
	    ERR_NOT_FOUND);
}

static void
test_revoke(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open"));
	struct device *a1 = dev(h, "alice", 1, 2);
	struct device *a2 = dev(h, "alice", 2, 2);
	struct device *bob = dev(h, "bob", 3, 2);
	struct proto_status st;
	struct conn *c1, *c2, *cb;
	char out[OUT_MAX];
	int r;

	assert_ok(join(h, a1, NULL, NULL, 0, &c1));
	assert_ok(join(h, a2, NULL, a1, 0, &c2));
	assert_ok(join(h, bob, NULL, NULL, 0, &cb));
	/* Signed by the wrong device: a2 signs a statement for a1's
	 * request. */
	assert_err(device_revoke(a2, c1, a2), ERR_AUTH);
	assert_ok(device_revoke(a1, c1, a2));
	assert_int_equal(check_device_list(cb, "alice"), 1);
	assert_err(device_revoke(a1, c1, a2), ERR_REVOKED);
	/* Its pipe lost its binding; a new AUTH is refused. */
	r = conn_status(c2, &st);
	assert_true(r == ERR_UNAUTH || r == ERR_REVOKED);
	assert_err(device_auth(a2, conn(h)), ERR_REVOKED);
	/* Bob's claims no longer see device 2. */
	assert_ok(conn_status(c1, &st));

	/* The admin revokes device 1 under a live connection. */
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "revoke", "alice", "1", NULL),
	    0);
	assert_err(conn_status(c1, &st), ERR_REVOKED);
	assert_err(conn_status(c1, &st), ERR_UNAUTH);
	assert_err(device_auth(a1, conn(h)), ERR_REVOKED);
	assert_int_equal(check_device_list(cb, "alice"), 0);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "revoke", "alice", "1", NULL),
	    1);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "list", "alice", NULL),
	    0);
	assert_non_null(strstr(out, "device 1 "));
	assert_non_null(strstr(out, "device 2 "));
	assert_non_null(strstr(out, " revoked"));
}

static void
to_x3dh(const struct proto_bundle *b, struct x3dh_bundle *x)
{
	memset(x, 0, sizeof(*x));
	memcpy(x->ik, b->ik, KEY_LEN);
	x->spk_id = b->spk.id;
	memcpy(x->spk, b->spk.pk, KEY_LEN);
	memcpy(x->spk_sig, b->spk.sig, SIG_LEN);
	x->opk_kind = b->opk_kind;
	x->opk_id = b->opk_id;
	memcpy(x->opk, b->opk, KEY_LEN);
	memcpy(x->opk_sig, b->opk_sig, SIG_LEN);
}

/* Runs X3DH from alice to bob's bundle b, bob answering with his
 * secrets: both sides must derive the same keys. */
static void
x3dh_both_sides(struct device *alice, const struct device *bob,
    const struct proto_bundle *b)
{
	struct x3dh_output oa, ob;
	struct x3dh_bundle xb;
	struct x3dh_header hdr;
	const uint8_t *opk_sk;

	to_x3dh(b, &xb);
	assert_ok(x3dh_initiate(&alice->rng.rng, alice->ik, &xb, &hdr, &oa));
	opk_sk = b->opk_kind == X3DH_OPK_LAST_RESORT
	    ? bob->lrk_sk
	    : device_opk_secret(bob, b->opk_id);
	assert_non_null(opk_sk);
	assert_ok(x3dh_respond(bob->ik, bob->spk_sk, opk_sk, &hdr, &ob));
	assert_int_equal(sodium_memcmp(oa.sk, ob.sk, KEY_LEN), 0);
	assert_int_equal(sodium_memcmp(oa.ad, ob.ad, X3DH_AD_LEN), 0);
	x3dh_output_wipe(&oa);
	x3dh_output_wipe(&ob);
}

static void
check_bundle(const struct device *bob, const struct proto_bundle *b)
{
	assert_int_equal(b->device_id, bob->id);
	assert_memory_equal(b->ik, bob->ik->ed_pk, KEY_LEN);
	assert_ok(prekey_verify(b->ik, PREKEY_SIGNED, b->spk.id, b->spk.pk,
	    b->spk.sig));
}

/* ROTATE kind to a fresh key id, kept in d (bad: a flipped signature,
 * and d is left as it was). */
static int
rotate(struct device *d, struct conn *c, uint8_t kind, uint32_t id, int bad)
{
	struct x25519_keypair kp;
	struct proto_rotate m;
	struct wire_writer w;
	struct reply rep;
	int r;

	memset(&m, 0, sizeof(m));
	x25519_keypair_generate(&d->rng.rng, &kp);
	m.kind = kind;
	m.key.id = id;
	memcpy(m.key.pk, kp.pk, KEY_LEN);
	prekey_sign(d->ik, (enum prekey_kind)kind, id, kp.pk, m.key.sig);
	m.key.sig[5] ^= bad ? 1 : 0;
	wire_writer_init(&w, 256);
	proto_rotate_encode(&w, &m);
	if ((r = conn_rpc_w(c, PROTO_ROTATE, &w, &rep)) == 0) {
		if (kind == PREKEY_SIGNED) {
			d->spk = m.key;
			memcpy(d->spk_sk, kp.sk, KEY_LEN);
		} else {
			d->lrk = m.key;
			memcpy(d->lrk_sk, kp.sk, KEY_LEN);
		}
	}
	reply_free(&rep);
	x25519_keypair_wipe(&kp);
	return r;
}

#define K 5

static void
test_claim(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open"));
	struct device *alice = dev(h, "alice", 1, 0);
	struct device *bob = dev(h, "bob", 2, K);
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct proto_status st;
	struct conn *ca, *cb;
	uint32_t stock = 0;
	size_t n = 0, i;

	assert_ok(join(h, alice, NULL, NULL, 0, &ca));
	assert_ok(join(h, bob, NULL, NULL, 0, &cb));
	/* FIFO: the ids come back in upload order, each once. */
	for (i = 0; i < K; i++) {
		assert_ok(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n));
		assert_int_equal(n, 1);
		check_bundle(bob, &b[0]);
		assert_int_equal(b[0].opk_kind, X3DH_OPK_ONE_TIME);
		assert_int_equal(b[0].opk_id, device_opk_at(bob, i, NULL));
		if (i == 0) {
			x3dh_both_sides(alice, bob, &b[0]);
		}
	}
	/* Then the last-resort key, counted. */
	for (i = 0; i < 2; i++) {
		assert_ok(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n));
		assert_int_equal(n, 1);
		check_bundle(bob, &b[0]);
		assert_int_equal(b[0].opk_kind, X3DH_OPK_LAST_RESORT);
		assert_int_equal(b[0].opk_id, bob->lrk.id);
		assert_memory_equal(b[0].opk, bob->lrk.pk, KEY_LEN);
		assert_ok(prekey_verify(b[0].ik, PREKEY_LAST_RESORT,
		    b[0].opk_id, b[0].opk, b[0].opk_sig));
	}
	x3dh_both_sides(alice, bob, &b[0]);
	assert_ok(conn_status(cb, &st));
	assert_int_equal(st.opk_count, 0);
	assert_int_equal(st.last_resort_uses, 2);
	assert_int_equal(st.spk_id, bob->spk.id);
	assert_int_equal(st.lrk_id, bob->lrk.id);
	/* Refill: one-time keys again, the new ones in order. */
	assert_ok(device_upload(bob, cb, 3, &stock));
	assert_int_equal(stock, 3);
	for (i = 0; i < 3; i++) {
		assert_ok(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n));
		assert_int_equal(n, 1);
		assert_int_equal(b[0].opk_kind, X3DH_OPK_ONE_TIME);
		assert_int_equal(b[0].opk_id, device_opk_at(bob, K + i, NULL));
	}
	x3dh_both_sides(alice, bob, &b[0]);
	/* A key id already stocked is refused; unknown users are not
	 * found; a claim of one's own account skips one's own device. */
	assert_ok(device_upload(bob, cb, 1, &stock));
	bob->uploaded--;
	assert_err(device_upload(bob, cb, 1, &stock), ERR_EXISTS);
	assert_err(conn_claim(ca, "nobody", b, PROTO_MAX_DEVICES, &n),
	    ERR_NOT_FOUND);
	assert_ok(conn_claim(cb, "bob", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 0);
	assert_ok(conn_status(cb, &st));
	assert_int_equal(st.opk_count, 1);

	/* Rotation: a bad signature changes nothing; a new signed prekey
	 * is served at once; a new last-resort key starts at zero uses. */
	assert_err(rotate(bob, cb, PREKEY_SIGNED, 7, 1), ERR_AUTH);
	assert_err(rotate(bob, cb, PREKEY_LAST_RESORT, 7, 1), ERR_AUTH);
	assert_ok(rotate(bob, cb, PREKEY_SIGNED, 7, 0));
	assert_ok(rotate(bob, cb, PREKEY_LAST_RESORT, 8, 0));
	assert_ok(conn_status(cb, &st));
	assert_int_equal(st.spk_id, 7);
	assert_int_equal(st.lrk_id, 8);
	assert_int_equal(st.last_resort_uses, 0);
	for (i = 0; i < 2; i++) {
		assert_ok(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n));
		assert_int_equal(n, 1);
		check_bundle(bob, &b[0]);
		assert_int_equal(b[0].spk.id, 7);
		assert_memory_equal(b[0].spk.pk, bob->spk.pk, KEY_LEN);
		x3dh_both_sides(alice, bob, &b[0]);
	}
	assert_int_equal(b[0].opk_kind, X3DH_OPK_LAST_RESORT);
	assert_int_equal(b[0].opk_id, 8);
	assert_ok(conn_status(cb, &st));
	assert_int_equal(st.last_resort_uses, 1);
}

/* An account holds at most PROTO_MAX_DEVICES active devices; a claim
 * gets one bundle from each. */
static void
test_device_quota(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open"));
	struct device *a[PROTO_MAX_DEVICES + 1], *bob = dev(h, "bob", 99, 0);
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct proto_device d[PROTO_MAX_LISTED];
	struct conn *c = conn(h), *cb;
	size_t i, n = 0;

	for (i = 0; i <= PROTO_MAX_DEVICES; i++) {
		a[i] = dev(h, "alice", 1 + i, 1);
	}
	assert_ok(device_join(a[0], c, NULL, NULL, 0));
	for (i = 1; i < PROTO_MAX_DEVICES; i++) {
		assert_ok(device_join(a[i], c, NULL, a[i - 1], 0));
		assert_int_equal(a[i]->id, i + 1);
	}
	assert_err(device_join(a[i], c, NULL, a[0], 0), ERR_QUOTA);
	assert_ok(join(h, bob, NULL, NULL, 0, &cb));
	assert_int_equal(check_device_list(cb, "alice"), PROTO_MAX_DEVICES);
	assert_ok(conn_claim(cb, "alice", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, PROTO_MAX_DEVICES);
	for (i = 0; i < n; i++) {
		check_bundle(a[i], &b[i]);
		assert_int_equal(b[i].opk_kind, X3DH_OPK_ONE_TIME);
	}
	/* A claim of one's own account skips one's own device. */
	assert_ok(conn_claim(c, "alice", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, PROTO_MAX_DEVICES - 1);
	/* Room again after a revocation; ids are never reused. */
	assert_ok(device_revoke(a[PROTO_MAX_DEVICES - 1], c, a[3]));
	assert_ok(device_join(a[PROTO_MAX_DEVICES], c, NULL, a[0], 0));
	assert_int_equal(a[PROTO_MAX_DEVICES]->id, PROTO_MAX_DEVICES + 1);
	/* Device 5's approver (4) is revoked: it stays listed, marked
	 * revoked, so every link signature still verifies. */
	assert_int_equal(check_device_list(cb, "alice"), PROTO_MAX_DEVICES);
	assert_ok(conn_devices(cb, "alice", d, PROTO_MAX_LISTED, &n));
	assert_int_equal(n, PROTO_MAX_DEVICES + 1);
	assert_int_equal(d[3].device_id, 4);
	assert_int_equal(d[3].revoked, 1);
	assert_int_equal(d[4].revoked, 0);
	assert_int_equal(d[n - 1].device_id, PROTO_MAX_DEVICES + 1);
	assert_int_equal(d[n - 1].approver, 1);
}

static void
test_rate_limit(void **state)
{
	struct harness *h = start(state, ARGS("--registration", "open",
	    "--claim-burst", "3", "--claim-rate", "1"));
	struct device *alice = dev(h, "alice", 1, 0);
	struct device *bob = dev(h, "bob", 2, 10);
	struct device *carol = dev(h, "carol", 3, 10);
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct conn *ca, *cc;
	size_t n = 0, i;

	assert_ok(join(h, alice, NULL, NULL, 0, &ca));
	assert_ok(join(h, bob, NULL, NULL, 0, NULL));
	assert_ok(join(h, carol, NULL, NULL, 0, &cc));
	for (i = 0; i < 3; i++) {
		assert_ok(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n));
		assert_int_equal(n, 1);
	}
	assert_err(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n),
	    ERR_RATE);
	/* Other pairs keep their own budget. */
	assert_ok(conn_claim(cc, "bob", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 1);
	assert_int_equal(b[0].opk_id, device_opk_at(bob, 3, NULL));
	assert_ok(conn_claim(ca, "carol", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 1);
	assert_err(conn_claim(ca, "bob", b, PROTO_MAX_DEVICES, &n),
	    ERR_RATE);
}

static void
test_admin(void **state)
{
	struct harness *h = start(state, NULL);
	char id[KD_INVITE_ID_LEN + 1], tok[KD_INVITE_TOKEN_LEN + 1];
	char id2[KD_INVITE_ID_LEN + 1], tok2[KD_INVITE_TOKEN_LEN + 1];
	char out[OUT_MAX], line[128];
	struct device *alice = dev(h, "alice", 1, 4);
	struct device *bob = dev(h, "bob", 2, 4);
	struct device *carol = dev(h, "carol", 3, 4);
	struct proto_bundle b[PROTO_MAX_DEVICES];
	struct proto_status st;
	struct conn *ca, *cb;
	size_t n = 0;

	invite(h, "2", NULL, id, tok);
	invite(h, "1", "1d", id2, tok2);
	assert_ok(join(h, alice, tok, NULL, 0, &ca));
	assert_ok(join(h, bob, tok2, NULL, 0, &cb));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "list", NULL),
	    0);
	snprintf(line, sizeof(line), "invite %s uses-left 1 expires never",
	    id);
	assert_non_null(strstr(out, line));
	snprintf(line, sizeof(line), "invite %s uses-left 0 expires 2", id2);
	assert_non_null(strstr(out, line));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "revoke", id, NULL),
	    0);
	assert_err(join(h, carol, tok, NULL, 0, NULL), ERR_INVITE);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "list", NULL),
	    0);
	assert_non_null(strstr(out, " revoked"));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "revoke", "ffffffff", NULL),
	    1);

	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "list", NULL),
	    0);
	assert_non_null(strstr(out, "user alice devices 1"));
	assert_non_null(strstr(out, "user bob devices 1"));
	assert_null(strstr(out, "carol"));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "list", "alice", NULL),
	    0);
	assert_non_null(strstr(out, "device 1 key "));
	assert_non_null(strstr(out, " approved-by 1 "));

	/* Disabled: no AUTH, no claims, the live connection stops. */
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "disable", "alice", NULL),
	    0);
	assert_err(conn_status(ca, &st), ERR_DISABLED);
	assert_err(conn_status(ca, &st), ERR_UNAUTH);
	assert_err(device_auth(alice, conn(h)), ERR_DISABLED);
	assert_err(conn_claim(cb, "alice", b, PROTO_MAX_DEVICES, &n),
	    ERR_DISABLED);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "list", NULL),
	    0);
	assert_non_null(strstr(out, "user alice devices 1 created "));
	assert_non_null(strstr(out, " disabled"));
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "enable", "alice", NULL),
	    0);
	ca = conn(h);
	assert_ok(device_auth(alice, ca));
	assert_ok(conn_status(ca, &st));
	assert_ok(conn_claim(cb, "alice", b, PROTO_MAX_DEVICES, &n));
	assert_int_equal(n, 1);
	assert_int_equal(b[0].opk_id, device_opk_at(alice, 0, NULL));

	/* Exit codes: 1 failure, 2 usage. */
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "disable", "nobody", NULL),
	    1);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "list", "nobody", NULL),
	    1);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "revoke", "alice", "9", NULL),
	    1);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "frob", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "bogus",
			     NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "invite",
			     "create", "--uses", "0", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "device",
			     "revoke", "alice", "x", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out), "user",
			     "list", "extra", NULL),
	    2);
	assert_int_equal(keyserver_admin(h->dir, out, sizeof(out),
			     "--no-such-option", NULL),
	    2);
}

static void
test_tls(void **state)
{
	struct harness *h = *state;
	char cert[CLIENT_PATH_MAX], key[CLIENT_PATH_MAX];
	char ca[CLIENT_PATH_MAX], other[CLIENT_PATH_MAX];
	struct conn_opts o;
	struct proto_challenge ch;
	struct conn c;
	int r;

	if (!client_have_openssl()) {
		fprintf(stderr, "openssl CLI not found: TLS test skipped\n");
		skip();
	}
	assert_ok(client_gen_certs(h->dir));
	assert_ok(client_path(cert, sizeof(cert), h->dir, "server.pem"));
	assert_ok(client_path(key, sizeof(key), h->dir, "server.key"));
	assert_ok(client_path(ca, sizeof(ca), h->dir, "ca.pem"));
	assert_ok(client_path(other, sizeof(other), h->dir, "other-ca.pem"));
	assert_ok(daemon_start(&h->ks, h->dir, KEYSERVER_PROG,
	    ARGS("--db", "keyserver.db", "--listen",
		"tls+tcp://127.0.0.1:0", "--tls-cert", cert, "--tls-key", key,
		"--http", "")));
	assert_int_equal(strncmp(h->ks.url, "tls+tcp://127.0.0.1:", 20), 0);

	memset(&o, 0, sizeof(o));
	o.tls_ca = ca;
	o.tls_name = "localhost";
	assert_ok(conn_open(&c, h->ks.url, &o));
	r = conn_challenge(&c, &ch);
	conn_close(&c);
	assert_ok(r);
	assert_string_equal(ch.server_id, "sealpost-keyserver");

	/* Pinning another CA: the handshake fails, so the dial or the
	 * request does. */
	o.tls_ca = other;
	o.timeout_ms = 1000 * client_time_scale();
	if ((r = conn_open(&c, h->ks.url, &o)) == 0) {
		r = conn_challenge(&c, &ch);
		conn_close(&c);
	}
	assert_true(r == ERR_NET || r == ERR_TIMEOUT);
	/* A wrong server name fails too. */
	o.tls_ca = ca;
	o.tls_name = "not-the-server.example";
	if ((r = conn_open(&c, h->ks.url, &o)) == 0) {
		r = conn_challenge(&c, &ch);
		conn_close(&c);
	}
	assert_true(r == ERR_NET || r == ERR_TIMEOUT);
	/* Plain TCP to the TLS port gets nowhere either. */
	o.tls_ca = NULL;
	o.tls_name = NULL;
	o.timeout_ms = 500 * client_time_scale();
	if ((r = conn_open(&c, h->ks.url + 4, &o)) == 0) {
		r = conn_challenge(&c, &ch);
		conn_close(&c);
	}
	assert_true(r != 0);
}

#define T(f)                                                                 \
	cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_invite),
		T(test_invite_expiry_store),
		T(test_register_open),
		T(test_link),
		T(test_revoke),
		T(test_claim),
		T(test_device_quota),
		T(test_rate_limit),
		T(test_admin),
		T(test_tls),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("keyserver", tests, NULL, NULL);
}
