/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Frames and messages of the network protocol. */
#include "common/proto.h"

#include <sodium.h>
#include <string.h>

#include "common/err.h"

#define PREKEY_ENTRY_LEN (4 + PROTO_KEY_LEN)

int
proto_is_request(uint8_t type)
{
	switch (type) {
	case PROTO_CHALLENGE:
	case PROTO_AUTH:
	case PROTO_REGISTER:
	case PROTO_LINK:
	case PROTO_REVOKE:
	case PROTO_UPLOAD_PREKEYS:
	case PROTO_ROTATE:
	case PROTO_STATUS:
	case PROTO_CLAIM:
	case PROTO_DEVICES:
	case PROTO_LINK_OPEN:
	case PROTO_LINK_PUT:
	case PROTO_LINK_GET:
	case PROTO_SEND:
	case PROTO_FETCH:
	case PROTO_ACK:
		return 1;
	default:
		return 0;
	}
}

void
proto_frame_begin(struct wire_writer *w, uint8_t type)
{
	wire_put_u8(w, PROTO_VERSION);
	wire_put_u8(w, type);
}

int
proto_frame_open(const uint8_t *p, size_t len, uint8_t *type,
    struct wire_reader *body)
{
	uint8_t version;
	int r;

	*type = 0;
	wire_reader_init(body, p, len);
	if ((r = wire_get_u8(body, &version)) != 0) {
		return r;
	}
	if (version != PROTO_VERSION) {
		return ERR_VERSION;
	}
	return wire_get_u8(body, type);
}

void
proto_error_encode(struct wire_writer *w, int code, const char *text)
{
	size_t n = strlen(text);

	if (n > PROTO_MAX_ERROR_TEXT) {
		n = PROTO_MAX_ERROR_TEXT;
	}
	proto_frame_begin(w, PROTO_ERROR);
	/* A non-negative code is a caller bug: report it as internal. */
	wire_put_u16(w, (uint16_t)(code < 0 ? -code : -ERR_INTERNAL));
	wire_put_vec8(w, (const uint8_t *)text, n);
}

int
proto_error_decode(struct wire_reader *r, int *code, char *text, size_t cap)
{
	const uint8_t *p;
	uint16_t c;
	size_t n;
	int ret;

	*code = 0;
	if (cap > 0) {
		text[0] = '\0';
	}
	if ((ret = wire_get_u16(r, &c)) != 0 ||
	    (ret = wire_get_vec8(r, &p, &n, PROTO_MAX_ERROR_TEXT)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		return ret;
	}
	if (c == 0) {
		return ERR_INVALID;
	}
	*code = -(int)c;
	if (cap > 0) {
		n = n < cap - 1 ? n : cap - 1;
		memcpy(text, p, n);
		text[n] = '\0';
	}
	return 0;
}

int
proto_user_valid(const uint8_t *p, size_t len)
{
	size_t i;

	if (len < PROTO_MIN_USER || len > PROTO_MAX_USER || p[0] < 'a' ||
	    p[0] > 'z') {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') ||
			(p[i] >= '0' && p[i] <= '9') || p[i] == '.' ||
			p[i] == '_' || p[i] == '-')) {
			return 0;
		}
	}
	return 1;
}

/* vec8 user name, checked, copied NUL-terminated. */
static int
get_user(struct wire_reader *r, char user[static PROTO_MAX_USER + 1])
{
	const uint8_t *p;
	size_t n;
	int ret;

	if ((ret = wire_get_vec8(r, &p, &n, PROTO_MAX_USER)) != 0) {
		return ret;
	}
	if (!proto_user_valid(p, n)) {
		return ERR_INVALID;
	}
	memcpy(user, p, n);
	user[n] = '\0';
	return 0;
}

/* vec8 printable-ASCII string of at most max bytes into s[max + 1]. */
static int
get_text(struct wire_reader *r, char *s, size_t max)
{
	const uint8_t *p;
	size_t n, i;
	int ret;

	if ((ret = wire_get_vec8(r, &p, &n, max)) != 0) {
		return ret;
	}
	for (i = 0; i < n; i++) {
		if (p[i] < 0x21 || p[i] > 0x7E) {
			return ERR_INVALID;
		}
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return 0;
}

static void
put_str(struct wire_writer *w, const char *s)
{
	wire_put_vec8(w, (const uint8_t *)s, strlen(s));
}

void
proto_user_encode(struct wire_writer *w, const char *user)
{
	put_str(w, user);
}

int
proto_user_decode(struct wire_reader *r, char user[static PROTO_MAX_USER + 1])
{
	int ret;

	memset(user, 0, PROTO_MAX_USER + 1);
	if ((ret = get_user(r, user)) != 0 || (ret = wire_end(r)) != 0) {
		memset(user, 0, PROTO_MAX_USER + 1);
	}
	return ret;
}

int
proto_u32_decode(struct wire_reader *r, uint32_t *v)
{
	int ret;

	if ((ret = wire_get_u32(r, v)) != 0 || (ret = wire_end(r)) != 0) {
		*v = 0;
	}
	return ret;
}

void
proto_challenge_encode(struct wire_writer *w, const struct proto_challenge *m)
{
	put_str(w, m->server_id);
	wire_put_bytes(w, m->nonce, PROTO_NONCE_LEN);
}

int
proto_challenge_decode(struct wire_reader *r, struct proto_challenge *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = get_text(r, m->server_id, PROTO_MAX_SERVER_ID)) != 0 ||
	    (ret = wire_get_bytes(r, m->nonce, PROTO_NONCE_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (m->server_id[0] == '\0') {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_auth_encode(struct wire_writer *w, const struct proto_auth *m)
{
	put_str(w, m->user);
	wire_put_u32(w, m->device_id);
	wire_put_bytes(w, m->nonce, PROTO_NONCE_LEN);
	wire_put_bytes(w, m->sig, PROTO_SIG_LEN);
}

int
proto_auth_decode(struct wire_reader *r, struct proto_auth *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = get_user(r, m->user)) != 0 ||
	    (ret = wire_get_u32(r, &m->device_id)) != 0 ||
	    (ret = wire_get_bytes(r, m->nonce, PROTO_NONCE_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, m->sig, PROTO_SIG_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
	}
	return ret;
}

static void
put_signed_prekey(struct wire_writer *w, const struct proto_signed_prekey *k)
{
	wire_put_u32(w, k->id);
	wire_put_bytes(w, k->pk, PROTO_KEY_LEN);
	wire_put_bytes(w, k->sig, PROTO_SIG_LEN);
}

static int
get_signed_prekey(struct wire_reader *r, struct proto_signed_prekey *k)
{
	int ret;

	if ((ret = wire_get_u32(r, &k->id)) != 0 ||
	    (ret = wire_get_bytes(r, k->pk, PROTO_KEY_LEN)) != 0) {
		return ret;
	}
	return wire_get_bytes(r, k->sig, PROTO_SIG_LEN);
}

void
proto_prekeys_at(const struct proto_prekeys *l, size_t i, uint32_t *id,
    uint8_t pk[static PROTO_KEY_LEN])
{
	const uint8_t *e = l->p + i * PREKEY_ENTRY_LEN;

	*id = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 |
	    (uint32_t)e[2] << 8 | e[3];
	memcpy(pk, e + 4, PROTO_KEY_LEN);
}

void
proto_prekeys_put(struct wire_writer *w, const uint32_t *ids,
    const uint8_t *pks, size_t n)
{
	size_t i;

	if (n > UINT16_MAX) {
		/* Poison the writer rather than emit a wrong count. */
		wire_put_vec16(w, NULL, (size_t)UINT16_MAX + 1);
		return;
	}
	wire_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		wire_put_u32(w, ids[i]);
		wire_put_bytes(w, pks + i * PROTO_KEY_LEN, PROTO_KEY_LEN);
	}
}

/* u16 count || count * (u32 id || pk); count <= PROTO_MAX_PREKEYS. */
static int
get_prekeys(struct wire_reader *r, struct proto_prekeys *l)
{
	uint16_t n;
	int ret;

	l->p = NULL;
	l->n = 0;
	if ((ret = proto_count_decode(r, &n, PROTO_MAX_PREKEYS)) != 0 ||
	    (ret = wire_get_view(r, &l->p, (size_t)n * PREKEY_ENTRY_LEN)) !=
		0) {
		return ret;
	}
	l->n = n;
	return 0;
}

int
proto_prekeys_decode(struct wire_reader *r, struct proto_prekeys *l)
{
	int ret;

	if ((ret = get_prekeys(r, l)) != 0 || (ret = wire_end(r)) != 0) {
		l->p = NULL;
		l->n = 0;
	}
	return ret;
}

void
proto_join_encode(struct wire_writer *w, const struct proto_join *m,
    int is_link)
{
	if (!is_link) {
		put_str(w, m->invite);
	}
	put_str(w, m->user);
	wire_put_bytes(w, m->dev.ik, PROTO_KEY_LEN);
	put_signed_prekey(w, &m->dev.spk);
	put_signed_prekey(w, &m->dev.lrk);
	wire_put_u16(w, (uint16_t)m->dev.opks.n);
	wire_put_bytes(w, m->dev.opks.p, m->dev.opks.n * PREKEY_ENTRY_LEN);
	if (is_link) {
		wire_put_u32(w, m->dev.approver);
	}
	wire_put_bytes(w, m->dev.link_sig, PROTO_SIG_LEN);
	wire_put_bytes(w, m->nonce, PROTO_NONCE_LEN);
	wire_put_bytes(w, m->sig, PROTO_SIG_LEN);
}

int
proto_join_decode(struct wire_reader *r, struct proto_join *m, int is_link)
{
	int ret = 0;

	memset(m, 0, sizeof(*m));
	if (!is_link) {
		ret = get_text(r, m->invite, PROTO_MAX_INVITE);
	}
	if (ret != 0 || (ret = get_user(r, m->user)) != 0 ||
	    (ret = wire_get_bytes(r, m->dev.ik, PROTO_KEY_LEN)) != 0 ||
	    (ret = get_signed_prekey(r, &m->dev.spk)) != 0 ||
	    (ret = get_signed_prekey(r, &m->dev.lrk)) != 0 ||
	    (ret = get_prekeys(r, &m->dev.opks)) != 0 ||
	    (is_link && (ret = wire_get_u32(r, &m->dev.approver)) != 0) ||
	    (ret = wire_get_bytes(r, m->dev.link_sig, PROTO_SIG_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, m->nonce, PROTO_NONCE_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, m->sig, PROTO_SIG_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (is_link && m->dev.approver == 0) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_revoke_encode(struct wire_writer *w, const struct proto_revoke *m)
{
	wire_put_u32(w, m->device_id);
	wire_put_bytes(w, m->sig, PROTO_SIG_LEN);
}

int
proto_revoke_decode(struct wire_reader *r, struct proto_revoke *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_u32(r, &m->device_id)) != 0 ||
	    (ret = wire_get_bytes(r, m->sig, PROTO_SIG_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (m->device_id == 0) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_rotate_encode(struct wire_writer *w, const struct proto_rotate *m)
{
	wire_put_u8(w, m->kind);
	put_signed_prekey(w, &m->key);
}

int
proto_rotate_decode(struct wire_reader *r, struct proto_rotate *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_u8(r, &m->kind)) != 0 ||
	    (ret = get_signed_prekey(r, &m->key)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (m->kind != 1 && m->kind != 2) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_status_encode(struct wire_writer *w, const struct proto_status *m)
{
	wire_put_u32(w, m->opk_count);
	wire_put_u32(w, m->last_resort_uses);
	wire_put_u32(w, m->spk_id);
	wire_put_u32(w, m->lrk_id);
}

int
proto_status_decode(struct wire_reader *r, struct proto_status *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_u32(r, &m->opk_count)) != 0 ||
	    (ret = wire_get_u32(r, &m->last_resort_uses)) != 0 ||
	    (ret = wire_get_u32(r, &m->spk_id)) != 0 ||
	    (ret = wire_get_u32(r, &m->lrk_id)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
	}
	return ret;
}

int
proto_count_decode(struct wire_reader *r, uint16_t *n, size_t max)
{
	size_t start = r->off;
	int ret;

	if ((ret = wire_get_u16(r, n)) != 0) {
		return ret;
	}
	if (*n > max) {
		r->off = start;
		*n = 0;
		return ERR_TOO_LONG;
	}
	return 0;
}

void
proto_bundle_encode(struct wire_writer *w, const struct proto_bundle *b)
{
	wire_put_u32(w, b->device_id);
	wire_put_bytes(w, b->ik, PROTO_KEY_LEN);
	put_signed_prekey(w, &b->spk);
	wire_put_u8(w, b->opk_kind);
	wire_put_u32(w, b->opk_id);
	wire_put_bytes(w, b->opk, PROTO_KEY_LEN);
	wire_put_bytes(w, b->opk_sig, PROTO_SIG_LEN);
}

static int
all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		acc |= p[i];
	}
	return acc == 0;
}

int
proto_bundle_decode(struct wire_reader *r, struct proto_bundle *b)
{
	int ret;

	memset(b, 0, sizeof(*b));
	if ((ret = wire_get_u32(r, &b->device_id)) != 0 ||
	    (ret = wire_get_bytes(r, b->ik, PROTO_KEY_LEN)) != 0 ||
	    (ret = get_signed_prekey(r, &b->spk)) != 0 ||
	    (ret = wire_get_u8(r, &b->opk_kind)) != 0 ||
	    (ret = wire_get_u32(r, &b->opk_id)) != 0 ||
	    (ret = wire_get_bytes(r, b->opk, PROTO_KEY_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, b->opk_sig, PROTO_SIG_LEN)) != 0) {
		memset(b, 0, sizeof(*b));
		return ret;
	}
	/* Canonical: absent fields are zero (kinds as in crypto/x3dh.h). */
	if (b->device_id == 0 || b->opk_kind > 2 ||
	    (b->opk_kind == 0 &&
		(b->opk_id != 0 || !all_zero(b->opk, PROTO_KEY_LEN))) ||
	    (b->opk_kind != 2 && !all_zero(b->opk_sig, PROTO_SIG_LEN))) {
		memset(b, 0, sizeof(*b));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_device_encode(struct wire_writer *w, const struct proto_device *d)
{
	wire_put_u32(w, d->device_id);
	wire_put_u8(w, d->revoked);
	wire_put_bytes(w, d->ik, PROTO_KEY_LEN);
	wire_put_u32(w, d->approver);
	wire_put_bytes(w, d->link_sig, PROTO_SIG_LEN);
}

int
proto_device_decode(struct wire_reader *r, struct proto_device *d)
{
	int ret;

	memset(d, 0, sizeof(*d));
	if ((ret = wire_get_u32(r, &d->device_id)) != 0 ||
	    (ret = wire_get_u8(r, &d->revoked)) != 0 ||
	    (ret = wire_get_bytes(r, d->ik, PROTO_KEY_LEN)) != 0 ||
	    (ret = wire_get_u32(r, &d->approver)) != 0 ||
	    (ret = wire_get_bytes(r, d->link_sig, PROTO_SIG_LEN)) != 0) {
		memset(d, 0, sizeof(*d));
		return ret;
	}
	if (d->device_id == 0 || d->approver == 0 || d->revoked > 1) {
		memset(d, 0, sizeof(*d));
		return ERR_INVALID;
	}
	return 0;
}

static void
put_label(struct wire_writer *w, const char *label)
{
	wire_put_bytes(w, (const uint8_t *)label, strlen(label));
}

void
proto_auth_tbs(struct wire_writer *w, const char *server_id,
    const uint8_t nonce[static PROTO_NONCE_LEN], const char *user,
    uint32_t device_id)
{
	put_label(w, PROTO_LABEL_AUTH);
	put_str(w, server_id);
	wire_put_bytes(w, nonce, PROTO_NONCE_LEN);
	put_str(w, user);
	wire_put_u32(w, device_id);
}

void
proto_join_tbs(struct wire_writer *w, const char *server_id,
    const uint8_t nonce[static PROTO_NONCE_LEN], const char *user,
    const uint8_t ik[static PROTO_KEY_LEN])
{
	put_label(w, PROTO_LABEL_REGISTER);
	put_str(w, server_id);
	wire_put_bytes(w, nonce, PROTO_NONCE_LEN);
	put_str(w, user);
	wire_put_bytes(w, ik, PROTO_KEY_LEN);
}

void
proto_link_tbs(struct wire_writer *w, const char *user,
    const uint8_t ik[static PROTO_KEY_LEN])
{
	put_label(w, PROTO_LABEL_DEVICE_LINK);
	put_str(w, user);
	wire_put_bytes(w, ik, PROTO_KEY_LEN);
}

void
proto_revoke_tbs(struct wire_writer *w, const char *user, uint32_t device_id,
    const uint8_t ik[static PROTO_KEY_LEN])
{
	put_label(w, PROTO_LABEL_DEVICE_REVOKE);
	put_str(w, user);
	wire_put_u32(w, device_id);
	wire_put_bytes(w, ik, PROTO_KEY_LEN);
}

int
proto_send_begin(struct wire_reader *r, uint16_t *ngroups)
{
	int ret;

	if ((ret = proto_count_decode(r, ngroups, PROTO_MAX_GROUPS)) != 0) {
		return ret;
	}
	return *ngroups == 0 ? ERR_INVALID : 0;
}

int
proto_send_group(struct wire_reader *r, char user[static PROTO_MAX_USER + 1],
    uint16_t *n)
{
	int ret;

	memset(user, 0, PROTO_MAX_USER + 1);
	*n = 0;
	if ((ret = get_user(r, user)) != 0 ||
	    (ret = proto_count_decode(r, n, PROTO_MAX_DEVICES)) != 0) {
		return ret;
	}
	return *n == 0 ? ERR_INVALID : 0;
}

int
proto_send_item(struct wire_reader *r, struct proto_send_item *it,
    size_t max_env)
{
	int ret;

	memset(it, 0, sizeof(*it));
	if ((ret = wire_get_u32(r, &it->device_id)) != 0 ||
	    (ret = wire_get_bytes(r, it->id, PROTO_ID_LEN)) != 0 ||
	    (ret = wire_get_vec32(r, &it->env, &it->len, max_env)) != 0) {
		memset(it, 0, sizeof(*it));
		return ret;
	}
	if (it->device_id == 0 || it->len == 0) {
		memset(it, 0, sizeof(*it));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_send_item_encode(struct wire_writer *w, const struct proto_send_item *it)
{
	wire_put_u32(w, it->device_id);
	wire_put_bytes(w, it->id, PROTO_ID_LEN);
	wire_put_vec32(w, it->env, it->len);
}

void
proto_receipt_encode(struct wire_writer *w, const struct proto_receipt *rc)
{
	wire_put_bytes(w, rc->id, PROTO_ID_LEN);
	wire_put_u64(w, rc->seq);
	wire_put_bytes(w, rc->chain, PROTO_HASH_LEN);
}

int
proto_receipt_decode(struct wire_reader *r, struct proto_receipt *rc)
{
	int ret;

	memset(rc, 0, sizeof(*rc));
	if ((ret = wire_get_bytes(r, rc->id, PROTO_ID_LEN)) != 0 ||
	    (ret = wire_get_u64(r, &rc->seq)) != 0 ||
	    (ret = wire_get_bytes(r, rc->chain, PROTO_HASH_LEN)) != 0) {
		memset(rc, 0, sizeof(*rc));
		return ret;
	}
	return rc->seq == 0 ? ERR_INVALID : 0;
}

void
proto_fetch_encode(struct wire_writer *w, const struct proto_fetch *m)
{
	wire_put_u16(w, m->max_count);
	wire_put_u32(w, m->max_bytes);
	wire_put_u32(w, m->wait_ms);
}

int
proto_fetch_decode(struct wire_reader *r, struct proto_fetch *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_u16(r, &m->max_count)) != 0 ||
	    (ret = wire_get_u32(r, &m->max_bytes)) != 0 ||
	    (ret = wire_get_u32(r, &m->wait_ms)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (m->max_count == 0 || m->max_count > PROTO_MAX_FETCH ||
	    m->wait_ms > PROTO_MAX_WAIT_MS) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_entry_encode(struct wire_writer *w, const struct proto_entry *e)
{
	wire_put_u64(w, e->seq);
	wire_put_u8(w, e->kind);
	wire_put_bytes(w, e->id, PROTO_ID_LEN);
	wire_put_bytes(w, e->entry_hash, PROTO_HASH_LEN);
	wire_put_bytes(w, e->chain, PROTO_HASH_LEN);
	wire_put_u64(w, e->received_ms);
	wire_put_vec32(w, e->env, e->len);
}

int
proto_entry_decode(struct wire_reader *r, struct proto_entry *e,
    size_t max_env)
{
	int ret;

	memset(e, 0, sizeof(*e));
	if ((ret = wire_get_u64(r, &e->seq)) != 0 ||
	    (ret = wire_get_u8(r, &e->kind)) != 0 ||
	    (ret = wire_get_bytes(r, e->id, PROTO_ID_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, e->entry_hash, PROTO_HASH_LEN)) != 0 ||
	    (ret = wire_get_bytes(r, e->chain, PROTO_HASH_LEN)) != 0 ||
	    (ret = wire_get_u64(r, &e->received_ms)) != 0 ||
	    (ret = wire_get_vec32(r, &e->env, &e->len, max_env)) != 0) {
		memset(e, 0, sizeof(*e));
		return ret;
	}
	/* Envelopes carry bytes, tombstones none. */
	if (e->seq == 0 || e->kind > PROTO_ENTRY_OVERFLOW ||
	    (e->kind == PROTO_ENTRY_ENVELOPE) != (e->len > 0)) {
		memset(e, 0, sizeof(*e));
		return ERR_INVALID;
	}
	return 0;
}

int
proto_fetch_reply_decode(struct wire_reader *r, struct proto_entry *e,
    size_t cap, size_t *n, size_t max_env)
{
	uint16_t cnt = 0, i;
	int ret;

	*n = 0;
	if ((ret = proto_count_decode(r, &cnt,
		 cap < PROTO_MAX_FETCH ? cap : PROTO_MAX_FETCH)) != 0) {
		goto fail;
	}
	for (i = 0; i < cnt; i++) {
		if ((ret = proto_entry_decode(r, &e[i], max_env)) != 0) {
			goto fail;
		}
	}
	if ((ret = wire_end(r)) != 0) {
		goto fail;
	}
	*n = cnt;
	return 0;
fail:
	memset(e, 0, cap * sizeof(*e));
	return ret;
}

void
proto_ack_encode(struct wire_writer *w, const uint8_t *ids, size_t n)
{
	wire_put_u16(w, (uint16_t)n);
	wire_put_bytes(w, ids, n * PROTO_ID_LEN);
}

int
proto_ack_decode(struct wire_reader *r, const uint8_t **ids, size_t *n)
{
	uint16_t cnt;
	int ret;

	*ids = NULL;
	*n = 0;
	if ((ret = proto_count_decode(r, &cnt, PROTO_MAX_ACK)) != 0 ||
	    (ret = wire_get_view(r, ids, (size_t)cnt * PROTO_ID_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		*ids = NULL;
		return ret;
	}
	if (cnt == 0) {
		*ids = NULL;
		return ERR_INVALID;
	}
	*n = cnt;
	return 0;
}

static void
put_ids(struct wire_writer *w, const uint32_t *v, uint16_t n)
{
	uint16_t i;

	wire_put_u16(w, n);
	for (i = 0; i < n; i++) {
		wire_put_u32(w, v[i]);
	}
}

static int
get_ids(struct wire_reader *r, uint32_t *v, uint16_t *n)
{
	uint16_t i;
	int ret;

	if ((ret = proto_count_decode(r, n, PROTO_MAX_DEVICES)) != 0) {
		return ret;
	}
	for (i = 0; i < *n; i++) {
		if ((ret = wire_get_u32(r, &v[i])) != 0) {
			return ret;
		}
	}
	return 0;
}

void
proto_mismatch_encode(struct wire_writer *w, const struct proto_mismatch *m)
{
	put_str(w, m->user);
	put_ids(w, m->missing, m->nmissing);
	put_ids(w, m->extra, m->nextra);
	put_ids(w, m->revoked, m->nrevoked);
}

int
proto_mismatch_decode(struct wire_reader *r, struct proto_mismatch *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = get_user(r, m->user)) != 0 ||
	    (ret = get_ids(r, m->missing, &m->nmissing)) != 0 ||
	    (ret = get_ids(r, m->extra, &m->nextra)) != 0 ||
	    (ret = get_ids(r, m->revoked, &m->nrevoked)) != 0) {
		memset(m, 0, sizeof(*m));
	}
	return ret;
}

static void
put_be64(uint8_t out[8], uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

void
proto_entry_hash(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t id[static PROTO_ID_LEN], const uint8_t *env, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)PROTO_LABEL_ENTRY,
	    strlen(PROTO_LABEL_ENTRY));
	crypto_hash_sha256_update(&st, id, PROTO_ID_LEN);
	if (len > 0) {
		crypto_hash_sha256_update(&st, env, len);
	}
	crypto_hash_sha256_final(&st, out);
}

void
proto_overflow_hash(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t id[static PROTO_ID_LEN], uint64_t time_ms)
{
	crypto_hash_sha256_state st;
	uint8_t t[8];

	put_be64(t, time_ms);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)PROTO_LABEL_OVERFLOW,
	    strlen(PROTO_LABEL_OVERFLOW));
	crypto_hash_sha256_update(&st, id, PROTO_ID_LEN);
	crypto_hash_sha256_update(&st, t, sizeof(t));
	crypto_hash_sha256_final(&st, out);
}

void
proto_chain_next(uint8_t out[static PROTO_HASH_LEN],
    const uint8_t prev[static PROTO_HASH_LEN], uint64_t seq,
    const uint8_t entry_hash[static PROTO_HASH_LEN])
{
	crypto_hash_sha256_state st;
	uint8_t s[8];

	put_be64(s, seq);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)PROTO_LABEL_CHAIN,
	    strlen(PROTO_LABEL_CHAIN));
	crypto_hash_sha256_update(&st, prev, PROTO_HASH_LEN);
	crypto_hash_sha256_update(&st, s, sizeof(s));
	crypto_hash_sha256_update(&st, entry_hash, PROTO_HASH_LEN);
	crypto_hash_sha256_final(&st, out);
}

int
proto_entry_expected_hash(const struct proto_entry *e,
    uint8_t out[static PROTO_HASH_LEN])
{
	switch (e->kind) {
	case PROTO_ENTRY_ENVELOPE:
		proto_entry_hash(out, e->id, e->env, e->len);
		return 0;
	case PROTO_ENTRY_EXPIRED:
		if (e->len != 0) {
			break;
		}
		memcpy(out, e->entry_hash, PROTO_HASH_LEN);
		return 0;
	case PROTO_ENTRY_OVERFLOW:
		if (e->len != 0) {
			break;
		}
		proto_overflow_hash(out, e->id, e->received_ms);
		return 0;
	default:
		break;
	}
	memset(out, 0, PROTO_HASH_LEN);
	return ERR_AUTH;
}
