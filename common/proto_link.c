/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The device-link rendezvous messages: LINK_OPEN, LINK_PUT, LINK_GET and
 * the LINK_GET reply. The blobs are opaque here as on the server. */
#include <string.h>

#include "common/err.h"
#include "common/proto.h"

static int
part_valid(uint8_t part)
{
	return part == PROTO_LINK_REQUEST || part == PROTO_LINK_RESPONSE;
}

void
proto_link_open_encode(struct wire_writer *w,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	wire_put_bytes(w, slot, PROTO_LINK_SLOT_LEN);
}

int
proto_link_open_decode(struct wire_reader *r,
    uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	int ret;

	if ((ret = wire_get_bytes(r, slot, PROTO_LINK_SLOT_LEN)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(slot, 0, PROTO_LINK_SLOT_LEN);
	}
	return ret;
}

void
proto_link_put_encode(struct wire_writer *w, const struct proto_link_put *m)
{
	wire_put_bytes(w, m->slot, PROTO_LINK_SLOT_LEN);
	wire_put_u8(w, m->part);
	wire_put_vec16(w, m->blob, m->len);
}

int
proto_link_put_decode(struct wire_reader *r, struct proto_link_put *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_bytes(r, m->slot, PROTO_LINK_SLOT_LEN)) != 0 ||
	    (ret = wire_get_u8(r, &m->part)) != 0 ||
	    (ret = wire_get_vec16(r, &m->blob, &m->len,
		 PROTO_MAX_LINK_BLOB)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (!part_valid(m->part) || m->len == 0) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

void
proto_link_get_encode(struct wire_writer *w, const struct proto_link_get *m)
{
	wire_put_bytes(w, m->slot, PROTO_LINK_SLOT_LEN);
	wire_put_u8(w, m->part);
	wire_put_u32(w, m->wait_ms);
}

int
proto_link_get_decode(struct wire_reader *r, struct proto_link_get *m)
{
	int ret;

	memset(m, 0, sizeof(*m));
	if ((ret = wire_get_bytes(r, m->slot, PROTO_LINK_SLOT_LEN)) != 0 ||
	    (ret = wire_get_u8(r, &m->part)) != 0 ||
	    (ret = wire_get_u32(r, &m->wait_ms)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		memset(m, 0, sizeof(*m));
		return ret;
	}
	if (!part_valid(m->part) || m->wait_ms > PROTO_MAX_WAIT_MS) {
		memset(m, 0, sizeof(*m));
		return ERR_INVALID;
	}
	return 0;
}

int
proto_link_blob_decode(struct wire_reader *r, const uint8_t **blob,
    size_t *len)
{
	int ret;

	if ((ret = wire_get_vec16(r, blob, len, PROTO_MAX_LINK_BLOB)) != 0 ||
	    (ret = wire_end(r)) != 0) {
		*blob = NULL;
		*len = 0;
	}
	return ret;
}
