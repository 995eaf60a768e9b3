/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests of common/proto: frames, errors and every message body,
 * round trips and the negative cases of each decoder. */
#include <sodium.h>
#include <stdlib.h>

#include "common/mem.h"
#include "common/proto.h"
#include "tests/unit/helpers.h"

/* Finishes w into a buffer the test owns. */
static uint8_t *
finish(struct wire_writer *w, size_t *len)
{
	uint8_t *p = NULL;

	assert_ok(wire_writer_finish(w, &p, len));
	return p;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = (uint8_t)(seed + 7 * i);
	}
}

static void
test_frame(void **state)
{
	static const uint8_t bad_version[] = { 0x02, 0x01 };
	struct wire_reader body;
	struct wire_writer w;
	uint8_t type, *p;
	size_t len;

	(void)state;
	wire_writer_init(&w, 64);
	proto_frame_begin(&w, PROTO_CLAIM);
	wire_put_u8(&w, 0xAB);
	p = finish(&w, &len);
	assert_int_equal(len, 3);
	assert_int_equal(p[0], PROTO_VERSION);
	assert_ok(proto_frame_open(p, len, &type, &body));
	assert_int_equal(type, PROTO_CLAIM);
	assert_int_equal(wire_remaining(&body), 1);
	assert_err(proto_frame_open(p, 1, &type, &body), ERR_SHORT);
	assert_err(proto_frame_open(p, 0, &type, &body), ERR_SHORT);
	assert_err(proto_frame_open(bad_version, 2, &type, &body),
	    ERR_VERSION);
	mem_wipe_free(p, len);
	assert_true(proto_is_request(PROTO_CHALLENGE));
	assert_true(proto_is_request(PROTO_DEVICES));
	assert_true(proto_is_request(PROTO_LINK_OPEN));
	assert_true(proto_is_request(PROTO_LINK_PUT));
	assert_true(proto_is_request(PROTO_LINK_GET));
	assert_false(proto_is_request(0x00));
	assert_false(proto_is_request(0x1B));
	assert_false(proto_is_request(PROTO_ERROR));
	assert_false(proto_is_request(PROTO_CLAIM | PROTO_REPLY));
}

static void
test_error(void **state)
{
	char text[PROTO_MAX_ERROR_TEXT + 1], big[300];
	struct wire_reader body;
	struct wire_writer w;
	uint8_t type, *p;
	size_t len;
	int code;

	(void)state;
	wire_writer_init(&w, 512);
	proto_error_encode(&w, ERR_RATE, "slow down");
	p = finish(&w, &len);
	assert_ok(proto_frame_open(p, len, &type, &body));
	assert_int_equal(type, PROTO_ERROR);
	assert_ok(proto_error_decode(&body, &code, text, sizeof(text)));
	assert_int_equal(code, ERR_RATE);
	assert_string_equal(text, "slow down");
	mem_wipe_free(p, len);
	/* Long texts are cut; a small buffer truncates safely. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	wire_writer_init(&w, 512);
	proto_error_encode(&w, ERR_DB, big);
	p = finish(&w, &len);
	assert_ok(proto_frame_open(p, len, &type, &body));
	assert_ok(proto_error_decode(&body, &code, text, 5));
	assert_string_equal(text, "xxxx");
	assert_int_equal(len, 2 + 2 + 1 + PROTO_MAX_ERROR_TEXT);
	mem_wipe_free(p, len);
	/* Code 0 on the wire is invalid. */
	{
		static const uint8_t zero[] = { 0, 0, 0 };
		struct wire_reader r;

		wire_reader_init(&r, zero, sizeof(zero));
		assert_err(proto_error_decode(&r, &code, text, sizeof(text)),
		    ERR_INVALID);
	}
}

static void
test_user_valid(void **state)
{
	static const char *good[] = { "abc", "alice", "a.b-c_d9",
		"abcdefghijklmnopqrstuvwxyz012345" };
	static const char *bad[] = { "", "ab", "Alice", "9lives", "-abc",
		"a b c", "al/ice", "abcdefghijklmnopqrstuvwxyz0123456",
		"caf\xc3\xa9" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_true(proto_user_valid((const uint8_t *)good[i],
		    strlen(good[i])));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(proto_user_valid((const uint8_t *)bad[i],
		    strlen(bad[i])));
	}
}

/* Encodes m with enc, checks decode gives it back, then every truncation
 * and one trailing byte fail. */
#define ROUND_TRIP(type_, enc, dec, m, out)                                  \
	do {                                                                 \
		struct wire_writer wt_;                                       \
		struct wire_reader rd_;                                       \
		uint8_t *pb_, *qb_;                                            \
		size_t nb_, ix_;                                               \
                                                                             \
		wire_writer_init(&wt_, 1 << 20);                              \
		enc(&wt_, &(m));                                              \
		pb_ = finish(&wt_, &nb_);                                       \
		wire_reader_init(&rd_, pb_, nb_);                               \
		assert_ok(dec(&rd_, &(out)));                                 \
		for (ix_ = 0; ix_ < nb_; ix_++) {                                \
			wire_reader_init(&rd_, pb_, ix_);                       \
			assert_int_not_equal(dec(&rd_, &(out)), 0);           \
		}                                                            \
		qb_ = malloc(nb_ + 1);                                         \
		assert_non_null(qb_);                                         \
		memcpy(qb_, pb_, nb_);                                          \
		qb_[nb_] = 0;                                                  \
		wire_reader_init(&rd_, qb_, nb_ + 1);                           \
		assert_err(dec(&rd_, &(out)), ERR_TRAILING);                  \
		free(qb_);                                                    \
		wire_reader_init(&rd_, pb_, nb_);                               \
		assert_ok(dec(&rd_, &(out)));                                 \
		mem_wipe_free(pb_, nb_);                                       \
	} while (0)

static void
test_challenge_auth(void **state)
{
	struct proto_challenge c, c2;
	struct proto_auth a, a2;

	(void)state;
	memset(&c, 0, sizeof(c));
	strcpy(c.server_id, "keys.example.org");
	fill(c.nonce, sizeof(c.nonce), 1);
	ROUND_TRIP(0, proto_challenge_encode, proto_challenge_decode, c, c2);
	assert_memory_equal(&c, &c2, sizeof(c));
	memset(&a, 0, sizeof(a));
	strcpy(a.user, "alice");
	a.device_id = 7;
	fill(a.nonce, sizeof(a.nonce), 2);
	fill(a.sig, sizeof(a.sig), 3);
	ROUND_TRIP(0, proto_auth_encode, proto_auth_decode, a, a2);
	assert_memory_equal(&a, &a2, sizeof(a));
	/* A bad user name is refused and the output zeroed. */
	strcpy(a.user, "Alice");
	{
		struct wire_writer w;
		struct wire_reader r;
		uint8_t *p;
		size_t n;

		wire_writer_init(&w, 512);
		proto_auth_encode(&w, &a);
		p = finish(&w, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_auth_decode(&r, &a2), ERR_INVALID);
		assert_int_equal(a2.device_id, 0);
		mem_wipe_free(p, n);
	}
}

/* A join message with n one-time prekeys, held in keys[]. */
static void
make_join(struct proto_join *m, uint8_t *keys, size_t n, int is_link)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!is_link) {
		strcpy(m->invite, "avpc2nhfikouhodfhaguvo25ry");
	}
	strcpy(m->user, "bob");
	fill(m->dev.ik, PROTO_KEY_LEN, 4);
	m->dev.spk.id = 1;
	fill(m->dev.spk.pk, PROTO_KEY_LEN, 5);
	fill(m->dev.spk.sig, PROTO_SIG_LEN, 6);
	m->dev.lrk.id = 2;
	fill(m->dev.lrk.pk, PROTO_KEY_LEN, 7);
	fill(m->dev.lrk.sig, PROTO_SIG_LEN, 8);
	for (i = 0; i < n; i++) {
		keys[36 * i] = 0;
		keys[36 * i + 1] = 0;
		keys[36 * i + 2] = (uint8_t)(i >> 8);
		keys[36 * i + 3] = (uint8_t)i;
		fill(keys + 36 * i + 4, PROTO_KEY_LEN, (uint8_t)(9 + i));
	}
	m->dev.opks.p = keys;
	m->dev.opks.n = n;
	m->dev.approver = is_link ? 1 : 0;
	fill(m->dev.link_sig, PROTO_SIG_LEN, 10);
	fill(m->nonce, PROTO_NONCE_LEN, 11);
	fill(m->sig, PROTO_SIG_LEN, 12);
}

static void
enc_register(struct wire_writer *w, const struct proto_join *m)
{
	proto_join_encode(w, m, 0);
}

static int
dec_register(struct wire_reader *r, struct proto_join *m)
{
	return proto_join_decode(r, m, 0);
}

static void
enc_link(struct wire_writer *w, const struct proto_join *m)
{
	proto_join_encode(w, m, 1);
}

static int
dec_link(struct wire_reader *r, struct proto_join *m)
{
	return proto_join_decode(r, m, 1);
}

static void
test_join(void **state)
{
	static uint8_t keys[36 * 5];
	uint8_t pk[PROTO_KEY_LEN], want[PROTO_KEY_LEN];
	struct proto_join m, m2;
	uint32_t id;
	size_t i;

	(void)state;
	make_join(&m, keys, 5, 0);
	ROUND_TRIP(0, enc_register, dec_register, m, m2);
	assert_string_equal(m2.invite, m.invite);
	assert_string_equal(m2.user, "bob");
	assert_memory_equal(&m2.dev.spk, &m.dev.spk, sizeof(m.dev.spk));
	assert_memory_equal(&m2.dev.lrk, &m.dev.lrk, sizeof(m.dev.lrk));
	assert_int_equal(m2.dev.opks.n, 5);
	make_join(&m, keys, 5, 1);
	ROUND_TRIP(0, enc_link, dec_link, m, m2);
	assert_int_equal(m2.dev.approver, 1);
	/* The prekey list is a view into the input: keep it alive. */
	{
		struct wire_writer w;
		struct wire_reader r;
		uint8_t *p;
		size_t n;

		wire_writer_init(&w, 4096);
		proto_join_encode(&w, &m, 1);
		p = finish(&w, &n);
		wire_reader_init(&r, p, n);
		assert_ok(proto_join_decode(&r, &m2, 1));
		for (i = 0; i < 5; i++) {
			proto_prekeys_at(&m2.dev.opks, i, &id, pk);
			fill(want, sizeof(want), (uint8_t)(9 + i));
			assert_int_equal(id, i);
			assert_memory_equal(pk, want, sizeof(pk));
		}
		mem_wipe_free(p, n);
	}
}

static void
test_join_limits(void **state)
{
	uint8_t *keys = calloc(PROTO_MAX_PREKEYS + 1, 36);
	struct wire_writer w;
	struct wire_reader r;
	struct proto_join m, m2;
	uint8_t *p;
	size_t n;

	(void)state;
	assert_non_null(keys);
	make_join(&m, keys, PROTO_MAX_PREKEYS + 1, 0);
	wire_writer_init(&w, 1 << 20);
	proto_join_encode(&w, &m, 0);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_join_decode(&r, &m2, 0), ERR_TOO_LONG);
	mem_wipe_free(p, n);
	/* A link needs an approver. */
	make_join(&m, keys, 1, 1);
	m.dev.approver = 0;
	wire_writer_init(&w, 1 << 20);
	proto_join_encode(&w, &m, 1);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_join_decode(&r, &m2, 1), ERR_INVALID);
	mem_wipe_free(p, n);
	/* An invite with a control character is refused. */
	make_join(&m, keys, 1, 0);
	strcpy(m.invite, "ab\ncd");
	wire_writer_init(&w, 1 << 20);
	proto_join_encode(&w, &m, 0);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_join_decode(&r, &m2, 0), ERR_INVALID);
	mem_wipe_free(p, n);
	free(keys);
}

static void
test_small_bodies(void **state)
{
	struct proto_revoke v, v2;
	struct proto_rotate t, t2;
	struct proto_status s, s2;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.device_id = 3;
	fill(v.sig, sizeof(v.sig), 13);
	ROUND_TRIP(0, proto_revoke_encode, proto_revoke_decode, v, v2);
	assert_memory_equal(&v, &v2, sizeof(v));
	memset(&t, 0, sizeof(t));
	t.kind = 2;
	t.key.id = 99;
	fill(t.key.pk, PROTO_KEY_LEN, 14);
	fill(t.key.sig, PROTO_SIG_LEN, 15);
	ROUND_TRIP(0, proto_rotate_encode, proto_rotate_decode, t, t2);
	assert_memory_equal(&t, &t2, sizeof(t));
	memset(&s, 0, sizeof(s));
	s.opk_count = 10;
	s.last_resort_uses = 2;
	s.spk_id = 3;
	s.lrk_id = 4;
	ROUND_TRIP(0, proto_status_encode, proto_status_decode, s, s2);
	assert_memory_equal(&s, &s2, sizeof(s));
	/* Field checks: device 0, kind 3. */
	{
		struct wire_writer w;
		struct wire_reader r;
		uint8_t *p;
		size_t n;

		v.device_id = 0;
		wire_writer_init(&w, 512);
		proto_revoke_encode(&w, &v);
		p = finish(&w, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_revoke_decode(&r, &v2), ERR_INVALID);
		mem_wipe_free(p, n);
		t.kind = 3;
		wire_writer_init(&w, 512);
		proto_rotate_encode(&w, &t);
		p = finish(&w, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_rotate_decode(&r, &t2), ERR_INVALID);
		mem_wipe_free(p, n);
	}
}

static void
test_bundle(void **state)
{
	struct proto_bundle b, b2;
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *p;
	size_t n;
	int kind;

	(void)state;
	for (kind = 0; kind <= 2; kind++) {
		memset(&b, 0, sizeof(b));
		b.device_id = 2;
		fill(b.ik, PROTO_KEY_LEN, 16);
		b.spk.id = 5;
		fill(b.spk.pk, PROTO_KEY_LEN, 17);
		fill(b.spk.sig, PROTO_SIG_LEN, 18);
		b.opk_kind = (uint8_t)kind;
		if (kind != 0) {
			b.opk_id = 6;
			fill(b.opk, PROTO_KEY_LEN, 19);
		}
		if (kind == 2) {
			fill(b.opk_sig, PROTO_SIG_LEN, 20);
		}
		wire_writer_init(&w, 512);
		proto_bundle_encode(&w, &b);
		p = finish(&w, &n);
		assert_int_equal(n, PROTO_BUNDLE_LEN);
		wire_reader_init(&r, p, n);
		assert_ok(proto_bundle_decode(&r, &b2));
		assert_ok(wire_end(&r));
		assert_memory_equal(&b, &b2, sizeof(b));
		wire_reader_init(&r, p, n - 1);
		assert_err(proto_bundle_decode(&r, &b2), ERR_SHORT);
		mem_wipe_free(p, n);
	}
	/* Non-canonical: a signature on a one-time key, kind 3. */
	b.opk_kind = 1;
	wire_writer_init(&w, 512);
	proto_bundle_encode(&w, &b);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_bundle_decode(&r, &b2), ERR_INVALID);
	mem_wipe_free(p, n);
	b.opk_kind = 3;
	wire_writer_init(&w, 512);
	proto_bundle_encode(&w, &b);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_bundle_decode(&r, &b2), ERR_INVALID);
	mem_wipe_free(p, n);
}

static void
test_device_and_count(void **state)
{
	static const uint8_t big[] = { 0x00, 0x21 };
	struct proto_device d, d2;
	struct wire_writer w;
	struct wire_reader r;
	uint16_t cnt;
	uint8_t *p;
	size_t n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.device_id = 1;
	d.revoked = 1;
	d.approver = 1;
	fill(d.ik, PROTO_KEY_LEN, 21);
	fill(d.link_sig, PROTO_SIG_LEN, 22);
	wire_writer_init(&w, 512);
	proto_device_encode(&w, &d);
	p = finish(&w, &n);
	assert_int_equal(n, PROTO_DEVICE_LEN);
	wire_reader_init(&r, p, n);
	assert_ok(proto_device_decode(&r, &d2));
	assert_memory_equal(&d, &d2, sizeof(d));
	/* The state byte is 0 or 1. */
	p[4] = 2;
	wire_reader_init(&r, p, n);
	assert_err(proto_device_decode(&r, &d2), ERR_INVALID);
	mem_wipe_free(p, n);
	wire_reader_init(&r, big, sizeof(big));
	assert_err(proto_count_decode(&r, &cnt, PROTO_MAX_DEVICES),
	    ERR_TOO_LONG);
	assert_int_equal(r.off, 0);
}

/* The signed strings are exactly as docs/PROTOCOL.md lays them out. */
static void
test_tbs(void **state)
{
	uint8_t nonce[PROTO_NONCE_LEN], ik[PROTO_KEY_LEN], *p;
	struct wire_writer w;
	size_t n, off;

	(void)state;
	fill(nonce, sizeof(nonce), 23);
	fill(ik, sizeof(ik), 24);
	wire_writer_init(&w, 512);
	proto_auth_tbs(&w, "srv", nonce, "alice", 0x01020304);
	p = finish(&w, &n);
	off = strlen(PROTO_LABEL_AUTH);
	assert_int_equal(n, off + 1 + 3 + 32 + 1 + 5 + 4);
	assert_memory_equal(p, PROTO_LABEL_AUTH, off);
	assert_int_equal(p[off], 3);
	assert_memory_equal(p + off + 1, "srv", 3);
	assert_memory_equal(p + off + 4, nonce, 32);
	assert_int_equal(p[off + 36], 5);
	assert_memory_equal(p + n - 4, "\x01\x02\x03\x04", 4);
	mem_wipe_free(p, n);
	wire_writer_init(&w, 512);
	proto_link_tbs(&w, "bob", ik);
	p = finish(&w, &n);
	off = strlen(PROTO_LABEL_DEVICE_LINK);
	assert_int_equal(n, off + 1 + 3 + 32);
	assert_memory_equal(p + n - 32, ik, 32);
	mem_wipe_free(p, n);
	wire_writer_init(&w, 512);
	proto_revoke_tbs(&w, "bob", 2, ik);
	p = finish(&w, &n);
	off = strlen(PROTO_LABEL_DEVICE_REVOKE);
	assert_int_equal(n, off + 1 + 3 + 4 + 32);
	mem_wipe_free(p, n);
	wire_writer_init(&w, 512);
	proto_join_tbs(&w, "srv", nonce, "bob", ik);
	p = finish(&w, &n);
	off = strlen(PROTO_LABEL_REGISTER);
	assert_int_equal(n, off + 1 + 3 + 32 + 1 + 3 + 32);
	mem_wipe_free(p, n);
}

static void
test_relay_bodies(void **state)
{
	static const uint8_t env[] = "ciphertext";
	uint8_t ids[3 * PROTO_ID_LEN], *p;
	const uint8_t *v;
	struct proto_fetch f, f2;
	struct proto_entry e, e2;
	struct proto_mismatch mm, mm2;
	struct proto_receipt rc, rc2;
	struct wire_writer w;
	struct wire_reader r;
	size_t n, cnt;

	(void)state;
	memset(&f, 0, sizeof(f)); /* padding is compared below */
	f.max_count = 10;
	f.max_bytes = 4096;
	f.wait_ms = PROTO_MAX_WAIT_MS;
	ROUND_TRIP(0, proto_fetch_encode, proto_fetch_decode, f, f2);
	assert_memory_equal(&f, &f2, sizeof(f));
	f.wait_ms = PROTO_MAX_WAIT_MS + 1;
	wire_writer_init(&w, 64);
	proto_fetch_encode(&w, &f);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_fetch_decode(&r, &f2), ERR_INVALID);
	mem_wipe_free(p, n);
	memset(&rc, 0, sizeof(rc));
	fill(rc.id, sizeof(rc.id), 30);
	rc.seq = 7;
	fill(rc.chain, sizeof(rc.chain), 31);
	wire_writer_init(&w, 128);
	proto_receipt_encode(&w, &rc);
	p = finish(&w, &n);
	assert_int_equal(n, PROTO_RECEIPT_LEN);
	wire_reader_init(&r, p, n);
	assert_ok(proto_receipt_decode(&r, &rc2));
	assert_memory_equal(&rc, &rc2, sizeof(rc));
	mem_wipe_free(p, n);
	/* Entries: envelopes carry bytes, tombstones none. */
	memset(&e, 0, sizeof(e));
	e.seq = 3;
	e.env = env;
	e.len = sizeof(env);
	wire_writer_init(&w, 256);
	proto_entry_encode(&w, &e);
	e.kind = PROTO_ENTRY_EXPIRED;
	proto_entry_encode(&w, &e);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_ok(proto_entry_decode(&r, &e2, 1024));
	assert_int_equal(e2.len, sizeof(env));
	assert_err(proto_entry_decode(&r, &e2, 1024), ERR_INVALID);
	wire_reader_init(&r, p, n);
	assert_err(proto_entry_decode(&r, &e2, 4), ERR_TOO_LONG);
	mem_wipe_free(p, n);
	/* ACK: 1..PROTO_MAX_ACK ids, viewed in place. */
	fill(ids, sizeof(ids), 32);
	wire_writer_init(&w, 256);
	proto_ack_encode(&w, ids, 3);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_ok(proto_ack_decode(&r, &v, &cnt));
	assert_int_equal(cnt, 3);
	assert_memory_equal(v, ids, sizeof(ids));
	wire_reader_init(&r, p, 2);
	p[1] = 0; /* count 0 */
	assert_err(proto_ack_decode(&r, &v, &cnt), ERR_INVALID);
	mem_wipe_free(p, n);
	memset(&mm, 0, sizeof(mm));
	strcpy(mm.user, "bob");
	mm.nmissing = 1;
	mm.missing[0] = 2;
	mm.nrevoked = 2;
	mm.revoked[0] = 3;
	mm.revoked[1] = 4;
	wire_writer_init(&w, 256);
	proto_mismatch_encode(&w, &mm);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_ok(proto_mismatch_decode(&r, &mm2));
	assert_memory_equal(&mm, &mm2, sizeof(mm));
	mem_wipe_free(p, n);
}

/* The chain as PROTOCOL.md section 12.1 writes it, with plain SHA-256. */
/* A whole FETCH reply: the count, the entries, nothing after them. */
static void
test_fetch_reply(void **state)
{
	static const uint8_t env[] = "sealed";
	struct proto_entry in[2], out[2];
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *buf = NULL;
	size_t len = 0, n = 9, i;

	(void)state;
	memset(in, 0, sizeof(in));
	for (i = 0; i < 2; i++) {
		in[i].seq = i + 1;
		memset(in[i].id, (int)i + 1, PROTO_ID_LEN);
		in[i].received_ms = 100 + i;
	}
	in[0].kind = PROTO_ENTRY_ENVELOPE;
	in[0].env = env;
	in[0].len = sizeof(env);
	in[1].kind = PROTO_ENTRY_EXPIRED;
	wire_writer_init(&w, 1024);
	wire_put_u16(&w, 2);
	proto_entry_encode(&w, &in[0]);
	proto_entry_encode(&w, &in[1]);
	wire_put_u8(&w, 0); /* one byte too many */
	assert_ok(wire_writer_finish(&w, &buf, &len));
	wire_reader_init(&r, buf, len - 1);
	assert_ok(proto_fetch_reply_decode(&r, out, 2, &n, 64));
	assert_int_equal(n, 2);
	assert_int_equal(out[1].seq, 2);
	assert_int_equal(out[0].len, sizeof(env));
	assert_mem_eq(out[0].env, env, sizeof(env));
	wire_reader_init(&r, buf, len);
	assert_err(proto_fetch_reply_decode(&r, out, 2, &n, 64), ERR_TRAILING);
	assert_int_equal(n, 0);
	assert_int_equal(out[0].seq, 0);
	wire_reader_init(&r, buf, len - 1);
	assert_err(proto_fetch_reply_decode(&r, out, 1, &n, 64), ERR_TOO_LONG);
	wire_reader_init(&r, buf, len - 2);
	assert_true(proto_fetch_reply_decode(&r, out, 2, &n, 64) != 0);
	assert_int_equal(n, 0);
	wire_reader_init(&r, buf, len - 1);
	assert_err(proto_fetch_reply_decode(&r, out, 2, &n, 3), ERR_TOO_LONG);
	mem_wipe_free(buf, len);
}

/* What a recipient expects of each kind of fetched entry. */
static void
test_entry_expected_hash(void **state)
{
	static const uint8_t env[] = "sealed bytes";
	struct proto_entry e;
	uint8_t got[PROTO_HASH_LEN], want[PROTO_HASH_LEN];

	(void)state;
	memset(&e, 0, sizeof(e));
	memset(e.id, 7, sizeof(e.id));
	memset(e.entry_hash, 0x33, sizeof(e.entry_hash));
	e.kind = PROTO_ENTRY_ENVELOPE;
	e.env = env;
	e.len = sizeof(env);
	assert_ok(proto_entry_expected_hash(&e, got));
	proto_entry_hash(want, e.id, env, sizeof(env));
	assert_mem_eq(got, want, sizeof(want));
	/* An expired entry's bytes are gone: the relay's hash is taken. */
	e.kind = PROTO_ENTRY_EXPIRED;
	assert_err(proto_entry_expected_hash(&e, got), ERR_AUTH);
	e.len = 0;
	assert_ok(proto_entry_expected_hash(&e, got));
	assert_mem_eq(got, e.entry_hash, sizeof(got));
	e.kind = PROTO_ENTRY_OVERFLOW;
	e.received_ms = 5;
	assert_ok(proto_entry_expected_hash(&e, got));
	proto_overflow_hash(want, e.id, 5);
	assert_mem_eq(got, want, sizeof(want));
	e.len = 1;
	assert_err(proto_entry_expected_hash(&e, got), ERR_AUTH);
	e.len = 0;
	e.kind = 3;
	assert_err(proto_entry_expected_hash(&e, got), ERR_AUTH);
	memset(want, 0, sizeof(want));
	assert_mem_eq(got, want, sizeof(want));
}

static void
test_chain(void **state)
{
	static const uint8_t env[] = "envelope";
	uint8_t id[PROTO_ID_LEN], h0[PROTO_HASH_LEN] = { 0 }, eh[32], h1[32];
	uint8_t want[32], buf[128];
	size_t off = 0;

	(void)state;
	fill(id, sizeof(id), 40);
	proto_entry_hash(eh, id, env, sizeof(env));
	memcpy(buf, PROTO_LABEL_ENTRY, strlen(PROTO_LABEL_ENTRY));
	off = strlen(PROTO_LABEL_ENTRY);
	memcpy(buf + off, id, sizeof(id));
	off += sizeof(id);
	memcpy(buf + off, env, sizeof(env));
	off += sizeof(env);
	crypto_hash_sha256(want, buf, off);
	assert_memory_equal(eh, want, 32);
	proto_chain_next(h1, h0, 1, eh);
	off = strlen(PROTO_LABEL_CHAIN);
	memcpy(buf, PROTO_LABEL_CHAIN, off);
	memset(buf + off, 0, 32);
	off += 32;
	memcpy(buf + off, "\0\0\0\0\0\0\0\1", 8);
	off += 8;
	memcpy(buf + off, eh, 32);
	off += 32;
	crypto_hash_sha256(want, buf, off);
	assert_memory_equal(h1, want, 32);
	/* Any change of seq, entry or previous hash changes the link. */
	proto_chain_next(want, h0, 2, eh);
	assert_memory_not_equal(h1, want, 32);
	proto_overflow_hash(want, id, 5);
	assert_memory_not_equal(eh, want, 32);
}

/* Device-link rendezvous bodies. The slot travels as a bare array, so the
 * round-trip macro gets wrappers. */
struct slot_msg {
	uint8_t slot[PROTO_LINK_SLOT_LEN];
};

struct blob_msg {
	const uint8_t *blob;
	size_t len;
};

static void
enc_open(struct wire_writer *w, const struct slot_msg *m)
{
	proto_link_open_encode(w, m->slot);
}

static int
dec_open(struct wire_reader *r, struct slot_msg *m)
{
	return proto_link_open_decode(r, m->slot);
}

static void
enc_blob(struct wire_writer *w, const struct blob_msg *m)
{
	wire_put_vec16(w, m->blob, m->len);
}

static int
dec_blob(struct wire_reader *r, struct blob_msg *m)
{
	return proto_link_blob_decode(r, &m->blob, &m->len);
}

/* The bytes of a LINK_PUT body. */
static uint8_t *
put_bytes(const struct proto_link_put *m, size_t *n)
{
	struct wire_writer w;

	wire_writer_init(&w, 1 << 20);
	proto_link_put_encode(&w, m);
	return finish(&w, n);
}

static uint8_t *
get_bytes(const struct proto_link_get *m, size_t *n)
{
	struct wire_writer w;

	wire_writer_init(&w, 64);
	proto_link_get_encode(&w, m);
	return finish(&w, n);
}

/* Every proper prefix of p[n] is ERR_SHORT and leaves m zeroed. */
static void
put_truncations(const uint8_t *p, size_t n)
{
	static const struct proto_link_put zero;
	struct proto_link_put m;
	struct wire_reader r;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&m, 0xA5, sizeof(m));
		wire_reader_init(&r, p, i);
		assert_err(proto_link_put_decode(&r, &m), ERR_SHORT);
		assert_memory_equal(&m, &zero, sizeof(m));
	}
}

static void
test_link_open(void **state)
{
	static const uint8_t zero[PROTO_LINK_SLOT_LEN];
	struct slot_msg m, m2;
	struct wire_reader r;
	uint8_t buf[PROTO_LINK_SLOT_LEN + 1];
	size_t i;

	(void)state;
	fill(m.slot, sizeof(m.slot), 50);
	ROUND_TRIP(0, enc_open, dec_open, m, m2);
	assert_memory_equal(m.slot, m2.slot, sizeof(m.slot));
	/* The body is the slot and nothing else. */
	memcpy(buf, m.slot, sizeof(m.slot));
	buf[PROTO_LINK_SLOT_LEN] = 0;
	for (i = 0; i < PROTO_LINK_SLOT_LEN; i++) {
		memset(m2.slot, 0xA5, sizeof(m2.slot));
		wire_reader_init(&r, buf, i);
		assert_err(proto_link_open_decode(&r, m2.slot), ERR_SHORT);
		assert_memory_equal(m2.slot, zero, sizeof(zero));
	}
	memset(m2.slot, 0xA5, sizeof(m2.slot));
	wire_reader_init(&r, buf, sizeof(buf));
	assert_err(proto_link_open_decode(&r, m2.slot), ERR_TRAILING);
	assert_memory_equal(m2.slot, zero, sizeof(zero));
}

static void
test_link_put(void **state)
{
	static const struct proto_link_put zero;
	static uint8_t blob[PROTO_MAX_LINK_BLOB + 1];
	struct proto_link_put m, m2;
	struct wire_reader r;
	uint8_t *p, *q;
	size_t n;

	(void)state;
	fill(blob, sizeof(blob), 51);
	memset(&m, 0, sizeof(m));
	fill(m.slot, sizeof(m.slot), 52);
	m.part = PROTO_LINK_REQUEST;
	m.blob = blob;
	m.len = 100;
	ROUND_TRIP(0, proto_link_put_encode, proto_link_put_decode, m, m2);
	/* The layout: slot || part || u16 length || blob, viewed in place. */
	p = put_bytes(&m, &n);
	assert_int_equal(n, PROTO_LINK_SLOT_LEN + 1 + 2 + 100);
	assert_memory_equal(p, m.slot, PROTO_LINK_SLOT_LEN);
	assert_int_equal(p[8], 1);
	assert_int_equal(p[9], 0);
	assert_int_equal(p[10], 100);
	wire_reader_init(&r, p, n);
	assert_ok(proto_link_put_decode(&r, &m2));
	assert_memory_equal(m2.slot, m.slot, sizeof(m.slot));
	assert_int_equal(m2.part, PROTO_LINK_REQUEST);
	assert_int_equal(m2.len, 100);
	assert_ptr_equal(m2.blob, p + 11);
	assert_memory_equal(m2.blob, blob, 100);
	put_truncations(p, n);
	/* One trailing byte. */
	q = malloc(n + 1);
	assert_non_null(q);
	memcpy(q, p, n);
	q[n] = 0;
	wire_reader_init(&r, q, n + 1);
	assert_err(proto_link_put_decode(&r, &m2), ERR_TRAILING);
	assert_memory_equal(&m2, &zero, sizeof(m2));
	free(q);
	mem_wipe_free(p, n);
}

static void
test_link_put_limits(void **state)
{
	static const struct proto_link_put zero;
	static const uint8_t bad_part[] = { 0, 3, 0x81, 0xFF };
	static uint8_t blob[PROTO_MAX_LINK_BLOB + 1];
	struct proto_link_put m, m2;
	struct wire_reader r;
	uint8_t *p;
	size_t n, i;

	(void)state;
	memset(&m, 0, sizeof(m));
	fill(m.slot, sizeof(m.slot), 55);
	m.blob = blob;
	/* The response part and a blob of exactly the limit. */
	m.part = PROTO_LINK_RESPONSE;
	m.len = PROTO_MAX_LINK_BLOB;
	p = put_bytes(&m, &n);
	wire_reader_init(&r, p, n);
	assert_ok(proto_link_put_decode(&r, &m2));
	assert_int_equal(m2.part, PROTO_LINK_RESPONSE);
	assert_int_equal(m2.len, PROTO_MAX_LINK_BLOB);
	mem_wipe_free(p, n);
	/* One byte over: refused before the bytes are read. */
	m.len = PROTO_MAX_LINK_BLOB + 1;
	p = put_bytes(&m, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_link_put_decode(&r, &m2), ERR_TOO_LONG);
	assert_memory_equal(&m2, &zero, sizeof(m2));
	mem_wipe_free(p, n);
	/* An empty blob, and parts other than 1 and 2. */
	m.len = 0;
	p = put_bytes(&m, &n);
	wire_reader_init(&r, p, n);
	assert_err(proto_link_put_decode(&r, &m2), ERR_INVALID);
	assert_memory_equal(&m2, &zero, sizeof(m2));
	mem_wipe_free(p, n);
	m.len = 5;
	for (i = 0; i < sizeof(bad_part); i++) {
		m.part = bad_part[i];
		p = put_bytes(&m, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_link_put_decode(&r, &m2), ERR_INVALID);
		assert_memory_equal(&m2, &zero, sizeof(m2));
		mem_wipe_free(p, n);
	}
}

static void
test_link_get(void **state)
{
	static const struct proto_link_get zero;
	static const uint8_t bad_part[] = { 0, 3, 0xFF };
	static const uint32_t bad_wait[] = { PROTO_MAX_WAIT_MS + 1,
		0x80000000U, 0xFFFFFFFFU };
	struct proto_link_get m, m2;
	struct wire_reader r;
	uint8_t *p;
	size_t n, i;

	(void)state;
	memset(&m, 0, sizeof(m));
	fill(m.slot, sizeof(m.slot), 53);
	m.part = PROTO_LINK_RESPONSE;
	m.wait_ms = PROTO_MAX_WAIT_MS;
	ROUND_TRIP(0, proto_link_get_encode, proto_link_get_decode, m, m2);
	assert_memory_equal(&m, &m2, sizeof(m));
	p = get_bytes(&m, &n);
	assert_int_equal(n, PROTO_LINK_SLOT_LEN + 1 + 4);
	for (i = 0; i < n; i++) {
		memset(&m2, 0xA5, sizeof(m2));
		wire_reader_init(&r, p, i);
		assert_err(proto_link_get_decode(&r, &m2), ERR_SHORT);
		assert_memory_equal(&m2, &zero, sizeof(m2));
	}
	mem_wipe_free(p, n);
	m.part = PROTO_LINK_REQUEST;
	m.wait_ms = 0;
	ROUND_TRIP(0, proto_link_get_encode, proto_link_get_decode, m, m2);
	assert_memory_equal(&m, &m2, sizeof(m));
	for (i = 0; i < sizeof(bad_wait) / sizeof(bad_wait[0]); i++) {
		m.wait_ms = bad_wait[i];
		p = get_bytes(&m, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_link_get_decode(&r, &m2), ERR_INVALID);
		assert_memory_equal(&m2, &zero, sizeof(m2));
		mem_wipe_free(p, n);
	}
	m.wait_ms = 10;
	for (i = 0; i < sizeof(bad_part); i++) {
		m.part = bad_part[i];
		p = get_bytes(&m, &n);
		wire_reader_init(&r, p, n);
		assert_err(proto_link_get_decode(&r, &m2), ERR_INVALID);
		assert_memory_equal(&m2, &zero, sizeof(m2));
		mem_wipe_free(p, n);
	}
}

static void
test_link_blob(void **state)
{
	static uint8_t blob[PROTO_MAX_LINK_BLOB + 1];
	struct blob_msg m, m2;
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *p;
	size_t n, i;

	(void)state;
	fill(blob, sizeof(blob), 54);
	m.blob = blob;
	m.len = 33;
	ROUND_TRIP(0, enc_blob, dec_blob, m, m2);
	assert_int_equal(m2.len, 33);
	/* (m2.blob viewed the buffer the macro freed.) */
	wire_writer_init(&w, 4096);
	enc_blob(&w, &m);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_ok(dec_blob(&r, &m2));
	assert_ptr_equal(m2.blob, p + 2);
	assert_memory_equal(m2.blob, blob, 33);
	mem_wipe_free(p, n);
	/* Empty: the part is not set yet. */
	m.len = 0;
	ROUND_TRIP(0, enc_blob, dec_blob, m, m2);
	assert_int_equal(m2.len, 0);
	m.len = PROTO_MAX_LINK_BLOB;
	ROUND_TRIP(0, enc_blob, dec_blob, m, m2);
	assert_int_equal(m2.len, PROTO_MAX_LINK_BLOB);
	/* Truncations are ERR_SHORT with the view cleared; one byte over
	 * the limit is ERR_TOO_LONG. */
	wire_writer_init(&w, 4096);
	wire_put_vec16(&w, blob, 10);
	p = finish(&w, &n);
	for (i = 0; i < n; i++) {
		m2.blob = blob;
		m2.len = 99;
		wire_reader_init(&r, p, i);
		assert_err(dec_blob(&r, &m2), ERR_SHORT);
		assert_null(m2.blob);
		assert_int_equal(m2.len, 0);
	}
	mem_wipe_free(p, n);
	wire_writer_init(&w, 4096);
	wire_put_vec16(&w, blob, PROTO_MAX_LINK_BLOB + 1);
	p = finish(&w, &n);
	wire_reader_init(&r, p, n);
	assert_err(dec_blob(&r, &m2), ERR_TOO_LONG);
	assert_null(m2.blob);
	assert_int_equal(m2.len, 0);
	mem_wipe_free(p, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_error),
		cmocka_unit_test(test_user_valid),
		cmocka_unit_test(test_challenge_auth),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_join_limits),
		cmocka_unit_test(test_small_bodies),
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_device_and_count),
		cmocka_unit_test(test_tbs),
		cmocka_unit_test(test_relay_bodies),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_link_open),
		cmocka_unit_test(test_link_put),
		cmocka_unit_test(test_link_put_limits),
		cmocka_unit_test(test_link_get),
		cmocka_unit_test(test_link_blob),
		cmocka_unit_test(test_entry_expected_hash),
		cmocka_unit_test(test_fetch_reply),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
