/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests of service/auth: nonces are single use, per pipe and expire;
 * signatures bind a pipe to a device; the pipe table survives churn. */
#include <sodium.h>

#include "common/mem.h"
#include "common/wire.h"
#include "crypto/keys.h"
#include "service/auth.h"
#include "tests/unit/helpers.h"

static int64_t fake_now;

static int64_t
clock_fake(void)
{
	return fake_now;
}

static struct auth *
new_auth(void)
{
	struct auth *a = NULL;

	fake_now = 1000;
	assert_ok(auth_new("keys.test", clock_fake, &a));
	return a;
}

/* An AUTH message for (user, device) signed by ik over nonce. */
static void
sign_auth(struct proto_auth *m, const struct identity_key *ik,
    const char *server_id, const uint8_t nonce[PROTO_NONCE_LEN],
    const char *user, uint32_t device)
{
	struct wire_writer w;
	uint8_t *tbs;
	size_t len;

	memset(m, 0, sizeof(*m));
	strcpy(m->user, user);
	m->device_id = device;
	memcpy(m->nonce, nonce, PROTO_NONCE_LEN);
	wire_writer_init(&w, 512);
	proto_auth_tbs(&w, server_id, nonce, user, device);
	assert_ok(wire_writer_finish(&w, &tbs, &len));
	identity_sign(ik, tbs, len, m->sig);
	mem_wipe_free(tbs, len);
}

static struct identity_key *
ident(uint8_t tag)
{
	struct identity_key *ik = NULL;
	uint8_t seed[32] = { tag };

	assert_ok(identity_from_seed(seed, &ik));
	return ik;
}

static void
test_auth_ok_and_single_use(void **state)
{
	struct identity_key *ik = ident(1);
	struct auth *a = new_auth();
	char user[PROTO_MAX_USER + 1];
	uint8_t nonce[PROTO_NONCE_LEN];
	struct proto_auth m;
	uint32_t dev;

	(void)state;
	auth_pipe_event(a, 7, 1);
	assert_err(auth_lookup(a, 7, user, &dev), ERR_UNAUTH);
	assert_ok(auth_challenge(a, 7, &rng_system, nonce));
	sign_auth(&m, ik, "keys.test", nonce, "alice", 1);
	assert_ok(auth_verify(a, 7, &m, ik->ed_pk));
	assert_ok(auth_lookup(a, 7, user, &dev));
	assert_string_equal(user, "alice");
	assert_int_equal(dev, 1);
	/* The same response again: the nonce is gone. */
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	auth_free(a);
	identity_free(ik);
}

static void
test_auth_failures_spend_nonce(void **state)
{
	struct identity_key *ik = ident(1), *other = ident(2);
	struct auth *a = new_auth();
	uint8_t nonce[PROTO_NONCE_LEN];
	struct proto_auth m;

	(void)state;
	auth_pipe_event(a, 7, 1);
	/* Wrong key, then the right one with the same nonce: spent. */
	assert_ok(auth_challenge(a, 7, &rng_system, nonce));
	sign_auth(&m, other, "keys.test", nonce, "alice", 1);
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	sign_auth(&m, ik, "keys.test", nonce, "alice", 1);
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	/* Signed for another server id. */
	assert_ok(auth_challenge(a, 7, &rng_system, nonce));
	sign_auth(&m, ik, "keys.evil", nonce, "alice", 1);
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	/* Signed for another device than claimed. */
	assert_ok(auth_challenge(a, 7, &rng_system, nonce));
	sign_auth(&m, ik, "keys.test", nonce, "alice", 1);
	m.device_id = 2;
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	/* No challenge issued at all. */
	assert_err(auth_take_nonce(a, 7, nonce), ERR_AUTH);
	auth_free(a);
	identity_free(ik);
	identity_free(other);
}

static void
test_nonce_per_pipe_and_expiry(void **state)
{
	struct identity_key *ik = ident(1);
	struct auth *a = new_auth();
	uint8_t n7[PROTO_NONCE_LEN], n8[PROTO_NONCE_LEN];
	struct proto_auth m;

	(void)state;
	auth_pipe_event(a, 7, 1);
	auth_pipe_event(a, 8, 1);
	assert_ok(auth_challenge(a, 7, &rng_system, n7));
	assert_ok(auth_challenge(a, 8, &rng_system, n8));
	/* A nonce issued to pipe 8, answered on pipe 7: foreign. */
	sign_auth(&m, ik, "keys.test", n8, "alice", 1);
	assert_err(auth_verify(a, 7, &m, ik->ed_pk), ERR_AUTH);
	/* Pipe 8's own nonce, too late. */
	fake_now += AUTH_NONCE_TTL_MS;
	assert_err(auth_verify(a, 8, &m, ik->ed_pk), ERR_AUTH);
	/* A fresh one just in time. */
	assert_ok(auth_challenge(a, 8, &rng_system, n8));
	fake_now += AUTH_NONCE_TTL_MS - 1;
	sign_auth(&m, ik, "keys.test", n8, "alice", 1);
	assert_ok(auth_verify(a, 8, &m, ik->ed_pk));
	/* A newer challenge replaces the older one. */
	assert_ok(auth_challenge(a, 7, &rng_system, n7));
	assert_ok(auth_challenge(a, 7, &rng_system, n8));
	assert_err(auth_take_nonce(a, 7, n7), ERR_AUTH);
	/* Unknown pipe: no nonce can be issued. */
	assert_err(auth_challenge(a, 99, &rng_system, n7), ERR_NOT_FOUND);
	auth_free(a);
	identity_free(ik);
}

static void
test_bind_unbind_and_close(void **state)
{
	struct auth *a = new_auth();
	char user[PROTO_MAX_USER + 1];
	size_t bound;
	uint32_t dev;

	(void)state;
	auth_pipe_event(a, 1, 1);
	auth_pipe_event(a, 2, 1);
	auth_pipe_event(a, 3, 1);
	assert_ok(auth_bind(a, 1, "alice", 1));
	assert_ok(auth_bind(a, 2, "alice", 2));
	assert_ok(auth_bind(a, 3, "bob", 1));
	assert_err(auth_bind(a, 4, "bob", 1), ERR_NOT_FOUND);
	assert_int_equal(auth_pipes(a, &bound), 3);
	assert_int_equal(bound, 3);
	assert_int_equal(auth_unbind(a, "alice", 2), 1);
	assert_err(auth_lookup(a, 2, user, &dev), ERR_UNAUTH);
	assert_ok(auth_lookup(a, 1, user, &dev));
	assert_int_equal(auth_unbind(a, "alice", 0), 1);
	assert_err(auth_lookup(a, 1, user, &dev), ERR_UNAUTH);
	/* A closed pipe forgets its binding; a new pipe is fresh. */
	auth_pipe_event(a, 3, 0);
	assert_err(auth_lookup(a, 3, user, &dev), ERR_UNAUTH);
	auth_pipe_event(a, 3, 1);
	assert_err(auth_lookup(a, 3, user, &dev), ERR_UNAUTH);
	auth_free(a);
}

/* Many pipes in and out, in a scrambled order, against a model. */
static void
test_table_churn(void **state)
{
	enum { N = 5000 };
	static uint8_t live[N + 1];
	struct auth *a = new_auth();
	char user[PROTO_MAX_USER + 1];
	uint32_t dev, p, i;
	size_t bound, n = 0;

	(void)state;
	/* 3.5 rounds: half the pipes end live, half closed. */
	for (i = 0; i < 3 * N + N / 2; i++) {
		p = 1 + (uint32_t)((i * 7919U) % N);
		if (live[p]) {
			auth_pipe_event(a, p, 0);
			live[p] = 0;
			n--;
		} else {
			auth_pipe_event(a, p, 1);
			assert_ok(auth_bind(a, p, "carol", p));
			live[p] = 1;
			n++;
		}
	}
	assert_int_equal(auth_pipes(a, &bound), n);
	for (p = 1; p <= N; p++) {
		if (live[p]) {
			assert_ok(auth_lookup(a, p, user, &dev));
			assert_int_equal(dev, p);
		} else {
			assert_err(auth_lookup(a, p, user, &dev),
			    ERR_UNAUTH);
		}
	}
	auth_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_ok_and_single_use),
		cmocka_unit_test(test_auth_failures_spend_nonce),
		cmocka_unit_test(test_nonce_per_pipe_and_expiry),
		cmocka_unit_test(test_bind_unbind_and_close),
		cmocka_unit_test(test_table_churn),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
