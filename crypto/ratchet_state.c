/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Versioned serialisation of a ratchet session (docs/PROTOCOL.md, "Session
 * state"). Canonical: absent fields are zero, so encode(decode(x)) == x. */
#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/ratchet.h"
#include "crypto/ratchet_impl.h"

#define SKIPPED_ENTRY_LEN (KEY_LEN + 4 + 4 + KEY_LEN)
#define STATE_FIXED_LEN                                                      \
	(1 + 1 + X3DH_AD_LEN + 10 * KEY_LEN + 4 * 4 + 2)
#define STATE_MAX_LEN                                                        \
	(STATE_FIXED_LEN + RATCHET_MAX_SKIPPED * SKIPPED_ENTRY_LEN)

int
ratchet_encode(const struct ratchet_session *s, uint8_t **out,
    size_t *out_len)
{
	const struct ratchet_core *c = &s->c;
	struct wire_writer w;
	size_t i;

	wire_writer_init(&w, STATE_MAX_LEN);
	wire_put_u8(&w, RATCHET_STATE_VERSION);
	wire_put_u8(&w, (uint8_t)c->flags);
	wire_put_bytes(&w, c->ad, X3DH_AD_LEN);
	wire_put_bytes(&w, c->dhs.sk, KEY_LEN);
	wire_put_bytes(&w, c->dhs.pk, KEY_LEN);
	wire_put_bytes(&w, c->dhr, KEY_LEN);
	wire_put_bytes(&w, c->rk, KEY_LEN);
	wire_put_bytes(&w, c->cks, KEY_LEN);
	wire_put_bytes(&w, c->ckr, KEY_LEN);
	wire_put_bytes(&w, c->hks, KEY_LEN);
	wire_put_bytes(&w, c->hkr, KEY_LEN);
	wire_put_bytes(&w, c->nhks, KEY_LEN);
	wire_put_bytes(&w, c->nhkr, KEY_LEN);
	wire_put_u32(&w, c->ns);
	wire_put_u32(&w, c->nr);
	wire_put_u32(&w, c->pn);
	wire_put_u32(&w, c->step);
	wire_put_u16(&w, (uint16_t)s->nskipped);
	for (i = 0; i < s->nskipped; i++) {
		wire_put_bytes(&w, s->skipped[i].hk, KEY_LEN);
		wire_put_u32(&w, s->skipped[i].n);
		wire_put_u32(&w, s->skipped[i].step);
		wire_put_bytes(&w, s->skipped[i].mk, KEY_LEN);
	}
	return wire_writer_finish(&w, out, out_len);
}

/* Reads a key that must be non-zero if flag is set in flags, else zero. */
static int
get_opt_key(struct wire_reader *rd, uint8_t key[static KEY_LEN],
    uint32_t flags, uint32_t flag)
{
	int r;

	if ((r = wire_get_bytes(rd, key, KEY_LEN)) != 0) {
		return r;
	}
	if ((!(flags & flag)) != sodium_is_zero(key, KEY_LEN)) {
		return ERR_INVALID;
	}
	return 0;
}

/* The only flag sets a session can reach: a fresh responder, an initiator
 * that has not received yet, and any session after its first DH step. */
static int
valid_flags(uint32_t flags)
{
	return flags == 0 || flags == (RF_DHR | RF_CKS | RF_HKS) ||
	    flags == RF_ALL;
}

static int
decode_core(struct wire_reader *rd, struct ratchet_core *c)
{
	uint8_t version, flags, pk[KEY_LEN];
	int r;

	if ((r = wire_get_u8(rd, &version)) != 0) {
		return r;
	}
	if (version != RATCHET_STATE_VERSION) {
		return ERR_VERSION;
	}
	if ((r = wire_get_u8(rd, &flags)) != 0) {
		return r;
	}
	if (!valid_flags(flags)) {
		return ERR_INVALID;
	}
	c->flags = flags;
	if ((r = wire_get_bytes(rd, c->ad, X3DH_AD_LEN)) != 0 ||
	    (r = wire_get_bytes(rd, c->dhs.sk, KEY_LEN)) != 0 ||
	    (r = wire_get_bytes(rd, c->dhs.pk, KEY_LEN)) != 0 ||
	    (r = get_opt_key(rd, c->dhr, flags, RF_DHR)) != 0 ||
	    (r = wire_get_bytes(rd, c->rk, KEY_LEN)) != 0 ||
	    (r = get_opt_key(rd, c->cks, flags, RF_CKS)) != 0 ||
	    (r = get_opt_key(rd, c->ckr, flags, RF_CKR)) != 0 ||
	    (r = get_opt_key(rd, c->hks, flags, RF_HKS)) != 0 ||
	    (r = get_opt_key(rd, c->hkr, flags, RF_HKR)) != 0 ||
	    (r = wire_get_bytes(rd, c->nhks, KEY_LEN)) != 0 ||
	    (r = wire_get_bytes(rd, c->nhkr, KEY_LEN)) != 0 ||
	    (r = wire_get_u32(rd, &c->ns)) != 0 ||
	    (r = wire_get_u32(rd, &c->nr)) != 0 ||
	    (r = wire_get_u32(rd, &c->pn)) != 0 ||
	    (r = wire_get_u32(rd, &c->step)) != 0) {
		return r;
	}
	/* A corrupted key pair would silently break the session later. */
	if (crypto_scalarmult_base(pk, c->dhs.sk) != 0 ||
	    sodium_memcmp(pk, c->dhs.pk, KEY_LEN) != 0) {
		return ERR_INVALID;
	}
	return 0;
}

int
ratchet_decode(const uint8_t *p, size_t len, struct ratchet_session **out)
{
	struct ratchet_session *s = NULL;
	struct ratchet_skipped *e;
	struct wire_reader rd;
	uint16_t n;
	size_t i;
	int r = ERR_INTERNAL;

	*out = NULL;
	if ((s = ratchet_alloc()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	wire_reader_init(&rd, p, len);
	if ((r = decode_core(&rd, &s->c)) != 0 ||
	    (r = wire_get_u16(&rd, &n)) != 0) {
		goto out;
	}
	if (n > RATCHET_MAX_SKIPPED) {
		r = ERR_INVALID;
		goto out;
	}
	if ((r = ratchet_reserve(s, n)) != 0) {
		goto out;
	}
	for (i = 0; i < n; i++) {
		e = &s->skipped[i];
		if ((r = wire_get_bytes(&rd, e->hk, KEY_LEN)) != 0 ||
		    (r = wire_get_u32(&rd, &e->n)) != 0 ||
		    (r = wire_get_u32(&rd, &e->step)) != 0 ||
		    (r = wire_get_bytes(&rd, e->mk, KEY_LEN)) != 0) {
			goto out;
		}
		if (e->step > s->c.step) {
			r = ERR_INVALID;
			goto out;
		}
	}
	s->nskipped = n;
	if ((r = wire_end(&rd)) != 0) {
		goto out;
	}
	*out = s;
	s = NULL;
	r = 0;
out:
	ratchet_free(s);
	return r;
}
