/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for crypto/fingerprint: libsignal-protocol-c's published
 * displayable-fingerprint vector, and the safety number's symmetry. */
#include "tests/unit/helpers.h"

#include <sodium.h>

#include "crypto/fingerprint.h"
#include "crypto/keys.h"

/*
 * Known answer from libsignal-protocol-c, tests/test_fingerprint.c
 * (test_vectors_v0/v1): ALICE_IDENTITY and BOB_IDENTITY (33-byte DJB keys,
 * 0x05 || X25519), the identifiers "+14152222222" and "+14153333333",
 * 5200 iterations, DISPLAYABLE_FINGERPRINT below. The per-side halves and
 * the 1-, 2- and 1024-iteration values come from an independent Python
 * (hashlib) model of src/fingerprint.c, which reproduces that vector.
 */
static const char alice_key_hex[] =
    "0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868";
static const char bob_key_hex[] =
    "05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b";
static const char alice_id[] = "+14152222222";
static const char bob_id[] = "+14153333333";
static const char displayable[] = "300354477692869396892869876765"
				  "458257569162576843440918079131";

static const struct {
	unsigned iterations;
	const char *alice, *bob;
} halves[] = {
	{ 1, "567079608272565053297070584295",
	    "267242282215668758016682223184" },
	{ 2, "059192998920340301365181305249",
	    "085984007114592388148292428923" },
	{ 1024, "433743537762144674851263373726",
	    "013643876933635418168483897105" },
	{ 5200, "300354477692869396892869876765",
	    "458257569162576843440918079131" },
};

#define NHALVES (sizeof(halves) / sizeof(halves[0]))

/* One half through fingerprint_half_raw; fails the test on error. */
static void
raw_half(const char *id, const char *key_hex, unsigned iterations,
    char out[FINGERPRINT_HALF_DIGITS + 1])
{
	uint8_t key[33];

	assert_int_equal(test_unhex(key, sizeof(key), key_hex), 33);
	assert_ok(fingerprint_half_raw(id, strlen(id), key, sizeof(key),
	    iterations, out));
}

/* libsignal's displayable text: the two halves, strcmp-smaller first. */
static void
combine(const char *local, const char *remote, char out[61])
{
	const char *first = strcmp(local, remote) <= 0 ? local : remote;
	const char *second = first == local ? remote : local;

	memcpy(out, first, 30);
	memcpy(out + 30, second, 30);
	out[60] = '\0';
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return 0;
		}
	}
	return s[n] == '\0';
}

static void
test_libsignal_vector(void **state)
{
	char a[FINGERPRINT_HALF_DIGITS + 1], b[FINGERPRINT_HALF_DIGITS + 1];
	char text[SAFETY_NUMBER_DIGITS + 1];

	(void)state;
	assert_int_equal(FINGERPRINT_ITERATIONS, 5200);
	raw_half(alice_id, alice_key_hex, 5200, a);
	raw_half(bob_id, bob_key_hex, 5200, b);
	assert_true(all_digits(a, 30));
	assert_true(all_digits(b, 30));
	/* Alice's view (local alice) and Bob's view (local bob). */
	combine(a, b, text);
	assert_string_equal(text, displayable);
	combine(b, a, text);
	assert_string_equal(text, displayable);
}

/* Pins the iteration structure, including leading zeros in a chunk. */
static void
test_raw_iterations(void **state)
{
	char out[FINGERPRINT_HALF_DIGITS + 1];
	size_t i;

	(void)state;
	for (i = 0; i < NHALVES; i++) {
		memset(out, 'x', sizeof(out));
		raw_half(alice_id, alice_key_hex, halves[i].iterations, out);
		assert_string_equal(out, halves[i].alice);
		memset(out, 'x', sizeof(out));
		raw_half(bob_id, bob_key_hex, halves[i].iterations, out);
		assert_string_equal(out, halves[i].bob);
	}
}

static void
test_raw_args(void **state)
{
	char id[FINGERPRINT_MAX_ID + 2];
	char out[FINGERPRINT_HALF_DIGITS + 1];
	uint8_t key[33];

	(void)state;
	assert_int_equal(test_unhex(key, sizeof(key), alice_key_hex), 33);
	memset(id, 'u', sizeof(id));
	id[sizeof(id) - 1] = '\0';
	assert_err(fingerprint_half_raw(id, 0, key, sizeof(key), 1, out),
	    ERR_ARG);
	assert_err(fingerprint_half_raw(id, FINGERPRINT_MAX_ID + 1, key,
		       sizeof(key), 1, out),
	    ERR_ARG);
	assert_err(fingerprint_half_raw(id, 1, key, sizeof(key), 0, out),
	    ERR_ARG);
	assert_ok(fingerprint_half_raw(id, FINGERPRINT_MAX_ID, key,
	    sizeof(key), 1, out));
	assert_true(all_digits(out, 30));
	assert_ok(fingerprint_half_raw(id, 1, key, sizeof(key), 1, out));
	assert_true(all_digits(out, 30));
}

/* fingerprint_half is the raw function on 0x05 || the X25519 form. */
static void
test_half_is_raw(void **state)
{
	struct identity_key *ik = NULL;
	uint8_t seed[32], key[33];
	char h[FINGERPRINT_HALF_DIGITS + 1], r[FINGERPRINT_HALF_DIGITS + 1];

	(void)state;
	memset(seed, 0x21, sizeof(seed));
	assert_ok(identity_from_seed(seed, &ik));
	key[0] = 0x05;
	memcpy(key + 1, ik->x_pk, 32);
	assert_ok(fingerprint_half("alice", 5, ik->ed_pk, h));
	assert_ok(fingerprint_half_raw("alice", 5, key, sizeof(key),
	    FINGERPRINT_ITERATIONS, r));
	assert_string_equal(h, r);
	assert_true(all_digits(h, 30));
	identity_free(ik);
}

static void
test_half_bad_key(void **state)
{
	uint8_t pk[32];
	char out[FINGERPRINT_HALF_DIGITS + 1];

	(void)state;
	memset(pk, 0, sizeof(pk));
	pk[0] = 0x01; /* the identity point */
	assert_err(fingerprint_half("alice", 5, pk, out), ERR_KEY);
	memset(pk, 0xff, sizeof(pk));
	pk[0] = 0xed;
	pk[31] = 0x7f; /* non-canonical */
	assert_err(fingerprint_half("alice", 5, pk, out), ERR_KEY);
}

/* Two identities from fixed seeds. */
struct pair {
	struct identity_key *a, *b;
};

static void
make_pair(struct pair *p)
{
	uint8_t seed[32];

	memset(seed, 0xa0, sizeof(seed));
	assert_ok(identity_from_seed(seed, &p->a));
	memset(seed, 0xb0, sizeof(seed));
	assert_ok(identity_from_seed(seed, &p->b));
}

static void
free_pair(struct pair *p)
{
	identity_free(p->a);
	identity_free(p->b);
}

static void
test_safety_number_symmetric(void **state)
{
	struct pair p;
	char ab[SAFETY_NUMBER_DIGITS + 1], ba[SAFETY_NUMBER_DIGITS + 1];
	char ha[FINGERPRINT_HALF_DIGITS + 1], hb[FINGERPRINT_HALF_DIGITS + 1];
	char want[SAFETY_NUMBER_DIGITS + 1];

	(void)state;
	make_pair(&p);
	memset(ab, 'x', sizeof(ab));
	assert_ok(fingerprint_safety_number("alice", p.a->ed_pk, "bob",
	    p.b->ed_pk, ab));
	assert_ok(fingerprint_safety_number("bob", p.b->ed_pk, "alice",
	    p.a->ed_pk, ba));
	assert_int_equal(strlen(ab), SAFETY_NUMBER_DIGITS);
	assert_true(all_digits(ab, SAFETY_NUMBER_DIGITS));
	assert_string_equal(ab, ba);

	/* It is the two halves, the smaller first. */
	assert_ok(fingerprint_half("alice", 5, p.a->ed_pk, ha));
	assert_ok(fingerprint_half("bob", 3, p.b->ed_pk, hb));
	combine(ha, hb, want);
	assert_string_equal(ab, want);
	free_pair(&p);
}

static void
test_safety_number_changes(void **state)
{
	struct pair p;
	struct identity_key *c = NULL;
	uint8_t seed[32];
	char base[SAFETY_NUMBER_DIGITS + 1], sn[SAFETY_NUMBER_DIGITS + 1];

	(void)state;
	make_pair(&p);
	memset(seed, 0xc0, sizeof(seed));
	assert_ok(identity_from_seed(seed, &c));
	assert_ok(fingerprint_safety_number("alice", p.a->ed_pk, "bob",
	    p.b->ed_pk, base));

	/* Bob's key replaced (a MITM, or a reinstall). */
	assert_ok(fingerprint_safety_number("alice", p.a->ed_pk, "bob",
	    c->ed_pk, sn));
	assert_string_not_equal(sn, base);
	/* Alice's key replaced. */
	assert_ok(fingerprint_safety_number("alice", c->ed_pk, "bob",
	    p.b->ed_pk, sn));
	assert_string_not_equal(sn, base);
	/* Either identifier changed. */
	assert_ok(fingerprint_safety_number("alice", p.a->ed_pk, "bob2",
	    p.b->ed_pk, sn));
	assert_string_not_equal(sn, base);
	assert_ok(fingerprint_safety_number("alicf", p.a->ed_pk, "bob",
	    p.b->ed_pk, sn));
	assert_string_not_equal(sn, base);
	/* Identifiers swapped between the keys. */
	assert_ok(fingerprint_safety_number("bob", p.a->ed_pk, "alice",
	    p.b->ed_pk, sn));
	assert_string_not_equal(sn, base);
	/* And back: deterministic. */
	assert_ok(fingerprint_safety_number("alice", p.a->ed_pk, "bob",
	    p.b->ed_pk, sn));
	assert_string_equal(sn, base);
	identity_free(c);
	free_pair(&p);
}

static void
test_safety_number_errors(void **state)
{
	struct pair p;
	uint8_t bad[32];
	char sn[SAFETY_NUMBER_DIGITS + 1];

	(void)state;
	make_pair(&p);
	memset(bad, 0, sizeof(bad));
	bad[0] = 0x01;
	assert_err(fingerprint_safety_number("alice", p.a->ed_pk, "bob", bad,
	    sn),
	    ERR_KEY);
	assert_err(fingerprint_safety_number("alice", bad, "bob", p.b->ed_pk,
	    sn),
	    ERR_KEY);
	assert_err(fingerprint_safety_number("", p.a->ed_pk, "bob",
	    p.b->ed_pk, sn),
	    ERR_ARG);
	assert_err(fingerprint_safety_number("alice", p.a->ed_pk, "",
	    p.b->ed_pk, sn),
	    ERR_ARG);
	free_pair(&p);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libsignal_vector),
		cmocka_unit_test(test_raw_iterations),
		cmocka_unit_test(test_raw_args),
		cmocka_unit_test(test_half_is_raw),
		cmocka_unit_test(test_half_bad_key),
		cmocka_unit_test(test_safety_number_symmetric),
		cmocka_unit_test(test_safety_number_changes),
		cmocka_unit_test(test_safety_number_errors),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_fingerprint: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
