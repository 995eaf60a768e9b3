/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Writes the seed corpus of every fuzz target (gen_corpus DIR), built from
 * the fixed fixtures of fuzz.h, so the seeds are valid inputs that reach
 * deep into each decoder. Output is deterministic. */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "client-cli/cli_payload.h"
#include "common/proto.h"
#include "common/wire.h"
#include "crypto/envelope.h"
#include "crypto/pad.h"
#include "tests/fuzz/fuzz.h"

/* Unused here: gen_corpus links no target. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}

static void
put(const char *dir, const char *target, const char *name, const uint8_t *p,
    size_t n)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	FUZZ_CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	FUZZ_CHECK((fp = fopen(path, "wb")) != NULL);
	FUZZ_CHECK(n == 0 || fwrite(p, 1, n, fp) == n);
	FUZZ_CHECK(fclose(fp) == 0);
}

static void
put_state(const char *dir, const char *name, struct ratchet_session *s)
{
	uint8_t *blob;
	size_t len;

	FUZZ_CHECK(ratchet_encode(s, &blob, &len) == 0);
	put(dir, "ratchet_state", name, blob, len);
	mem_wipe_free(blob, len);
}

/* Alice's messages 0..4 to a fresh Bob: seeds for decryption (n = 0, a
 * skip to n = 3, a large one) and Bob's states with skipped keys. */
static void
ratchet_seeds(const char *dir, struct fuzz_fixture *f)
{
	static const char *names[] = { "msg0", "msg1", "msg2", "msg3",
		"msg4-large" };
	uint8_t pt[3000], *m[5], *out;
	size_t mlen[5], olen, i;

	memset(pt, 'x', sizeof(pt));
	put_state(dir, "initiator", f->a);
	put_state(dir, "responder-fresh", f->b);
	for (i = 0; i < 5; i++) {
		FUZZ_CHECK(ratchet_encrypt(f->a, &f->rng.rng, pt,
			       i == 4 ? sizeof(pt) : 5 + i, &m[i],
			       &mlen[i]) == 0);
		put(dir, "ratchet_decrypt", names[i], m[i], mlen[i]);
	}
	/* Bob gets 3 first: keys 0..2 are skipped and kept. */
	FUZZ_CHECK(ratchet_decrypt(f->b, &f->rng.rng, m[3], mlen[3], &out,
		       &olen) == 0);
	mem_wipe_free(out, olen);
	put_state(dir, "responder-skipped", f->b);
	for (i = 0; i < 5; i++) {
		mem_wipe_free(m[i], mlen[i]);
	}
}

static void
envelope_seeds(const char *dir, struct fuzz_fixture *f)
{
	static const uint8_t body[] = "a sealed hello";
	uint8_t *env;
	size_t len;

	FUZZ_CHECK(envelope_seal(&f->rng.rng, f->alice, "alice", 7,
		       f->bob->ed_pk, ENVELOPE_RATCHET, body, sizeof(body),
		       &env, &len) == 0);
	put(dir, "envelope_open", "ratchet", env, len);
	mem_wipe_free(env, len);
	FUZZ_CHECK(envelope_seal(&f->rng.rng, f->alice, "a", 1, f->bob->ed_pk,
		       ENVELOPE_PREKEY, NULL, 0, &env, &len) == 0);
	put(dir, "envelope_open", "prekey-empty", env, len);
	mem_wipe_free(env, len);
}

static void
small_seeds(const char *dir, struct fuzz_fixture *f)
{
	static const size_t lens[] = { 0, 10, 63, 64, 300 };
	uint8_t buf[512], secret[IDENTITY_SECRET_LEN], *out;
	char name[32];
	struct wire_writer w;
	size_t len, i;

	wire_writer_init(&w, 1024);
	x3dh_header_encode(&w, &f->hdr);
	FUZZ_CHECK(wire_writer_finish(&w, &out, &len) == 0);
	put(dir, "x3dh_header", "no-opk", out, len);
	mem_wipe_free(out, len);
	memset(buf, 0x41, sizeof(buf));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		FUZZ_CHECK(pad_apply(buf, sizeof(buf), &len, buf, lens[i]) ==
		    0);
		snprintf(name, sizeof(name), "len%zu", lens[i]);
		put(dir, "pad", name, buf, len);
		memset(buf, 0x41, sizeof(buf));
	}
	identity_encode_secret(f->alice, secret);
	put(dir, "identity_secret", "alice", secret, sizeof(secret));
	sodium_memzero(secret, sizeof(secret));
}

/* Writes the frame in w as corpus file name of the proto target. */
static void
put_frame(const char *dir, const char *name, struct wire_writer *w)
{
	uint8_t *out;
	size_t len;

	FUZZ_CHECK(wire_writer_finish(w, &out, &len) == 0);
	put(dir, "proto", name, out, len);
	mem_wipe_free(out, len);
}

static void
relay_seeds(const char *dir)
{
	static const uint8_t ids[2 * PROTO_ID_LEN] = { 1, 2, 3 };
	static const uint8_t env[] = "sealed bytes";
	struct proto_send_item it;
	struct proto_fetch fe;
	struct proto_entry e;
	struct wire_writer w;

	memset(&it, 0, sizeof(it));
	it.device_id = 2;
	it.env = env;
	it.len = sizeof(env);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_SEND);
	wire_put_u16(&w, 1);
	proto_user_encode(&w, "bob");
	wire_put_u16(&w, 1);
	proto_send_item_encode(&w, &it);
	put_frame(dir, "send", &w);
	fe.max_count = 100;
	fe.max_bytes = 65536;
	fe.wait_ms = 1000;
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_FETCH);
	proto_fetch_encode(&w, &fe);
	put_frame(dir, "fetch", &w);
	memset(&e, 0, sizeof(e));
	e.seq = 1;
	e.env = env;
	e.len = sizeof(env);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_FETCH | PROTO_REPLY);
	wire_put_u16(&w, 1);
	proto_entry_encode(&w, &e);
	put_frame(dir, "fetch-reply", &w);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_ACK);
	proto_ack_encode(&w, ids, 2);
	put_frame(dir, "ack", &w);
}

static void
link_seeds(const char *dir)
{
	static const uint8_t slot[PROTO_LINK_SLOT_LEN] = { 0x5a, 1, 2, 3, 4,
		5, 6, 7 };
	static const uint8_t blob[] = "a MACed link request";
	struct proto_link_put p;
	struct proto_link_get g;
	struct wire_writer w;

	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_LINK_OPEN);
	proto_link_open_encode(&w, slot);
	put_frame(dir, "link-open", &w);
	memset(&p, 0, sizeof(p));
	memcpy(p.slot, slot, sizeof(slot));
	p.part = PROTO_LINK_REQUEST;
	p.blob = blob;
	p.len = sizeof(blob);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_LINK_PUT);
	proto_link_put_encode(&w, &p);
	put_frame(dir, "link-put", &w);
	memset(&g, 0, sizeof(g));
	memcpy(g.slot, slot, sizeof(slot));
	g.part = PROTO_LINK_RESPONSE;
	g.wait_ms = 20000;
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_LINK_GET);
	proto_link_get_encode(&w, &g);
	put_frame(dir, "link-get", &w);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_LINK_GET | PROTO_REPLY);
	wire_put_vec16(&w, blob, sizeof(blob));
	put_frame(dir, "link-get-reply", &w);
}

static void
proto_seeds(const char *dir, struct fuzz_fixture *f)
{
	static const uint8_t opk[2 * 36] = { 0, 0, 0, 1 };
	struct proto_challenge c;
	struct proto_auth a;
	struct proto_join j;
	struct wire_writer w;

	memset(&c, 0, sizeof(c));
	strcpy(c.server_id, "keys.example.org");
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_CHALLENGE | PROTO_REPLY);
	proto_challenge_encode(&w, &c);
	put_frame(dir, "challenge-reply", &w);
	memset(&a, 0, sizeof(a));
	strcpy(a.user, "alice");
	a.device_id = 1;
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_AUTH);
	proto_auth_encode(&w, &a);
	put_frame(dir, "auth", &w);
	memset(&j, 0, sizeof(j));
	strcpy(j.invite, "token");
	strcpy(j.user, "alice");
	memcpy(j.dev.ik, f->alice->ed_pk, KEY_LEN);
	j.dev.opks.p = opk;
	j.dev.opks.n = 2;
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_REGISTER);
	proto_join_encode(&w, &j, 0);
	put_frame(dir, "register", &w);
	j.dev.approver = 1;
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_LINK);
	proto_join_encode(&w, &j, 1);
	put_frame(dir, "link", &w);
	wire_writer_init(&w, 4096);
	proto_frame_begin(&w, PROTO_CLAIM);
	proto_user_encode(&w, "bob");
	put_frame(dir, "claim", &w);
	link_seeds(dir);
	relay_seeds(dir);
}

/* Client payloads: a text, a sync copy, an empty and a longer body. */
static void
payload_seeds(const char *dir)
{
	static const char *names[] = { "text", "sync", "empty", "long" };
	static uint8_t body[2000];
	struct cli_payload p;
	uint8_t *out;
	size_t n, i;

	memset(body, 'x', sizeof(body));
	for (i = 0; i < 4; i++) {
		memset(&p, 0, sizeof(p));
		p.kind = i == 1 ? CLI_PAYLOAD_SYNC : CLI_PAYLOAD_TEXT;
		memset(p.id, (int)(0x10 + i), sizeof(p.id));
		p.sent_ms = 1796576637437 + (int64_t)i;
		if (i == 1) {
			memcpy(p.peer, "bob", 4);
		}
		p.body = body;
		p.len = i == 2 ? 0 : i == 3 ? sizeof(body) : 12;
		FUZZ_CHECK(cli_payload_encode(&p, &out, &n) == 0);
		put(dir, "payload", names[i], out, n);
		mem_wipe_free(out, n);
	}
}

int
main(int argc, char **argv)
{
	struct fuzz_fixture f;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	FUZZ_CHECK(mkdir(argv[1], 0755) == 0 || errno == EEXIST);
	fuzz_fixture_init(&f);
	small_seeds(argv[1], &f);
	proto_seeds(argv[1], &f);
	envelope_seeds(argv[1], &f);
	ratchet_seeds(argv[1], &f);
	payload_seeds(argv[1]);
	fuzz_fixture_wipe(&f);
	return 0;
}
