/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The integration test client: devices with seeded keys (join, auth,
 * prekeys, revoke), the key server child and the per-test harness. */
#include "tests/integration/client.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/mem.h"
#include "crypto/keys.h"

/* ------------------------------------------------------------------ */
/* Devices. */

#define OPK_ENTRY_LEN (4 + KEY_LEN)
#define LRK_ID 1000000U

/* A signed prekey of kind for d, from d's rng. */
static void
make_signed(struct device *d, enum prekey_kind kind, uint32_t id,
    struct proto_signed_prekey *k, uint8_t sk[static KEY_LEN])
{
	struct x25519_keypair kp;

	x25519_keypair_generate(&d->rng.rng, &kp);
	k->id = id;
	memcpy(k->pk, kp.pk, KEY_LEN);
	memcpy(sk, kp.sk, KEY_LEN);
	prekey_sign(d->ik, kind, id, k->pk, k->sig);
	x25519_keypair_wipe(&kp);
}

int
device_new(const char *user, uint64_t seed, size_t nopk, struct device **out)
{
	uint8_t s[32];
	struct device *d;
	size_t i;
	int r;

	*out = NULL;
	if (strlen(user) > PROTO_MAX_USER) {
		return ERR_ARG;
	}
	if ((d = mem_zalloc(sizeof(*d))) == NULL) {
		return ERR_NOMEM;
	}
	memcpy(d->user, user, strlen(user));
	memset(s, 0x5e, sizeof(s));
	for (i = 0; i < 8; i++) {
		s[i] = (uint8_t)(seed >> (56 - 8 * i));
	}
	rng_seeded_init(&d->rng, s);
	d->next_opk_id = 1;
	if ((r = identity_new(&d->rng.rng, &d->ik)) != 0) {
		device_free(d);
		return r;
	}
	make_signed(d, PREKEY_SIGNED, 1, &d->spk, d->spk_sk);
	make_signed(d, PREKEY_LAST_RESORT, LRK_ID, &d->lrk, d->lrk_sk);
	if ((r = device_add_opks(d, nopk)) != 0) {
		device_free(d);
		return r;
	}
	*out = d;
	return 0;
}

void
device_free(struct device *d)
{
	if (d == NULL) {
		return;
	}
	identity_free(d->ik);
	mem_wipe_free(d->opk_wire, d->capopk * OPK_ENTRY_LEN);
	mem_wipe_free(d->opk_sks, d->capopk * KEY_LEN);
	rng_seeded_wipe(&d->rng);
	mem_wipe_free(d, sizeof(*d));
}

static int
grow_opks(struct device *d, size_t need)
{
	size_t cap = d->capopk > 0 ? d->capopk : 16;
	uint8_t *w, *s;

	while (cap < need) {
		cap *= 2;
	}
	if ((w = mem_zalloc(cap * OPK_ENTRY_LEN)) == NULL ||
	    (s = mem_zalloc(cap * KEY_LEN)) == NULL) {
		mem_wipe_free(w, cap * OPK_ENTRY_LEN);
		return ERR_NOMEM;
	}
	if (d->nopk > 0) {
		memcpy(w, d->opk_wire, d->nopk * OPK_ENTRY_LEN);
		memcpy(s, d->opk_sks, d->nopk * KEY_LEN);
	}
	mem_wipe_free(d->opk_wire, d->capopk * OPK_ENTRY_LEN);
	mem_wipe_free(d->opk_sks, d->capopk * KEY_LEN);
	d->opk_wire = w;
	d->opk_sks = s;
	d->capopk = cap;
	return 0;
}

int
device_add_opks(struct device *d, size_t n)
{
	struct x25519_keypair kp;
	uint8_t *e;
	uint32_t id;
	size_t i;
	int r;

	if (d->nopk + n > d->capopk &&
	    (r = grow_opks(d, d->nopk + n)) != 0) {
		return r;
	}
	for (i = 0; i < n; i++) {
		x25519_keypair_generate(&d->rng.rng, &kp);
		id = d->next_opk_id++;
		e = d->opk_wire + d->nopk * OPK_ENTRY_LEN;
		e[0] = (uint8_t)(id >> 24);
		e[1] = (uint8_t)(id >> 16);
		e[2] = (uint8_t)(id >> 8);
		e[3] = (uint8_t)id;
		memcpy(e + 4, kp.pk, KEY_LEN);
		memcpy(d->opk_sks + d->nopk * KEY_LEN, kp.sk, KEY_LEN);
		d->nopk++;
	}
	x25519_keypair_wipe(&kp);
	return 0;
}

uint32_t
device_opk_at(const struct device *d, size_t i, uint8_t *pk)
{
	const uint8_t *e = d->opk_wire + i * OPK_ENTRY_LEN;

	if (pk != NULL) {
		memcpy(pk, e + 4, KEY_LEN);
	}
	return (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 |
	    (uint32_t)e[2] << 8 | e[3];
}

const uint8_t *
device_opk_secret(const struct device *d, uint32_t id)
{
	size_t i;

	for (i = 0; i < d->nopk; i++) {
		if (device_opk_at(d, i, NULL) == id) {
			return d->opk_sks + i * KEY_LEN;
		}
	}
	return NULL;
}

void
device_upload_view(const struct device *d, size_t first, size_t n,
    struct proto_device_upload *u)
{
	struct wire_writer tbs;

	memset(u, 0, sizeof(*u));
	memcpy(u->ik, d->ik->ed_pk, KEY_LEN);
	u->spk = d->spk;
	u->lrk = d->lrk;
	if (first > d->nopk) {
		first = d->nopk;
	}
	if (n > d->nopk - first) {
		n = d->nopk - first;
	}
	u->opks.p = d->opk_wire + first * OPK_ENTRY_LEN;
	u->opks.n = n;
	wire_writer_init(&tbs, 256);
	proto_link_tbs(&tbs, d->user, u->ik);
	if (identity_sign_tbs(d->ik, &tbs, u->link_sig) != 0) {
		memset(u->link_sig, 0, SIG_LEN);
	}
}

/* Fills and signs the join message m of d for challenge ch. */
static int
join_msg(struct device *d, const struct proto_challenge *ch,
    const char *invite, const struct device *approver, unsigned flags,
    struct proto_join *m)
{
	struct identity_key *other = NULL;
	struct wire_writer tbs;
	size_t n = d->nopk - d->uploaded;
	int r;

	memset(m, 0, sizeof(*m));
	snprintf(m->invite, sizeof(m->invite), "%s",
	    invite != NULL ? invite : "");
	memcpy(m->user, d->user, sizeof(m->user));
	device_upload_view(d, d->uploaded,
	    n < PROTO_MAX_PREKEYS ? n : PROTO_MAX_PREKEYS, &m->dev);
	if ((flags & (DEVICE_BAD_JOIN_SIG | DEVICE_BAD_LINK_SIG)) != 0 &&
	    (r = identity_new(&d->rng.rng, &other)) != 0) {
		return r;
	}
	r = 0;
	if (approver != NULL || (flags & DEVICE_BAD_LINK_SIG) != 0) {
		m->dev.approver = approver != NULL ? approver->id : 0;
		wire_writer_init(&tbs, 256);
		proto_link_tbs(&tbs, d->user, m->dev.ik);
		r = identity_sign_tbs((flags & DEVICE_BAD_LINK_SIG) != 0 ? other
							       : approver->ik,
		    &tbs, m->dev.link_sig);
	}
	if ((flags & DEVICE_BAD_SPK_SIG) != 0) {
		m->dev.spk.sig[0] ^= 1;
	}
	memcpy(m->nonce, ch->nonce, PROTO_NONCE_LEN);
	wire_writer_init(&tbs, 512);
	proto_join_tbs(&tbs, ch->server_id, m->nonce, m->user, m->dev.ik);
	if (r == 0) {
		r = identity_sign_tbs((flags & DEVICE_BAD_JOIN_SIG) != 0 ? other
							       : d->ik,
		    &tbs, m->sig);
	} else {
		wire_writer_wipe(&tbs);
	}
	identity_free(other);
	return r;
}

int
device_join(struct device *d, struct conn *c, const char *invite,
    const struct device *approver, unsigned flags)
{
	struct proto_challenge ch;
	struct proto_join m;
	struct wire_writer w;
	struct reply rep;
	uint32_t id = 0;
	int r;

	if ((r = conn_challenge(c, &ch)) != 0 ||
	    (r = join_msg(d, &ch, invite, approver, flags, &m)) != 0) {
		return r;
	}
	wire_writer_init(&w, 64 * 1024);
	proto_join_encode(&w, &m, approver != NULL);
	r = conn_rpc_w(c, approver != NULL ? PROTO_LINK : PROTO_REGISTER, &w,
	    &rep);
	if (r == 0 && (r = proto_u32_decode(&rep.body, &id)) == 0) {
		d->id = id;
		d->uploaded += m.dev.opks.n;
	}
	reply_free(&rep);
	return r;
}

void
device_auth_msg(const struct device *d, const struct proto_challenge *ch,
    struct proto_auth *m)
{
	struct wire_writer tbs;

	memset(m, 0, sizeof(*m));
	memcpy(m->user, d->user, sizeof(m->user));
	m->device_id = d->id;
	memcpy(m->nonce, ch->nonce, PROTO_NONCE_LEN);
	wire_writer_init(&tbs, 512);
	proto_auth_tbs(&tbs, ch->server_id, m->nonce, m->user, m->device_id);
	if (identity_sign_tbs(d->ik, &tbs, m->sig) != 0) {
		memset(m->sig, 0, SIG_LEN);
	}
}

int
device_auth(const struct device *d, struct conn *c)
{
	struct proto_challenge ch;
	struct proto_auth m;
	struct wire_writer w;
	struct reply rep;
	int r;

	if ((r = conn_challenge(c, &ch)) != 0) {
		return r;
	}
	device_auth_msg(d, &ch, &m);
	wire_writer_init(&w, 512);
	proto_auth_encode(&w, &m);
	r = conn_rpc_w(c, PROTO_AUTH, &w, &rep);
	reply_free(&rep);
	return r;
}

int
device_upload(struct device *d, struct conn *c, size_t n, uint32_t *stock)
{
	struct wire_writer w;
	struct reply rep;
	uint32_t v = 0;
	int r;

	if (stock != NULL) {
		*stock = 0;
	}
	if (d->uploaded + n > d->nopk &&
	    (r = device_add_opks(d, d->uploaded + n - d->nopk)) != 0) {
		return r;
	}
	wire_writer_init(&w, 2 + n * OPK_ENTRY_LEN + 16);
	wire_put_u16(&w, (uint16_t)n);
	wire_put_bytes(&w, d->opk_wire + d->uploaded * OPK_ENTRY_LEN,
	    n * OPK_ENTRY_LEN);
	if ((r = conn_rpc_w(c, PROTO_UPLOAD_PREKEYS, &w, &rep)) == 0 &&
	    (r = proto_u32_decode(&rep.body, &v)) == 0) {
		d->uploaded += n;
		if (stock != NULL) {
			*stock = v;
		}
	}
	reply_free(&rep);
	return r;
}

int
device_revoke(const struct device *d, struct conn *c,
    const struct device *victim)
{
	struct proto_revoke m;
	struct wire_writer w, tbs;
	struct reply rep;
	int r;

	memset(&m, 0, sizeof(m));
	m.device_id = victim->id;
	wire_writer_init(&tbs, 256);
	proto_revoke_tbs(&tbs, d->user, victim->id, victim->ik->ed_pk);
	if ((r = identity_sign_tbs(d->ik, &tbs, m.sig)) != 0) {
		return r;
	}
	wire_writer_init(&w, 128);
	proto_revoke_encode(&w, &m);
	r = conn_rpc_w(c, PROTO_REVOKE, &w, &rep);
	reply_free(&rep);
	return r;
}

/* ------------------------------------------------------------------ */
/* The key server and the harness. */

int
keyserver_start(struct daemon *d, const char *dir, const char *const *extra)
{
	const char *args[CLIENT_MAX_ARGS + 1];
	char db[CLIENT_PATH_MAX];
	size_t n = 0, i;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = client_path(db, sizeof(db), dir, "keyserver.db")) != 0) {
		return r;
	}
	args[n++] = "--db";
	args[n++] = db;
	args[n++] = "--listen";
	args[n++] = "tcp://127.0.0.1:0";
	args[n++] = "--http";
	args[n++] = "http://127.0.0.1:0";
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (n >= CLIENT_MAX_ARGS - 2) {
			return ERR_TOO_LONG;
		}
		args[n++] = extra[i];
	}
	args[n] = NULL;
	return daemon_start(d, dir, KEYSERVER_PROG, args);
}

int
keyserver_admin(const char *dir, char *out, size_t cap, ...)
{
	const char *args[CLIENT_MAX_ARGS + 1], *a;
	char db[CLIENT_PATH_MAX], log[CLIENT_PATH_MAX];
	size_t n = 0;
	va_list ap;
	int status = -1;

	if (client_path(db, sizeof(db), dir, "keyserver.db") != 0 ||
	    client_path(log, sizeof(log), dir, "admin.log") != 0) {
		return -1;
	}
	args[n++] = "--db";
	args[n++] = db;
	va_start(ap, cap);
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (n >= CLIENT_MAX_ARGS) {
			va_end(ap);
			return -1;
		}
		args[n++] = a;
	}
	va_end(ap);
	args[n] = NULL;
	if (client_run(KEYSERVER_PROG, args, log, out, cap, 0, &status) !=
	    0) {
		return -1;
	}
	return status;
}

int
harness_new(struct harness **out)
{
	struct harness *h;
	int r;

	*out = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = client_tmpdir(h->dir, sizeof(h->dir))) != 0) {
		free(h);
		return r;
	}
	*out = h;
	return 0;
}

int
harness_free(struct harness *h)
{
	size_t i;
	int code = 0, r;

	if (h == NULL) {
		return 0;
	}
	for (i = 0; i < h->nconns; i++) {
		conn_close(h->conns[i]);
		free(h->conns[i]);
	}
	for (i = 0; i < h->ndevs; i++) {
		device_free(h->devs[i]);
	}
	/* The relay first: it reads the key server's database. */
	if (h->relay.pid != 0) {
		code = daemon_stop(&h->relay, 0);
	}
	if (h->ks.pid != 0 && (r = daemon_stop(&h->ks, 0)) != 0 &&
	    code == 0) {
		code = r;
	}
	daemon_free(&h->relay);
	daemon_free(&h->ks);
	if (getenv("SEALPOST_TEST_KEEP") == NULL) {
		client_rmtree(h->dir);
	} else {
		fprintf(stderr, "kept %s\n", h->dir);
	}
	free(h);
	return code;
}

int
harness_setup(void **state)
{
	struct harness *h = NULL;

	if (harness_new(&h) != 0) {
		return -1;
	}
	*state = h;
	return 0;
}

int
harness_teardown(void **state)
{
	int code = harness_free(*state);

	*state = NULL;
	if (code != 0) {
		fprintf(stderr, "daemon exit code %d\n", code);
		return -1;
	}
	return 0;
}

struct conn *
harness_conn_to(struct harness *h, const char *url,
    const struct conn_opts *opts)
{
	struct conn *c;
	int r;

	if (h->nconns == HARNESS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		return NULL;
	}
	if ((r = conn_open(c, url, opts)) != 0) {
		fprintf(stderr, "connect %s: %s\n", url, err_name(r));
		free(c);
		return NULL;
	}
	h->conns[h->nconns++] = c;
	return c;
}

struct conn *
harness_conn(struct harness *h, const struct conn_opts *opts)
{
	return harness_conn_to(h, h->ks.url, opts);
}

struct device *
harness_device(struct harness *h, const char *user, uint64_t seed,
    size_t nopk)
{
	struct device *d;

	if (h->ndevs == HARNESS_MAX || device_new(user, seed, nopk, &d) != 0) {
		return NULL;
	}
	h->devs[h->ndevs++] = d;
	return d;
}

int
harness_user(struct harness *h, const char *user, uint64_t seed, size_t n,
    struct device **out)
{
	struct conn c;
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		if ((out[i] = harness_device(h, user, seed + i, 1)) == NULL) {
			return ERR_NOMEM;
		}
		if ((r = conn_open(&c, h->ks.url, NULL)) != 0) {
			fprintf(stderr, "connect %s: %s\n", h->ks.url,
			    err_name(r));
			return r;
		}
		r = device_join(out[i], &c, NULL, i == 0 ? NULL : out[0], 0);
		conn_close(&c);
		if (r != 0) {
			fprintf(stderr, "join %s device %zu: %s\n", user,
			    i + 1, err_name(r));
			return r;
		}
	}
	return 0;
}
