/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Hostile input shared by the daemons' bad-input tests. */
#include "tests/integration/hostile.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/err.h"
#include "common/proto.h"

void
frame_finish(struct frame *f, uint8_t type, struct wire_writer *body)
{
	struct wire_writer w;

	wire_writer_init(&w, 64 * 1024);
	proto_frame_begin(&w, type);
	wire_put_bytes(&w, body->buf, body->len);
	wire_writer_wipe(body);
	f->type = type;
	if (wire_writer_finish(&w, &f->p, &f->len) != 0) {
		fail_msg("cannot build a frame of type 0x%02x", type);
	}
}

void
hostile_expect(struct conn *c, const uint8_t *p, size_t len, int want)
{
	struct reply rep;
	int r = conn_call(c, p, len, 0, &rep);
	uint8_t type = rep.type;

	reply_free(&rep);
	if (want == 1) {
		if (type != PROTO_ERROR) {
			fail_msg("%zu-byte frame: got %s, want an ERROR", len,
			    err_name(r));
		}
	} else if (want != 0) {
		if (r != want || type != PROTO_ERROR) {
			fail_msg("%zu-byte frame (type 0x%02x): got %s, want "
				 "%s",
			    len, len > 1 ? p[1] : 0, err_name(r),
			    err_name(want));
		}
	} else if (r != 0 && type != PROTO_ERROR) {
		fail_msg("%zu-byte frame: no reply (%s)", len, err_name(r));
	}
}

void
hostile_random(struct conn *c, struct rng_seeded *rs, const uint8_t *types,
    size_t ntypes, const size_t *big, size_t nbig)
{
	size_t len, i, v, max = 64;
	uint8_t *buf;

	for (i = 0; i < nbig; i++) {
		max = big[i] > max ? big[i] : max;
	}
	if ((buf = malloc(max)) == NULL) {
		fail_msg("out of memory");
	}
	for (i = 0; i < 64 + nbig; i++) {
		len = i < 64 ? i : big[i - 64];
		for (v = 0; v < 3; v++) {
			rng_fill(&rs->rng, buf, len);
			if (v > 0 && len >= 2) {
				buf[0] = PROTO_VERSION;
			}
			if (v == 2 && len >= 2) {
				/* Every request type in turn. */
				buf[1] = types[i % ntypes];
			}
			hostile_expect(c, buf, len, 0);
		}
	}
	free(buf);
}

void
hostile_truncations(struct conn *c, const struct frame *f, size_t n,
    int authed, uint8_t first_authed)
{
	size_t i, len;
	uint8_t *buf;
	int unauth;

	for (i = 0; i < n; i++) {
		unauth = !authed && f[i].type >= first_authed;
		for (len = 0; len < f[i].len; len++) {
			hostile_expect(c, f[i].p, len,
			    unauth && len >= 2 ? ERR_UNAUTH : ERR_SHORT);
		}
		if ((buf = malloc(f[i].len + 1)) == NULL) {
			fail_msg("out of memory");
		}
		memcpy(buf, f[i].p, f[i].len);
		buf[f[i].len] = 0;
		hostile_expect(c, buf, f[i].len + 1,
		    unauth ? ERR_UNAUTH : ERR_TRAILING);
		free(buf);
	}
}

void
hostile_survived(struct daemon *d)
{
	char body[64];
	int status = 0;

	assert_true(daemon_alive(d));
	assert_int_equal(client_http_get(d->http_port, "/healthz", &status,
			     body, sizeof(body)),
	    0);
	assert_int_equal(status, 200);
	assert_string_equal(body, "ok\n");
	assert_int_equal(client_http_get(d->http_port, "/metrics", &status,
			     NULL, 0),
	    0);
	assert_int_equal(status, 200);
	assert_int_equal(daemon_stop(d, 0), 0);
}
