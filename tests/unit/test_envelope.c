/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sealed envelope: round trips, the sender fields, and rejection of every
 * bit flip, truncation, wrong recipient and bad argument. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/mem.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/labels.h"
#include "crypto/rng.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPH_OFF 1
#define SEALED_OFF (EPH_OFF + KEY_LEN)
#define INNER_OFF (SEALED_OFF + KEY_LEN + 16)
#define DEVICE 0x01020304U

struct fx {
	struct rng_seeded rng;
	struct identity_key *alice; /* sender */
	struct identity_key *bob;   /* recipient */
	struct identity_key *carol;
};

static struct fx fx;

struct buf {
	uint8_t *p;
	size_t n;
};

static void
buf_free(struct buf *b)
{
	mem_wipe_free(b->p, b->n);
	b->p = NULL;
	b->n = 0;
}

static void
identity_of(uint8_t tag, struct identity_key **out)
{
	uint8_t seed[32];

	memset(seed, tag, sizeof(seed));
	assert_ok(identity_from_seed(seed, out));
}

static int
setup(void **state)
{
	uint8_t seed[32];

	memset(seed, 0xe0, sizeof(seed));
	rng_seeded_init(&fx.rng, seed);
	identity_of(0xa1, &fx.alice);
	identity_of(0xb1, &fx.bob);
	identity_of(0xc1, &fx.carol);
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
	rng_seeded_wipe(&f->rng);
	memset(f, 0, sizeof(*f));
	return 0;
}

/* A content buffer of len bytes (at least one allocated). */
static uint8_t *
content_new(size_t len, uint8_t tag)
{
	uint8_t *c = malloc(len + 1);
	size_t i;

	assert_non_null(c);
	for (i = 0; i < len; i++) {
		c[i] = (uint8_t)(tag + i * 13U + (i >> 9));
	}
	return c;
}

/* Alice seals content for Bob. */
static void
seal(struct fx *f, const char *user, uint8_t type, const uint8_t *content,
    size_t len, struct buf *env)
{
	assert_ok(envelope_seal(&f->rng.rng, f->alice, user, DEVICE,
	    f->bob->ed_pk, type, content, len, &env->p, &env->n));
	assert_non_null(env->p);
	assert_int_equal(env->n, ENVELOPE_OVERHEAD + len);
}

/* Bob opens env and must get back exactly what Alice sealed. */
static void
open_ok(struct fx *f, const struct buf *env, const char *user, uint8_t type,
    const uint8_t *content, size_t len)
{
	struct envelope_sender snd;
	struct buf got;
	uint8_t t;

	assert_ok(envelope_open(f->bob, env->p, env->n, &snd, &t, &got.p,
	    &got.n));
	assert_int_equal(t, type);
	assert_string_equal(snd.user, user);
	assert_int_equal(snd.device_id, DEVICE);
	assert_mem_eq(snd.ik, f->alice->ed_pk, KEY_LEN);
	assert_int_equal(got.n, len);
	if (len > 0) {
		assert_mem_eq(got.p, content, len);
	}
	buf_free(&got);
}

/* Opening (p, n) as self fails; the outputs are cleared. Returns the
 * error. */
static int
open_fails(const struct identity_key *self, const uint8_t *p, size_t n)
{
	struct envelope_sender snd;
	uint8_t t = 0xaa;
	uint8_t *content = (uint8_t *)&t;
	size_t clen = 99;
	int r;

	memset(&snd, 0xa5, sizeof(snd));
	r = envelope_open(self, p, n, &snd, &t, &content, &clen);
	if (r == 0) {
		mem_wipe_free(content, clen);
		fail_msg("envelope of %zu bytes opened", n);
	}
	assert_true(r < 0);
	assert_true(sodium_is_zero((const uint8_t *)&snd, sizeof(snd)));
	assert_int_equal(t, 0);
	assert_null(content);
	assert_int_equal(clen, 0);
	return r;
}

static void
test_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 1000, 100000 };
	static const uint8_t types[] = { ENVELOPE_RATCHET, ENVELOPE_PREKEY };
	struct fx *f = *state;
	struct buf env;
	uint8_t *c;
	size_t i, j;

	for (i = 0; i < NELEM(types); i++) {
		for (j = 0; j < NELEM(lens); j++) {
			c = content_new(lens[j], (uint8_t)(i * 16 + j));
			seal(f, "alice", types[i], c, lens[j], &env);
			open_ok(f, &env, "alice", types[i], c, lens[j]);
			buf_free(&env);
			free(c);
		}
	}
	/* No content at all. */
	seal(f, "alice", ENVELOPE_RATCHET, NULL, 0, &env);
	open_ok(f, &env, "alice", ENVELOPE_RATCHET, NULL, 0);
	buf_free(&env);
}

/* The envelope grows by exactly the content; the user name is padded, so
 * its length does not show. */
static void
test_length(void **state)
{
	static const char user64[] = "0123456789abcdef0123456789abcdef"
				     "0123456789abcdef0123456789abcdef";
	struct fx *f = *state;
	struct buf e0, e1, e2;
	uint8_t *c = content_new(1000, 1);

	assert_int_equal(strlen(user64), ENVELOPE_MAX_USER);
	seal(f, "a", ENVELOPE_RATCHET, c, 0, &e0);
	seal(f, "a", ENVELOPE_RATCHET, c, 1000, &e1);
	seal(f, user64, ENVELOPE_RATCHET, c, 1000, &e2);
	assert_int_equal(e0.n, ENVELOPE_OVERHEAD);
	assert_int_equal(e1.n - e0.n, 1000);
	assert_int_equal(e2.n, e1.n);
	open_ok(f, &e0, "a", ENVELOPE_RATCHET, c, 0);
	open_ok(f, &e2, user64, ENVELOPE_RATCHET, c, 1000);
	buf_free(&e0);
	buf_free(&e1);
	buf_free(&e2);
	free(c);
}

static void
test_wrong_recipient(void **state)
{
	struct fx *f = *state;
	struct buf env;
	uint8_t *c = content_new(50, 2);

	seal(f, "alice", ENVELOPE_RATCHET, c, 50, &env);
	assert_err(open_fails(f->carol, env.p, env.n), ERR_AUTH);
	assert_err(open_fails(f->alice, env.p, env.n), ERR_AUTH);
	buf_free(&env);
	assert_ok(envelope_seal(&f->rng.rng, f->alice, "alice", DEVICE,
	    f->carol->ed_pk, ENVELOPE_RATCHET, c, 50, &env.p, &env.n));
	assert_err(open_fails(f->bob, env.p, env.n), ERR_AUTH);
	buf_free(&env);
	free(c);
}

/* Every single-bit flip of a small envelope fails, with the error of the
 * region it hits. */
static void
test_bit_flips(void **state)
{
	struct fx *f = *state;
	struct buf env;
	uint8_t *t;
	size_t i;
	unsigned bit;
	int r;

	seal(f, "al", ENVELOPE_PREKEY, (const uint8_t *)"hello", 5, &env);
	t = malloc(env.n);
	assert_non_null(t);
	memcpy(t, env.p, env.n);
	for (i = 0; i < env.n; i++) {
		for (bit = 0; bit < 8; bit++) {
			t[i] ^= (uint8_t)(1U << bit);
			r = open_fails(f->bob, t, env.n);
			if (i == 0) {
				assert_err(r, ERR_VERSION);
			} else if (i < SEALED_OFF) {
				/* The ephemeral key: a flip may make it
				 * small order. */
				assert_true(r == ERR_AUTH || r == ERR_KEY);
			} else {
				assert_err(r, ERR_AUTH);
			}
			t[i] ^= (uint8_t)(1U << bit);
		}
	}
	assert_mem_eq(t, env.p, env.n);
	open_ok(f, &env, "al", ENVELOPE_PREKEY, (const uint8_t *)"hello", 5);
	free(t);
	buf_free(&env);
}

static void
test_truncated(void **state)
{
	struct fx *f = *state;
	struct buf env;
	uint8_t *t;
	size_t n;
	int r;

	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"x", 1, &env);
	for (n = 0; n < env.n; n++) {
		r = open_fails(f->bob, env.p, n);
		if (n < ENVELOPE_OVERHEAD) {
			assert_err(r, ERR_SHORT);
		}
	}
	/* One trailing byte: the tag covers the exact length. */
	t = calloc(1, env.n + 1);
	assert_non_null(t);
	memcpy(t, env.p, env.n);
	assert_err(open_fails(f->bob, t, env.n + 1), ERR_AUTH);
	free(t);
	buf_free(&env);
}

static void
test_too_long(void **state)
{
	const size_t max = ENVELOPE_MAX_LEN;
	struct fx *f = *state;
	struct buf env;
	uint8_t *t = calloc(1, max + 1);

	assert_non_null(t);
	t[0] = SUITE_VERSION;
	assert_err(open_fails(f->bob, t, max + 1), ERR_TOO_LONG);
	env.p = (uint8_t *)&env;
	env.n = 1;
	assert_err(envelope_seal(&f->rng.rng, f->alice, "alice", DEVICE,
	    f->bob->ed_pk, ENVELOPE_RATCHET, t, ENVELOPE_MAX_CONTENT + 1,
	    &env.p, &env.n), ERR_TOO_LONG);
	assert_null(env.p);
	assert_int_equal(env.n, 0);
	free(t);
}

static void
test_bad_args(void **state)
{
	static const char user65[] = "0123456789abcdef0123456789abcdef"
				     "0123456789abcdef0123456789abcdef!";
	static const char *const bad_ik[] = {
		"00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"01000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"01000000000000000000000000000000"
		    "00000000000000000000000000000080",
	};
	static const uint8_t bad_types[] = { 0, 3, 0xff };
	struct fx *f = *state;
	struct buf env;
	uint8_t ik[KEY_LEN];
	size_t i;

	env.p = (uint8_t *)&env;
	assert_err(envelope_seal(&f->rng.rng, f->alice, "", DEVICE,
	    f->bob->ed_pk, ENVELOPE_RATCHET, NULL, 0, &env.p, &env.n),
	    ERR_ARG);
	assert_null(env.p);
	env.p = (uint8_t *)&env;
	assert_err(envelope_seal(&f->rng.rng, f->alice, user65, DEVICE,
	    f->bob->ed_pk, ENVELOPE_RATCHET, NULL, 0, &env.p, &env.n),
	    ERR_ARG);
	assert_null(env.p);
	for (i = 0; i < NELEM(bad_types); i++) {
		env.p = (uint8_t *)&env;
		assert_err(envelope_seal(&f->rng.rng, f->alice, "alice",
		    DEVICE, f->bob->ed_pk, bad_types[i], NULL, 0, &env.p,
		    &env.n), ERR_ARG);
		assert_null(env.p);
	}
	/* Absent content with a length. */
	env.p = (uint8_t *)&env;
	assert_err(envelope_seal(&f->rng.rng, f->alice, "alice", DEVICE,
	    f->bob->ed_pk, ENVELOPE_RATCHET, NULL, 1, &env.p, &env.n),
	    ERR_ARG);
	assert_null(env.p);
	for (i = 0; i < NELEM(bad_ik); i++) {
		test_unhex(ik, sizeof(ik), bad_ik[i]);
		env.p = (uint8_t *)&env;
		assert_err(envelope_seal(&f->rng.rng, f->alice, "alice",
		    DEVICE, ik, ENVELOPE_RATCHET, ik, 1, &env.p, &env.n),
		    ERR_KEY);
		assert_null(env.p);
		assert_int_equal(env.n, 0);
	}
}

/* A small-order ephemeral key is refused as such. */
static void
test_small_order_ephemeral(void **state)
{
	static const char *const small[] = {
		"00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"01000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"
		    "da098deb9c32b1fd866205165f49b800",
	};
	struct fx *f = *state;
	struct buf env;
	size_t i;

	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"x", 1, &env);
	for (i = 0; i < NELEM(small); i++) {
		test_unhex(env.p + EPH_OFF, KEY_LEN, small[i]);
		assert_err(open_fails(f->bob, env.p, env.n), ERR_KEY);
	}
	buf_free(&env);
}

/* A fresh ephemeral each time: the same content never seals the same. */
static void
test_fresh_ephemeral(void **state)
{
	struct fx *f = *state;
	struct buf e1, e2;

	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"same", 4, &e1);
	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"same", 4, &e2);
	assert_int_equal(e1.n, e2.n);
	assert_int_not_equal(memcmp(e1.p + EPH_OFF, e2.p + EPH_OFF, KEY_LEN),
	    0);
	assert_int_not_equal(memcmp(e1.p + SEALED_OFF, e2.p + SEALED_OFF,
	    e1.n - SEALED_OFF), 0);
	open_ok(f, &e1, "alice", ENVELOPE_RATCHET, (const uint8_t *)"same", 4);
	open_ok(f, &e2, "alice", ENVELOPE_RATCHET, (const uint8_t *)"same", 4);
	buf_free(&e1);
	buf_free(&e2);
}

/* The sealed sender and the inner layer belong together: splicing the
 * outer part of Carol's envelope onto Alice's inner part, or mixing two
 * of Alice's envelopes, fails. */
static void
test_splice(void **state)
{
	struct fx *f = *state;
	struct buf a1, a2, c1;
	uint8_t *t;

	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"one", 3, &a1);
	seal(f, "alice", ENVELOPE_RATCHET, (const uint8_t *)"two", 3, &a2);
	assert_ok(envelope_seal(&f->rng.rng, f->carol, "carol", DEVICE,
	    f->bob->ed_pk, ENVELOPE_RATCHET, (const uint8_t *)"thr", 3, &c1.p,
	    &c1.n));
	assert_int_equal(a1.n, c1.n);
	t = malloc(a1.n);
	assert_non_null(t);
	memcpy(t, c1.p, INNER_OFF);
	memcpy(t + INNER_OFF, a1.p + INNER_OFF, a1.n - INNER_OFF);
	assert_err(open_fails(f->bob, t, a1.n), ERR_AUTH);
	memcpy(t, a1.p, INNER_OFF);
	memcpy(t + INNER_OFF, c1.p + INNER_OFF, a1.n - INNER_OFF);
	assert_err(open_fails(f->bob, t, a1.n), ERR_AUTH);
	memcpy(t, a2.p, INNER_OFF);
	memcpy(t + INNER_OFF, a1.p + INNER_OFF, a1.n - INNER_OFF);
	assert_err(open_fails(f->bob, t, a1.n), ERR_AUTH);
	free(t);
	buf_free(&a1);
	buf_free(&a2);
	buf_free(&c1);
}

/* With the k-th allocation failing, seal and open give ERR_NOMEM and no
 * output until enough succeed. */
static void
test_nomem(void **state)
{
	struct fx *f = *state;
	struct envelope_sender snd;
	struct buf env, got;
	uint8_t t;
	long k;
	int r = ERR_INTERNAL;

	for (k = 0; k < 16; k++) {
		mem_fail_after(k);
		r = envelope_seal(&f->rng.rng, f->alice, "alice", DEVICE,
		    f->bob->ed_pk, ENVELOPE_PREKEY, (const uint8_t *)"abc", 3,
		    &env.p, &env.n);
		mem_fail_after(-1);
		if (r == 0) {
			break;
		}
		assert_err(r, ERR_NOMEM);
		assert_null(env.p);
	}
	assert_ok(r);
	for (k = 0; k < 16; k++) {
		mem_fail_after(k);
		r = envelope_open(f->bob, env.p, env.n, &snd, &t, &got.p,
		    &got.n);
		mem_fail_after(-1);
		if (r == 0) {
			break;
		}
		assert_err(r, ERR_NOMEM);
		assert_null(got.p);
	}
	assert_ok(r);
	assert_int_equal(got.n, 3);
	assert_mem_eq(got.p, "abc", 3);
	buf_free(&got);
	buf_free(&env);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_length),
		T(test_wrong_recipient),
		T(test_bit_flips),
		T(test_truncated),
		T(test_too_long),
		T(test_bad_args),
		T(test_small_order_ephemeral),
		T(test_fresh_ephemeral),
		T(test_splice),
		T(test_nomem),
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "test_envelope: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
