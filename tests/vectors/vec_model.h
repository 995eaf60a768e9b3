/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* A second, plain model of Double Ratchet decryption, written from
 * docs/PROTOCOL.md section 4.7 on libsodium alone. It records every value
 * it derives; ratchet.json's builder compares its result with the
 * library's session. */
#ifndef SEALPOST_VEC_MODEL_H
#define SEALPOST_VEC_MODEL_H

#include "crypto/labels.h"
#include "crypto/ratchet_impl.h"
#include "tests/vectors/vec.h"

#define RM_MAX_SKIP 1000
#define RM_MAX_SKIP_STEPS 5
#define RM_MAX_SKIPPED 2000
#define RM_PEND (2 * RM_MAX_SKIP + 2) /* most keys one message skips */

/* A session as the model sees it: the core and the skipped keys. */
struct rmodel {
	struct ratchet_core c;
	struct ratchet_skipped *sk;
	size_t n;
	size_t cap;
	uint8_t *pt; /* last decrypted plaintext */
	size_t ptn;
};

static inline void
rm_init(struct rmodel *m, const struct ratchet_session *s)
{
	memset(m, 0, sizeof(*m));
	m->c = s->c;
	m->cap = s->nskipped + 2 * RM_MAX_SKIP + 2;
	m->sk = mem_zalloc(m->cap * sizeof(m->sk[0]));
	PANIC_IF(m->sk == NULL);
	if (s->nskipped > 0) {
		memcpy(m->sk, s->skipped, s->nskipped * sizeof(m->sk[0]));
	}
	m->n = s->nskipped;
}

static inline void
rm_wipe(struct rmodel *m)
{
	mem_wipe_free(m->sk, m->cap * sizeof(m->sk[0]));
	mem_wipe_free(m->pt, m->ptn + 1);
	sodium_memzero(m, sizeof(*m));
}

static inline int
rm_eq(const uint8_t a[static 32], const uint8_t b[static 32])
{
	return sodium_memcmp(a, b, 32) == 0;
}

static inline void
rm_kdf_ck(uint8_t ck[static 32], uint8_t mk[static 32])
{
	static const uint8_t one = 1, two = 2;
	uint8_t next[32];

	vec_hmac(mk, ck, 32, &one, 1);
	vec_hmac(next, ck, 32, &two, 1);
	memcpy(ck, next, 32);
	sodium_memzero(next, sizeof(next));
}

static inline void
rm_kdf_rk(uint8_t rk[static 32], uint8_t ck[static 32],
    uint8_t nhk[static 32], const uint8_t dh[static 32])
{
	uint8_t okm[96];

	VEC_HKDF_LABEL(okm, 96, rk, 32, dh, 32, LABEL_RATCHET_RK);
	memcpy(rk, okm, 32);
	memcpy(ck, okm + 32, 32);
	memcpy(nhk, okm + 64, 32);
	sodium_memzero(okm, sizeof(okm));
}

static inline json_t *
rm_entry_json(const struct ratchet_skipped *e)
{
	json_t *o = vec_obj();

	vec_put_hex(o, "hk", e->hk, 32);
	vec_put_int(o, "n", e->n);
	vec_put_int(o, "step", e->step);
	vec_put_hex(o, "mk", e->mk, 32);
	return o;
}

/* Opens the header under hk into hpt (40 bytes): 0 or -1. */
static inline int
rm_open_header(const struct rmodel *m, const uint8_t *msg,
    const uint8_t hk[static 32], uint8_t hpt[static 40])
{
	uint8_t ad[65];

	ad[0] = 0x01;
	memcpy(ad + 1, m->c.ad, 64);
	return vec_open(hpt, msg + 25, 56, ad, 65, msg + 1, hk);
}

/* Opens and unpads the body with mk; 0 or ERR_AUTH. Records the keys, the
 * body AD and, on success, the padded and plain texts. */
static inline int
rm_body(struct rmodel *m, const uint8_t mk[static 32], const uint8_t *msg,
    size_t len, json_t *out)
{
	uint8_t okm[56], ad[145], *buf;
	size_t blen = len - 97, i, last = blen;

	VEC_HKDF_LABEL(okm, 56, NULL, 0, mk, 32, LABEL_MESSAGE_KEYS);
	ad[0] = 0x01;
	memcpy(ad + 1, m->c.ad, 64);
	memcpy(ad + 65, msg + 1, 80);
	vec_put_hex(out, "mk", mk, 32);
	vec_put_hex(out, "body_key", okm, 32);
	vec_put_hex(out, "body_nonce", okm + 32, 24);
	vec_put_hex(out, "body_ad", ad, 145);
	buf = mem_zalloc(blen + 1);
	PANIC_IF(buf == NULL);
	if (vec_open(buf, msg + 81, len - 81, ad, 145, okm + 32, okm) == 0) {
		for (i = blen; i > 0 && last == blen; i--) {
			if (buf[i - 1] != 0) {
				last = i - 1;
			}
		}
	}
	sodium_memzero(okm, sizeof(okm));
	if (last == blen || buf[last] != 0x80 || vec_bucket(last) != blen) {
		mem_wipe_free(buf, blen + 1);
		return ERR_AUTH;
	}
	vec_put_hex(out, "padded_plaintext", buf, blen);
	vec_put_hex(out, "plaintext", buf, last);
	mem_wipe_free(m->pt, m->ptn + 1);
	m->pt = buf;
	m->ptn = last;
	return 0;
}

/* Index of the skipped key (hk, n), or -1. */
static inline long
rm_find(const struct rmodel *m, const uint8_t hk[static 32], uint32_t n)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (m->sk[i].n == n && rm_eq(m->sk[i].hk, hk)) {
			return (long)i;
		}
	}
	return -1;
}

/* Decrypts with skipped key i and removes it on success. */
static inline int
rm_use(struct rmodel *m, long i, const uint8_t *msg, size_t len,
    json_t *out)
{
	int r;

	if (i < 0) {
		return ERR_REPLAY;
	}
	vec_put(out, "skipped_key_used", rm_entry_json(&m->sk[i]));
	if ((r = rm_body(m, m->sk[i].mk, msg, len, out)) == 0) {
		memmove(&m->sk[i], &m->sk[i + 1],
		    (m->n - (size_t)i - 1) * sizeof(m->sk[0]));
		m->n--;
	}
	return r;
}

/* Skips w's receiving chain up to until into pend (listed in list). */
static inline void
rm_skip(struct ratchet_core *w, struct ratchet_skipped *pend, size_t *np,
    uint32_t until, json_t *list)
{
	struct ratchet_skipped *e;

	if (!(w->flags & RF_CKR)) {
		return;
	}
	while (w->nr < until) {
		e = &pend[(*np)++];
		memcpy(e->hk, w->hkr, 32);
		rm_kdf_ck(w->ckr, e->mk);
		e->n = w->nr++;
		e->step = w->step;
		vec_push(list, rm_entry_json(e));
	}
}

/* The receiving half of a DH step. 0 or ERR_KEY. */
static inline int
rm_step_recv(struct ratchet_core *w, const uint8_t dh[static 32],
    json_t *st)
{
	uint8_t out[32];

	w->pn = w->ns;
	w->ns = 0;
	w->nr = 0;
	memcpy(w->hks, w->nhks, 32);
	memcpy(w->hkr, w->nhkr, 32);
	memcpy(w->dhr, dh, 32);
	if (vec_dh(out, w->dhs.sk, w->dhr) != 0) {
		return ERR_KEY;
	}
	rm_kdf_rk(w->rk, w->ckr, w->nhkr, out);
	w->step++;
	w->flags |= RF_DHR | RF_CKR | RF_HKS | RF_HKR;
	vec_put_int(st, "pn", w->pn);
	vec_put_hex(st, "hks", w->hks, 32);
	vec_put_hex(st, "hkr", w->hkr, 32);
	vec_put_hex(st, "dhr", w->dhr, 32);
	vec_put_hex(st, "dh_recv", out, 32);
	vec_put_hex(st, "rk_recv", w->rk, 32);
	vec_put_hex(st, "ckr", w->ckr, 32);
	vec_put_hex(st, "nhkr", w->nhkr, 32);
	vec_put_int(st, "step", w->step);
	sodium_memzero(out, sizeof(out));
	return 0;
}

/* The sending half, with the 32 bytes the library drew. */
static inline void
rm_step_send(struct vec_ctx *vc, struct ratchet_core *w,
    const struct vec_rng *rng, json_t *st)
{
	uint8_t out[32];

	VEC_CHECK(vc, rng->ndrawn == 32, "DH step drew %zu bytes",
	    rng->ndrawn);
	memcpy(w->dhs.sk, rng->drawn, 32);
	VEC_CHECK(vc, crypto_scalarmult_base(w->dhs.pk, w->dhs.sk) == 0 &&
		vec_dh(out, w->dhs.sk, w->dhr) == 0,
	    "DH step send");
	rm_kdf_rk(w->rk, w->cks, w->nhks, out);
	w->flags = RF_ALL;
	vec_put_hex(st, "rng_drawn", rng->drawn, 32);
	vec_put_hex(st, "dhs_pk", w->dhs.pk, 32);
	vec_put_hex(st, "dh_send", out, 32);
	vec_put_hex(st, "rk", w->rk, 32);
	vec_put_hex(st, "cks", w->cks, 32);
	vec_put_hex(st, "nhks", w->nhks, 32);
	sodium_memzero(out, sizeof(out));
}

/* Commits: appends pend, drops keys RM_MAX_SKIP_STEPS steps old, then the
 * oldest beyond RM_MAX_SKIPPED; lists the dropped ones. */
static inline void
rm_commit(struct rmodel *m, const struct ratchet_skipped *pend, size_t np,
    json_t *out)
{
	json_t *dropped = vec_arr();
	size_t i, kept = 0, drop;

	memcpy(m->sk + m->n, pend, np * sizeof(pend[0]));
	m->n += np;
	for (i = 0; i < m->n; i++) {
		if (m->c.step - m->sk[i].step >= RM_MAX_SKIP_STEPS) {
			vec_push(dropped, rm_entry_json(&m->sk[i]));
			continue;
		}
		m->sk[kept++] = m->sk[i];
	}
	m->n = kept;
	if (m->n > RM_MAX_SKIPPED) {
		drop = m->n - RM_MAX_SKIPPED;
		for (i = 0; i < drop; i++) {
			vec_push(dropped, rm_entry_json(&m->sk[i]));
		}
		memmove(m->sk, m->sk + drop,
		    RM_MAX_SKIPPED * sizeof(m->sk[0]));
		m->n = RM_MAX_SKIPPED;
	}
	vec_put(out, "skipped_keys_dropped", dropped);
}

/* Bounds and skipping of section 4.7.5; new: the header opened under
 * NHKr. */
static inline int
rm_chain(struct vec_ctx *vc, struct rmodel *m, const uint8_t hpt[static 40],
    int new, const uint8_t *msg, size_t len, const struct vec_rng *rng,
    json_t *out)
{
	struct ratchet_core w = m->c;
	struct ratchet_skipped *pend = mem_zalloc(RM_PEND * sizeof(*pend));
	uint32_t pn = vec_u32(hpt + 32), n = vec_u32(hpt + 36);
	json_t *st = vec_obj(), *old = vec_arr(), *cur = vec_arr();
	size_t np = 0, before, ahead;
	uint8_t mk[32];
	int r = ERR_INVALID;

	PANIC_IF(pend == NULL);
	before = new && (w.flags & RF_CKR) && pn > w.nr ? pn - w.nr : 0;
	ahead = new ? n : n - w.nr;
	if (n == UINT32_MAX) {
		goto out;
	}
	r = ERR_SKIP;
	if (before > RM_MAX_SKIP || ahead > RM_MAX_SKIP) {
		goto out;
	}
	if (new) {
		rm_skip(&w, pend, &np, pn, old);
		vec_put(out, "skipped_keys_old_chain", json_incref(old));
		if ((r = rm_step_recv(&w, hpt, st)) != 0) {
			goto out;
		}
		vec_put(out, "dh_step", json_incref(st));
	}
	rm_skip(&w, pend, &np, n, cur);
	vec_put(out, "skipped_keys_added", json_incref(cur));
	rm_kdf_ck(w.ckr, mk);
	w.nr = n + 1;
	if ((r = rm_body(m, mk, msg, len, out)) != 0) {
		goto out;
	}
	if (new) {
		rm_step_send(vc, &w, rng, st);
	} else {
		VEC_CHECK(vc, rng->ndrawn == 0,
		    "current chain drew randomness");
	}
	m->c = w;
	rm_commit(m, pend, np, out);
out:
	json_decref(st);
	json_decref(old);
	json_decref(cur);
	sodium_memzero(&w, sizeof(w));
	mem_wipe_free(pend, RM_PEND * sizeof(*pend));
	sodium_memzero(mk, sizeof(mk));
	return r;
}

/* Records which header key opened the header and what it says. */
static inline void
rm_put_header(json_t *out, const char *which, const uint8_t hk[static 32],
    const uint8_t hpt[static 40])
{
	json_t *h = vec_obj();

	vec_put_str(out, "header_key", which);
	vec_put_hex(out, "header_key_value", hk, 32);
	vec_put_hex(out, "header_plaintext", hpt, 40);
	vec_put_hex(h, "dh", hpt, 32);
	vec_put_int(h, "pn", vec_u32(hpt + 32));
	vec_put_int(h, "n", vec_u32(hpt + 36));
	vec_put(out, "header", h);
}

/* The framing checks of section 4.7.1. */
static inline int
rm_framing(const uint8_t *msg, size_t len)
{
	if (len > 97 + (1U << 20)) {
		return ERR_TOO_LONG;
	}
	if (len < 1) {
		return ERR_SHORT;
	}
	if (msg[0] != 0x01) {
		return ERR_VERSION;
	}
	if (len < 97) {
		return ERR_SHORT;
	}
	if (len == 97 || vec_bucket(len - 98) != len - 97) {
		return ERR_INVALID;
	}
	return 0;
}

/* Tries the header keys of skipped chains, then HKr, then NHKr (section
 * 4.7.2). 1 if none opened the header. */
static inline int
rm_trial(struct vec_ctx *vc, struct rmodel *m, const uint8_t *msg, size_t len,
    const struct vec_rng *rng, json_t *out)
{
	const uint8_t *hk, *prev = NULL;
	uint8_t hpt[40];
	size_t i;

	for (i = 0; i < m->n; i++) {
		hk = m->sk[i].hk;
		if ((prev != NULL && rm_eq(prev, hk)) ||
		    ((m->c.flags & RF_HKR) && rm_eq(hk, m->c.hkr))) {
			continue;
		}
		prev = hk;
		if (rm_open_header(m, msg, hk, hpt) == 0) {
			rm_put_header(out, "skipped", hk, hpt);
			return rm_use(m, rm_find(m, hk, vec_u32(hpt + 36)),
			    msg, len, out);
		}
	}
	if ((m->c.flags & RF_HKR) &&
	    rm_open_header(m, msg, m->c.hkr, hpt) == 0) {
		rm_put_header(out, "current", m->c.hkr, hpt);
		if (vec_u32(hpt + 36) >= m->c.nr) {
			return rm_chain(vc, m, hpt, 0, msg, len, rng, out);
		}
		return rm_use(m, rm_find(m, m->c.hkr, vec_u32(hpt + 36)), msg,
		    len, out);
	}
	if (rm_open_header(m, msg, m->c.nhkr, hpt) == 0) {
		rm_put_header(out, "next", m->c.nhkr, hpt);
		return rm_chain(vc, m, hpt, 1, msg, len, rng, out);
	}
	return ERR_AUTH;
}

/* The model's decryption: its error, and on success m is the new state. */
static inline int
rm_decrypt(struct vec_ctx *vc, struct rmodel *m, const uint8_t *msg,
    size_t len, const struct vec_rng *rng, json_t *out)
{
	int r;

	if ((r = rm_framing(msg, len)) != 0) {
		return r;
	}
	return rm_trial(vc, m, msg, len, rng, out);
}

/* Names the first field in which the library's session differs. */
static inline void
rm_compare(struct vec_ctx *vc, const struct rmodel *m,
    const struct ratchet_session *s)
{
	const struct ratchet_core *a = &m->c, *b = &s->c;
	size_t i;

	vec_same(vc, "state ad", a->ad, b->ad, 64);
	vec_same(vc, "state dhs", (const uint8_t *)&a->dhs,
	    (const uint8_t *)&b->dhs, sizeof(a->dhs));
	vec_same(vc, "state dhr", a->dhr, b->dhr, 32);
	vec_same(vc, "state rk", a->rk, b->rk, 32);
	vec_same(vc, "state cks", a->cks, b->cks, 32);
	vec_same(vc, "state ckr", a->ckr, b->ckr, 32);
	vec_same(vc, "state hks", a->hks, b->hks, 32);
	vec_same(vc, "state hkr", a->hkr, b->hkr, 32);
	vec_same(vc, "state nhks", a->nhks, b->nhks, 32);
	vec_same(vc, "state nhkr", a->nhkr, b->nhkr, 32);
	VEC_CHECK(vc, a->ns == b->ns && a->nr == b->nr && a->pn == b->pn &&
		a->step == b->step && a->flags == b->flags,
	    "state counters");
	VEC_CHECK(vc, m->n == s->nskipped, "skipped count %zu, library %zu",
	    m->n, s->nskipped);
	for (i = 0; i < m->n && i < s->nskipped; i++) {
		VEC_CHECK(vc, rm_eq(m->sk[i].hk, s->skipped[i].hk) &&
			rm_eq(m->sk[i].mk, s->skipped[i].mk) &&
			m->sk[i].n == s->skipped[i].n &&
			m->sk[i].step == s->skipped[i].step,
		    "skipped key %zu", i);
	}
}

#endif
