/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for the client's pure pieces: the payload codec, link codes
 * and their MACed blobs, the terminal text filter, and the failure
 * record with its exit classes. */
#include "tests/unit/helpers.h"

#include <sodium.h>
#include <stdlib.h>

#include "client-cli/cli.h"
#include "client-cli/cli_err.h"
#include "client-cli/cli_link.h"
#include "client-cli/cli_payload.h"
#include "common/log.h"
#include "common/mem.h"

/* ---- payload ----------------------------------------------------------*/

static struct cli_payload
sample(uint8_t kind, const char *peer, const char *body)
{
	struct cli_payload p;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	memset(p.id, 0xa5, sizeof(p.id));
	p.sent_ms = 1796576637437;
	snprintf(p.peer, sizeof(p.peer), "%s", peer);
	p.body = (const uint8_t *)body;
	p.len = strlen(body);
	return p;
}

static void
test_payload_roundtrip(void **state)
{
	struct cli_payload in[2], out;
	uint8_t *buf = NULL;
	size_t n = 0, i;

	(void)state;
	in[0] = sample(CLI_PAYLOAD_TEXT, "", "hello, bob");
	in[1] = sample(CLI_PAYLOAD_SYNC, "bob", "");
	for (i = 0; i < 2; i++) {
		assert_ok(cli_payload_encode(&in[i], &buf, &n));
		assert_int_equal(n, CLI_PAYLOAD_FIXED + strlen(in[i].peer) +
			in[i].len);
		assert_int_equal(buf[0], CLI_PAYLOAD_VERSION);
		assert_ok(cli_payload_decode(buf, n, &out));
		assert_int_equal(out.kind, in[i].kind);
		assert_mem_eq(out.id, in[i].id, sizeof(out.id));
		assert_int_equal(out.sent_ms, in[i].sent_ms);
		assert_string_equal(out.peer, in[i].peer);
		assert_int_equal(out.len, in[i].len);
		assert_mem_eq(out.body, in[i].body, out.len);
		mem_wipe_free(buf, n);
	}
}

/* Every truncation, a trailing byte, a bad version and a bad kind. */
static void
test_payload_bad(void **state)
{
	struct cli_payload p = sample(CLI_PAYLOAD_SYNC, "bob", "text"), out;
	uint8_t *buf = NULL, *big;
	size_t n = 0, i;

	(void)state;
	assert_ok(cli_payload_encode(&p, &buf, &n));
	for (i = 0; i < n; i++) {
		assert_true(cli_payload_decode(buf, i, &out) != 0);
		assert_int_equal(out.kind, 0);
	}
	assert_non_null(big = malloc(n + 1));
	memcpy(big, buf, n);
	big[n] = 0;
	assert_err(cli_payload_decode(big, n + 1, &out), ERR_TRAILING);
	big[0] = 2;
	assert_err(cli_payload_decode(big, n, &out), ERR_VERSION);
	big[0] = CLI_PAYLOAD_VERSION;
	big[1] = 9;
	assert_err(cli_payload_decode(big, n, &out), ERR_TYPE);
	/* A text carries no peer; a sync needs a user name. */
	big[1] = CLI_PAYLOAD_TEXT;
	assert_err(cli_payload_decode(big, n, &out), ERR_INVALID);
	big[1] = CLI_PAYLOAD_SYNC;
	big[1 + 1 + 16 + 8 + 1] = 'B'; /* "Bob": upper case */
	assert_err(cli_payload_decode(big, n, &out), ERR_INVALID);
	free(big);
	mem_wipe_free(buf, n);
	/* Encoding refuses what decoding would. */
	p = sample(CLI_PAYLOAD_TEXT, "bob", "x");
	assert_err(cli_payload_encode(&p, &buf, &n), ERR_ARG);
	assert_null(buf);
	p = sample(7, "", "x");
	assert_err(cli_payload_encode(&p, &buf, &n), ERR_ARG);
	p = sample(CLI_PAYLOAD_TEXT, "", "x");
	assert_non_null(big = calloc(1, CLI_MAX_TEXT + 1));
	p.body = big;
	p.len = CLI_MAX_TEXT + 1;
	assert_err(cli_payload_encode(&p, &buf, &n), ERR_TOO_LONG);
	p.len = CLI_MAX_TEXT;
	assert_ok(cli_payload_encode(&p, &buf, &n));
	assert_ok(cli_payload_decode(buf, n, &out));
	assert_int_equal(out.len, CLI_MAX_TEXT);
	mem_wipe_free(buf, n);
	free(big);
}

/* ---- link codes ------------------------------------------------------*/

static void
test_link_code_text(void **state)
{
	struct cli_link_code a, b;
	char text[CLI_LINK_CODE_TEXT], messy[64];
	size_t i, j = 0;

	(void)state;
	assert_ok(cli_link_code_new(&rng_system, &a, text));
	assert_int_equal(strlen(text), 19);
	for (i = 0; i < 19; i++) {
		if (i % 5 == 4) {
			assert_int_equal(text[i], '-');
		} else {
			assert_non_null(strchr(
			    "0123456789ABCDEFGHJKMNPQRSTVWXYZ", text[i]));
		}
	}
	assert_ok(cli_link_code_parse(text, &b));
	assert_mem_eq(a.raw, b.raw, sizeof(a.raw));
	assert_mem_eq(a.slot, b.slot, sizeof(a.slot));
	assert_mem_eq(a.key, b.key, sizeof(a.key));
	/* Lower case, spaces, no dashes, and O/I/L typed for 0/1. */
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] == '-') {
			messy[j++] = ' ';
			continue;
		}
		messy[j++] = text[i] == '0'   ? 'o'
		    : text[i] == '1'	      ? 'l'
		    : text[i] >= 'A'	      ? (char)(text[i] - 'A' + 'a')
					      : text[i];
	}
	messy[j] = '\0';
	assert_ok(cli_link_code_parse(messy, &b));
	assert_mem_eq(a.key, b.key, sizeof(a.key));
	assert_err(cli_link_code_parse("ABCD-EFGH-JKMN-PQR", &b),
	    ERR_INVALID);
	assert_err(cli_link_code_parse("ABCD-EFGH-JKMN-PQRSX", &b),
	    ERR_INVALID);
	assert_err(cli_link_code_parse("ABCD-EFGH-JKMN-PQRU", &b),
	    ERR_INVALID); /* U is not in the alphabet */
	assert_err(cli_link_code_parse("", &b), ERR_INVALID);
	cli_link_code_wipe(&a);
	cli_link_code_wipe(&b);
}

/* A known code gives a known slot: the derivation is the spec's. */
static void
test_link_code_derivation(void **state)
{
	struct cli_link_code lc;
	uint8_t h[32];
	crypto_hash_sha256_state st;

	(void)state;
	/* 16 zeros: raw all zero. */
	assert_ok(cli_link_code_parse("0000-0000-0000-0000", &lc));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CLI_LABEL_LINK_SLOT,
	    strlen(CLI_LABEL_LINK_SLOT));
	crypto_hash_sha256_update(&st, lc.raw, CLI_LINK_SLOT_PART);
	crypto_hash_sha256_final(&st, h);
	assert_mem_eq(lc.slot, h, sizeof(lc.slot));
	/* "ZZZZ..." is all ones. */
	assert_ok(cli_link_code_parse("ZZZZ-ZZZZ-ZZZZ-ZZZZ", &lc));
	for (size_t i = 0; i < sizeof(lc.raw); i++) {
		assert_int_equal(lc.raw[i], 0xff);
	}
	cli_link_code_wipe(&lc);
}

static void
test_link_blobs(void **state)
{
	struct cli_link_code lc, other;
	struct identity_key *ik = NULL, *ap = NULL;
	uint8_t blob[PROTO_MAX_LINK_BLOB], got[KEY_LEN], sig[SIG_LEN];
	uint8_t gsig[SIG_LEN], small[KEY_LEN];
	char text[CLI_LINK_CODE_TEXT];
	uint32_t approver;
	size_t n, i;

	(void)state;
	assert_ok(identity_new(&rng_system, &ik));
	assert_ok(identity_new(&rng_system, &ap));
	assert_ok(cli_link_code_new(&rng_system, &lc, text));
	assert_ok(cli_link_code_new(&rng_system, &other, text));
	cli_link_request(&lc, "alice", ik->ed_pk, blob, &n);
	assert_ok(cli_link_request_open(&lc, "alice", blob, n, got));
	assert_mem_eq(got, ik->ed_pk, KEY_LEN);
	assert_err(cli_link_request_open(&other, "alice", blob, n, got),
	    ERR_AUTH);
	assert_err(cli_link_request_open(&lc, "alicf", blob, n, got),
	    ERR_AUTH);
	for (i = 0; i < n; i++) {
		blob[i] ^= 0x10;
		assert_err(cli_link_request_open(&lc, "alice", blob, n, got),
		    ERR_AUTH);
		blob[i] ^= 0x10;
	}
	assert_err(cli_link_request_open(&lc, "alice", blob, n - 1, got),
	    ERR_AUTH);
	/* A valid MAC over a key that is no identity key. */
	memset(small, 0, sizeof(small));
	small[0] = 1; /* the neutral element */
	cli_link_request(&lc, "alice", small, blob, &n);
	assert_err(cli_link_request_open(&lc, "alice", blob, n, got), ERR_KEY);
	/* The response binds user, new key, approver and signature. */
	identity_sign(ap, (const uint8_t *)"tbs", 3, sig);
	cli_link_response(&lc, "alice", ik->ed_pk, 7, sig, blob, &n);
	assert_int_equal(n, CLI_LINK_RESPONSE_LEN);
	assert_ok(cli_link_response_open(&lc, "alice", ik->ed_pk, blob, n,
	    &approver, gsig));
	assert_int_equal(approver, 7);
	assert_mem_eq(gsig, sig, SIG_LEN);
	assert_err(cli_link_response_open(&lc, "alice", ap->ed_pk, blob, n,
	    &approver, gsig), ERR_AUTH);
	assert_int_equal(approver, 0);
	assert_err(cli_link_response_open(&other, "alice", ik->ed_pk, blob, n,
	    &approver, gsig), ERR_AUTH);
	for (i = 0; i < n; i++) {
		blob[i] ^= 1;
		assert_err(cli_link_response_open(&lc, "alice", ik->ed_pk,
		    blob, n, &approver, gsig), ERR_AUTH);
		blob[i] ^= 1;
	}
	cli_link_code_wipe(&lc);
	cli_link_code_wipe(&other);
	identity_free(ik);
	identity_free(ap);
}

/* ---- terminal text ---------------------------------------------------*/

/* What cli_put_text writes for in[0..n), NUL-terminated (free). */
static char *
put(const char *in, size_t n, int indent)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &len));
	cli_put_text(f, (const uint8_t *)in, n, indent);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void
test_put_text(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} cases[] = {
		{ "plain text", 10, "plain text" },
		{ "tab\there", 8, "tab\there" },
		{ "caf\xc3\xa9 \xe2\x82\xac", 9, "caf\xc3\xa9 \xe2\x82\xac" },
		{ "\x1b[2Jwiped", 9, "\\x1b[2Jwiped" },
		{ "bell\x07", 5, "bell\\x07" },
		{ "del\x7f", 4, "del\\x7f" },
		{ "csi\xc2\x9b" "31m", 8, "csi\\xc2\\x9b31m" },
		{ "bad\xff\xfe", 5, "bad\\xff\\xfe" },
		{ "cut\xe2\x82", 5, "cut\\xe2\\x82" },
		{ "surrogate\xed\xa0\x80", 12, "surrogate\\xed\\xa0\\x80" },
		{ "overlong\xc0\xaf", 10, "overlong\\xc0\\xaf" },
		{ "nul\0x", 5, "nul\\x00x" },
		{ "cr\rlf", 5, "cr\\x0dlf" },
		{ "two\nlines", 9, "two\n    lines" },
	};
	size_t i;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = put(cases[i].in, cases[i].n, 4);
		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

/* ---- failures and exit classes ---------------------------------------*/

static void
test_err_record(void **state)
{
	(void)state;
	cli_err_clear();
	assert_null(cli_err_detail());
	assert_int_equal(cli_err_exit(0), CLI_EXIT_OK);
	assert_int_equal(cli_err_exit(ERR_NET), CLI_EXIT_NET);
	assert_err(cli_fail(0, ERR_TIMEOUT, "first %d", 1), ERR_TIMEOUT);
	assert_err(cli_fail(CLI_EXIT_AUTH, ERR_AUTH, "second"), ERR_AUTH);
	assert_string_equal(cli_err_detail(), "first 1");
	/* The class of the record, not of the code asked about. */
	assert_int_equal(cli_err_exit(ERR_AUTH), CLI_EXIT_NET);
	assert_int_equal(cli_err_code(ERR_AUTH), ERR_TIMEOUT);
	cli_err_clear();
	assert_err(cli_fail(CLI_EXIT_TRUST, ERR_STATE, "held"), ERR_STATE);
	assert_int_equal(cli_err_exit(ERR_STATE), CLI_EXIT_TRUST);
	cli_err_clear();
	assert_int_equal(cli_err_code(ERR_DB), ERR_DB);
	assert_int_equal(cli_err_class(ERR_ARG), CLI_EXIT_USAGE);
	assert_int_equal(cli_err_class(ERR_PERM), CLI_EXIT_STATE);
	assert_int_equal(cli_err_class(ERR_REVOKED), CLI_EXIT_AUTH);
	assert_int_equal(cli_err_class(ERR_UNTRUSTED), CLI_EXIT_TRUST);
	assert_int_equal(cli_err_class(ERR_REPLAY), CLI_EXIT_CRYPTO);
	assert_int_equal(cli_err_class(ERR_QUOTA), CLI_EXIT_REFUSED);
	assert_int_equal(cli_err_class(ERR_DB), CLI_EXIT_FAIL);
	assert_string_equal(cli_exit_name(CLI_EXIT_TRUST), "trust");
	assert_string_equal(cli_exit_name(99), "failure");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_roundtrip),
		cmocka_unit_test(test_payload_bad),
		cmocka_unit_test(test_link_code_text),
		cmocka_unit_test(test_link_code_derivation),
		cmocka_unit_test(test_link_blobs),
		cmocka_unit_test(test_put_text),
		cmocka_unit_test(test_err_record),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_cli: sodium_init failed\n");
		return 1;
	}
	log_init("test_cli", LOG_LEVEL_WARNING, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
