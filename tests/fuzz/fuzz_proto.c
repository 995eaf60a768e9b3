/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Fuzz the network frames: proto_frame_open, then the body decoder of the
 * frame's type; what decodes re-encodes to the same bytes. */
#include "tests/fuzz/fuzz.h"

#include "common/err.h"
#include "common/proto.h"

/* A SEND body, item by item. */
static int
decode_send(struct wire_reader *r, struct wire_writer *w)
{
	char user[PROTO_MAX_USER + 1];
	struct proto_send_item it;
	uint16_t ng, n, i, j;
	int ret;

	if ((ret = proto_send_begin(r, &ng)) != 0) {
		return ret;
	}
	wire_put_u16(w, ng);
	for (i = 0; i < ng; i++) {
		if ((ret = proto_send_group(r, user, &n)) != 0) {
			return ret;
		}
		proto_user_encode(w, user);
		wire_put_u16(w, n);
		for (j = 0; j < n; j++) {
			if ((ret = proto_send_item(r, &it, 1 << 20)) != 0) {
				return ret;
			}
			proto_send_item_encode(w, &it);
		}
	}
	return wire_end(r);
}

/* A FETCH reply body. */
static int
decode_entries(struct wire_reader *r, struct wire_writer *w)
{
	struct proto_entry e;
	uint16_t n, i;
	int ret;

	if ((ret = proto_count_decode(r, &n, PROTO_MAX_FETCH)) != 0) {
		return ret;
	}
	wire_put_u16(w, n);
	for (i = 0; i < n; i++) {
		if ((ret = proto_entry_decode(r, &e, 1 << 20)) != 0) {
			return ret;
		}
		proto_entry_encode(w, &e);
	}
	return wire_end(r);
}

/* The device-link rendezvous bodies. */
static int
decode_link(uint8_t type, struct wire_reader *r, struct wire_writer *w)
{
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	struct proto_link_put p;
	struct proto_link_get g;
	const uint8_t *blob;
	size_t len;
	int ret;

	switch (type) {
	case PROTO_LINK_OPEN:
		if ((ret = proto_link_open_decode(r, slot)) == 0) {
			proto_link_open_encode(w, slot);
		}
		return ret;
	case PROTO_LINK_PUT:
		if ((ret = proto_link_put_decode(r, &p)) == 0) {
			proto_link_put_encode(w, &p);
		}
		return ret;
	case PROTO_LINK_GET:
		if ((ret = proto_link_get_decode(r, &g)) == 0) {
			proto_link_get_encode(w, &g);
		}
		return ret;
	default:
		if ((ret = proto_link_blob_decode(r, &blob, &len)) == 0) {
			wire_put_vec16(w, blob, len);
		}
		return ret;
	}
}

/* Decodes body as type; on success writes the re-encoding to w. */
static int
decode(uint8_t type, struct wire_reader *r, struct wire_writer *w)
{
	union {
		struct proto_challenge c;
		struct proto_auth a;
		struct proto_join j;
		struct proto_revoke v;
		struct proto_rotate t;
		struct proto_status s;
		struct proto_prekeys l;
		struct proto_fetch f;
		struct {
			const uint8_t *ids;
			size_t n;
		};
	} m;
	char user[PROTO_MAX_USER + 1];
	int ret;

	switch (type) {
	case PROTO_CHALLENGE | PROTO_REPLY:
		if ((ret = proto_challenge_decode(r, &m.c)) == 0) {
			proto_challenge_encode(w, &m.c);
		}
		return ret;
	case PROTO_AUTH:
		if ((ret = proto_auth_decode(r, &m.a)) == 0) {
			proto_auth_encode(w, &m.a);
		}
		return ret;
	case PROTO_REGISTER:
	case PROTO_LINK:
		if ((ret = proto_join_decode(r, &m.j, type == PROTO_LINK)) ==
		    0) {
			proto_join_encode(w, &m.j, type == PROTO_LINK);
		}
		return ret;
	case PROTO_REVOKE:
		if ((ret = proto_revoke_decode(r, &m.v)) == 0) {
			proto_revoke_encode(w, &m.v);
		}
		return ret;
	case PROTO_ROTATE:
		if ((ret = proto_rotate_decode(r, &m.t)) == 0) {
			proto_rotate_encode(w, &m.t);
		}
		return ret;
	case PROTO_STATUS | PROTO_REPLY:
		if ((ret = proto_status_decode(r, &m.s)) == 0) {
			proto_status_encode(w, &m.s);
		}
		return ret;
	case PROTO_UPLOAD_PREKEYS:
		if ((ret = proto_prekeys_decode(r, &m.l)) == 0) {
			wire_put_u16(w, (uint16_t)m.l.n);
			wire_put_bytes(w, m.l.p, m.l.n * 36);
		}
		return ret;
	case PROTO_SEND:
		return decode_send(r, w);
	case PROTO_FETCH | PROTO_REPLY:
		return decode_entries(r, w);
	case PROTO_FETCH:
		if ((ret = proto_fetch_decode(r, &m.f)) == 0) {
			proto_fetch_encode(w, &m.f);
		}
		return ret;
	case PROTO_ACK:
		if ((ret = proto_ack_decode(r, &m.ids, &m.n)) == 0) {
			proto_ack_encode(w, m.ids, m.n);
		}
		return ret;
	case PROTO_CLAIM:
	case PROTO_DEVICES:
		if ((ret = proto_user_decode(r, user)) == 0) {
			proto_user_encode(w, user);
		}
		return ret;
	case PROTO_LINK_OPEN:
	case PROTO_LINK_PUT:
	case PROTO_LINK_GET:
	case PROTO_LINK_GET | PROTO_REPLY:
		return decode_link(type, r, w);
	default:
		return ERR_TYPE;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_reader body;
	struct wire_writer w;
	uint8_t type, *out = NULL;
	size_t out_len = 0;

	if (proto_frame_open(data, size, &type, &body) != 0) {
		return 0;
	}
	wire_writer_init(&w, 1 << 20);
	proto_frame_begin(&w, type);
	if (decode(type, &body, &w) != 0) {
		wire_writer_wipe(&w);
		return 0;
	}
	FUZZ_CHECK(wire_writer_finish(&w, &out, &out_len) == 0);
	FUZZ_CHECK(out_len == size && memcmp(out, data, size) == 0);
	mem_wipe_free(out, out_len);
	return 0;
}
