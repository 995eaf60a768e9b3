/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sessions with peer devices: X3DH both ways, the ratchet, the sealed
 * envelope, and the order in which a device's sessions are tried. */
#include "client-cli/cli_session.h"

#include <sodium.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"
#include "crypto/ratchet.h"

int
cli_session_start(struct cli_ctx *c, const char *user,
    const struct proto_bundle *b)
{
	struct ratchet_session *rs = NULL;
	struct x3dh_bundle xb;
	struct x3dh_header h;
	struct x3dh_output x;
	int r;

	memset(&xb, 0, sizeof(xb));
	memcpy(xb.ik, b->ik, KEY_LEN);
	xb.spk_id = b->spk.id;
	memcpy(xb.spk, b->spk.pk, KEY_LEN);
	memcpy(xb.spk_sig, b->spk.sig, SIG_LEN);
	xb.opk_kind = b->opk_kind;
	xb.opk_id = b->opk_id;
	memcpy(xb.opk, b->opk, KEY_LEN);
	memcpy(xb.opk_sig, b->opk_sig, SIG_LEN);
	if ((r = x3dh_initiate(c->rng, c->ik, &xb, &h, &x)) != 0) {
		return cli_fail(CLI_EXIT_CRYPTO, r,
		    "the prekey bundle of %s/%u does not verify (%s): the key "
		    "server may be serving bad keys",
		    user, b->device_id, err_str(r));
	}
	if ((r = ratchet_init_initiator(c->rng, &x, b->spk.pk, &rs)) == 0) {
		r = cli_store_session_new(c->store, user, b->device_id, rs,
		    &h, clock_wall_ms(), NULL);
	}
	x3dh_output_wipe(&x);
	ratchet_free(rs);
	return r;
}

/* content = [X3DH header ||] ratchet message, for envelope_seal. */
static int
build_content(const struct x3dh_header *pending, const uint8_t *msg,
    size_t mlen, uint8_t **out, size_t *len)
{
	struct wire_writer w;

	wire_writer_init(&w, X3DH_HEADER_LEN + mlen);
	if (pending != NULL) {
		x3dh_header_encode(&w, pending);
	}
	wire_put_bytes(&w, msg, mlen);
	return wire_writer_finish(&w, out, len);
}

int
cli_session_seal(struct cli_ctx *c, const char *user, uint32_t device,
    const uint8_t ik[static KEY_LEN], const uint8_t *pt, size_t len,
    uint8_t **env, size_t *env_len)
{
	struct ratchet_session *rs = NULL;
	struct x3dh_header h;
	uint8_t *msg = NULL, *content = NULL;
	size_t mlen = 0, clen = 0;
	int pending = 0, r;

	*env = NULL;
	*env_len = 0;
	if ((r = cli_store_session_get(c->store, user, device, &rs, &pending,
		 &h)) != 0 ||
	    (r = ratchet_encrypt(rs, c->rng, pt, len, &msg, &mlen)) != 0 ||
	    (r = build_content(pending ? &h : NULL, msg, mlen, &content,
		 &clen)) != 0 ||
	    (r = envelope_seal(c->rng, c->ik, c->acct.user, c->acct.device,
		 ik, pending ? ENVELOPE_PREKEY : ENVELOPE_RATCHET, content,
		 clen, env, env_len)) != 0) {
		goto out;
	}
	/* SECURITY: the advanced state is saved in the same transaction
	 * as the outbox entry carrying it (DESIGN §7). */
	if ((r = cli_store_session_put(c->store, user, device, rs,
		 pending ? &h : NULL, clock_wall_ms())) != 0) {
		mem_wipe_free(*env, *env_len);
		*env = NULL;
		*env_len = 0;
	}
out:
	mem_wipe_free(msg, mlen);
	mem_wipe_free(content, clen);
	ratchet_free(rs);
	return r;
}

int
cli_session_open(struct cli_ctx *c, const uint8_t *env, size_t len,
    struct cli_opened *o)
{
	int r;

	memset(o, 0, sizeof(*o));
	if ((r = envelope_open(c->ik, env, len, &o->from, &o->type,
		 &o->content, &o->len)) != 0) {
		return r;
	}
	if (!proto_user_valid((const uint8_t *)o->from.user,
		strlen(o->from.user)) ||
	    o->from.device_id == 0) {
		cli_opened_wipe(o);
		return ERR_INVALID;
	}
	return 0;
}

void
cli_opened_wipe(struct cli_opened *o)
{
	mem_wipe_free(o->content, o->len);
	memset(o, 0, sizeof(*o));
}

void
cli_decrypt_wipe(struct cli_decrypt *d)
{
	mem_wipe_free(d->out.pt, d->out.len);
	ratchet_free(d->rs);
	memset(d, 0, sizeof(*d));
}

/* The ratchet message of o's content, and its X3DH header if any. */
static int
split(const struct cli_opened *o, struct x3dh_header *h, int *has_header,
    const uint8_t **msg, size_t *mlen)
{
	struct wire_reader rd;
	int r;

	*has_header = 0;
	wire_reader_init(&rd, o->content, o->len);
	if (o->type == ENVELOPE_PREKEY) {
		if ((r = x3dh_header_decode(&rd, h)) != 0) {
			return r;
		}
		/* SECURITY: the header's identity must be the sender the
		 * envelope authenticated. */
		if (sodium_memcmp(h->ik, o->from.ik, KEY_LEN) != 0) {
			return ERR_AUTH;
		}
		*has_header = 1;
	}
	return wire_get_rest(&rd, msg, mlen);
}

/* Tries the device's stored sessions, active first. ERR_AUTH if none. */
static int
try_sessions(struct cli_ctx *c, const struct cli_opened *o,
    const uint8_t *msg, size_t mlen, struct cli_decrypt *d)
{
	int64_t sids[CLI_MAX_SESSIONS + 1];
	struct ratchet_session *rs = NULL;
	size_t n = 0, i;
	int pending, active, r;

	if ((r = cli_store_session_list(c->store, o->from.user,
		 o->from.device_id, sids, CLI_MAX_SESSIONS + 1, &n)) != 0) {
		return r;
	}
	for (i = 0; i < n && i <= CLI_MAX_SESSIONS; i++) {
		if ((r = cli_store_session_load(c->store, o->from.user,
			 o->from.device_id, sids[i], &rs, &pending, NULL,
			 &active)) != 0) {
			return r;
		}
		r = ratchet_decrypt(rs, c->rng, msg, mlen, &d->out.pt,
		    &d->out.len);
		if (r == 0) {
			d->rs = rs;
			d->sid = sids[i];
			d->was_pending = pending;
			d->was_active = active;
			return 0;
		}
		ratchet_free(rs);
		rs = NULL;
		if (r != ERR_AUTH) {
			return r; /* the right session, a bad message */
		}
	}
	return ERR_AUTH;
}

/* X3DH as responder to header h, then the first message. */
static int
answer(struct cli_ctx *c, const struct x3dh_header *h, const uint8_t *msg,
    size_t mlen, struct cli_decrypt *d)
{
	struct x25519_keypair spk, opk;
	struct ratchet_session *rs = NULL;
	struct x3dh_output x;
	int r;

	memset(&opk, 0, sizeof(opk));
	if ((r = cli_store_spk_get(c->store, PREKEY_SIGNED, h->spk_id, &spk,
		 NULL)) != 0) {
		return r;
	}
	if (h->opk_kind == X3DH_OPK_ONE_TIME) {
		r = cli_store_opk_get(c->store, h->opk_id, &opk);
		/* A used one-time key: a replayed first message. */
		r = r == ERR_NOT_FOUND ? ERR_REPLAY : r;
	} else if (h->opk_kind == X3DH_OPK_LAST_RESORT) {
		r = cli_store_spk_get(c->store, PREKEY_LAST_RESORT, h->opk_id,
		    &opk, NULL);
	}
	if (r == 0 &&
	    (r = x3dh_respond(c->ik, spk.sk,
		 h->opk_kind != X3DH_OPK_NONE ? opk.sk : NULL, h, &x)) == 0) {
		r = ratchet_init_responder(&x, &spk, &rs);
		x3dh_output_wipe(&x);
	}
	if (r == 0 && (r = ratchet_decrypt(rs, c->rng, msg, mlen, &d->out.pt,
			   &d->out.len)) == 0) {
		d->rs = rs;
		rs = NULL;
		d->out.new_session = 1;
		d->out.used_opk = h->opk_kind == X3DH_OPK_ONE_TIME;
		d->out.opk_id = h->opk_id;
	}
	ratchet_free(rs);
	x25519_keypair_wipe(&spk);
	x25519_keypair_wipe(&opk);
	return r;
}

int
cli_session_decrypt(struct cli_ctx *c, const struct cli_opened *o,
    struct cli_decrypt *d)
{
	struct x3dh_header h;
	const uint8_t *msg = NULL;
	size_t mlen = 0;
	int has_header = 0, r;

	memset(d, 0, sizeof(*d));
	if ((r = split(o, &h, &has_header, &msg, &mlen)) != 0) {
		return r;
	}
	r = try_sessions(c, o, msg, mlen, d);
	if (r == ERR_AUTH && has_header) {
		r = answer(c, &h, msg, mlen, d);
	}
	if (r != 0) {
		cli_decrypt_wipe(d);
	}
	return r;
}

int
cli_session_commit(struct cli_ctx *c, const struct cli_opened *o,
    struct cli_decrypt *d)
{
	const char *user = o->from.user;
	uint32_t dev = o->from.device_id;
	int64_t now = clock_wall_ms();
	int r;

	if (d->out.new_session) {
		if ((r = cli_store_session_new(c->store, user, dev, d->rs,
			 NULL, now, NULL)) != 0) {
			return r;
		}
		/* SECURITY: the one-time key goes only now that a message
		 * under it authenticated (DESIGN §5). */
		if (d->out.used_opk &&
		    (r = cli_store_opk_delete(c->store, d->out.opk_id)) != 0) {
			return r;
		}
		return 0;
	}
	/* A reply on a pending session establishes it: no more prekey
	 * messages on it. */
	if ((r = cli_store_session_save(c->store, user, dev, d->sid, d->rs,
		 NULL, now)) != 0) {
		return r;
	}
	return d->was_active
	    ? 0
	    : cli_store_session_activate(c->store, user, dev, d->sid);
}
