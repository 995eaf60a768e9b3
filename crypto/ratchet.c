/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The Double Ratchet with header encryption: initialisation, encryption and
 * decryption. Serialisation lives in ratchet_state.c. */
#include "crypto/ratchet.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "crypto/aead.h"
#include "crypto/hkdf.h"
#include "crypto/labels.h"
#include "crypto/pad.h"
#include "crypto/ratchet_impl.h"

#define HDR_AD_LEN (1 + X3DH_AD_LEN)
#define BODY_AD_LEN (HDR_AD_LEN + RATCHET_ENC_HEADER_LEN)
#define EHDR_OFF 1
#define BODY_OFF (1 + RATCHET_ENC_HEADER_LEN)

/* A decrypted header. */
struct header {
	uint8_t dh[KEY_LEN];
	uint32_t pn;
	uint32_t n;
};

struct ratchet_session *
ratchet_alloc(void)
{
	return mem_secure_alloc(sizeof(struct ratchet_session));
}

int
ratchet_reserve(struct ratchet_session *s, size_t n)
{
	struct ratchet_skipped *a;
	size_t cap;

	PANIC_IF(n > RATCHET_SKIP_CAP);
	if (n <= s->cap) {
		return 0;
	}
	cap = s->cap < 32 ? 32 : 2 * s->cap;
	cap = cap < n ? n : cap;
	cap = cap > RATCHET_SKIP_CAP ? RATCHET_SKIP_CAP : cap;
	if ((a = mem_secure_alloc(cap * sizeof(*a))) == NULL) {
		return ERR_NOMEM;
	}
	if (s->nskipped > 0) {
		memcpy(a, s->skipped, s->nskipped * sizeof(*a));
	}
	mem_secure_free(s->skipped, s->cap * sizeof(*a));
	s->skipped = a;
	s->cap = cap;
	return 0;
}

void
ratchet_free(struct ratchet_session *s)
{
	if (s == NULL) {
		return;
	}
	mem_secure_free(s->skipped, s->cap * sizeof(s->skipped[0]));
	mem_secure_free(s, sizeof(*s));
}

int
ratchet_can_send(const struct ratchet_session *s)
{
	return (s->c.flags & (RF_CKS | RF_HKS)) == (RF_CKS | RF_HKS);
}

const uint8_t *
ratchet_ad(const struct ratchet_session *s)
{
	return s->c.ad;
}

size_t
ratchet_skipped_count(const struct ratchet_session *s)
{
	return s->nskipped;
}

int
ratchet_kdf_rk(uint8_t rk[static KEY_LEN], uint8_t ck[static KEY_LEN],
    uint8_t nhk[static KEY_LEN], const uint8_t dh[static KEY_LEN])
{
	uint8_t okm[3 * KEY_LEN];
	int r;

	r = hkdf_sha256(okm, sizeof(okm), rk, KEY_LEN, dh, KEY_LEN,
	    (const uint8_t *)LABEL_RATCHET_RK, LABEL_LEN(LABEL_RATCHET_RK));
	if (r == 0) {
		memcpy(rk, okm, KEY_LEN);
		memcpy(ck, okm + KEY_LEN, KEY_LEN);
		memcpy(nhk, okm + 2 * KEY_LEN, KEY_LEN);
	}
	sodium_memzero(okm, sizeof(okm));
	return r;
}

void
ratchet_kdf_ck(uint8_t ck[static KEY_LEN], uint8_t mk[static KEY_LEN])
{
	static const uint8_t one = 0x01, two = 0x02;
	crypto_auth_hmacsha256_state base, st;

	/* Both HMACs use the key CK: key the state once. */
	crypto_auth_hmacsha256_init(&base, ck, KEY_LEN);
	st = base;
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, mk);
	st = base;
	crypto_auth_hmacsha256_update(&st, &two, 1);
	crypto_auth_hmacsha256_final(&st, ck);
	sodium_memzero(&base, sizeof(base));
	sodium_memzero(&st, sizeof(st));
}

int
ratchet_message_keys(const uint8_t mk[static KEY_LEN],
    uint8_t key[static AEAD_KEY_LEN], uint8_t nonce[static AEAD_NONCE_LEN])
{
	uint8_t okm[AEAD_KEY_LEN + AEAD_NONCE_LEN];
	int r;

	r = hkdf_sha256(okm, sizeof(okm), NULL, 0, mk, KEY_LEN,
	    (const uint8_t *)LABEL_MESSAGE_KEYS, LABEL_LEN(LABEL_MESSAGE_KEYS));
	memcpy(key, okm, AEAD_KEY_LEN);
	memcpy(nonce, okm + AEAD_KEY_LEN, AEAD_NONCE_LEN);
	sodium_memzero(okm, sizeof(okm));
	return r;
}

/*
 * The one encoder of associated data: version || session AD, and for the
 * body also the encrypted header. Returns the length written.
 */
static size_t
encode_ad(uint8_t out[static BODY_AD_LEN], const uint8_t ad[static X3DH_AD_LEN],
    const uint8_t *ehdr)
{
	out[0] = SUITE_VERSION;
	memcpy(out + 1, ad, X3DH_AD_LEN);
	if (ehdr == NULL) {
		return HDR_AD_LEN;
	}
	memcpy(out + HDR_AD_LEN, ehdr, RATCHET_ENC_HEADER_LEN);
	return BODY_AD_LEN;
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* ehdr = nonce || AEAD(hk, dh || u32 pn || u32 n, version || AD). */
static void
header_seal(uint8_t ehdr[static RATCHET_ENC_HEADER_LEN],
    const struct ratchet_core *c, const struct rng *rng)
{
	uint8_t pt[RATCHET_HEADER_LEN];
	uint8_t ad[BODY_AD_LEN];
	size_t adlen = encode_ad(ad, c->ad, NULL);

	memcpy(pt, c->dhs.pk, KEY_LEN);
	put_u32(pt + KEY_LEN, c->pn);
	put_u32(pt + KEY_LEN + 4, c->ns);
	rng_fill(rng, ehdr, AEAD_NONCE_LEN);
	aead_seal(ehdr + AEAD_NONCE_LEN, pt, sizeof(pt), ad, adlen, ehdr,
	    c->hks);
}

/* 0 and *h if hk opens ehdr, else ERR_AUTH. */
static int
header_open(struct header *h, const uint8_t ehdr[static RATCHET_ENC_HEADER_LEN],
    const uint8_t ad_session[static X3DH_AD_LEN],
    const uint8_t hk[static KEY_LEN])
{
	uint8_t pt[RATCHET_HEADER_LEN];
	uint8_t ad[BODY_AD_LEN];
	size_t adlen = encode_ad(ad, ad_session, NULL);
	int r;

	r = aead_open(pt, ehdr + AEAD_NONCE_LEN,
	    RATCHET_ENC_HEADER_LEN - AEAD_NONCE_LEN, ad, adlen, ehdr, hk);
	if (r != 0) {
		return ERR_AUTH;
	}
	memcpy(h->dh, pt, KEY_LEN);
	h->pn = get_u32(pt + KEY_LEN);
	h->n = get_u32(pt + KEY_LEN + 4);
	return 0;
}

int
ratchet_init_initiator(const struct rng *rng, const struct x3dh_output *x,
    const uint8_t responder_spk[static KEY_LEN], struct ratchet_session **out)
{
	struct ratchet_session *s = NULL;
	uint8_t dh[KEY_LEN];
	int r = ERR_INTERNAL;

	*out = NULL;
	if ((s = ratchet_alloc()) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	memcpy(s->c.ad, x->ad, X3DH_AD_LEN);
	memcpy(s->c.rk, x->sk, KEY_LEN);
	memcpy(s->c.dhr, responder_spk, KEY_LEN);
	memcpy(s->c.hks, x->hka, KEY_LEN);
	memcpy(s->c.nhkr, x->nhkb, KEY_LEN);
	x25519_keypair_generate(rng, &s->c.dhs);
	if ((r = key_dh(dh, s->c.dhs.sk, s->c.dhr)) != 0 ||
	    (r = ratchet_kdf_rk(s->c.rk, s->c.cks, s->c.nhks, dh)) != 0) {
		goto out;
	}
	s->c.flags = RF_DHR | RF_CKS | RF_HKS;
	*out = s;
	s = NULL;
	r = 0;
out:
	sodium_memzero(dh, sizeof(dh));
	ratchet_free(s);
	return r;
}

int
ratchet_init_responder(const struct x3dh_output *x,
    const struct x25519_keypair *spk, struct ratchet_session **out)
{
	struct ratchet_session *s;

	*out = NULL;
	if ((s = ratchet_alloc()) == NULL) {
		return ERR_NOMEM;
	}
	memcpy(s->c.ad, x->ad, X3DH_AD_LEN);
	memcpy(s->c.rk, x->sk, KEY_LEN);
	s->c.dhs = *spk;
	memcpy(s->c.nhks, x->nhkb, KEY_LEN);
	memcpy(s->c.nhkr, x->hka, KEY_LEN);
	s->c.flags = 0;
	*out = s;
	return 0;
}

int
ratchet_encrypt(struct ratchet_session *s, const struct rng *rng,
    const uint8_t *pt, size_t len, uint8_t **out, size_t *out_len)
{
	uint8_t ck[KEY_LEN], mk[KEY_LEN];
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN];
	uint8_t ad[BODY_AD_LEN];
	uint8_t *msg = NULL;
	size_t bucket, padded, msg_len = 0, adlen;
	int r = ERR_INTERNAL;

	*out = NULL;
	*out_len = 0;
	if (!ratchet_can_send(s) || s->c.ns == UINT32_MAX) {
		return ERR_STATE;
	}
	if (len > RATCHET_MAX_PLAINTEXT || (bucket = pad_bucket(len)) == 0) {
		return ERR_TOO_LONG;
	}
	msg_len = BODY_OFF + bucket + AEAD_TAG_LEN;
	if ((msg = mem_alloc(msg_len)) == NULL) {
		return ERR_NOMEM;
	}
	memcpy(ck, s->c.cks, KEY_LEN);
	ratchet_kdf_ck(ck, mk);
	msg[0] = SUITE_VERSION;
	header_seal(msg + EHDR_OFF, &s->c, rng);
	if ((r = ratchet_message_keys(mk, key, nonce)) != 0 ||
	    (r = pad_apply(msg + BODY_OFF, bucket, &padded, pt, len)) != 0) {
		goto out;
	}
	adlen = encode_ad(ad, s->c.ad, msg + EHDR_OFF);
	aead_seal(msg + BODY_OFF, msg + BODY_OFF, padded, ad, adlen, nonce, key);
	/* Commit: the chain moves on only once the message exists. */
	memcpy(s->c.cks, ck, KEY_LEN);
	s->c.ns++;
	*out = msg;
	*out_len = msg_len;
	msg = NULL;
	r = 0;
out:
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(nonce, sizeof(nonce));
	mem_wipe_free(msg, msg_len);
	return r;
}

/* Decrypts and unpads the body with message key mk into a new buffer. */
static int
open_body(const uint8_t mk[static KEY_LEN], const uint8_t ad_session[static
    X3DH_AD_LEN], const uint8_t *msg, size_t len, uint8_t **pt,
    size_t *pt_len)
{
	uint8_t key[AEAD_KEY_LEN], nonce[AEAD_NONCE_LEN];
	uint8_t ad[BODY_AD_LEN];
	uint8_t *buf = NULL;
	size_t blen = len - BODY_OFF - AEAD_TAG_LEN, adlen, n = 0;
	int r = ERR_INTERNAL;

	if ((buf = mem_alloc(blen)) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = ratchet_message_keys(mk, key, nonce)) != 0) {
		goto out;
	}
	adlen = encode_ad(ad, ad_session, msg + EHDR_OFF);
	if (aead_open(buf, msg + BODY_OFF, len - BODY_OFF, ad, adlen, nonce,
		key) != 0 ||
	    pad_remove(buf, blen, &n) != 0) {
		/* SECURITY: tag and padding failures look the same. */
		r = ERR_AUTH;
		goto out;
	}
	*pt = buf;
	*pt_len = n;
	buf = NULL;
	r = 0;
out:
	sodium_memzero(key, sizeof(key));
	sodium_memzero(nonce, sizeof(nonce));
	mem_wipe_free(buf, blen);
	return r;
}

/* Index of the skipped key (hk, n), or -1. */
static long
find_skipped(const struct ratchet_session *s, const uint8_t hk[static KEY_LEN],
    uint32_t n)
{
	size_t i;

	for (i = 0; i < s->nskipped; i++) {
		if (s->skipped[i].n == n &&
		    sodium_memcmp(s->skipped[i].hk, hk, KEY_LEN) == 0) {
			return (long)i;
		}
	}
	return -1;
}

static void
remove_skipped(struct ratchet_session *s, size_t i)
{
	memmove(&s->skipped[i], &s->skipped[i + 1],
	    (s->nskipped - i - 1) * sizeof(s->skipped[0]));
	s->nskipped--;
	sodium_memzero(&s->skipped[s->nskipped], sizeof(s->skipped[0]));
}

/* Decrypts with skipped key i and removes it on success. */
static int
use_skipped(struct ratchet_session *s, size_t i, const uint8_t *msg,
    size_t len, uint8_t **pt, size_t *pt_len)
{
	int r = open_body(s->skipped[i].mk, s->c.ad, msg, len, pt, pt_len);

	if (r == 0) {
		remove_skipped(s, i);
	}
	return r;
}

/*
 * Advances w's receiving chain to message number until, appending the keys
 * passed over after the committed ones (*npend counts them). The caller has
 * bounded until - w->nr by RATCHET_MAX_SKIP.
 */
static void
skip_keys(struct ratchet_session *s, struct ratchet_core *w, uint32_t until,
    size_t *npend)
{
	struct ratchet_skipped *e;

	if (!(w->flags & RF_CKR)) {
		return;
	}
	while (w->nr < until) {
		PANIC_IF(s->nskipped + *npend >= s->cap);
		e = &s->skipped[s->nskipped + *npend];
		memcpy(e->hk, w->hkr, KEY_LEN);
		ratchet_kdf_ck(w->ckr, e->mk);
		e->n = w->nr;
		e->step = w->step;
		w->nr++;
		(*npend)++;
	}
}

/* The receiving half of a DH ratchet step, for a header from a new chain:
 * enough to decrypt the message. */
static int
dh_step_recv(struct ratchet_core *w, const struct header *h)
{
	uint8_t dh[KEY_LEN];
	int r;

	w->pn = w->ns;
	w->ns = 0;
	w->nr = 0;
	memcpy(w->hks, w->nhks, KEY_LEN);
	memcpy(w->hkr, w->nhkr, KEY_LEN);
	memcpy(w->dhr, h->dh, KEY_LEN);
	if ((r = key_dh(dh, w->dhs.sk, w->dhr)) == 0 &&
	    (r = ratchet_kdf_rk(w->rk, w->ckr, w->nhkr, dh)) == 0) {
		w->step++;
		w->flags |= RF_DHR | RF_CKR | RF_HKS | RF_HKR;
	}
	sodium_memzero(dh, sizeof(dh));
	return r;
}

/* The sending half: a fresh ratchet key pair and sending chain. Run only
 * once the message authenticated, so a forged one consumes no randomness. */
static int
dh_step_send(struct ratchet_core *w, const struct rng *rng)
{
	uint8_t dh[KEY_LEN];
	int r;

	x25519_keypair_generate(rng, &w->dhs);
	if ((r = key_dh(dh, w->dhs.sk, w->dhr)) == 0 &&
	    (r = ratchet_kdf_rk(w->rk, w->cks, w->nhks, dh)) == 0) {
		w->flags |= RF_CKS;
	}
	sodium_memzero(dh, sizeof(dh));
	return r;
}

/* Makes the npend keys appended by skip_keys permanent, drops keys whose
 * chain is RATCHET_MAX_SKIP_STEPS steps old, then the oldest beyond
 * RATCHET_MAX_SKIPPED. */
static void
commit_skipped(struct ratchet_session *s, size_t npend)
{
	size_t i, kept = 0, total = s->nskipped + npend, drop;

	for (i = 0; i < total; i++) {
		if (s->c.step - s->skipped[i].step >= RATCHET_MAX_SKIP_STEPS) {
			continue;
		}
		if (kept != i) {
			s->skipped[kept] = s->skipped[i];
		}
		kept++;
	}
	if (kept > RATCHET_MAX_SKIPPED) {
		drop = kept - RATCHET_MAX_SKIPPED;
		memmove(&s->skipped[0], &s->skipped[drop],
		    RATCHET_MAX_SKIPPED * sizeof(s->skipped[0]));
		kept = RATCHET_MAX_SKIPPED;
	}
	if (total > kept) {
		sodium_memzero(&s->skipped[kept],
		    (total - kept) * sizeof(s->skipped[0]));
	}
	s->nskipped = kept;
}

/*
 * A message of the current receiving chain (new == 0) or of the next one
 * (new == 1): works on a copy of the core and commits it, with the keys
 * skipped on the way, only if the body authenticates.
 */
static int
decrypt_chain(struct ratchet_session *s, const struct rng *rng,
    const struct header *h, int new, const uint8_t *msg, size_t len,
    uint8_t **pt, size_t *pt_len)
{
	struct ratchet_core w;
	uint8_t mk[KEY_LEN];
	size_t npend = 0, old, ahead;
	int r = ERR_INTERNAL;

	w = s->c;
	/* SECURITY: bound the work before doing any of it. */
	if (h->n == UINT32_MAX) {
		r = ERR_INVALID; /* honest senders stop one short */
		goto out;
	}
	if (new) {
		old = (w.flags & RF_CKR) && h->pn > w.nr ? h->pn - w.nr : 0;
		ahead = h->n;
	} else {
		old = 0;
		ahead = h->n - w.nr;
	}
	if (old > RATCHET_MAX_SKIP || ahead > RATCHET_MAX_SKIP) {
		r = ERR_SKIP;
		goto out;
	}
	if ((r = ratchet_reserve(s, s->nskipped + old + ahead)) != 0) {
		goto out;
	}
	if (new) {
		skip_keys(s, &w, h->pn, &npend);
		if ((r = dh_step_recv(&w, h)) != 0) {
			goto out;
		}
	}
	skip_keys(s, &w, h->n, &npend);
	ratchet_kdf_ck(w.ckr, mk);
	w.nr = h->n + 1;
	if ((r = open_body(mk, w.ad, msg, len, pt, pt_len)) != 0) {
		goto out;
	}
	if (new && (r = dh_step_send(&w, rng)) != 0) {
		mem_wipe_free(*pt, *pt_len);
		*pt = NULL;
		*pt_len = 0;
		goto out;
	}
	s->c = w;
	commit_skipped(s, npend);
	npend = 0;
	r = 0;
out:
	if (npend > 0) {
		sodium_memzero(&s->skipped[s->nskipped],
		    npend * sizeof(s->skipped[0]));
	}
	sodium_memzero(&w, sizeof(w));
	sodium_memzero(mk, sizeof(mk));
	return r;
}

/* Tries the header keys of skipped chains other than the current one. */
static int
try_skipped_chains(struct ratchet_session *s, const uint8_t *msg, size_t len,
    uint8_t **pt, size_t *pt_len)
{
	const uint8_t *hk, *prev = NULL;
	struct header h;
	size_t i;
	long j;

	for (i = 0; i < s->nskipped; i++) {
		hk = s->skipped[i].hk;
		if ((prev != NULL && sodium_memcmp(prev, hk, KEY_LEN) == 0) ||
		    ((s->c.flags & RF_HKR) &&
			sodium_memcmp(s->c.hkr, hk, KEY_LEN) == 0)) {
			continue;
		}
		prev = hk;
		if (header_open(&h, msg + EHDR_OFF, s->c.ad, hk) != 0) {
			continue;
		}
		if ((j = find_skipped(s, hk, h.n)) < 0) {
			return ERR_REPLAY;
		}
		return use_skipped(s, (size_t)j, msg, len, pt, pt_len);
	}
	return ERR_NOT_FOUND;
}

int
ratchet_decrypt(struct ratchet_session *s, const struct rng *rng,
    const uint8_t *msg, size_t len, uint8_t **pt, size_t *pt_len)
{
	struct header h;
	long j;
	int r;

	*pt = NULL;
	*pt_len = 0;
	if (len > RATCHET_MAX_MESSAGE) {
		return ERR_TOO_LONG;
	}
	if (len < 1) {
		return ERR_SHORT;
	}
	if (msg[0] != SUITE_VERSION) {
		return ERR_VERSION;
	}
	if (len < RATCHET_OVERHEAD) {
		return ERR_SHORT;
	}
	if (!pad_is_bucket(len - RATCHET_OVERHEAD)) {
		return ERR_INVALID;
	}
	/* Header keys in the order of the specification: skipped chains,
	 * the current receiving chain, then the next one. */
	if ((r = try_skipped_chains(s, msg, len, pt, pt_len)) != ERR_NOT_FOUND) {
		goto out;
	}
	if ((s->c.flags & RF_HKR) &&
	    header_open(&h, msg + EHDR_OFF, s->c.ad, s->c.hkr) == 0) {
		if (h.n >= s->c.nr) {
			r = decrypt_chain(s, rng, &h, 0, msg, len, pt, pt_len);
		} else if ((j = find_skipped(s, s->c.hkr, h.n)) >= 0) {
			r = use_skipped(s, (size_t)j, msg, len, pt, pt_len);
		} else {
			r = ERR_REPLAY;
		}
		goto out;
	}
	if (header_open(&h, msg + EHDR_OFF, s->c.ad, s->c.nhkr) == 0) {
		r = decrypt_chain(s, rng, &h, 1, msg, len, pt, pt_len);
		goto out;
	}
	r = ERR_AUTH;
out:
	sodium_memzero(&h, sizeof(h));
	return r;
}
