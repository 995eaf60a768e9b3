/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* This device's prekeys: making them (secrets committed before anything
 * is uploaded), refilling the directory's stock, rotating signed keys. */
#include <string.h>

#include "client-cli/cli_dir.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

int
cli_dir_new_opks(struct cli_ctx *c, size_t n, struct wire_writer *w)
{
	struct x25519_keypair kp;
	int64_t now = clock_wall_ms();
	uint32_t id;
	size_t i;
	int r;

	if (n > PROTO_MAX_PREKEYS) {
		return ERR_ARG;
	}
	if ((r = cli_store_begin(c->store)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r, "cannot store new prekeys");
	}
	wire_put_u16(w, (uint16_t)n);
	for (i = 0; r == 0 && i < n; i++) {
		x25519_keypair_generate(c->rng, &kp);
		if ((r = cli_store_opk_next_id(c->store, &id)) == 0 &&
		    (r = cli_store_opk_put(c->store, id, &kp, now)) == 0) {
			wire_put_u32(w, id);
			wire_put_bytes(w, kp.pk, KEY_LEN);
		}
		x25519_keypair_wipe(&kp);
	}
	if (r != 0) {
		cli_store_rollback(c->store);
	} else {
		r = cli_store_commit(c->store);
	}
	return r != 0 ? cli_fail(CLI_EXIT_STATE, r, "cannot store new prekeys")
		      : 0;
}

int
cli_dir_new_spk(struct cli_ctx *c, enum prekey_kind kind,
    struct proto_signed_prekey *k)
{
	struct x25519_keypair kp;
	uint32_t id = 0;
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = cli_store_spk_latest(c->store, kind, &id)) != 0 &&
	    r != ERR_NOT_FOUND) {
		return r;
	}
	k->id = id + 1;
	x25519_keypair_generate(c->rng, &kp);
	memcpy(k->pk, kp.pk, KEY_LEN);
	prekey_sign(c->ik, kind, k->id, k->pk, k->sig);
	r = cli_store_spk_put(c->store, kind, k->id, &kp, k->sig,
	    clock_wall_ms());
	x25519_keypair_wipe(&kp);
	return r != 0 ? cli_fail(CLI_EXIT_STATE, r, "cannot store a new "
						    "signed prekey")
		      : 0;
}

static int
status(struct cli_ctx *c, struct cli_conn *ks, struct proto_status *st)
{
	struct cli_reply rep;
	int r;

	r = cli_conn_call(ks, PROTO_STATUS, NULL, 0, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(ks, "the prekey status", &rep);
	} else if (r == 0 && (r = proto_status_decode(&rep.body, st)) != 0) {
		r = cli_fail(0, r, "the key server at %s sent a malformed "
				   "status",
		    cli_conn_url(ks));
	}
	cli_reply_free(&rep);
	(void)c;
	return r;
}

/* Uploads n new one-time prekeys; *stock gets the directory's count. */
static int
refill(struct cli_ctx *c, struct cli_conn *ks, size_t n, uint32_t *stock)
{
	struct wire_writer w;
	struct cli_reply rep;
	int r;

	wire_writer_init(&w, 2 + n * (4 + KEY_LEN));
	if ((r = cli_dir_new_opks(c, n, &w)) != 0) {
		wire_writer_wipe(&w);
		return r;
	}
	r = cli_conn_call_w(ks, PROTO_UPLOAD_PREKEYS, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(ks, "new one-time prekeys", &rep);
	} else if (r == 0 && (r = proto_u32_decode(&rep.body, stock)) != 0) {
		r = cli_fail(0, r, "the key server at %s sent a malformed "
				   "reply to an upload",
		    cli_conn_url(ks));
	}
	cli_reply_free(&rep);
	return r;
}

/* ROTATE to the stored key (kind, id). */
static int
send_rotate(struct cli_ctx *c, struct cli_conn *ks, enum prekey_kind kind,
    uint32_t id)
{
	struct x25519_keypair kp;
	struct proto_rotate m;
	struct wire_writer w;
	struct cli_reply rep;
	int r;

	memset(&m, 0, sizeof(m));
	m.kind = (uint8_t)kind;
	m.key.id = id;
	if ((r = cli_store_spk_get(c->store, kind, id, &kp, m.key.sig)) !=
	    0) {
		return cli_fail(CLI_EXIT_STATE, r, "cannot read prekey %u",
		    id);
	}
	memcpy(m.key.pk, kp.pk, KEY_LEN);
	x25519_keypair_wipe(&kp);
	wire_writer_init(&w, 256);
	proto_rotate_encode(&w, &m);
	r = cli_conn_call_w(ks, PROTO_ROTATE, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(ks, "a new signed prekey", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

/*
 * Makes the directory serve the newest stored key of kind: a key that a
 * failed or unanswered ROTATE left behind is sent again (served is the id
 * the directory reports), and a key older than max_age is replaced. *done
 * is set if a new key was made. The replaced key stays stored (see
 * cli_store_spk_prune), so messages begun under it still open.
 */
static int
rotate(struct cli_ctx *c, struct cli_conn *ks, enum prekey_kind kind,
    uint32_t served, int64_t max_age, int *done)
{
	struct proto_signed_prekey k;
	int64_t created = 0;
	uint32_t latest = 0;
	int r;

	*done = 0;
	if ((r = cli_store_spk_latest(c->store, kind, &latest)) != 0 ||
	    (r = cli_store_spk_age(c->store, kind, &created)) != 0) {
		return cli_fail(CLI_EXIT_STATE, r,
		    "cannot read this device's signed prekeys");
	}
	if (clock_wall_ms() - created >= max_age) {
		if ((r = cli_dir_new_spk(c, kind, &k)) != 0) {
			return r;
		}
		latest = k.id;
		*done = 1;
	}
	return latest != served ? send_rotate(c, ks, kind, latest) : 0;
}

int
cli_dir_maintain(struct cli_ctx *c, struct cli_upkeep *up)
{
	struct cli_upkeep tmp;
	struct cli_conn *ks;
	size_t n1 = 0, n2 = 0;
	int64_t cutoff = clock_wall_ms() - CLI_SPK_KEEP_MS;
	uint32_t stock;
	int r;

	if (up == NULL) {
		up = &tmp;
	}
	memset(up, 0, sizeof(*up));
	if ((r = cli_keyserver(c, &ks)) != 0 ||
	    (r = status(c, ks, &up->st)) != 0) {
		return r;
	}
	if (up->st.opk_count < CLI_OPK_LOW) {
		if ((r = refill(c, ks, CLI_OPK_TARGET - up->st.opk_count,
			 &stock)) != 0) {
			return r;
		}
		up->uploaded = CLI_OPK_TARGET - up->st.opk_count;
		up->st.opk_count = stock;
	}
	if ((r = rotate(c, ks, PREKEY_SIGNED, up->st.spk_id,
		 CLI_SPK_ROTATE_MS, &up->spk_rotated)) != 0 ||
	    (r = rotate(c, ks, PREKEY_LAST_RESORT, up->st.lrk_id,
		 CLI_LRK_ROTATE_MS, &up->lrk_rotated)) != 0) {
		return r;
	}
	if ((r = cli_store_spk_prune(c->store, PREKEY_SIGNED, cutoff, &n1)) !=
		0 ||
	    (r = cli_store_spk_prune(c->store, PREKEY_LAST_RESORT, cutoff,
		 &n2)) != 0) {
		return r;
	}
	up->pruned = n1 + n2;
	return 0;
}
