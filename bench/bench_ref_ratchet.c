/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Per-message cost of Sealpost's ratchet against libolm 3.2.13 and
 * libsignal-protocol-c 2.3.3 sessions, measured in the same process. */

/*
 * Output: one JSON object per line on stdout; errors go to stderr and exit
 * 1. For each mode and size, three lines
 *   {"bench":"ratchet_pair_ref","impl":"sealpost"|"libolm"|"libsignal",
 *    "mode":...,"size":...,"median_ns":...,"min_ns":...,"max_ns":...,...}
 * then {"bench":"ratchet_ratio","mode":...,"size":...,"sealpost_ns":...,
 * "libolm_ns":...,"libsignal_ns":...,"speedup_vs_fastest_ref":...}, the
 * speedup being the faster reference's median over Sealpost's.
 *
 * One operation is one message: encrypt, hand over the bytes, decrypt, with
 * the plaintext length checked every time and its contents once per batch.
 * mode steady: Alice sends, Bob receives, one chain. mode dh_step: the
 * direction alternates, so every message starts a DH ratchet step. Each
 * session is set up (first message and a reply) before timing, so no
 * prekey message is timed. size = plaintext bytes: 100, 1024, 16384.
 *
 * What differs per message, beyond the ratchet itself:
 *   - Sealpost pads (16384 bytes go out as a 17408-byte bucket) and
 *     encrypts a header; keys are X25519 in libsodium.
 *   - libolm encodes every message in base64; its X25519 and AES are its
 *     own portable C.
 *   - libsignal loads and stores the session record (protobuf) around
 *     every encrypt and decrypt, through the minimal in-memory stores
 *     below; its AES and HMAC run on OpenSSL (tests/interop/
 *     signal_provider.c), its X25519 on its own bundled C.
 * Randomness: the system RNG for all three.
 *
 * Method (bench/bench.h): warm up while doubling the batch, size the batch
 * to ~30 ms, time 15 rounds; median, min, max per message.
 * SEALPOST_BENCH_QUICK=1: 3 rounds of ~1 ms, a smoke test only.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <key_helper.h>
#include <olm/olm.h>
#include <protocol.h>
#include <session_builder.h>
#include <session_cipher.h>
#include <session_pre_key.h>
#include <signal_protocol.h>

#include "bench/bench.h"
#include "common/err.h"
#include "common/mem.h"
#include "crypto/keys.h"
#include "crypto/ratchet.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"
#include "tests/interop/signal_provider.h"

#define BENCH "ratchet_pair_ref"
#define MAX_LEN 16384
#define NIMPL 3
#define SPK_ID 1U
#define OPK_ID 7U
#define B64_KEY_LEN 43

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		bench_die("out of memory");
	}
	return p;
}

/* A session between Alice and Bob in one implementation. transfer sends
 * len bytes of pt one way and checks what arrives (contents if verify). */
struct impl {
	const char *name;
	void *(*open)(void);
	void (*transfer)(void *pair, int bob_sends, const uint8_t *pt,
	    size_t len, int verify);
	void (*close)(void *pair);
};

static void
check_pt(const uint8_t *got, size_t got_len, const uint8_t *pt, size_t len,
    int verify, const char *impl)
{
	if (got_len != len || (verify && memcmp(got, pt, len) != 0)) {
		fprintf(stderr, "bench_ref: %s: plaintext differs\n", impl);
		exit(1);
	}
}

/* ------------------------------------------------------------ Sealpost */

struct sp_pair {
	struct ratchet_session *a, *b;
};

static void
sp_transfer(void *arg, int bob_sends, const uint8_t *pt, size_t len,
    int verify)
{
	struct sp_pair *p = arg;
	struct ratchet_session *from = bob_sends ? p->b : p->a;
	struct ratchet_session *to = bob_sends ? p->a : p->b;
	uint8_t *msg = NULL, *out = NULL;
	size_t msg_len = 0, out_len = 0;

	bench_check(ratchet_encrypt(from, &rng_system, pt, len, &msg, &msg_len),
	    "ratchet_encrypt");
	bench_check(ratchet_decrypt(to, &rng_system, msg, msg_len, &out, &out_len),
	    "ratchet_decrypt");
	check_pt(out, out_len, pt, len, verify, "sealpost");
	mem_wipe_free(msg, msg_len);
	mem_wipe_free(out, out_len);
}

/* X3DH (no one-time prekey), both ratchets, a message and a reply. */
static void *
sp_open(void)
{
	static const uint8_t hello[] = "hello";
	struct sp_pair *p = xmalloc(sizeof(*p));
	struct identity_key *alice = NULL, *bob = NULL;
	struct x25519_keypair spk;
	struct x3dh_bundle bundle;
	struct x3dh_header hdr;
	struct x3dh_output xa, xb;

	memset(&bundle, 0, sizeof(bundle));
	bench_check(identity_new(&rng_system, &alice), "identity_new");
	bench_check(identity_new(&rng_system, &bob), "identity_new");
	x25519_keypair_generate(&rng_system, &spk);
	memcpy(bundle.ik, bob->ed_pk, KEY_LEN);
	bundle.spk_id = SPK_ID;
	memcpy(bundle.spk, spk.pk, KEY_LEN);
	prekey_sign(bob, PREKEY_SIGNED, SPK_ID, spk.pk, bundle.spk_sig);
	bundle.opk_kind = X3DH_OPK_NONE;
	bench_check(x3dh_initiate(&rng_system, alice, &bundle, &hdr, &xa),
	    "x3dh_initiate");
	bench_check(x3dh_respond(bob, spk.sk, NULL, &hdr, &xb), "x3dh_respond");
	bench_check(ratchet_init_initiator(&rng_system, &xa, spk.pk, &p->a),
	    "ratchet_init_initiator");
	bench_check(ratchet_init_responder(&xb, &spk, &p->b),
	    "ratchet_init_responder");
	x3dh_output_wipe(&xa);
	x3dh_output_wipe(&xb);
	x25519_keypair_wipe(&spk);
	identity_free(alice);
	identity_free(bob);
	sp_transfer(p, 0, hello, sizeof(hello), 1);
	sp_transfer(p, 1, hello, sizeof(hello), 1);
	return p;
}

static void
sp_close(void *arg)
{
	struct sp_pair *p = arg;

	ratchet_free(p->a);
	ratchet_free(p->b);
	free(p);
}

/* -------------------------------------------------------------- libolm */

struct olm_pair {
	OlmAccount *acc_a, *acc_b;
	OlmSession *a, *b;
};

static void
olm_check(size_t r, const char *what, const char *err)
{
	if (r == olm_error()) {
		fprintf(stderr, "bench_ref: %s: %s\n", what, err);
		exit(1);
	}
}

/* Fresh randomness for olm, which takes all of it from the caller. */
static void *
olm_random(size_t n)
{
	void *p = xmalloc(n > 0 ? n : 1);

	randombytes_buf(p, n);
	return p;
}

/* Encrypts with from. *type gets the olm message type; the message is a
 * heap string of *len bytes. */
static char *
olm_seal(OlmSession *from, const uint8_t *pt, size_t len, size_t *type,
    size_t *msg_len)
{
	size_t rlen = olm_encrypt_random_length(from);
	void *rnd = olm_random(rlen);
	char *msg;

	*type = olm_encrypt_message_type(from);
	*msg_len = olm_encrypt_message_length(from, len);
	msg = xmalloc(*msg_len);
	olm_check(olm_encrypt(from, pt, len, rnd, rlen, msg, *msg_len),
	    "olm_encrypt", olm_session_last_error(from));
	sodium_memzero(rnd, rlen);
	free(rnd);
	return msg;
}

/* Decrypts msg (olm decodes it in place) and checks the plaintext. */
static void
olm_open_msg(OlmSession *to, size_t type, char *msg, size_t msg_len,
    const uint8_t *pt, size_t len, int verify)
{
	uint8_t *out = xmalloc(msg_len);
	size_t n = olm_decrypt(to, type, msg, msg_len, out, msg_len);

	olm_check(n, "olm_decrypt", olm_session_last_error(to));
	check_pt(out, n, pt, len, verify, "libolm");
	sodium_memzero(out, msg_len);
	free(out);
}

static void
olm_transfer(void *arg, int bob_sends, const uint8_t *pt, size_t len,
    int verify)
{
	struct olm_pair *p = arg;
	size_t type, msg_len;
	char *msg;

	msg = olm_seal(bob_sends ? p->b : p->a, pt, len, &type, &msg_len);
	olm_open_msg(bob_sends ? p->a : p->b, type, msg, msg_len, pt, len,
	    verify);
	free(msg);
}

static OlmAccount *
olm_account_new(void)
{
	OlmAccount *a = olm_account(xmalloc(olm_account_size()));
	size_t n = olm_create_account_random_length(a);
	void *rnd = olm_random(n);

	olm_check(olm_create_account(a, rnd, n), "olm_create_account",
	    olm_account_last_error(a));
	sodium_memzero(rnd, n);
	free(rnd);
	return a;
}

/* The last base64 key in an olm JSON object: the one-time key, or the
 * curve25519 identity key when name is "curve25519". */
static void
olm_json_key(char out[B64_KEY_LEN + 1], const char *json, const char *name)
{
	const char *p = strstr(json, name), *q;

	if (p == NULL) {
		bench_die("olm: key not found");
	}
	/* The value's opening quote, past {"id": for a one-time key. */
	q = strchr(p + strlen(name) + 1, '"');
	if (q != NULL && q[-1] == '{') {
		q = strchr(q + 1, '"'); /* {"id":"key"}: skip the id */
		q = q != NULL ? strchr(q + 1, '"') : NULL;
	}
	if (q == NULL || strlen(q + 1) < B64_KEY_LEN ||
	    q[1 + B64_KEY_LEN] != '"') {
		bench_die("olm: malformed key JSON");
	}
	memcpy(out, q + 1, B64_KEY_LEN);
	out[B64_KEY_LEN] = '\0';
}

/* Bob's identity and one-time keys as JSON text. */
static char *
olm_keys_json(OlmAccount *a, int one_time)
{
	size_t n = one_time ? olm_account_one_time_keys_length(a) :
			      olm_account_identity_keys_length(a);
	char *json = xmalloc(n + 1);

	olm_check(one_time ? olm_account_one_time_keys(a, json, n) :
			     olm_account_identity_keys(a, json, n),
	    "olm keys", olm_account_last_error(a));
	json[n] = '\0';
	return json;
}

static void *
olm_pair_open(void)
{
	static const uint8_t hello[] = "hello";
	struct olm_pair *p = xmalloc(sizeof(*p));
	char ik[B64_KEY_LEN + 1], otk[B64_KEY_LEN + 1], *json, *msg;
	size_t n, type, msg_len;
	void *rnd;

	p->acc_a = olm_account_new();
	p->acc_b = olm_account_new();
	n = olm_account_generate_one_time_keys_random_length(p->acc_b, 1);
	rnd = olm_random(n);
	olm_check(olm_account_generate_one_time_keys(p->acc_b, 1, rnd, n),
	    "olm one-time key", olm_account_last_error(p->acc_b));
	free(rnd);
	json = olm_keys_json(p->acc_b, 0);
	olm_json_key(ik, json, "\"curve25519\"");
	free(json);
	json = olm_keys_json(p->acc_b, 1);
	olm_json_key(otk, json, "\"curve25519\"");
	free(json);

	p->a = olm_session(xmalloc(olm_session_size()));
	p->b = olm_session(xmalloc(olm_session_size()));
	n = olm_create_outbound_session_random_length(p->a);
	rnd = olm_random(n);
	olm_check(olm_create_outbound_session(p->a, p->acc_a, ik, B64_KEY_LEN,
		      otk, B64_KEY_LEN, rnd, n),
	    "olm_create_outbound_session", olm_session_last_error(p->a));
	free(rnd);

	msg = olm_seal(p->a, hello, sizeof(hello), &type, &msg_len);
	if (type != OLM_MESSAGE_TYPE_PRE_KEY) {
		bench_die("olm: first message is not a prekey message");
	}
	/* Inbound session creation decodes the message in place. */
	json = xmalloc(msg_len);
	memcpy(json, msg, msg_len);
	olm_check(olm_create_inbound_session(p->b, p->acc_b, json, msg_len),
	    "olm_create_inbound_session", olm_session_last_error(p->b));
	free(json);
	olm_check(olm_remove_one_time_keys(p->acc_b, p->b),
	    "olm_remove_one_time_keys", olm_account_last_error(p->acc_b));
	olm_open_msg(p->b, type, msg, msg_len, hello, sizeof(hello), 1);
	free(msg);
	olm_transfer(p, 1, hello, sizeof(hello), 1);
	return p;
}

static void
olm_pair_close(void *arg)
{
	struct olm_pair *p = arg;

	olm_clear_session(p->a);
	olm_clear_session(p->b);
	olm_clear_account(p->acc_a);
	olm_clear_account(p->acc_b);
	free(p->a);
	free(p->b);
	free(p->acc_a);
	free(p->acc_b);
	free(p);
}

/* ----------------------------------------------------------- libsignal */

/* One party's stores: it talks to one peer, so one session record; one
 * prekey and one signed prekey. */
struct sig_party {
	signal_protocol_store_context *store;
	ratchet_identity_key_pair *identity;
	uint32_t reg_id;
	signal_buffer *session;
	signal_buffer *pre_key;
	signal_buffer *signed_pre_key;
	signal_protocol_address peer;
	session_cipher *cipher;
};

struct sig_pair {
	struct signal_env env;
	struct sig_party a, b;
};

static int
sess_load(signal_buffer **record, signal_buffer **user_record,
    const signal_protocol_address *address, void *user_data)
{
	struct sig_party *p = user_data;

	(void)user_record;
	(void)address;
	if (p->session == NULL) {
		return 0;
	}
	*record = signal_buffer_copy(p->session);
	return *record == NULL ? SG_ERR_NOMEM : 1;
}

static int
sess_sub_devices(signal_int_list **sessions, const char *name,
    size_t name_len, void *user_data)
{
	(void)name;
	(void)name_len;
	(void)user_data;
	*sessions = signal_int_list_alloc();
	return *sessions == NULL ? SG_ERR_NOMEM : 0;
}

/* Replaces *slot with a copy of data. */
static int
put(signal_buffer **slot, const uint8_t *data, size_t len)
{
	signal_buffer *b = signal_buffer_create(data, len);

	if (b == NULL) {
		return SG_ERR_NOMEM;
	}
	signal_buffer_bzero_free(*slot);
	*slot = b;
	return 0;
}

static int
sess_store(const signal_protocol_address *address, uint8_t *record,
    size_t record_len, uint8_t *user_record, size_t user_record_len,
    void *user_data)
{
	struct sig_party *p = user_data;

	(void)address;
	(void)user_record;
	(void)user_record_len;
	return put(&p->session, record, record_len);
}

static int
sess_contains(const signal_protocol_address *address, void *user_data)
{
	(void)address;
	return ((struct sig_party *)user_data)->session != NULL;
}

static int
sess_delete(const signal_protocol_address *address, void *user_data)
{
	struct sig_party *p = user_data;

	(void)address;
	signal_buffer_bzero_free(p->session);
	p->session = NULL;
	return 1;
}

static int
sess_delete_all(const char *name, size_t name_len, void *user_data)
{
	(void)name;
	(void)name_len;
	return sess_delete(NULL, user_data);
}

static int
load_slot(signal_buffer **record, const signal_buffer *slot)
{
	if (slot == NULL) {
		return SG_ERR_INVALID_KEY_ID;
	}
	*record = signal_buffer_copy(slot);
	return *record == NULL ? SG_ERR_NOMEM : SG_SUCCESS;
}

static int
pk_load(signal_buffer **record, uint32_t id, void *user_data)
{
	return id == OPK_ID ?
	    load_slot(record, ((struct sig_party *)user_data)->pre_key) :
	    SG_ERR_INVALID_KEY_ID;
}

static int
pk_store(uint32_t id, uint8_t *record, size_t len, void *user_data)
{
	(void)id;
	return put(&((struct sig_party *)user_data)->pre_key, record, len);
}

static int
pk_contains(uint32_t id, void *user_data)
{
	return id == OPK_ID &&
	    ((struct sig_party *)user_data)->pre_key != NULL;
}

static int
pk_remove(uint32_t id, void *user_data)
{
	struct sig_party *p = user_data;

	(void)id;
	signal_buffer_bzero_free(p->pre_key);
	p->pre_key = NULL;
	return 0;
}

static int
spk_load(signal_buffer **record, uint32_t id, void *user_data)
{
	return id == SPK_ID ?
	    load_slot(record,
		((struct sig_party *)user_data)->signed_pre_key) :
	    SG_ERR_INVALID_KEY_ID;
}

static int
spk_store(uint32_t id, uint8_t *record, size_t len, void *user_data)
{
	(void)id;
	return put(&((struct sig_party *)user_data)->signed_pre_key, record,
	    len);
}

static int
spk_contains(uint32_t id, void *user_data)
{
	return id == SPK_ID &&
	    ((struct sig_party *)user_data)->signed_pre_key != NULL;
}

static int
spk_remove(uint32_t id, void *user_data)
{
	(void)id;
	(void)user_data;
	return 0;
}

static int
id_key_pair(signal_buffer **public_data, signal_buffer **private_data,
    void *user_data)
{
	struct sig_party *p = user_data;
	int r;

	if ((r = ec_public_key_serialize(public_data,
		 ratchet_identity_key_pair_get_public(p->identity))) < 0) {
		return r;
	}
	return ec_private_key_serialize(private_data,
	    ratchet_identity_key_pair_get_private(p->identity));
}

static int
id_reg_id(void *user_data, uint32_t *registration_id)
{
	*registration_id = ((struct sig_party *)user_data)->reg_id;
	return 0;
}

/* Trust on first use, and every time after: a benchmark has no UI. */
static int
id_save(const signal_protocol_address *address, uint8_t *key_data,
    size_t key_len, void *user_data)
{
	(void)address;
	(void)key_data;
	(void)key_len;
	(void)user_data;
	return 0;
}

static int
id_trusted(const signal_protocol_address *address, uint8_t *key_data,
    size_t key_len, void *user_data)
{
	(void)address;
	(void)key_data;
	(void)key_len;
	(void)user_data;
	return 1;
}

static void
sig_party_init(struct sig_party *p, signal_context *ctx, const char *peer)
{
	signal_protocol_session_store ss = { sess_load, sess_sub_devices,
		sess_store, sess_contains, sess_delete, sess_delete_all, NULL,
		p };
	signal_protocol_pre_key_store ps = { pk_load, pk_store, pk_contains,
		pk_remove, NULL, p };
	signal_protocol_signed_pre_key_store sps = { spk_load, spk_store,
		spk_contains, spk_remove, NULL, p };
	signal_protocol_identity_key_store is = { id_key_pair, id_reg_id,
		id_save, id_trusted, NULL, p };

	memset(p, 0, sizeof(*p));
	p->peer.name = peer;
	p->peer.name_len = strlen(peer);
	p->peer.device_id = 1;
	bench_check(signal_protocol_key_helper_generate_identity_key_pair(
		  &p->identity, ctx),
	    "libsignal identity");
	bench_check(signal_protocol_key_helper_generate_registration_id(&p->reg_id,
		  0, ctx),
	    "libsignal registration id");
	bench_check(signal_protocol_store_context_create(&p->store, ctx) ||
		signal_protocol_store_context_set_session_store(p->store,
		    &ss) ||
		signal_protocol_store_context_set_pre_key_store(p->store,
		    &ps) ||
		signal_protocol_store_context_set_signed_pre_key_store(
		    p->store, &sps) ||
		signal_protocol_store_context_set_identity_key_store(p->store,
		    &is),
	    "libsignal stores");
}

/* Bob's prekeys, stored, and the bundle Alice fetches. */
static session_pre_key_bundle *
sig_bundle(struct sig_party *bob, signal_context *ctx)
{
	signal_protocol_key_helper_pre_key_list_node *head = NULL;
	session_pre_key *pk;
	session_signed_pre_key *spk = NULL;
	session_pre_key_bundle *bundle = NULL;

	bench_check(signal_protocol_key_helper_generate_pre_keys(&head, OPK_ID, 1,
		  ctx),
	    "libsignal prekeys");
	pk = signal_protocol_key_helper_key_list_element(head);
	bench_check(signal_protocol_key_helper_generate_signed_pre_key(&spk,
		  bob->identity, SPK_ID, 0, ctx),
	    "libsignal signed prekey");
	bench_check(signal_protocol_pre_key_store_key(bob->store, pk) ||
		signal_protocol_signed_pre_key_store_key(bob->store, spk),
	    "libsignal store prekeys");
	bench_check(session_pre_key_bundle_create(&bundle, bob->reg_id, 1,
		  session_pre_key_get_id(pk),
		  ec_key_pair_get_public(session_pre_key_get_key_pair(pk)),
		  SPK_ID,
		  ec_key_pair_get_public(
		      session_signed_pre_key_get_key_pair(spk)),
		  session_signed_pre_key_get_signature(spk),
		  session_signed_pre_key_get_signature_len(spk),
		  ratchet_identity_key_pair_get_public(bob->identity)),
	    "libsignal bundle");
	signal_protocol_key_helper_key_list_free(head);
	SIGNAL_UNREF(spk);
	return bundle;
}

static void
sig_transfer(void *arg, int bob_sends, const uint8_t *pt, size_t len,
    int verify)
{
	struct sig_pair *p = arg;
	struct sig_party *from = bob_sends ? &p->b : &p->a;
	struct sig_party *to = bob_sends ? &p->a : &p->b;
	ciphertext_message *m = NULL;
	pre_key_signal_message *pm = NULL;
	signal_message *sm = NULL;
	signal_buffer *wire, *out = NULL;

	bench_check(session_cipher_encrypt(from->cipher, pt, len, &m),
	    "session_cipher_encrypt");
	wire = ciphertext_message_get_serialized(m);
	if (ciphertext_message_get_type(m) == CIPHERTEXT_PREKEY_TYPE) {
		bench_check(pre_key_signal_message_deserialize(&pm,
			  signal_buffer_data(wire), signal_buffer_len(wire),
			  p->env.ctx),
		    "pre_key_signal_message_deserialize");
		bench_check(session_cipher_decrypt_pre_key_signal_message(
			  to->cipher, pm, NULL, &out),
		    "session_cipher_decrypt_pre_key_signal_message");
	} else {
		bench_check(signal_message_deserialize(&sm, signal_buffer_data(wire),
			  signal_buffer_len(wire), p->env.ctx),
		    "signal_message_deserialize");
		bench_check(session_cipher_decrypt_signal_message(to->cipher, sm,
			  NULL, &out),
		    "session_cipher_decrypt_signal_message");
	}
	check_pt(signal_buffer_data(out), signal_buffer_len(out), pt, len,
	    verify, "libsignal");
	signal_buffer_bzero_free(out);
	SIGNAL_UNREF(pm);
	SIGNAL_UNREF(sm);
	SIGNAL_UNREF(m);
}

static void *
sig_open(void)
{
	static const uint8_t hello[] = "hello";
	struct sig_pair *p = xmalloc(sizeof(*p));
	session_pre_key_bundle *bundle;
	session_builder *builder = NULL;

	if (signal_env_init(&p->env, NULL) != 0) {
		bench_die("signal_env_init");
	}
	sig_party_init(&p->a, p->env.ctx, "bob");
	sig_party_init(&p->b, p->env.ctx, "alice");
	bundle = sig_bundle(&p->b, p->env.ctx);
	bench_check(session_builder_create(&builder, p->a.store, &p->a.peer,
		  p->env.ctx),
	    "session_builder_create");
	bench_check(session_builder_process_pre_key_bundle(builder, bundle),
	    "session_builder_process_pre_key_bundle");
	session_builder_free(builder);
	SIGNAL_UNREF(bundle);
	bench_check(session_cipher_create(&p->a.cipher, p->a.store, &p->a.peer,
		  p->env.ctx) ||
		session_cipher_create(&p->b.cipher, p->b.store, &p->b.peer,
		    p->env.ctx),
	    "session_cipher_create");
	sig_transfer(p, 0, hello, sizeof(hello), 1);
	sig_transfer(p, 1, hello, sizeof(hello), 1);
	return p;
}

static void
sig_party_free(struct sig_party *p)
{
	session_cipher_free(p->cipher);
	signal_protocol_store_context_destroy(p->store);
	SIGNAL_UNREF(p->identity);
	signal_buffer_bzero_free(p->session);
	signal_buffer_bzero_free(p->pre_key);
	signal_buffer_bzero_free(p->signed_pre_key);
}

static void
sig_close(void *arg)
{
	struct sig_pair *p = arg;

	sig_party_free(&p->a);
	sig_party_free(&p->b);
	signal_env_wipe(&p->env);
	free(p);
}

/* --------------------------------------------------------------- driver */

static const struct impl impls[NIMPL] = {
	{ "sealpost", sp_open, sp_transfer, sp_close },
	{ "libolm", olm_pair_open, olm_transfer, olm_pair_close },
	{ "libsignal", sig_open, sig_transfer, sig_close },
};

struct run_ctx {
	const struct impl *impl;
	void *pair;
	const uint8_t *pt;
	size_t len;
	int dh_step;
	int bob_next;
};

static void
run_pair(void *arg, size_t n)
{
	struct run_ctx *c = arg;
	size_t i;

	for (i = 0; i < n; i++) {
		c->impl->transfer(c->pair, c->bob_next, c->pt, c->len,
		    i + 1 == n);
		if (c->dh_step) {
			c->bob_next = !c->bob_next;
		}
	}
}

int
main(void)
{
	static const size_t sizes[] = { 100, 1024, MAX_LEN };
	struct bench_config cfg;
	struct bench_stats st[NIMPL];
	struct run_ctx c;
	uint8_t *pt;
	double fastest_ref;
	size_t s;
	int dh, i;

	bench_name = "bench_ref";
	if (sodium_init() < 0) {
		bench_die("sodium_init");
	}
	bench_config_init(&cfg);
	pt = xmalloc(MAX_LEN);
	randombytes_buf(pt, MAX_LEN);
	for (dh = 0; dh <= 1; dh++) {
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			for (i = 0; i < NIMPL; i++) {
				memset(&c, 0, sizeof(c));
				c.impl = &impls[i];
				c.pair = impls[i].open();
				c.pt = pt;
				c.len = sizes[s];
				c.dh_step = dh;
				/* Bob replied last (open): Alice's message
				 * steps, so dh_step starts with her. */
				bench_run(&cfg, run_pair, &c, &st[i]);
				bench_print(BENCH, impls[i].name,
				    dh ? "dh_step" : "steady", sizes[s],
				    &st[i]);
				impls[i].close(c.pair);
			}
			fastest_ref = st[1].median_ns < st[2].median_ns ?
			    st[1].median_ns :
			    st[2].median_ns;
			printf("{\"bench\":\"ratchet_ratio\",\"mode\":\"%s\","
			       "\"size\":%zu,\"sealpost_ns\":%.1f,"
			       "\"libolm_ns\":%.1f,\"libsignal_ns\":%.1f,"
			       "\"speedup_vs_fastest_ref\":%.2f}\n",
			    dh ? "dh_step" : "steady", sizes[s],
			    st[0].median_ns, st[1].median_ns, st[2].median_ns,
			    fastest_ref / st[0].median_ns);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				bench_die("stdout");
			}
		}
	}
	free(pt);
	return 0;
}
