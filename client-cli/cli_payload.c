/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client payload, encoded and decoded through common/wire only. */
#include "client-cli/cli_payload.h"

#include <string.h>

#include "common/err.h"
#include "common/wire.h"

/* 0 if peer suits kind: empty for a text, a user name for a sync. */
static int
check_peer(uint8_t kind, const char *peer, size_t n)
{
	if (kind == CLI_PAYLOAD_TEXT) {
		return n == 0 ? 0 : ERR_INVALID;
	}
	if (kind == CLI_PAYLOAD_SYNC) {
		return proto_user_valid((const uint8_t *)peer, n) ? 0
								 : ERR_INVALID;
	}
	return ERR_TYPE;
}

int
cli_payload_encode(const struct cli_payload *p, uint8_t **out, size_t *len)
{
	size_t pn = strnlen(p->peer, sizeof(p->peer));
	struct wire_writer w;
	int r;

	*out = NULL;
	*len = 0;
	if (check_peer(p->kind, p->peer, pn) != 0 ||
	    (p->body == NULL && p->len != 0)) {
		return ERR_ARG;
	}
	if (p->len > CLI_MAX_TEXT) {
		return ERR_TOO_LONG;
	}
	wire_writer_init(&w, CLI_PAYLOAD_FIXED + PROTO_MAX_USER + p->len);
	wire_put_u8(&w, CLI_PAYLOAD_VERSION);
	wire_put_u8(&w, p->kind);
	wire_put_bytes(&w, p->id, sizeof(p->id));
	wire_put_u64(&w, (uint64_t)p->sent_ms);
	wire_put_vec8(&w, (const uint8_t *)p->peer, pn);
	wire_put_vec32(&w, p->body, p->len);
	if ((r = wire_writer_finish(&w, out, len)) != 0) {
		return r;
	}
	return 0;
}

int
cli_payload_decode(const uint8_t *buf, size_t n, struct cli_payload *p)
{
	struct wire_reader rd;
	const uint8_t *peer = NULL;
	uint64_t sent = 0;
	uint8_t version = 0;
	size_t pn = 0;
	int r;

	memset(p, 0, sizeof(*p));
	wire_reader_init(&rd, buf, n);
	if ((r = wire_get_u8(&rd, &version)) != 0) {
		return r;
	}
	if (version != CLI_PAYLOAD_VERSION) {
		return ERR_VERSION;
	}
	if ((r = wire_get_u8(&rd, &p->kind)) != 0 ||
	    (r = wire_get_bytes(&rd, p->id, sizeof(p->id))) != 0 ||
	    (r = wire_get_u64(&rd, &sent)) != 0 ||
	    (r = wire_get_vec8(&rd, &peer, &pn, PROTO_MAX_USER)) != 0 ||
	    (r = wire_get_vec32(&rd, &p->body, &p->len, CLI_MAX_TEXT)) != 0 ||
	    (r = wire_end(&rd)) != 0 ||
	    (r = check_peer(p->kind, (const char *)peer, pn)) != 0) {
		goto fail;
	}
	if (sent > INT64_MAX) {
		r = ERR_INVALID;
		goto fail;
	}
	p->sent_ms = (int64_t)sent;
	memcpy(p->peer, peer, pn);
	return 0;
fail:
	memset(p, 0, sizeof(*p));
	return r;
}
