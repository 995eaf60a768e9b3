/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Speed of the crypto/ operations a message costs: ratchet encrypt+decrypt
 * pairs, X3DH on each side, envelope seal/open, ratchet state save/restore. */

/*
 * Output: one JSON object per line on stdout and nothing else; errors go to
 * stderr and exit 1. Every line has "impl":"sealpost" so that lines from
 * other implementations can be added to the same output for ratios.
 *
 *   ratchet_pair   mode steady (Alice sends, Bob receives: one chain) or
 *                  dh_step (directions alternate, so every message carries
 *                  a new DH ratchet step); size = plaintext bytes (100 or
 *                  16384; note 16384 pads to the 17408-byte bucket).
 *   x3dh_initiate  x3dh_initiate, bundle signature checks included.
 *   x3dh_respond   x3dh_respond.
 *   envelope_seal, envelope_open   size = content bytes (256).
 *   ratchet_state  mode encode_decode: ratchet_encode, ratchet_decode and
 *                  freeing both; size = encoded state bytes.
 *
 * Method (bench/bench.h): warm up while doubling the batch, size the batch N
 * so that a round takes ~30 ms, then time 15 rounds of N operations with
 * CLOCK_MONOTONIC and report the per-operation median, min and max.
 *
 * SEALPOST_BENCH_QUICK=1 in the environment cuts this to 3 rounds of ~1 ms
 * with almost no warm-up: a smoke test of the code paths, not a measurement.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/err.h"
#include "common/mem.h"
#include "crypto/envelope.h"
#include "crypto/keys.h"
#include "crypto/ratchet.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

#define IMPL "sealpost"
#define SMALL_LEN 100
#define LARGE_LEN 16384
#define CONTENT_LEN 256
#define SENDER_USER "alice"
#define SENDER_DEVICE 1U
#define SPK_ID 1U

/* Alice and Bob's long-term keys and Bob's published bundle. */
struct peers {
	struct identity_key *alice;
	struct identity_key *bob;
	struct x25519_keypair bob_spk;
	struct x3dh_bundle bundle;
};

/* A session between Alice (a, the initiator) and Bob (b). */
struct pair {
	struct ratchet_session *a;
	struct ratchet_session *b;
};

static void
peers_init(struct peers *p)
{
	memset(p, 0, sizeof(*p));
	bench_check(identity_new(&rng_system, &p->alice), "identity_new");
	bench_check(identity_new(&rng_system, &p->bob), "identity_new");
	x25519_keypair_generate(&rng_system, &p->bob_spk);
	memcpy(p->bundle.ik, p->bob->ed_pk, KEY_LEN);
	p->bundle.spk_id = SPK_ID;
	memcpy(p->bundle.spk, p->bob_spk.pk, KEY_LEN);
	prekey_sign(p->bob, PREKEY_SIGNED, SPK_ID, p->bob_spk.pk,
	    p->bundle.spk_sig);
	p->bundle.opk_kind = X3DH_OPK_NONE;
}

static void
peers_wipe(struct peers *p)
{
	identity_free(p->alice);
	identity_free(p->bob);
	x25519_keypair_wipe(&p->bob_spk);
	memset(p, 0, sizeof(*p));
}

/* Encrypts len bytes of pt with from, decrypts with to and checks the
 * length; the contents too if verify. */
static void
transfer(struct ratchet_session *from, struct ratchet_session *to,
    const uint8_t *pt, size_t len, int verify)
{
	uint8_t *msg = NULL, *out = NULL;
	size_t msg_len = 0, out_len = 0;

	bench_check(ratchet_encrypt(from, &rng_system, pt, len, &msg, &msg_len),
	    "ratchet_encrypt");
	bench_check(ratchet_decrypt(to, &rng_system, msg, msg_len, &out, &out_len),
	    "ratchet_decrypt");
	if (out_len != len || (verify && memcmp(out, pt, len) != 0)) {
		bench_die("ratchet_decrypt: plaintext differs");
	}
	mem_wipe_free(msg, msg_len);
	mem_wipe_free(out, out_len);
}

/* X3DH without a one-time prekey, both ratchets, and Alice's first message
 * to Bob, without which Bob cannot send. */
static void
pair_open(const struct peers *p, struct pair *s)
{
	static const uint8_t hello[] = "hello";
	struct x3dh_header hdr;
	struct x3dh_output xa, xb;

	bench_check(x3dh_initiate(&rng_system, p->alice, &p->bundle, &hdr, &xa),
	    "x3dh_initiate");
	bench_check(x3dh_respond(p->bob, p->bob_spk.sk, NULL, &hdr, &xb),
	    "x3dh_respond");
	if (sodium_memcmp(xa.sk, xb.sk, KEY_LEN) != 0) {
		bench_die("x3dh: the two sides disagree");
	}
	bench_check(ratchet_init_initiator(&rng_system, &xa, p->bundle.spk, &s->a),
	    "ratchet_init_initiator");
	bench_check(ratchet_init_responder(&xb, &p->bob_spk, &s->b),
	    "ratchet_init_responder");
	x3dh_output_wipe(&xa);
	x3dh_output_wipe(&xb);
	transfer(s->a, s->b, hello, sizeof(hello), 1);
}

static void
pair_close(struct pair *s)
{
	ratchet_free(s->a);
	ratchet_free(s->b);
	s->a = s->b = NULL;
}

struct ratchet_ctx {
	struct pair s;
	const uint8_t *pt;
	size_t len;
	int dh_step;
	int bob_next; /* dh_step: Bob sends the next message */
};

static void
run_ratchet_pair(void *arg, size_t n)
{
	struct ratchet_ctx *c = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		/* Contents checked once per batch, lengths always. */
		if (c->bob_next) {
			transfer(c->s.b, c->s.a, c->pt, c->len, i + 1 == n);
		} else {
			transfer(c->s.a, c->s.b, c->pt, c->len, i + 1 == n);
		}
		if (c->dh_step) {
			c->bob_next = !c->bob_next;
		}
	}
}

static void
bench_ratchet(const struct bench_config *cfg, const struct peers *p)
{
	static const size_t sizes[] = { SMALL_LEN, LARGE_LEN };
	struct ratchet_ctx c;
	uint8_t *pt;
	size_t i;
	int dh;

	if ((pt = mem_alloc(LARGE_LEN)) == NULL) {
		bench_die("out of memory");
	}
	randombytes_buf(pt, LARGE_LEN);
	for (dh = 0; dh <= 1; dh++) {
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			memset(&c, 0, sizeof(c));
			pair_open(p, &c.s);
			c.pt = pt;
			c.len = sizes[i];
			c.dh_step = dh;
			/* Alice sent last (pair_open): Bob's reply steps. */
			c.bob_next = dh;
			bench_case(cfg, run_ratchet_pair, &c, "ratchet_pair",
			    IMPL, dh ? "dh_step" : "steady", c.len);
			pair_close(&c.s);
		}
	}
	mem_wipe_free(pt, LARGE_LEN);
}

struct x3dh_ctx {
	const struct peers *p;
	struct x3dh_header hdr;     /* for the responder */
	uint8_t expect_sk[KEY_LEN]; /* what the responder must derive */
};

static void
run_x3dh_initiate(void *arg, size_t n)
{
	struct x3dh_ctx *c = arg;
	struct x3dh_header hdr;
	struct x3dh_output out;
	size_t i;

	for (i = 0; i < n; i++) {
		bench_check(x3dh_initiate(&rng_system, c->p->alice, &c->p->bundle,
			  &hdr, &out),
		    "x3dh_initiate");
		x3dh_output_wipe(&out);
	}
}

static void
run_x3dh_respond(void *arg, size_t n)
{
	struct x3dh_ctx *c = arg;
	struct x3dh_output out;
	size_t i;

	for (i = 0; i < n; i++) {
		bench_check(x3dh_respond(c->p->bob, c->p->bob_spk.sk, NULL, &c->hdr,
			  &out),
		    "x3dh_respond");
		if (i + 1 == n &&
		    sodium_memcmp(out.sk, c->expect_sk, KEY_LEN) != 0) {
			bench_die("x3dh_respond: wrong shared secret");
		}
		x3dh_output_wipe(&out);
	}
}

static void
bench_x3dh(const struct bench_config *cfg, const struct peers *p)
{
	struct x3dh_ctx c;
	struct x3dh_output out;

	memset(&c, 0, sizeof(c));
	c.p = p;
	bench_check(x3dh_initiate(&rng_system, p->alice, &p->bundle, &c.hdr, &out),
	    "x3dh_initiate");
	memcpy(c.expect_sk, out.sk, KEY_LEN);
	x3dh_output_wipe(&out);
	bench_case(cfg, run_x3dh_initiate, &c, "x3dh_initiate", IMPL, NULL, 0);
	bench_case(cfg, run_x3dh_respond, &c, "x3dh_respond", IMPL, NULL, 0);
	sodium_memzero(c.expect_sk, sizeof(c.expect_sk));
}

struct envelope_ctx {
	const struct peers *p;
	uint8_t content[CONTENT_LEN];
	uint8_t *env; /* one sealed envelope, for open */
	size_t env_len;
};

static void
seal(const struct envelope_ctx *c, uint8_t **out, size_t *out_len)
{
	bench_check(envelope_seal(&rng_system, c->p->alice, SENDER_USER,
		  SENDER_DEVICE, c->p->bob->ed_pk, ENVELOPE_RATCHET,
		  c->content, sizeof(c->content), out, out_len),
	    "envelope_seal");
}

static void
run_envelope_seal(void *arg, size_t n)
{
	struct envelope_ctx *c = arg;
	uint8_t *env;
	size_t env_len, i;

	for (i = 0; i < n; i++) {
		seal(c, &env, &env_len);
		mem_wipe_free(env, env_len);
	}
}

/* Checks everything open returned: content, type and sender. */
static void
check_opened(const struct envelope_ctx *c, const struct envelope_sender *s,
    uint8_t type, const uint8_t *content, size_t len)
{
	if (type != ENVELOPE_RATCHET || len != sizeof(c->content) ||
	    memcmp(content, c->content, len) != 0 ||
	    strcmp(s->user, SENDER_USER) != 0 ||
	    s->device_id != SENDER_DEVICE ||
	    sodium_memcmp(s->ik, c->p->alice->ed_pk, KEY_LEN) != 0) {
		bench_die("envelope_open: wrong content or sender");
	}
}

static void
run_envelope_open(void *arg, size_t n)
{
	struct envelope_ctx *c = arg;
	struct envelope_sender sender;
	uint8_t type, *content;
	size_t len, i;

	for (i = 0; i < n; i++) {
		bench_check(envelope_open(c->p->bob, c->env, c->env_len, &sender,
			  &type, &content, &len),
		    "envelope_open");
		if (i + 1 == n) {
			check_opened(c, &sender, type, content, len);
		}
		mem_wipe_free(content, len);
	}
}

static void
bench_envelope(const struct bench_config *cfg, const struct peers *p)
{
	struct envelope_ctx c;

	memset(&c, 0, sizeof(c));
	c.p = p;
	randombytes_buf(c.content, sizeof(c.content));
	seal(&c, &c.env, &c.env_len);
	bench_case(cfg, run_envelope_seal, &c, "envelope_seal", IMPL, NULL,
	    sizeof(c.content));
	bench_case(cfg, run_envelope_open, &c, "envelope_open", IMPL, NULL,
	    sizeof(c.content));
	mem_wipe_free(c.env, c.env_len);
	sodium_memzero(c.content, sizeof(c.content));
}

struct state_ctx {
	const struct ratchet_session *s;
};

static void
run_ratchet_state(void *arg, size_t n)
{
	struct state_ctx *c = arg;
	struct ratchet_session *s;
	uint8_t *blob;
	size_t len, i;

	for (i = 0; i < n; i++) {
		bench_check(ratchet_encode(c->s, &blob, &len), "ratchet_encode");
		bench_check(ratchet_decode(blob, len, &s), "ratchet_decode");
		ratchet_free(s);
		mem_wipe_free(blob, len);
	}
}

/* Alice's state once each side has sent a message: both chains present,
 * no skipped keys. Checked once to round-trip exactly. */
static void
bench_state(const struct bench_config *cfg, const struct peers *p)
{
	static const uint8_t reply[] = "reply";
	struct state_ctx c;
	struct pair s;
	struct ratchet_session *copy;
	uint8_t *a, *b;
	size_t a_len, b_len;

	pair_open(p, &s);
	transfer(s.b, s.a, reply, sizeof(reply), 1);
	bench_check(ratchet_encode(s.a, &a, &a_len), "ratchet_encode");
	bench_check(ratchet_decode(a, a_len, &copy), "ratchet_decode");
	bench_check(ratchet_encode(copy, &b, &b_len), "ratchet_encode");
	if (a_len != b_len || sodium_memcmp(a, b, a_len) != 0) {
		bench_die("ratchet_decode: state does not round-trip");
	}
	ratchet_free(copy);
	mem_wipe_free(b, b_len);
	mem_wipe_free(a, a_len);
	c.s = s.a;
	bench_case(cfg, run_ratchet_state, &c, "ratchet_state", IMPL,
	    "encode_decode", a_len);
	pair_close(&s);
}

int
main(void)
{
	struct bench_config cfg;
	struct peers p;

	bench_name = "bench_crypto";
	if (sodium_init() < 0) {
		fprintf(stderr, "bench_crypto: sodium_init failed\n");
		return 1;
	}
	bench_config_init(&cfg);
	peers_init(&p);
	bench_ratchet(&cfg, &p);
	bench_x3dh(&cfg, &p);
	bench_envelope(&cfg, &p);
	bench_state(&cfg, &p);
	peers_wipe(&p);
	return 0;
}
