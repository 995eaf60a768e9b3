/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* X3DH: agreement with and without a one-time or last-resort prekey, bundle
 * and header rejection, and the header encoding. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

#define SPK_ID 7
#define OPK_ID 42
#define LRK_ID 43

/* X25519 points of small order: 0, 1, one of order 8, p - 1. */
static const char *const small_x25519[] = {
	"00000000000000000000000000000000"
	    "00000000000000000000000000000000",
	"01000000000000000000000000000000"
	    "00000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46a"
	    "da098deb9c32b1fd866205165f49b800",
	"ecffffffffffffffffffffffffffffff"
	    "ffffffffffffffffffffffffffffff7f",
};

/* Ed25519 encodings that are no valid identity: all zero (order 4), the
 * neutral element, and the neutral element with the sign bit set. */
static const char *const bad_ed25519[] = {
	"00000000000000000000000000000000"
	    "00000000000000000000000000000000",
	"01000000000000000000000000000000"
	    "00000000000000000000000000000000",
	"01000000000000000000000000000000"
	    "00000000000000000000000000000080",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct fx {
	struct rng_seeded rng;
	struct identity_key *alice;
	struct identity_key *bob;
	struct identity_key *carol;
	struct x25519_keypair spk; /* Bob's signed prekey */
	struct x25519_keypair opk; /* Bob's one-time prekey */
	struct x25519_keypair lrk; /* Bob's last-resort prekey */
	struct x3dh_bundle bundle;
};

static struct fx fx;

static void
seed_rng(struct rng_seeded *s, uint8_t tag)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	rng_seeded_init(s, seed);
}

static void
identity_of(uint8_t tag, struct identity_key **out)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	assert_ok(identity_from_seed(seed, out));
}

/* Fills f->bundle as Bob's directory would serve it for kind. */
static void
bundle_make(struct fx *f, uint8_t kind)
{
	struct x3dh_bundle *b = &f->bundle;

	memset(b, 0, sizeof(*b));
	memcpy(b->ik, f->bob->ed_pk, KEY_LEN);
	b->spk_id = SPK_ID;
	memcpy(b->spk, f->spk.pk, KEY_LEN);
	prekey_sign(f->bob, PREKEY_SIGNED, SPK_ID, f->spk.pk, b->spk_sig);
	b->opk_kind = kind;
	if (kind == X3DH_OPK_ONE_TIME) {
		b->opk_id = OPK_ID;
		memcpy(b->opk, f->opk.pk, KEY_LEN);
	} else if (kind == X3DH_OPK_LAST_RESORT) {
		b->opk_id = LRK_ID;
		memcpy(b->opk, f->lrk.pk, KEY_LEN);
		prekey_sign(f->bob, PREKEY_LAST_RESORT, LRK_ID, f->lrk.pk,
		    b->opk_sig);
	}
}

/* The secret Bob uses for the one-time slot of kind. */
static const uint8_t *
opk_secret(const struct fx *f, uint8_t kind)
{
	switch (kind) {
	case X3DH_OPK_ONE_TIME:
		return f->opk.sk;
	case X3DH_OPK_LAST_RESORT:
		return f->lrk.sk;
	default:
		return NULL;
	}
}

static int
setup(void **state)
{
	seed_rng(&fx.rng, 0x11);
	identity_of(0xa1, &fx.alice);
	identity_of(0xb0, &fx.bob);
	identity_of(0xc0, &fx.carol);
	x25519_keypair_generate(&fx.rng.rng, &fx.spk);
	x25519_keypair_generate(&fx.rng.rng, &fx.opk);
	x25519_keypair_generate(&fx.rng.rng, &fx.lrk);
	bundle_make(&fx, X3DH_OPK_ONE_TIME);
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	identity_free(f->alice);
	identity_free(f->bob);
	identity_free(f->carol);
	x25519_keypair_wipe(&f->spk);
	x25519_keypair_wipe(&f->opk);
	x25519_keypair_wipe(&f->lrk);
	rng_seeded_wipe(&f->rng);
	memset(f, 0, sizeof(*f));
	return 0;
}

/* Runs both sides on f->bundle and checks they agree. */
static void
agree(struct fx *f, struct x3dh_header *hdr, struct x3dh_output *a,
    struct x3dh_output *b)
{
	uint8_t kind = f->bundle.opk_kind;

	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, hdr, a));
	assert_ok(x3dh_respond(f->bob, f->spk.sk, opk_secret(f, kind), hdr,
	    b));
	assert_mem_eq(a->sk, b->sk, KEY_LEN);
	assert_mem_eq(a->hka, b->hka, KEY_LEN);
	assert_mem_eq(a->nhkb, b->nhkb, KEY_LEN);
	assert_mem_eq(a->ad, b->ad, X3DH_AD_LEN);
}

/* The properties every successful agreement has. */
static void
check_agreement(const struct fx *f, const struct x3dh_header *hdr,
    const struct x3dh_output *a, uint8_t kind, uint32_t opk_id)
{
	assert_mem_eq(a->ad, f->alice->ed_pk, KEY_LEN);
	assert_mem_eq(a->ad + KEY_LEN, f->bob->ed_pk, KEY_LEN);
	assert_false(sodium_is_zero(a->sk, KEY_LEN));
	assert_false(sodium_is_zero(a->hka, KEY_LEN));
	assert_false(sodium_is_zero(a->nhkb, KEY_LEN));
	assert_int_not_equal(sodium_memcmp(a->sk, a->hka, KEY_LEN), 0);
	assert_int_not_equal(sodium_memcmp(a->sk, a->nhkb, KEY_LEN), 0);
	assert_int_not_equal(sodium_memcmp(a->hka, a->nhkb, KEY_LEN), 0);
	assert_mem_eq(hdr->ik, f->alice->ed_pk, KEY_LEN);
	assert_false(sodium_is_zero(hdr->ek, KEY_LEN));
	assert_int_equal(hdr->spk_id, SPK_ID);
	assert_int_equal(hdr->opk_kind, kind);
	assert_int_equal(hdr->opk_id, opk_id);
}

static void
test_agree_one_time(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr;
	struct x3dh_output a, b;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	agree(f, &hdr, &a, &b);
	check_agreement(f, &hdr, &a, X3DH_OPK_ONE_TIME, OPK_ID);
	x3dh_output_wipe(&a);
	x3dh_output_wipe(&b);
	assert_true(sodium_is_zero((const uint8_t *)&a, sizeof(a)));
}

static void
test_agree_no_opk(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr;
	struct x3dh_output a, b;

	bundle_make(f, X3DH_OPK_NONE);
	agree(f, &hdr, &a, &b);
	check_agreement(f, &hdr, &a, X3DH_OPK_NONE, 0);
	x3dh_output_wipe(&a);
	x3dh_output_wipe(&b);
}

static void
test_agree_last_resort(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr;
	struct x3dh_output a, b;

	bundle_make(f, X3DH_OPK_LAST_RESORT);
	agree(f, &hdr, &a, &b);
	check_agreement(f, &hdr, &a, X3DH_OPK_LAST_RESORT, LRK_ID);
	x3dh_output_wipe(&a);
	x3dh_output_wipe(&b);
}

/* The same keys and the same ephemeral give three different secrets. */
static void
test_kinds_differ(void **state)
{
	static const uint8_t kinds[] = { X3DH_OPK_NONE, X3DH_OPK_ONE_TIME,
		X3DH_OPK_LAST_RESORT };
	struct fx *f = *state;
	struct x3dh_header hdr[3];
	struct x3dh_output a[3], b;
	size_t i, j;

	for (i = 0; i < 3; i++) {
		seed_rng(&f->rng, 0x22);
		bundle_make(f, kinds[i]);
		agree(f, &hdr[i], &a[i], &b);
		x3dh_output_wipe(&b);
	}
	for (i = 0; i < 3; i++) {
		for (j = i + 1; j < 3; j++) {
			assert_mem_eq(hdr[i].ek, hdr[j].ek, KEY_LEN);
			assert_mem_eq(a[i].ad, a[j].ad, X3DH_AD_LEN);
			assert_int_not_equal(
			    sodium_memcmp(a[i].sk, a[j].sk, KEY_LEN), 0);
			assert_int_not_equal(
			    sodium_memcmp(a[i].hka, a[j].hka, KEY_LEN), 0);
			assert_int_not_equal(
			    sodium_memcmp(a[i].nhkb, a[j].nhkb, KEY_LEN), 0);
		}
	}
	for (i = 0; i < 3; i++) {
		x3dh_output_wipe(&a[i]);
	}
}

/* The seeded rng makes the initiator reproducible; a new seed, new keys. */
static void
test_deterministic(void **state)
{
	struct fx *f = *state;
	struct x3dh_header h1, h2, h3;
	struct x3dh_output a1, a2, a3;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	seed_rng(&f->rng, 0x33);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &h1, &a1));
	seed_rng(&f->rng, 0x33);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &h2, &a2));
	seed_rng(&f->rng, 0x34);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &h3, &a3));
	assert_mem_eq(h1.ek, h2.ek, KEY_LEN);
	assert_mem_eq(a1.sk, a2.sk, KEY_LEN);
	assert_int_not_equal(sodium_memcmp(h1.ek, h3.ek, KEY_LEN), 0);
	assert_int_not_equal(sodium_memcmp(a1.sk, a3.sk, KEY_LEN), 0);
	x3dh_output_wipe(&a1);
	x3dh_output_wipe(&a2);
	x3dh_output_wipe(&a3);
}

/* x3dh_initiate on f->bundle must fail with want and zero its outputs. */
static void
initiate_fails(struct fx *f, int want)
{
	struct x3dh_header hdr;
	struct x3dh_output out;

	memset(&hdr, 0xa5, sizeof(hdr));
	memset(&out, 0xa5, sizeof(out));
	assert_err(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &hdr,
	    &out), want);
	assert_true(sodium_is_zero((const uint8_t *)&hdr, sizeof(hdr)));
	assert_true(sodium_is_zero((const uint8_t *)&out, sizeof(out)));
}

static void
test_bad_spk_sig(void **state)
{
	static const size_t bytes[] = { 0, 17, 31, 32, 50, 63 };
	struct fx *f = *state;
	size_t i;
	unsigned bit;

	for (i = 0; i < NELEM(bytes); i++) {
		for (bit = 0; bit < 8; bit += 7) {
			bundle_make(f, X3DH_OPK_ONE_TIME);
			f->bundle.spk_sig[bytes[i]] ^= (uint8_t)(1U << bit);
			initiate_fails(f, ERR_AUTH);
		}
	}
	/* The signature covers the key and its id. */
	bundle_make(f, X3DH_OPK_ONE_TIME);
	f->bundle.spk[5] ^= 0x10;
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_ONE_TIME);
	f->bundle.spk_id++;
	initiate_fails(f, ERR_AUTH);
	/* Signed by someone else. */
	bundle_make(f, X3DH_OPK_ONE_TIME);
	prekey_sign(f->carol, PREKEY_SIGNED, SPK_ID, f->spk.pk,
	    f->bundle.spk_sig);
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_NONE);
	memset(f->bundle.spk_sig, 0, SIG_LEN);
	initiate_fails(f, ERR_AUTH);
}

static void
test_spk_wrong_kind(void **state)
{
	struct fx *f = *state;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	prekey_sign(f->bob, PREKEY_LAST_RESORT, SPK_ID, f->spk.pk,
	    f->bundle.spk_sig);
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_NONE);
	prekey_sign(f->bob, PREKEY_LAST_RESORT, SPK_ID, f->spk.pk,
	    f->bundle.spk_sig);
	initiate_fails(f, ERR_AUTH);
}

static void
test_last_resort_bad_sig(void **state)
{
	struct fx *f = *state;

	bundle_make(f, X3DH_OPK_LAST_RESORT);
	f->bundle.opk_sig[0] ^= 0x01;
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	f->bundle.opk_sig[SIG_LEN - 1] ^= 0x80;
	initiate_fails(f, ERR_AUTH);
	/* Under the signed-prekey domain tag instead. */
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	prekey_sign(f->bob, PREKEY_SIGNED, LRK_ID, f->lrk.pk,
	    f->bundle.opk_sig);
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	f->bundle.opk_id++;
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	f->bundle.opk[0] ^= 0x04;
	initiate_fails(f, ERR_AUTH);
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	memset(f->bundle.opk_sig, 0, SIG_LEN);
	initiate_fails(f, ERR_AUTH);
	/* The spk signature does not stand in for the last-resort one. */
	bundle_make(f, X3DH_OPK_LAST_RESORT);
	memcpy(f->bundle.opk_sig, f->bundle.spk_sig, SIG_LEN);
	initiate_fails(f, ERR_AUTH);
}

static void
test_small_order_spk(void **state)
{
	struct fx *f = *state;
	uint8_t pk[KEY_LEN];
	size_t i;

	for (i = 0; i < NELEM(small_x25519); i++) {
		test_unhex(pk, sizeof(pk), small_x25519[i]);
		bundle_make(f, X3DH_OPK_ONE_TIME);
		memcpy(f->bundle.spk, pk, KEY_LEN);
		/* Validly signed, so only the point itself is wrong. */
		prekey_sign(f->bob, PREKEY_SIGNED, SPK_ID, pk,
		    f->bundle.spk_sig);
		initiate_fails(f, ERR_KEY);
		bundle_make(f, X3DH_OPK_NONE);
		memcpy(f->bundle.spk, pk, KEY_LEN);
		prekey_sign(f->bob, PREKEY_SIGNED, SPK_ID, pk,
		    f->bundle.spk_sig);
		initiate_fails(f, ERR_KEY);
	}
}

static void
test_small_order_opk(void **state)
{
	struct fx *f = *state;
	uint8_t pk[KEY_LEN];
	size_t i;

	for (i = 0; i < NELEM(small_x25519); i++) {
		test_unhex(pk, sizeof(pk), small_x25519[i]);
		bundle_make(f, X3DH_OPK_ONE_TIME);
		memcpy(f->bundle.opk, pk, KEY_LEN);
		initiate_fails(f, ERR_KEY);
		bundle_make(f, X3DH_OPK_LAST_RESORT);
		memcpy(f->bundle.opk, pk, KEY_LEN);
		prekey_sign(f->bob, PREKEY_LAST_RESORT, LRK_ID, pk,
		    f->bundle.opk_sig);
		initiate_fails(f, ERR_KEY);
	}
}

static void
test_bad_bundle_ik(void **state)
{
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < NELEM(bad_ed25519); i++) {
		bundle_make(f, X3DH_OPK_ONE_TIME);
		test_unhex(f->bundle.ik, KEY_LEN, bad_ed25519[i]);
		initiate_fails(f, ERR_KEY);
		bundle_make(f, X3DH_OPK_LAST_RESORT);
		test_unhex(f->bundle.ik, KEY_LEN, bad_ed25519[i]);
		initiate_fails(f, ERR_KEY);
	}
	/* A valid key that did not sign the bundle. */
	bundle_make(f, X3DH_OPK_ONE_TIME);
	memcpy(f->bundle.ik, f->carol->ed_pk, KEY_LEN);
	initiate_fails(f, ERR_AUTH);
}

static void
test_unknown_opk_kind(void **state)
{
	static const uint8_t kinds[] = { 3, 4, 0x80, 0xff };
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < NELEM(kinds); i++) {
		bundle_make(f, X3DH_OPK_LAST_RESORT);
		f->bundle.opk_kind = kinds[i];
		initiate_fails(f, ERR_INVALID);
	}
}

/* x3dh_respond with these arguments must fail with want, output zeroed. */
static void
respond_fails(struct fx *f, const uint8_t *opk_sk,
    const struct x3dh_header *hdr, int want)
{
	struct x3dh_output out;

	memset(&out, 0xa5, sizeof(out));
	assert_err(x3dh_respond(f->bob, f->spk.sk, opk_sk, hdr, &out), want);
	assert_true(sodium_is_zero((const uint8_t *)&out, sizeof(out)));
}

static void
test_respond_arg(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr;
	struct x3dh_output a;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &hdr, &a));
	respond_fails(f, NULL, &hdr, ERR_ARG);
	hdr.opk_kind = X3DH_OPK_LAST_RESORT;
	respond_fails(f, NULL, &hdr, ERR_ARG);
	/* A secret for a header that names no one-time key. */
	hdr.opk_kind = X3DH_OPK_NONE;
	hdr.opk_id = 0;
	respond_fails(f, f->opk.sk, &hdr, ERR_ARG);
	x3dh_output_wipe(&a);
}

static void
test_respond_bad_header(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr, bad;
	struct x3dh_output a;
	size_t i;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &hdr, &a));
	for (i = 0; i < NELEM(bad_ed25519); i++) {
		bad = hdr;
		test_unhex(bad.ik, KEY_LEN, bad_ed25519[i]);
		respond_fails(f, f->opk.sk, &bad, ERR_KEY);
	}
	for (i = 0; i < NELEM(small_x25519); i++) {
		bad = hdr;
		test_unhex(bad.ek, KEY_LEN, small_x25519[i]);
		respond_fails(f, f->opk.sk, &bad, ERR_KEY);
	}
	bad = hdr;
	bad.opk_kind = 3;
	respond_fails(f, f->opk.sk, &bad, ERR_INVALID);
	x3dh_output_wipe(&a);
}

/* Wrong secrets on Bob's side are no error here: the ratchet's first AEAD
 * catches them. They must give a different secret, though. */
static void
test_respond_wrong_secret(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr;
	struct x3dh_output a, b;

	bundle_make(f, X3DH_OPK_ONE_TIME);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &hdr, &a));

	assert_ok(x3dh_respond(f->bob, f->spk.sk, f->lrk.sk, &hdr, &b));
	assert_int_not_equal(sodium_memcmp(a.sk, b.sk, KEY_LEN), 0);
	assert_int_not_equal(sodium_memcmp(a.hka, b.hka, KEY_LEN), 0);
	assert_int_not_equal(sodium_memcmp(a.nhkb, b.nhkb, KEY_LEN), 0);
	assert_mem_eq(a.ad, b.ad, X3DH_AD_LEN);

	assert_ok(x3dh_respond(f->bob, f->opk.sk, f->opk.sk, &hdr, &b));
	assert_int_not_equal(sodium_memcmp(a.sk, b.sk, KEY_LEN), 0);

	/* Another device answering: different secret and different AD. */
	assert_ok(x3dh_respond(f->carol, f->spk.sk, f->opk.sk, &hdr, &b));
	assert_int_not_equal(sodium_memcmp(a.sk, b.sk, KEY_LEN), 0);
	assert_int_not_equal(
	    sodium_memcmp(a.ad + KEY_LEN, b.ad + KEY_LEN, KEY_LEN), 0);
	x3dh_output_wipe(&a);
	x3dh_output_wipe(&b);
}

/* Encodes hdr into out (exactly X3DH_HEADER_LEN bytes). */
static void
hdr_encode(const struct x3dh_header *hdr, uint8_t out[X3DH_HEADER_LEN])
{
	struct wire_writer w;
	uint8_t *buf = NULL;
	size_t len = 0;

	wire_writer_init(&w, 1024);
	x3dh_header_encode(&w, hdr);
	assert_ok(wire_writer_finish(&w, &buf, &len));
	assert_int_equal(len, X3DH_HEADER_LEN);
	memcpy(out, buf, X3DH_HEADER_LEN);
	mem_wipe_free(buf, len);
}

/* Decodes exactly len bytes. */
static int
hdr_decode(const uint8_t *p, size_t len, struct x3dh_header *hdr)
{
	struct wire_reader r;
	int rc;

	wire_reader_init(&r, p, len);
	if ((rc = x3dh_header_decode(&r, hdr)) != 0) {
		return rc;
	}
	return wire_end(&r);
}

/* A header as x3dh_initiate makes it, with distinctive ids. */
static void
sample_header(struct fx *f, struct x3dh_header *hdr)
{
	struct x3dh_output a;

	bundle_make(f, X3DH_OPK_LAST_RESORT);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, hdr, &a));
	x3dh_output_wipe(&a);
	hdr->spk_id = 0x01020304;
	hdr->opk_id = 0x0a0b0c0d;
}

static void
test_header_round_trip(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr, back;
	uint8_t enc[X3DH_HEADER_LEN], re[X3DH_HEADER_LEN];
	uint8_t tail[9];

	sample_header(f, &hdr);
	hdr_encode(&hdr, enc);
	/* version || ik || ek || u32 spk_id || u8 kind || u32 opk_id */
	assert_int_equal(enc[0], SUITE_VERSION);
	assert_mem_eq(enc + 1, hdr.ik, KEY_LEN);
	assert_mem_eq(enc + 1 + KEY_LEN, hdr.ek, KEY_LEN);
	test_unhex(tail, sizeof(tail), "01020304020a0b0c0d");
	assert_mem_eq(enc + 1 + 2 * KEY_LEN, tail, sizeof(tail));

	assert_ok(hdr_decode(enc, sizeof(enc), &back));
	assert_mem_eq(back.ik, hdr.ik, KEY_LEN);
	assert_mem_eq(back.ek, hdr.ek, KEY_LEN);
	assert_int_equal(back.spk_id, hdr.spk_id);
	assert_int_equal(back.opk_kind, hdr.opk_kind);
	assert_int_equal(back.opk_id, hdr.opk_id);
	hdr_encode(&back, re);
	assert_mem_eq(enc, re, X3DH_HEADER_LEN);

	hdr.opk_kind = X3DH_OPK_NONE;
	hdr.opk_id = 0;
	hdr_encode(&hdr, enc);
	assert_ok(hdr_decode(enc, sizeof(enc), &back));
	assert_int_equal(back.opk_kind, X3DH_OPK_NONE);
}

static void
test_header_truncated(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr, back;
	uint8_t enc[X3DH_HEADER_LEN + 1];
	size_t n;

	sample_header(f, &hdr);
	hdr_encode(&hdr, enc);
	for (n = 0; n < X3DH_HEADER_LEN; n++) {
		memset(&back, 0xa5, sizeof(back));
		assert_err(hdr_decode(enc, n, &back), ERR_SHORT);
		assert_true(
		    sodium_is_zero((const uint8_t *)&back, sizeof(back)));
	}
	enc[X3DH_HEADER_LEN] = 0;
	assert_err(hdr_decode(enc, sizeof(enc), &back), ERR_TRAILING);
}

static void
test_header_bad_fields(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr, back;
	uint8_t enc[X3DH_HEADER_LEN], bad[X3DH_HEADER_LEN];
	size_t i;

	sample_header(f, &hdr);
	hdr_encode(&hdr, enc);

	memcpy(bad, enc, sizeof(bad));
	bad[0] = 0x00;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_VERSION);
	bad[0] = 0x02;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_VERSION);
	bad[0] = 0xff;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_VERSION);

	for (i = 0; i < NELEM(bad_ed25519); i++) {
		memcpy(bad, enc, sizeof(bad));
		test_unhex(bad + 1, KEY_LEN, bad_ed25519[i]);
		memset(&back, 0xa5, sizeof(back));
		assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_KEY);
		assert_true(
		    sodium_is_zero((const uint8_t *)&back, sizeof(back)));
	}

	memcpy(bad, enc, sizeof(bad));
	bad[1 + 2 * KEY_LEN + 4] = 3;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_INVALID);
	bad[1 + 2 * KEY_LEN + 4] = 0xff;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_INVALID);

	/* Kind none must carry opk_id 0. */
	memcpy(bad, enc, sizeof(bad));
	bad[1 + 2 * KEY_LEN + 4] = X3DH_OPK_NONE;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_INVALID);
	memset(bad + 1 + 2 * KEY_LEN + 5, 0, 4);
	assert_ok(hdr_decode(bad, sizeof(bad), &back));
	bad[X3DH_HEADER_LEN - 1] = 1;
	assert_err(hdr_decode(bad, sizeof(bad), &back), ERR_INVALID);
}

/* A header that went over the wire still gives Bob Alice's secret. */
static void
test_header_wire_agreement(void **state)
{
	struct fx *f = *state;
	struct x3dh_header hdr, back;
	struct x3dh_output a, b;
	uint8_t enc[X3DH_HEADER_LEN];

	bundle_make(f, X3DH_OPK_LAST_RESORT);
	assert_ok(x3dh_initiate(&f->rng.rng, f->alice, &f->bundle, &hdr, &a));
	hdr_encode(&hdr, enc);
	assert_ok(hdr_decode(enc, sizeof(enc), &back));
	assert_ok(x3dh_respond(f->bob, f->spk.sk, f->lrk.sk, &back, &b));
	assert_mem_eq(a.sk, b.sk, KEY_LEN);
	assert_mem_eq(a.hka, b.hka, KEY_LEN);
	assert_mem_eq(a.nhkb, b.nhkb, KEY_LEN);
	assert_mem_eq(a.ad, b.ad, X3DH_AD_LEN);
	x3dh_output_wipe(&a);
	x3dh_output_wipe(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_agree_one_time),
		T(test_agree_no_opk),
		T(test_agree_last_resort),
		T(test_kinds_differ),
		T(test_deterministic),
		T(test_bad_spk_sig),
		T(test_spk_wrong_kind),
		T(test_last_resort_bad_sig),
		T(test_small_order_spk),
		T(test_small_order_opk),
		T(test_bad_bundle_ik),
		T(test_unknown_opk_kind),
		T(test_respond_arg),
		T(test_respond_bad_header),
		T(test_respond_wrong_secret),
		T(test_header_round_trip),
		T(test_header_truncated),
		T(test_header_bad_fields),
		T(test_header_wire_agreement),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
