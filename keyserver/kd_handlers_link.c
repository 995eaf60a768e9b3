/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The device-link rendezvous: LINK_OPEN, LINK_PUT and LINK_GET, a mailbox
 * of two opaque parts per slot, with long-poll reads. */
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/proto.h"
#include "keyserver/kd.h"

/* The parking key of one part of a slot: a put wakes the readers of that
 * part only. FNV-1a; a collision only wakes a reader for nothing. */
static uint64_t
part_key(const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < PROTO_LINK_SLOT_LEN; i++) {
		h = (h ^ slot[i]) * 1099511628211ULL;
	}
	return (h ^ part) * 1099511628211ULL;
}

/* The requester a part needs: for a part reserved to the slot's owner,
 * the authenticated device (into who, *user its name); for the others
 * nobody (*user NULL). */
static int
requester(struct kd *k, struct server_req *req, int owners_part,
    struct kd_who *who, const char **user)
{
	int r;

	memset(who, 0, sizeof(*who));
	*user = NULL;
	if (!owners_part) {
		return 0;
	}
	if ((r = kd_authed(k, server_req_pipe(req), who)) != 0) {
		return r;
	}
	*user = who->user;
	return 0;
}

int
kd_handle_link_open(struct kd *k, const struct kd_who *who,
    struct wire_reader *body, struct wire_writer *w)
{
	uint8_t slot[PROTO_LINK_SLOT_LEN];
	int r;

	if ((r = proto_link_open_decode(body, slot)) != 0 ||
	    (r = kd_link_slot_open(k->store, clock_wall_ms(), k->cfg.link_ttl,
		 who->user, who->device, slot)) != 0) {
		return r;
	}
	log_debug("device %u of %s opened a link slot", who->device,
	    who->user);
	proto_frame_begin(w, PROTO_LINK_OPEN | PROTO_REPLY);
	return 0;
}

int
kd_handle_link_put(struct kd *k, struct server_req *req,
    struct wire_reader *body, struct wire_writer *w)
{
	struct proto_link_put m;
	struct kd_who who;
	const char *user;
	int r;

	if ((r = proto_link_put_decode(body, &m)) != 0 ||
	    (r = requester(k, req, m.part == PROTO_LINK_RESPONSE, &who,
		 &user)) != 0 ||
	    (r = kd_link_slot_put(k->store, clock_wall_ms(), m.slot, m.part,
		 user, who.device, m.blob, m.len)) != 0) {
		return r;
	}
	/* After the commit, so a woken reader finds the part. */
	server_wake(server_req_server(req), part_key(m.slot, m.part));
	proto_frame_begin(w, PROTO_LINK_PUT | PROTO_REPLY);
	return 0;
}

int
kd_handle_link_get(struct kd *k, struct server_req *req,
    struct wire_reader *body, struct wire_writer *w, int *parked)
{
	uint8_t blob[PROTO_MAX_LINK_BLOB];
	struct proto_link_get m;
	struct kd_who who;
	const char *user;
	size_t len = 0;
	int r;

	*parked = 0;
	if ((r = proto_link_get_decode(body, &m)) != 0 ||
	    (r = requester(k, req, m.part == PROTO_LINK_REQUEST, &who,
		 &user)) != 0 ||
	    (r = kd_link_slot_get(k->store, clock_wall_ms(), m.slot, m.part,
		 user, who.device, blob, &len)) != 0) {
		return r;
	}
	/* Not set yet: wait for its put (which wakes this key after its
	 * commit; server_park re-runs at once a wake that raced this
	 * check), or answer the empty part once the wait is over. */
	if (len == 0 && m.wait_ms > 0 &&
	    server_req_woken(req) != SERVER_WAKE_TIMEOUT) {
		if ((r = server_park(req, part_key(m.slot, m.part),
			 m.wait_ms)) == 0) {
			*parked = 1;
		}
		return r;
	}
	proto_frame_begin(w, PROTO_LINK_GET | PROTO_REPLY);
	wire_put_vec16(w, blob, len);
	return 0;
}
