/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The key directory's request handlers: one function per message type,
 * each reading its body through common/proto and writing a typed reply. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/proto.h"
#include "crypto/keys.h"
#include "keyserver/kd.h"

#define REPLY_MAX (64 * 1024)

/* Verifies sig by pk over the bytes a *_tbs encoder writes into w. */
static int
verify_tbs(struct wire_writer *w, const uint8_t pk[static PROTO_KEY_LEN],
    const uint8_t sig[static PROTO_SIG_LEN])
{
	int r = key_verify_tbs(pk, w, sig);

	/* Every bad signature or key is one refusal: ERR_AUTH. */
	return r == ERR_KEY ? ERR_AUTH : r;
}

int
kd_authed(struct kd *k, uint32_t pipe, struct kd_who *who)
{
	struct kd_device d;
	int r;

	if ((r = auth_lookup(k->auth, pipe, who->user, &who->device)) != 0) {
		return r;
	}
	if ((r = kd_device_get(k->store, who->user, who->device, &d)) != 0) {
		return r == ERR_NOT_FOUND ? ERR_UNAUTH : r;
	}
	if (d.revoked || d.user_disabled) {
		(void)auth_unbind(k->auth, who->user, who->device);
		return d.revoked ? ERR_REVOKED : ERR_DISABLED;
	}
	memcpy(who->ik, d.ik, PROTO_KEY_LEN);
	return 0;
}

static int
h_challenge(struct kd *k, uint32_t pipe, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_challenge c;
	int r;

	memset(&c, 0, sizeof(c));
	if ((r = wire_end(body)) != 0 ||
	    (r = auth_challenge(k->auth, pipe, &rng_system, c.nonce)) != 0) {
		return r == ERR_NOT_FOUND ? ERR_NET : r;
	}
	snprintf(c.server_id, sizeof(c.server_id), "%s",
	    auth_server_id(k->auth));
	proto_frame_begin(w, PROTO_CHALLENGE | PROTO_REPLY);
	proto_challenge_encode(w, &c);
	return 0;
}

static int
h_auth(struct kd *k, uint32_t pipe, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_auth m;
	struct kd_device d;
	int r;

	if ((r = proto_auth_decode(body, &m)) != 0) {
		return r;
	}
	if (kd_device_get(k->store, m.user, m.device_id, &d) != 0) {
		/* SECURITY: the nonce is spent on every attempt, and an
		 * unknown device fails like a bad signature. */
		if (auth_take_nonce(k->auth, pipe, m.nonce) == 0) {
			log_debug("auth for unknown device %u of %s",
			    m.device_id, m.user);
		}
		r = ERR_AUTH;
	} else if ((r = auth_verify(k->auth, pipe, &m, d.ik)) == 0 &&
	    (d.revoked || d.user_disabled)) {
		(void)auth_unbind(k->auth, m.user, m.device_id);
		r = d.revoked ? ERR_REVOKED : ERR_DISABLED;
	}
	if (r == ERR_AUTH) {
		metric_add(k->auth_fail, 1);
		log_info("AUTH-FAIL user %s device %u", m.user, m.device_id);
	}
	if (r == 0) {
		proto_frame_begin(w, PROTO_AUTH | PROTO_REPLY);
	}
	return r;
}

/* The checks every joining device passes by itself: the nonce was issued
 * to this pipe, the identity key is valid and signed the join message, and
 * its prekeys are signed by it. */
static int
check_join(struct kd *k, uint32_t pipe, const struct proto_join *m)
{
	const struct proto_device_upload *d = &m->dev;
	struct wire_writer tbs;
	int r;

	if ((r = auth_take_nonce(k->auth, pipe, m->nonce)) != 0 ||
	    (r = key_check_identity(d->ik)) != 0) {
		return r;
	}
	wire_writer_init(&tbs, 512);
	proto_join_tbs(&tbs, auth_server_id(k->auth), m->nonce, m->user,
	    d->ik);
	if ((r = verify_tbs(&tbs, d->ik, m->sig)) != 0 ||
	    (r = prekey_verify(d->ik, PREKEY_SIGNED, d->spk.id, d->spk.pk,
		 d->spk.sig)) != 0 ||
	    (r = prekey_verify(d->ik, PREKEY_LAST_RESORT, d->lrk.id,
		 d->lrk.pk, d->lrk.sig)) != 0) {
		return r == ERR_KEY ? ERR_KEY : ERR_AUTH;
	}
	return 0;
}

/* The link signature of a new device by its approver's key. */
static int
check_link(const struct proto_join *m, const uint8_t approver_ik[static 32])
{
	struct wire_writer tbs;

	wire_writer_init(&tbs, 512);
	proto_link_tbs(&tbs, m->user, m->dev.ik);
	return verify_tbs(&tbs, approver_ik, m->dev.link_sig);
}

static int
reply_u32(struct wire_writer *w, uint8_t type, uint32_t v)
{
	proto_frame_begin(w, type | PROTO_REPLY);
	wire_put_u32(w, v);
	return 0;
}

static int
h_register(struct kd *k, uint32_t pipe, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_join m;
	uint32_t id = 0;
	int r;

	if ((r = proto_join_decode(body, &m, 0)) != 0 ||
	    (r = check_join(k, pipe, &m)) != 0 ||
	    (r = check_link(&m, m.dev.ik)) != 0 ||
	    (r = kd_register(k->store, m.invite,
		 k->open_registration ? KD_REGISTER_OPEN : 0, clock_wall_ms(),
		 m.user, &m.dev, &id)) != 0) {
		return r;
	}
	/* SECURITY: a recovery (an invite bound to an existing account)
	 * revoked every other device of the account: their connections
	 * lose their binding, as after REVOKE. A new account has none. */
	(void)auth_unbind(k->auth, m.user, 0);
	if ((r = auth_bind(k->auth, pipe, m.user, id)) != 0) {
		return r;
	}
	/* A recovered account had device 1 already: its new one is not 1. */
	if (id == 1) {
		log_info("registered user %s", m.user);
	} else {
		log_notice("recovered user %s: its devices are revoked, new "
			   "device %u",
		    m.user, id);
	}
	return reply_u32(w, PROTO_REGISTER, id);
}

static int
h_link(struct kd *k, uint32_t pipe, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_join m;
	struct kd_device ap;
	uint32_t id = 0;
	int r;

	if ((r = proto_join_decode(body, &m, 1)) != 0 ||
	    (r = check_join(k, pipe, &m)) != 0) {
		return r;
	}
	if ((r = kd_device_get(k->store, m.user, m.dev.approver, &ap)) != 0) {
		return r == ERR_NOT_FOUND ? ERR_AUTH : r;
	}
	if (ap.revoked || ap.user_disabled) {
		return ap.revoked ? ERR_REVOKED : ERR_DISABLED;
	}
	if ((r = check_link(&m, ap.ik)) != 0 ||
	    (r = kd_link(k->store, clock_wall_ms(), m.user, &m.dev, &id)) !=
		0 ||
	    (r = auth_bind(k->auth, pipe, m.user, id)) != 0) {
		return r;
	}
	log_info("linked device %u of %s", id, m.user);
	return reply_u32(w, PROTO_LINK, id);
}

static int
h_revoke(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_revoke m;
	struct wire_writer tbs;
	struct kd_device d;
	int r;

	if ((r = proto_revoke_decode(body, &m)) != 0 ||
	    (r = kd_device_get(k->store, who->user, m.device_id, &d)) != 0) {
		return r;
	}
	if (d.revoked) {
		return ERR_REVOKED;
	}
	wire_writer_init(&tbs, 512);
	proto_revoke_tbs(&tbs, who->user, m.device_id, d.ik);
	if ((r = verify_tbs(&tbs, who->ik, m.sig)) != 0 ||
	    (r = kd_revoke(k->store, clock_wall_ms(), who->user, m.device_id,
		 m.sig)) != 0) {
		return r;
	}
	(void)auth_unbind(k->auth, who->user, m.device_id);
	log_info("device %u of %s revoked by device %u", m.device_id,
	    who->user, who->device);
	proto_frame_begin(w, PROTO_REVOKE | PROTO_REPLY);
	return 0;
}

static int
h_upload(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_prekeys l;
	uint32_t stock = 0;
	int r;

	if ((r = proto_prekeys_decode(body, &l)) != 0 ||
	    (r = kd_upload_prekeys(k->store, who->user, who->device, &l,
		 (uint32_t)k->cfg.max_prekeys, &stock)) != 0) {
		return r;
	}
	return reply_u32(w, PROTO_UPLOAD_PREKEYS, stock);
}

static int
h_rotate(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_rotate m;
	int r;

	if ((r = proto_rotate_decode(body, &m)) != 0) {
		return r;
	}
	if (prekey_verify(who->ik, (enum prekey_kind)m.kind, m.key.id,
		m.key.pk, m.key.sig) != 0) {
		return ERR_AUTH;
	}
	if ((r = kd_rotate(k->store, who->user, who->device, m.kind,
		 &m.key)) != 0) {
		return r;
	}
	proto_frame_begin(w, PROTO_ROTATE | PROTO_REPLY);
	return 0;
}

static int
h_status(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_status st;
	int r;

	if ((r = wire_end(body)) != 0 ||
	    (r = kd_status(k->store, who->user, who->device, &st)) != 0) {
		return r;
	}
	proto_frame_begin(w, PROTO_STATUS | PROTO_REPLY);
	proto_status_encode(w, &st);
	return 0;
}

/* Claims skip the requester's own device. */
struct claim_ctx {
	const struct kd_who *who;
	const char *target;
};

static int
is_self(const struct claim_ctx *c, uint32_t device_id)
{
	return strcmp(c->target, c->who->user) == 0 &&
	    device_id == c->who->device;
}

static int
skip_self(uint32_t device_id, void *arg)
{
	return is_self(arg, device_id);
}

/* Charges the rate limit of (requester, each target device). */
static int
charge(struct kd *k, const struct claim_ctx *c)
{
	struct proto_device devs[PROTO_MAX_LISTED];
	char names[PROTO_MAX_DEVICES][PROTO_MAX_USER + 12];
	const char *to[PROTO_MAX_DEVICES];
	char from[PROTO_MAX_USER + 12];
	size_t n = 0, m = 0, i;
	int r;

	if ((r = kd_devices(k->store, c->target, devs, PROTO_MAX_LISTED,
		 &n)) != 0) {
		return r;
	}
	for (i = 0; i < n && m < PROTO_MAX_DEVICES; i++) {
		if (devs[i].revoked || is_self(c, devs[i].device_id)) {
			continue;
		}
		snprintf(names[m], sizeof(names[m]), "%s/%u", c->target,
		    devs[i].device_id);
		to[m] = names[m];
		m++;
	}
	snprintf(from, sizeof(from), "%s/%u", c->who->user, c->who->device);
	return kd_rate_take(k->rate, clock_wall_ms(), from, to, m);
}

static int
h_claim(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_bundle b[PROTO_MAX_DEVICES];
	char target[PROTO_MAX_USER + 1];
	struct claim_ctx c = { who, target };
	size_t n = 0, i;
	int r;

	if ((r = proto_user_decode(body, target)) != 0 ||
	    (r = charge(k, &c)) != 0 ||
	    (r = kd_claim(k->store, target, skip_self, &c, b,
		 PROTO_MAX_DEVICES, &n)) != 0) {
		return r;
	}
	proto_frame_begin(w, PROTO_CLAIM | PROTO_REPLY);
	wire_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		proto_bundle_encode(w, &b[i]);
		metric_add(b[i].opk_kind == 2 ? k->claims_last_resort
					      : k->claims_one_time,
		    1);
	}
	return 0;
}

static int
h_devices(struct kd *k, const struct kd_who *who, struct wire_reader *body,
    struct wire_writer *w)
{
	struct proto_device d[PROTO_MAX_LISTED];
	char target[PROTO_MAX_USER + 1];
	size_t n = 0, i;
	int r;

	(void)who;
	if ((r = proto_user_decode(body, target)) != 0 ||
	    (r = kd_devices(k->store, target, d, PROTO_MAX_LISTED, &n)) !=
		0) {
		return r;
	}
	proto_frame_begin(w, PROTO_DEVICES | PROTO_REPLY);
	wire_put_u16(w, (uint16_t)n);
	for (i = 0; i < n; i++) {
		proto_device_encode(w, &d[i]);
	}
	return 0;
}

/* Runs the handler of type on body, writing the success reply to w, or
 * parking req (*parked). */
static int
dispatch(struct kd *k, struct server_req *req, uint8_t type,
    struct wire_reader *body, struct wire_writer *w, int *parked)
{
	uint32_t pipe = server_req_pipe(req);
	struct kd_who who;
	int r;

	switch (type) {
	case PROTO_CHALLENGE:
		return h_challenge(k, pipe, body, w);
	case PROTO_AUTH:
		return h_auth(k, pipe, body, w);
	case PROTO_REGISTER:
		return h_register(k, pipe, body, w);
	case PROTO_LINK:
		return h_link(k, pipe, body, w);
	/* Whether these need authentication depends on their part. */
	case PROTO_LINK_PUT:
		return kd_handle_link_put(k, req, body, w);
	case PROTO_LINK_GET:
		return kd_handle_link_get(k, req, body, w, parked);
	default:
		break;
	}
	memset(&who, 0, sizeof(who));
	if ((r = kd_authed(k, pipe, &who)) != 0) {
		return r;
	}
	switch (type) {
	case PROTO_REVOKE:
		return h_revoke(k, &who, body, w);
	case PROTO_UPLOAD_PREKEYS:
		return h_upload(k, &who, body, w);
	case PROTO_ROTATE:
		return h_rotate(k, &who, body, w);
	case PROTO_STATUS:
		return h_status(k, &who, body, w);
	case PROTO_CLAIM:
		return h_claim(k, &who, body, w);
	case PROTO_DEVICES:
		return h_devices(k, &who, body, w);
	case PROTO_LINK_OPEN:
		return kd_handle_link_open(k, &who, body, w);
	default:
		return ERR_TYPE;
	}
}

void
kd_handle(struct server_req *req, void *arg)
{
	struct kd *k = arg;
	struct wire_reader body;
	struct wire_writer w;
	const uint8_t *data;
	uint8_t type = 0, *out = NULL;
	size_t len, out_len = 0;
	int parked = 0, r;

	data = server_req_data(req, &len);
	wire_writer_init(&w, REPLY_MAX);
	if ((r = proto_frame_open(data, len, &type, &body)) == 0) {
		r = proto_is_request(type)
		    ? dispatch(k, req, type, &body, &w, &parked)
		    : ERR_TYPE;
	}
	if (parked) {
		/* The request belongs to the server now; it is counted when
		 * its reply is sent. */
		wire_writer_wipe(&w);
		return;
	}
	if (r == 0 && (r = wire_writer_finish(&w, &out, &out_len)) == 0) {
		metric_add(k->req_ok[type], 1);
	} else {
		metric_add(type < KD_NTYPES && proto_is_request(type)
			? k->req_err[type]
			: k->req_bad,
		    1);
		wire_writer_wipe(&w);
		wire_writer_init(&w, REPLY_MAX);
		proto_error_encode(&w, r, err_str(r));
		if (wire_writer_finish(&w, &out, &out_len) != 0) {
			out = NULL;
			out_len = 0;
		}
	}
	server_reply(req, out, out_len);
	mem_wipe_free(out, out_len);
}

void
kd_pipe_event(uint32_t pipe, int added, const char *peer, void *arg)
{
	struct kd *k = arg;

	(void)peer;
	auth_pipe_event(k->auth, pipe, added);
}

int
kd_metrics_init(struct kd *k)
{
	static const struct {
		uint8_t type;
		const char *name;
	} types[] = {
		{ PROTO_CHALLENGE, "challenge" },
		{ PROTO_AUTH, "auth" },
		{ PROTO_REGISTER, "register" },
		{ PROTO_LINK, "link" },
		{ PROTO_REVOKE, "revoke" },
		{ PROTO_UPLOAD_PREKEYS, "upload_prekeys" },
		{ PROTO_ROTATE, "rotate" },
		{ PROTO_STATUS, "status" },
		{ PROTO_CLAIM, "claim" },
		{ PROTO_DEVICES, "devices" },
		{ PROTO_LINK_OPEN, "link_open" },
		{ PROTO_LINK_PUT, "link_put" },
		{ PROTO_LINK_GET, "link_get" },
	};
	static const char *const help = "Requests by type and result.";
	char labels[96];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		snprintf(labels, sizeof(labels),
		    "type=\"%s\",result=\"ok\"", types[i].name);
		k->req_ok[types[i].type] = metrics_counter(k->metrics,
		    "sealpost_keyserver_requests_total", labels, help);
		snprintf(labels, sizeof(labels),
		    "type=\"%s\",result=\"error\"", types[i].name);
		k->req_err[types[i].type] = metrics_counter(k->metrics,
		    "sealpost_keyserver_requests_total", labels, help);
		if (k->req_ok[types[i].type] == NULL ||
		    k->req_err[types[i].type] == NULL) {
			return ERR_NOMEM;
		}
	}
	k->req_bad = metrics_counter(k->metrics,
	    "sealpost_keyserver_requests_total",
	    "type=\"invalid\",result=\"error\"", help);
	k->claims_one_time = metrics_counter(k->metrics,
	    "sealpost_keyserver_claims_total", "key=\"one_time\"",
	    "Prekey bundles handed out, by key in the one-time slot.");
	k->claims_last_resort = metrics_counter(k->metrics,
	    "sealpost_keyserver_claims_total", "key=\"last_resort\"",
	    "Prekey bundles handed out, by key in the one-time slot.");
	k->auth_fail = metrics_counter(k->metrics,
	    "sealpost_keyserver_auth_failures_total", NULL,
	    "Failed device authentications.");
	if (k->req_bad == NULL || k->claims_one_time == NULL ||
	    k->claims_last_resort == NULL || k->auth_fail == NULL) {
		return ERR_NOMEM;
	}
	return 0;
}
