/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for common/err and common/mem: every error code has a name
 * and a text; allocation failure injection; memory that held secrets is
 * all zero when it is released. */
#include "tests/unit/helpers.h"

#include <limits.h>
#include <sodium.h>

#include "common/mem.h"
#include "crypto/keys.h"

#define CODE(c)                                                              \
	{                                                                    \
		c, #c                                                        \
	}

static const struct {
	int code;
	const char *name;
} codes[] = {
	CODE(ERR_OK),
	CODE(ERR_INTERNAL),
	CODE(ERR_NOMEM),
	CODE(ERR_SHORT),
	CODE(ERR_TRAILING),
	CODE(ERR_TOO_LONG),
	CODE(ERR_VERSION),
	CODE(ERR_TYPE),
	CODE(ERR_AUTH),
	CODE(ERR_KEY),
	CODE(ERR_INVALID),
	CODE(ERR_SKIP),
	CODE(ERR_REPLAY),
	CODE(ERR_STATE),
	CODE(ERR_ARG),
	CODE(ERR_NET),
	CODE(ERR_DB),
	CODE(ERR_SYS),
	CODE(ERR_NOT_FOUND),
	CODE(ERR_EXISTS),
	CODE(ERR_QUOTA),
	CODE(ERR_RATE),
	CODE(ERR_PERM),
	CODE(ERR_TIMEOUT),
	CODE(ERR_MISMATCH),
	CODE(ERR_CONFIG),
	CODE(ERR_UNAUTH),
	CODE(ERR_INVITE),
	CODE(ERR_REVOKED),
	CODE(ERR_DISABLED),
	CODE(ERR_UNTRUSTED),
};

#define NCODES (sizeof(codes) / sizeof(codes[0]))

/* What the mem release hook saw. */
struct released {
	int calls;
	int all_zero;
	const void *p;
	size_t n;
	void *arg;
};

static struct released seen;

static void
record_release(const void *p, size_t n, void *arg)
{
	const uint8_t *b = p;
	size_t i;

	seen.calls++;
	seen.arg = arg;
	seen.p = p;
	seen.n = n;
	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			seen.all_zero = 0;
		}
	}
}

static void
watch_releases(void)
{
	memset(&seen, 0, sizeof(seen));
	seen.all_zero = 1;
	mem_set_release_hook(record_release, NULL);
}

/* Runs after every test, even a failed one, so no hook leaks onward. */
static int
reset_hooks(void **state)
{
	(void)state;
	mem_fail_after(-1);
	mem_set_release_hook(NULL, NULL);
	return 0;
}

static int
is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 0) {
			return 0;
		}
	}
	return 1;
}

/* The codes are stable: they travel on the wire. */
static void
test_err_values(void **state)
{
	size_t i;

	(void)state;
	assert_int_equal(NCODES, 31);
	for (i = 0; i < NCODES; i++) {
		assert_int_equal(codes[i].code, -(int)i);
	}
}

static void
test_err_names(void **state)
{
	const char *name, *text;
	size_t i, j;

	(void)state;
	for (i = 0; i < NCODES; i++) {
		name = err_name(codes[i].code);
		text = err_str(codes[i].code);
		assert_non_null(name);
		assert_non_null(text);
		assert_string_equal(name, codes[i].name);
		assert_true(text[0] != '\0');
		assert_string_not_equal(text, "unknown error");
		for (j = 0; j < i; j++) {
			assert_string_not_equal(name, err_name(codes[j].code));
			assert_string_not_equal(text, err_str(codes[j].code));
		}
	}
}

static void
test_err_unknown(void **state)
{
	static const int bad[] = { 1, 2, 100, -31, -32, -1000, INT_MIN,
		INT_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_non_null(err_str(bad[i]));
		assert_string_equal(err_str(bad[i]), "unknown error");
		assert_string_equal(err_name(bad[i]), "ERR_UNKNOWN");
	}
}

static void
test_mem_fail_after(void **state)
{
	uint8_t *a, *b, *c, *d;

	(void)state;
	/* Off: everything succeeds; zero-size requests give NULL. */
	a = mem_alloc(16);
	assert_non_null(a);
	mem_wipe_free(a, 16);
	assert_null(mem_alloc(0));
	assert_null(mem_zalloc(0));
	assert_null(mem_secure_alloc(0));

	/* k = 2: two succeed (of any kind), every later one fails. */
	mem_fail_after(2);
	a = mem_alloc(8);
	b = mem_zalloc(8);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(mem_alloc(8));
	assert_null(mem_zalloc(8));
	assert_null(mem_secure_alloc(8));
	assert_null(mem_alloc(8));
	mem_wipe_free(a, 8);
	mem_wipe_free(b, 8);

	/* k = 0: the very next one fails, secure ones included. */
	mem_fail_after(0);
	assert_null(mem_secure_alloc(32));
	assert_null(mem_alloc(1));

	/* -1 turns injection off again. */
	mem_fail_after(-1);
	c = mem_secure_alloc(32);
	d = mem_zalloc(32);
	assert_non_null(c);
	assert_non_null(d);
	mem_secure_free(c, 32);
	mem_wipe_free(d, 32);

	/* k = 1 with secure allocations. */
	mem_fail_after(1);
	c = mem_secure_alloc(32);
	assert_non_null(c);
	assert_null(mem_secure_alloc(32));
	mem_fail_after(-1);
	mem_secure_free(c, 32);
}

static void
test_alloc_zeroed(void **state)
{
	uint8_t *p;

	(void)state;
	p = mem_zalloc(100);
	assert_non_null(p);
	assert_true(is_zero(p, 100));
	mem_wipe_free(p, 100);
	p = mem_secure_alloc(100);
	assert_non_null(p);
	assert_true(is_zero(p, 100));
	mem_secure_free(p, 100);
}

static void
test_free_null(void **state)
{
	(void)state;
	watch_releases();
	mem_wipe_free(NULL, 0);
	mem_wipe_free(NULL, 64);
	mem_secure_free(NULL, 0);
	mem_secure_free(NULL, 64);
	assert_int_equal(seen.calls, 0);
	mem_set_release_hook(NULL, NULL);
}

static void
test_wipe_free_zeroes(void **state)
{
	uint8_t *p;

	(void)state;
	p = mem_alloc(77);
	assert_non_null(p);
	memset(p, 0xaa, 77);
	watch_releases();
	mem_wipe_free(p, 77);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.p, p);
	assert_int_equal(seen.n, 77);
	assert_true(seen.all_zero);
}

static void
test_secure_free_zeroes(void **state)
{
	uint8_t *p;

	(void)state;
	p = mem_secure_alloc(96);
	assert_non_null(p);
	memset(p, 0xaa, 96);
	watch_releases();
	mem_secure_free(p, 96);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.p, p);
	assert_int_equal(seen.n, 96);
	assert_true(seen.all_zero);
}

/* The hook passes its argument through; NULL removes it. */
static void
test_release_hook_arg(void **state)
{
	static int arg_seen;
	uint8_t *p;

	(void)state;
	arg_seen = 0;
	watch_releases();
	mem_set_release_hook(record_release, &arg_seen);
	p = mem_alloc(8);
	assert_non_null(p);
	mem_wipe_free(p, 8);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.arg, &arg_seen);

	mem_set_release_hook(NULL, NULL);
	p = mem_alloc(8);
	assert_non_null(p);
	mem_wipe_free(p, 8);
	assert_int_equal(seen.calls, 1);
}

/*
 * Acceptance: an identity's key material is wiped on free. The whole
 * struct identity_key, exactly once, all zero, before it is released.
 */
static void
test_identity_free_wipes(void **state)
{
	uint8_t seed[32];
	struct identity_key *ik = NULL;
	const void *where;

	(void)state;
	memset(seed, 0x42, sizeof(seed));
	assert_ok(identity_from_seed(seed, &ik));
	assert_non_null(ik);
	/* There is something to wipe. */
	assert_false(is_zero(ik->ed_sk, sizeof(ik->ed_sk)));
	assert_false(is_zero(ik->x_sk, sizeof(ik->x_sk)));
	assert_mem_eq(ik->ed_sk, seed, 32);

	where = ik;
	watch_releases();
	identity_free(ik);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 1);
	assert_ptr_equal(seen.p, where);
	assert_int_equal(seen.n, sizeof(struct identity_key));
	assert_true(seen.all_zero);

	/* identity_free(NULL) is a no-op. */
	watch_releases();
	identity_free(NULL);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 0);
}

/* The same for identity_new and identity_decode_secret. */
static void
test_identity_other_paths_wipe(void **state)
{
	static const uint8_t seed[32] = { 7 };
	uint8_t enc[IDENTITY_SECRET_LEN];
	struct rng_seeded rs;
	struct identity_key *ik = NULL;

	(void)state;
	rng_seeded_init(&rs, seed);
	assert_ok(identity_new(&rs.rng, &ik));
	rng_seeded_wipe(&rs);
	identity_encode_secret(ik, enc);
	watch_releases();
	identity_free(ik);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.n, sizeof(struct identity_key));
	assert_true(seen.all_zero);

	ik = NULL;
	assert_ok(identity_decode_secret(enc, sizeof(enc), &ik));
	sodium_memzero(enc, sizeof(enc));
	watch_releases();
	identity_free(ik);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.n, sizeof(struct identity_key));
	assert_true(seen.all_zero);
}

/* Allocation failure while creating an identity: ERR_NOMEM, NULL out. */
static void
test_identity_nomem(void **state)
{
	uint8_t seed[32];
	struct identity_key *ik;

	(void)state;
	memset(seed, 0x11, sizeof(seed));
	ik = (void *)seed; /* must be cleared */
	mem_fail_after(0);
	assert_err(identity_from_seed(seed, &ik), ERR_NOMEM);
	mem_fail_after(-1);
	assert_null(ik);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_err_values, reset_hooks),
		cmocka_unit_test_teardown(test_err_names, reset_hooks),
		cmocka_unit_test_teardown(test_err_unknown, reset_hooks),
		cmocka_unit_test_teardown(test_mem_fail_after, reset_hooks),
		cmocka_unit_test_teardown(test_alloc_zeroed, reset_hooks),
		cmocka_unit_test_teardown(test_free_null, reset_hooks),
		cmocka_unit_test_teardown(test_wipe_free_zeroes, reset_hooks),
		cmocka_unit_test_teardown(test_secure_free_zeroes,
		    reset_hooks),
		cmocka_unit_test_teardown(test_release_hook_arg, reset_hooks),
		cmocka_unit_test_teardown(test_identity_free_wipes,
		    reset_hooks),
		cmocka_unit_test_teardown(test_identity_other_paths_wipe,
		    reset_hooks),
		cmocka_unit_test_teardown(test_identity_nomem, reset_hooks),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_common: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
