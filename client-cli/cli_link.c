/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The link code, its two MACed blobs and the rendezvous calls. */
#include "client-cli/cli_link.h"

#include <ctype.h>
#include <sodium.h>
#include <string.h>

#include "client-cli/cli.h"
#include "client-cli/cli_signal.h"
#include "common/clock.h"
#include "common/err.h"
#include "crypto/hkdf.h"

#define WIPE(a) sodium_memzero((a), sizeof(a))

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* slot = SHA-256(LinkSlot || raw[0:5])[0:8]; key = Argon2id(raw[5:10],
 * salt = SHA-256(LinkKey || raw[0:5])[0:16]). */
static int
derive(struct cli_link_code *lc)
{
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CLI_LABEL_LINK_SLOT,
	    sizeof(CLI_LABEL_LINK_SLOT) - 1);
	crypto_hash_sha256_update(&st, lc->raw, CLI_LINK_SLOT_PART);
	crypto_hash_sha256_final(&st, h);
	memcpy(lc->slot, h, sizeof(lc->slot));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)CLI_LABEL_LINK_SALT,
	    sizeof(CLI_LABEL_LINK_SALT) - 1);
	crypto_hash_sha256_update(&st, lc->raw, CLI_LINK_SLOT_PART);
	crypto_hash_sha256_final(&st, h);
	/* SECURITY: the secret half is 40 bits; Argon2id makes an offline
	 * search of it by the key server (which sees the MACed blobs)
	 * cost far more than the ten minutes the slot lives. */
	if (crypto_pwhash(lc->key, sizeof(lc->key),
		(const char *)lc->raw + CLI_LINK_SLOT_PART,
		CLI_LINK_CODE_BYTES - CLI_LINK_SLOT_PART, h,
		crypto_pwhash_OPSLIMIT_INTERACTIVE,
		crypto_pwhash_MEMLIMIT_INTERACTIVE,
		crypto_pwhash_ALG_ARGON2ID13) != 0) {
		cli_link_code_wipe(lc);
		return ERR_NOMEM;
	}
	return 0;
}

void
cli_link_code_wipe(struct cli_link_code *lc)
{
	sodium_memzero(lc, sizeof(*lc));
}

int
cli_link_code_new(const struct rng *rng, struct cli_link_code *lc,
    char text[static CLI_LINK_CODE_TEXT])
{
	size_t i, bit, pos, j = 0;
	unsigned v;

	memset(lc, 0, sizeof(*lc));
	rng_fill(rng, lc->raw, sizeof(lc->raw));
	/* Symbol i is bits 5i .. 5i+4 of raw, most significant first. */
	for (i = 0; i < 16; i++) {
		for (v = 0, bit = 0; bit < 5; bit++) {
			pos = 5 * i + bit;
			v = v << 1 | ((unsigned)lc->raw[pos / 8] >> (7 - pos % 8) &
					 1U);
		}
		if (i > 0 && i % 4 == 0) {
			text[j++] = '-';
		}
		text[j++] = alphabet[v];
	}
	text[j] = '\0';
	return derive(lc);
}

/* The value of a code character, or -1. */
static int
symbol(int ch)
{
	const char *p;

	ch = toupper(ch);
	if (ch == 'O') {
		ch = '0';
	} else if (ch == 'I' || ch == 'L') {
		ch = '1';
	}
	if (ch == '\0' || (p = strchr(alphabet, ch)) == NULL) {
		return -1;
	}
	return (int)(p - alphabet);
}

int
cli_link_code_parse(const char *text, struct cli_link_code *lc)
{
	size_t n = 0, bit;
	int v;

	memset(lc, 0, sizeof(*lc));
	for (; *text != '\0'; text++) {
		if (*text == '-' || *text == ' ') {
			continue;
		}
		if ((v = symbol((unsigned char)*text)) < 0 || n == 16) {
			cli_link_code_wipe(lc);
			return ERR_INVALID;
		}
		for (bit = 0; bit < 5; bit++) {
			if ((unsigned)v & (16U >> bit)) {
				lc->raw[(5 * n + bit) / 8] |=
				    (uint8_t)(0x80U >> ((5 * n + bit) % 8));
			}
		}
		n++;
	}
	if (n != 16) {
		cli_link_code_wipe(lc);
		return ERR_INVALID;
	}
	return derive(lc);
}

/* HMAC(key, label || vec8 user || ik [|| u32 approver || sig]). */
static void
mac(const struct cli_link_code *lc, const char *label, const char *user,
    const uint8_t ik[static KEY_LEN], const uint8_t *tail, size_t tail_len,
    uint8_t out[static 32])
{
	crypto_auth_hmacsha256_state st;
	uint8_t ulen = (uint8_t)strlen(user);

	crypto_auth_hmacsha256_init(&st, lc->key, sizeof(lc->key));
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)label,
	    strlen(label));
	crypto_auth_hmacsha256_update(&st, &ulen, 1);
	crypto_auth_hmacsha256_update(&st, (const uint8_t *)user, ulen);
	crypto_auth_hmacsha256_update(&st, ik, KEY_LEN);
	if (tail_len > 0) {
		crypto_auth_hmacsha256_update(&st, tail, tail_len);
	}
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

void
cli_link_request(const struct cli_link_code *lc, const char *user,
    const uint8_t ik[static KEY_LEN], uint8_t *out, size_t *n)
{
	size_t ulen = strnlen(user, PROTO_MAX_USER);

	out[0] = CLI_LINK_VERSION;
	out[1] = (uint8_t)ulen;
	memcpy(out + 2, user, ulen);
	memcpy(out + 2 + ulen, ik, KEY_LEN);
	mac(lc, CLI_LABEL_LINK_REQUEST, user, ik, NULL, 0,
	    out + 2 + ulen + KEY_LEN);
	*n = 2 + ulen + KEY_LEN + 32;
}

int
cli_link_request_open(const struct cli_link_code *lc, const char *user,
    const uint8_t *blob, size_t n, uint8_t ik[static KEY_LEN])
{
	size_t ulen = strnlen(user, PROTO_MAX_USER);
	uint8_t want[32];
	int r;

	memset(ik, 0, KEY_LEN);
	if (n != 2 + ulen + KEY_LEN + 32 || blob[0] != CLI_LINK_VERSION ||
	    blob[1] != ulen || memcmp(blob + 2, user, ulen) != 0) {
		return ERR_AUTH;
	}
	mac(lc, CLI_LABEL_LINK_REQUEST, user, blob + 2 + ulen, NULL, 0, want);
	r = crypto_verify_32(want, blob + 2 + ulen + KEY_LEN) == 0 ? 0
								     : ERR_AUTH;
	WIPE(want);
	if (r == 0 && (r = key_check_identity(blob + 2 + ulen)) == 0) {
		memcpy(ik, blob + 2 + ulen, KEY_LEN);
	}
	return r;
}

void
cli_link_response(const struct cli_link_code *lc, const char *user,
    const uint8_t ik[static KEY_LEN], uint32_t approver,
    const uint8_t sig[static SIG_LEN], uint8_t *out, size_t *n)
{
	out[0] = CLI_LINK_VERSION;
	out[1] = (uint8_t)(approver >> 24);
	out[2] = (uint8_t)(approver >> 16);
	out[3] = (uint8_t)(approver >> 8);
	out[4] = (uint8_t)approver;
	memcpy(out + 5, sig, SIG_LEN);
	mac(lc, CLI_LABEL_LINK_RESPONSE, user, ik, out + 1, 4 + SIG_LEN,
	    out + 5 + SIG_LEN);
	*n = CLI_LINK_RESPONSE_LEN;
}

int
cli_link_response_open(const struct cli_link_code *lc, const char *user,
    const uint8_t ik[static KEY_LEN], const uint8_t *blob, size_t n,
    uint32_t *approver, uint8_t sig[static SIG_LEN])
{
	uint8_t want[32];
	int r;

	*approver = 0;
	memset(sig, 0, SIG_LEN);
	if (n != CLI_LINK_RESPONSE_LEN || blob[0] != CLI_LINK_VERSION) {
		return ERR_AUTH;
	}
	mac(lc, CLI_LABEL_LINK_RESPONSE, user, ik, blob + 1, 4 + SIG_LEN,
	    want);
	r = crypto_verify_32(want, blob + 5 + SIG_LEN) == 0 ? 0 : ERR_AUTH;
	WIPE(want);
	if (r == 0) {
		*approver = (uint32_t)blob[1] << 24 | (uint32_t)blob[2] << 16 |
		    (uint32_t)blob[3] << 8 | blob[4];
		memcpy(sig, blob + 5, SIG_LEN);
	}
	return r;
}

/* Records the outcome of a rendezvous call that the server refused. */
static int
refused(struct cli_conn *ks, const char *what, struct cli_reply *rep)
{
	if (rep->code == ERR_NOT_FOUND) {
		return cli_fail(CLI_EXIT_REFUSED, ERR_NOT_FOUND,
		    "the link code is wrong or has expired (codes live ten "
		    "minutes): start again with `" CLI_PROG " devices link` "
		    "on a device of the account");
	}
	if (rep->code == ERR_EXISTS) {
		return cli_fail(CLI_EXIT_REFUSED, ERR_EXISTS,
		    "another request already answered this link code: it "
		    "cannot be used again; start again with `" CLI_PROG
		    " devices link` on a device of the account");
	}
	return cli_conn_refused(ks, what, rep);
}

int
cli_link_open(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	struct wire_writer w;
	struct cli_reply rep;
	int r;

	wire_writer_init(&w, 16);
	proto_link_open_encode(&w, slot);
	r = cli_conn_call_w(ks, PROTO_LINK_OPEN, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = cli_conn_refused(ks, "a link code", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

int
cli_link_put(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const uint8_t *blob, size_t n)
{
	struct proto_link_put m;
	struct wire_writer w;
	struct cli_reply rep;
	int r;

	memset(&m, 0, sizeof(m));
	memcpy(m.slot, slot, sizeof(m.slot));
	m.part = part;
	m.blob = blob;
	m.len = n;
	wire_writer_init(&w, 16 + n);
	proto_link_put_encode(&w, &m);
	r = cli_conn_call_w(ks, PROTO_LINK_PUT, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		r = refused(ks, "the link exchange", &rep);
	}
	cli_reply_free(&rep);
	return r;
}

int
cli_link_get(struct cli_conn *ks,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    int64_t deadline_ms, uint8_t *blob, size_t *n)
{
	struct proto_link_get m;
	struct wire_writer w;
	struct cli_reply rep;
	const uint8_t *v;
	int64_t left;
	int r;

	*n = 0;
	memset(&m, 0, sizeof(m));
	memcpy(m.slot, slot, sizeof(m.slot));
	m.part = part;
	for (;;) {
		if (cli_signalled() ||
		    (left = deadline_ms - clock_wall_ms()) <= 0) {
			return cli_fail(CLI_EXIT_NET, ERR_TIMEOUT,
			    "no answer from the other device in time");
		}
		m.wait_ms = left < PROTO_MAX_WAIT_MS ? (uint32_t)left
						     : PROTO_MAX_WAIT_MS - 5000;
		wire_writer_init(&w, 32);
		proto_link_get_encode(&w, &m);
		r = cli_conn_call_w(ks, PROTO_LINK_GET, &w,
		    (int)m.wait_ms + CLI_NET_TIMEOUT_MS, &rep);
		if (r < 0 && rep.type == PROTO_ERROR) {
			r = refused(ks, "the link exchange", &rep);
		} else if (r == 0 && (r = proto_link_blob_decode(&rep.body,
					  &v, n)) == 0 &&
		    *n > 0) {
			memcpy(blob, v, *n);
		}
		cli_reply_free(&rep);
		if (r != 0 || *n > 0) {
			return r;
		}
	}
}
