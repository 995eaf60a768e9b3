/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Builders of ratchet.json (a scripted two-party transcript replayed on
 * the library and on the model of vec_model.h) and state.json. */
#ifndef SEALPOST_VEC_RATCHET_H
#define SEALPOST_VEC_RATCHET_H

#include "crypto/ratchet.h"
#include "tests/vectors/vec_model.h"
#include "tests/vectors/vec_x3dh.h"

#define RT_MAX_MSGS 128

struct rt_msg {
	const char *id; /* points into the input */
	int from;       /* 0 alice, 1 bob */
	uint8_t *p;
	size_t n;
};

/* The transcript so far: both sessions, their RNGs, every message. */
struct rt {
	struct vec_rng rng[2];
	struct ratchet_session *s[2];
	struct rt_msg m[RT_MAX_MSGS];
	size_t nm;
};

static const char *const rt_party[2] = { "alice", "bob" };

static inline int
rt_who(struct vec_ctx *vc, const json_t *in, const char *field)
{
	const char *p = vec_get_str(vc, in, field);

	if (strcmp(p, "alice") == 0 || strcmp(p, "bob") == 0) {
		return p[0] == 'b';
	}
	vec_fail(vc, "unknown party \"%s\"", p);
	return -1;
}

static inline void
rt_free(struct rt *t)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		ratchet_free(t->s[i]);
		vec_rng_wipe(&t->rng[i]);
	}
	for (i = 0; i < t->nm; i++) {
		mem_wipe_free(t->m[i].p, t->m[i].n);
	}
	memset(t, 0, sizeof(*t));
}

/* The initiator's first ratchet state from the specification. */
static inline void
rt_init_alice(struct vec_ctx *vc, struct rt *t, const struct vx3dh *x,
    json_t *out)
{
	struct vec_rng *rng = &t->rng[0];
	struct rmodel m;
	uint8_t dh[32];

	vec_rng_reset(rng);
	VEC_CHECK(vc, ratchet_init_initiator(&rng->rng, &x->xa, x->spk.pk,
		      &t->s[0]) == 0 && rng->ndrawn == 32,
	    "ratchet_init_initiator");
	if (t->s[0] == NULL) {
		return;
	}
	rm_init(&m, t->s[0]);
	memset(&m.c, 0, sizeof(m.c));
	memcpy(m.c.ad, x->xa.ad, 64);
	memcpy(m.c.dhs.sk, rng->drawn, 32);
	VEC_CHECK(vc, crypto_scalarmult_base(m.c.dhs.pk, m.c.dhs.sk) == 0 &&
		vec_dh(dh, m.c.dhs.sk, x->spk.pk) == 0,
	    "initiator DH");
	memcpy(m.c.dhr, x->spk.pk, 32);
	memcpy(m.c.rk, x->xa.sk, 32);
	rm_kdf_rk(m.c.rk, m.c.cks, m.c.nhks, dh);
	memcpy(m.c.hks, x->xa.hka, 32);
	memcpy(m.c.nhkr, x->xa.nhkb, 32);
	m.c.flags = RF_DHR | RF_CKS | RF_HKS;
	rm_compare(vc, &m, t->s[0]);
	vec_put_hex(out, "rng_drawn", rng->drawn, 32);
	vec_put_hex(out, "dhs_pk", m.c.dhs.pk, 32);
	vec_put_hex(out, "dhr", m.c.dhr, 32);
	vec_put_hex(out, "dh", dh, 32);
	vec_put_hex(out, "rk", m.c.rk, 32);
	vec_put_hex(out, "cks", m.c.cks, 32);
	vec_put_hex(out, "nhks", m.c.nhks, 32);
	vec_put_hex(out, "hks", m.c.hks, 32);
	vec_put_hex(out, "nhkr", m.c.nhkr, 32);
	vec_put_int(out, "flags", m.c.flags);
	sodium_memzero(dh, sizeof(dh));
	rm_wipe(&m);
}

static inline void
rt_init_bob(struct vec_ctx *vc, struct rt *t, const struct vx3dh *x,
    json_t *out)
{
	struct rmodel m;

	VEC_CHECK(vc, ratchet_init_responder(&x->xb, &x->spk, &t->s[1]) == 0,
	    "ratchet_init_responder");
	if (t->s[1] == NULL) {
		return;
	}
	rm_init(&m, t->s[1]);
	memset(&m.c, 0, sizeof(m.c));
	memcpy(m.c.ad, x->xb.ad, 64);
	m.c.dhs = x->spk;
	memcpy(m.c.rk, x->xb.sk, 32);
	memcpy(m.c.nhks, x->xb.nhkb, 32);
	memcpy(m.c.nhkr, x->xb.hka, 32);
	rm_compare(vc, &m, t->s[1]);
	vec_put_hex(out, "dhs_pk", m.c.dhs.pk, 32);
	vec_put_hex(out, "rk", m.c.rk, 32);
	vec_put_hex(out, "nhks", m.c.nhks, 32);
	vec_put_hex(out, "nhkr", m.c.nhkr, 32);
	vec_put_int(out, "flags", m.c.flags);
	rm_wipe(&m);
}

/* X3DH with Alice's RNG, then both ratchet initialisations. */
static inline void
rt_setup(struct vec_ctx *vc, struct rt *t, const json_t *in, json_t *out)
{
	struct vx3dh x;
	uint8_t seed[32];
	json_t *o = vec_obj();

	vec_get_hex(vc, in, "alice_rng_seed", seed, 32);
	vec_rng_init(&t->rng[0], seed);
	vec_get_hex(vc, in, "bob_rng_seed", seed, 32);
	vec_rng_init(&t->rng[1], seed);
	vec_put(out, "x3dh", o);
	vec_x3dh_run(vc, in, o, &t->rng[0], &x);
	if (x.alice != NULL && x.bob != NULL) {
		o = vec_obj();
		vec_put(out, "alice_init", o);
		rt_init_alice(vc, t, &x, o);
		o = vec_obj();
		vec_put(out, "bob_init", o);
		rt_init_bob(vc, t, &x, o);
	}
	vx3dh_free(&x);
}

/* The message as the specification builds it from the state before. */
static inline void
rt_send_reference(struct vec_ctx *vc, const struct ratchet_core *pre,
    const uint8_t nonce[24], const uint8_t *pt, size_t n, const uint8_t *msg,
    size_t len, json_t *out)
{
	uint8_t ck[32], mk[32], hpt[40], ad[145], okm[56], *pad, *ref;
	size_t b = vec_bucket(n);
	json_t *o = vec_obj();

	pad = mem_zalloc(b + 1);
	ref = mem_zalloc(97 + b);
	PANIC_IF(pad == NULL || ref == NULL);
	memcpy(ck, pre->cks, 32);
	rm_kdf_ck(ck, mk);
	memcpy(hpt, pre->dhs.pk, 32);
	vec_put_u32(hpt + 32, pre->pn);
	vec_put_u32(hpt + 36, pre->ns);
	ad[0] = 0x01;
	memcpy(ad + 1, pre->ad, 64);
	ref[0] = 0x01;
	memcpy(ref + 1, nonce, 24);
	vec_seal(ref + 25, hpt, 40, ad, 65, nonce, pre->hks);
	memcpy(ad + 65, ref + 1, 80);
	VEC_HKDF_LABEL(okm, 56, NULL, 0, mk, 32, LABEL_MESSAGE_KEYS);
	memcpy(pad, pt, n);
	pad[n] = 0x80;
	vec_seal(ref + 81, pad, b, ad, 145, okm + 32, okm);
	VEC_CHECK(vc, len == 97 + b, "message length");
	vec_same(vc, "message", ref, msg, len < 97 + b ? len : 97 + b);
	vec_put_hex(o, "dhs_pk", pre->dhs.pk, 32);
	vec_put_int(o, "pn", pre->pn);
	vec_put_int(o, "n", pre->ns);
	vec_put_hex(o, "cks", pre->cks, 32);
	vec_put_hex(o, "hks", pre->hks, 32);
	vec_put(out, "sender_before", o);
	vec_put_hex(out, "mk", mk, 32);
	vec_put_hex(out, "cks_after", ck, 32);
	vec_put_hex(out, "header_plaintext", hpt, 40);
	vec_put_hex(out, "header_nonce", nonce, 24);
	vec_put_hex(out, "header_ad", ad, 65);
	vec_put_hex(out, "encrypted_header", ref + 1, 80);
	vec_put_hex(out, "body_key", okm, 32);
	vec_put_hex(out, "body_nonce", okm + 32, 24);
	vec_put_hex(out, "padded_plaintext", pad, b);
	vec_put_hex(out, "body_ad", ad, 145);
	vec_put_hex(out, "message", ref, 97 + b);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(okm, sizeof(okm));
	mem_wipe_free(pad, b + 1);
	mem_wipe_free(ref, 97 + b);
}

/* Encrypts on session s with rng, checks and records it, keeps the
 * message as message_id. */
static inline void
rt_encrypt(struct vec_ctx *vc, struct rt *t, struct ratchet_session *s,
    struct vec_rng *rng, int from, const json_t *in, json_t *out)
{
	struct ratchet_core pre = s->c;
	struct rt_msg *m = &t->m[t->nm];
	uint8_t *pt, mk[32];
	size_t n;
	int r;

	pt = vec_get_bytes(vc, in, "plaintext", &n);
	vec_put_str(out, "direction", from ? "bob_to_alice" : "alice_to_bob");
	vec_rng_reset(rng);
	PANIC_IF(t->nm == RT_MAX_MSGS);
	r = ratchet_encrypt(s, &rng->rng, pt, n, &m->p, &m->n);
	VEC_CHECK(vc, r == 0 && rng->ndrawn == 24, "ratchet_encrypt: %s",
	    err_name(r));
	if (r == 0) {
		m->id = vec_get_str(vc, in, "message_id");
		m->from = from;
		t->nm++;
		rt_send_reference(vc, &pre, rng->drawn, pt, n, m->p, m->n,
		    out);
		rm_kdf_ck(pre.cks, mk);
		pre.ns++;
		VEC_CHECK(vc, sodium_memcmp(&pre, &s->c, sizeof(pre)) == 0,
		    "sender state after encrypt");
	}
	sodium_memzero(&pre, sizeof(pre));
	sodium_memzero(mk, sizeof(mk));
	mem_wipe_free(pt, n + 1);
}

static inline void
rt_send(struct vec_ctx *vc, struct rt *t, const json_t *in, json_t *out)
{
	int from = rt_who(vc, in, "from");

	if (from >= 0 && t->s[from] != NULL) {
		rt_encrypt(vc, t, t->s[from], &t->rng[from], from, in, out);
	}
}

/* A message skip_ahead numbers past the sender's next one, from a copy of
 * its session: the sender itself does not move. */
static inline void
rt_send_forged(struct vec_ctx *vc, struct rt *t, const json_t *in, json_t *out)
{
	struct ratchet_session *c = NULL;
	struct vec_rng rng;
	uint8_t seed[32], mk[32], *blob = NULL;
	size_t n = 0;
	long long i, k = vec_get_int(vc, in, "skip_ahead", 0, 100000);
	int from = rt_who(vc, in, "from");

	vec_get_hex(vc, in, "rng_seed", seed, 32);
	vec_rng_init(&rng, seed);
	if (from >= 0 && t->s[from] != NULL &&
	    ratchet_encode(t->s[from], &blob, &n) == 0 &&
	    ratchet_decode(blob, n, &c) == 0) {
		for (i = 0; i < k; i++) {
			ratchet_kdf_ck(c->c.cks, mk);
		}
		c->c.ns += (uint32_t)k;
		rt_encrypt(vc, t, c, &rng, from, in, out);
	} else {
		vec_fail(vc, "forged send");
	}
	sodium_memzero(mk, sizeof(mk));
	mem_wipe_free(blob, n);
	ratchet_free(c);
	vec_rng_wipe(&rng);
}

static inline json_t *
rt_counters(const struct ratchet_session *s)
{
	json_t *o = vec_obj();

	vec_put_int(o, "ns", s->c.ns);
	vec_put_int(o, "nr", s->c.nr);
	vec_put_int(o, "pn", s->c.pn);
	vec_put_int(o, "step", s->c.step);
	vec_put_int(o, "skipped_count", (long long)s->nskipped);
	return o;
}

/* Decrypts on the library and on the model; they must agree. */
static inline void
rt_decrypt(struct vec_ctx *vc, struct rt *t, int to, const uint8_t *msg,
    size_t len, json_t *out)
{
	struct ratchet_session *s = t->s[to];
	struct vec_rng *rng = &t->rng[to];
	struct rmodel m;
	uint8_t *pt = NULL, *b1 = NULL, *b2 = NULL;
	size_t ptn = 0, n1 = 0, n2 = 0;
	int r, rm;

	vec_put(out, "receiver_before", rt_counters(s));
	rm_init(&m, s);
	VEC_CHECK(vc, ratchet_encode(s, &b1, &n1) == 0, "encode");
	vec_rng_reset(rng);
	r = ratchet_decrypt(s, &rng->rng, msg, len, &pt, &ptn);
	rm = rm_decrypt(vc, &m, msg, len, rng, out);
	VEC_CHECK(vc, r == rm, "decrypt: library %s, model %s", err_name(r),
	    err_name(rm));
	vec_put_str(out, "result", r == 0 ? "ok" : err_name(r));
	if (r == 0 && rm == 0) {
		VEC_CHECK(vc,
		    ptn == m.ptn && sodium_memcmp(pt, m.pt, ptn) == 0,
		    "plaintext");
		VEC_CHECK(vc, json_object_get(out, "dh_step") != NULL ||
			rng->ndrawn == 0,
		    "a delivery without a DH step drew randomness");
		rm_compare(vc, &m, s);
	} else if (r != 0) {
		VEC_CHECK(vc, ratchet_encode(s, &b2, &n2) == 0 && n1 == n2 &&
			sodium_memcmp(b1, b2, n1) == 0 && rng->ndrawn == 0,
		    "a failed decryption changed the state");
		vec_put_bool(out, "state_unchanged", 1);
	}
	vec_put(out, "receiver_after", rt_counters(s));
	mem_wipe_free(pt, ptn);
	mem_wipe_free(b1, n1);
	mem_wipe_free(b2, n2);
	rm_wipe(&m);
}

static inline void
rt_deliver(struct vec_ctx *vc, struct rt *t, const json_t *in, json_t *out)
{
	const char *id = vec_get_str(vc, in, "message_id");
	const json_t *mut = json_object_get(in, "mutation");
	uint8_t *q = NULL;
	size_t i, qn = 0;

	for (i = 0; i < t->nm && strcmp(t->m[i].id, id) != 0; i++) {
	}
	if (i == t->nm) {
		vec_fail(vc, "deliver: no message \"%s\"", id);
		return;
	}
	vec_put_str(out, "to", rt_party[!t->m[i].from]);
	if (mut != NULL) {
		q = vec_mutate(vc, mut, t->m[i].p, t->m[i].n, &qn);
		vec_put_hex(out, "message", q, qn);
		rt_decrypt(vc, t, !t->m[i].from, q, qn, out);
		mem_wipe_free(q, qn + 1);
	} else {
		rt_decrypt(vc, t, !t->m[i].from, t->m[i].p, t->m[i].n, out);
	}
}

static inline void
rt_snapshot(struct vec_ctx *vc, struct rt *t, const json_t *in, json_t *out)
{
	int who = rt_who(vc, in, "party");
	struct ratchet_session *c = NULL;
	uint8_t *b1 = NULL, *b2 = NULL;
	size_t n1 = 0, n2 = 0;

	if (who < 0 || t->s[who] == NULL) {
		return;
	}
	VEC_CHECK(vc, ratchet_encode(t->s[who], &b1, &n1) == 0 &&
		ratchet_decode(b1, n1, &c) == 0 &&
		ratchet_encode(c, &b2, &n2) == 0 && n1 == n2 &&
		sodium_memcmp(b1, b2, n1) == 0,
	    "state round trip");
	vec_put_int(out, "flags", t->s[who]->c.flags);
	vec_put_int(out, "skipped_count", (long long)t->s[who]->nskipped);
	vec_put_hex(out, "state", b1, n1);
	ratchet_free(c);
	mem_wipe_free(b1, n1);
	mem_wipe_free(b2, n2);
}

static const char *const vec_ratchet_spec[] = { "ratchet-state",
	"ratchet-kdf", "ratchet-init", "ratchet-ad", "ratchet-message",
	"ratchet-encrypt", "ratchet-framing", "ratchet-trial", "ratchet-body",
	"ratchet-dh-step", "ratchet-chain", "ratchet-bounds", "ratchet-errors",
	"rng-draws", "padding-marker", "state-layout", NULL };

/* Replays cases_in in order: one setup, then send, send_forged, deliver
 * and snapshot events. */
static inline json_t *
vec_build_ratchet(struct vec_ctx *vc, const json_t *cases_in)
{
	json_t *file = vec_file_new("ratchet.json",
	    "A Double Ratchet transcript with header encryption, from an "
	    "X3DH with a one-time prekey. Each party has one seeded RNG for "
	    "everything it draws, in order (rng_drawn / header_nonce show "
	    "each draw). Cases are events in order: setup, send, deliver "
	    "(result ok, or the error of a replayed, mutated or forged "
	    "message, which leaves the state unchanged), send_forged (a "
	    "message skip_ahead numbers ahead, from a copy of the sender "
	    "with its own RNG seed) and snapshot (the state blob).",
	    vec_ratchet_spec);
	json_t *cases = vec_arr(), *c, *out;
	const json_t *ic, *in;
	const char *type;
	struct rt t;
	size_t i;

	memset(&t, 0, sizeof(t));
	vec_put(file, "cases", cases);
	json_array_foreach(cases_in, i, ic) {
		vc->where = json_string_value(json_object_get(ic, "name"));
		c = vec_case_new(vc, ic, &out);
		vec_push(cases, c);
		in = json_object_get(ic, "input");
		type = vec_get_str(vc, in, "type");
		if (strcmp(type, "setup") == 0 && i == 0) {
			rt_setup(vc, &t, in, out);
		} else if (t.s[0] == NULL || t.s[1] == NULL) {
			vec_fail(vc, "ratchet: no setup before this case");
			break;
		} else if (strcmp(type, "send") == 0) {
			rt_send(vc, &t, in, out);
		} else if (strcmp(type, "send_forged") == 0) {
			rt_send_forged(vc, &t, in, out);
		} else if (strcmp(type, "deliver") == 0) {
			rt_deliver(vc, &t, in, out);
		} else if (strcmp(type, "snapshot") == 0) {
			rt_snapshot(vc, &t, in, out);
		} else {
			vec_fail(vc, "ratchet: unknown type \"%s\"", type);
		}
	}
	vc->where = NULL;
	rt_free(&t);
	return file;
}

/* ---- state.json ---- */

/* The blob's fields read at the offsets of section 6.1. */
static inline void
state_fields(const uint8_t *p, size_t n, json_t *out)
{
	static const char *const keys[] = { "dhs_sk", "dhs_pk", "dhr", "rk",
		"cks", "ckr", "hks", "hkr", "nhks", "nhkr" };
	static const char *const ctr[] = { "ns", "nr", "pn", "step" };
	json_t *list = vec_arr(), *e;
	size_t i, count = (size_t)p[402] << 8 | p[403];

	vec_put_int(out, "length", (long long)n);
	vec_put_int(out, "version", p[0]);
	vec_put_int(out, "flags", p[1]);
	vec_put_hex(out, "ad", p + 2, 64);
	for (i = 0; i < 10; i++) {
		vec_put_hex(out, keys[i], p + 66 + 32 * i, 32);
	}
	for (i = 0; i < 4; i++) {
		vec_put_int(out, ctr[i], vec_u32(p + 386 + 4 * i));
	}
	vec_put_int(out, "count", (long long)count);
	for (i = 0; i < count && 404 + 72 * (i + 1) <= n; i++) {
		e = vec_obj();
		vec_put_hex(e, "hk", p + 404 + 72 * i, 32);
		vec_put_int(e, "n", vec_u32(p + 436 + 72 * i));
		vec_put_int(e, "step", vec_u32(p + 440 + 72 * i));
		vec_put_hex(e, "mk", p + 444 + 72 * i, 32);
		vec_push(list, e);
	}
	vec_put(out, "skipped", list);
}

static inline void
state_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	struct ratchet_session *s = NULL;
	uint8_t *p, *b2 = NULL;
	size_t n, n2 = 0;
	int r;

	(void)cases;
	p = vec_get_bytes(vc, in, "blob", &n);
	r = ratchet_decode(p, n, &s);
	VEC_CHECK(vc, r == 0 && n >= 404, "state decode: %s", err_name(r));
	if (r == 0 && n >= 404) {
		VEC_CHECK(vc, ratchet_encode(s, &b2, &n2) == 0 && n2 == n &&
			sodium_memcmp(p, b2, n) == 0,
		    "state re-encoding");
		VEC_CHECK(vc,
		    p[1] == s->c.flags && n == 404 + 72 * s->nskipped &&
			sodium_memcmp(p + 2, s->c.ad, 64) == 0 &&
			sodium_memcmp(p + 66, s->c.dhs.sk, 32) == 0 &&
			sodium_memcmp(p + 162, s->c.rk, 32) == 0 &&
			vec_u32(p + 398) == s->c.step,
		    "state fields");
		state_fields(p, n, out);
	}
	ratchet_free(s);
	mem_wipe_free(b2, n2);
	mem_wipe_free(p, n + 1);
}

static inline int
state_neg_run(struct vec_ctx *vc, const json_t *base, const json_t *neg,
    const uint8_t *p, size_t n)
{
	struct ratchet_session *s = NULL;
	int r;

	(void)base;
	VEC_CHECK(vc, strcmp(vec_get_str(vc, neg, "target"), "blob") == 0,
	    "state negative target");
	r = ratchet_decode(p, n, &s);
	ratchet_free(s);
	return r;
}

static inline void
state_neg_case(struct vec_ctx *vc, const json_t *in, json_t *out,
    const json_t *cases)
{
	vec_negative(vc, in, out, cases, state_neg_run);
}

static const char *const vec_state_spec[] = { "session-state",
	"state-layout", "state-flags", "state-canonical", "state-decode",
	NULL };

static inline json_t *
vec_build_state(struct vec_ctx *vc, const json_t *cases_in)
{
	static const struct vec_type types[] = {
		{ "state", state_case },
		{ "negative", state_neg_case },
		{ NULL, NULL },
	};
	json_t *f = vec_file_new("state.json",
	    "Session state blobs taken from the "
	    "snapshot cases of ratchet.json "
	    "(ratchet_case names the case), with "
	    "their fields decoded at the offsets of "
	    "the layout; decoding and re-encoding "
	    "gives the same bytes. Negative cases "
	    "decode a mutated blob.",
	    vec_state_spec);

	return vec_build_cases(vc, f, cases_in, types);
}

#endif
