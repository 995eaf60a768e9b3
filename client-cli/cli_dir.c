/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Device lists and the trust rules of the client. */
#include "client-cli/cli_dir.h"

#include <sodium.h>
#include <string.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

const struct proto_device *
cli_devlist_find(const struct cli_devlist *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->d[i].device_id == id) {
			return &l->d[i];
		}
	}
	return NULL;
}

/* Checks the link signature of entry e of user's list l. */
static int
check_link(const char *user, const struct cli_devlist *l,
    const struct proto_device *e)
{
	const struct proto_device *ap = cli_devlist_find(l, e->approver);
	struct wire_writer w;

	if (ap == NULL) {
		return ERR_AUTH;
	}
	wire_writer_init(&w, 128);
	proto_link_tbs(&w, user, e->ik);
	return key_verify_tbs(ap->ik, &w, e->link_sig) == 0 ? 0 : ERR_AUTH;
}

/* Reads a DEVICES reply body into l. */
static int
read_list(struct wire_reader *body, struct cli_devlist *l)
{
	uint16_t cnt = 0;
	size_t i;
	int r;

	if ((r = proto_count_decode(body, &cnt, PROTO_MAX_LISTED)) != 0) {
		return r;
	}
	for (i = 0; i < cnt; i++) {
		if ((r = proto_device_decode(body, &l->d[i])) != 0) {
			return r;
		}
	}
	l->n = cnt;
	return wire_end(body);
}

/* The checks of cli_dir_fetch on a decoded list. */
static int
verify_list(const char *user, const struct cli_devlist *l, uint32_t *bad)
{
	size_t i, j, active = 0;

	for (i = 0; i < l->n; i++) {
		*bad = l->d[i].device_id;
		for (j = 0; j < i; j++) {
			if (l->d[j].device_id == l->d[i].device_id) {
				return ERR_INVALID;
			}
		}
		if (key_check_identity(l->d[i].ik) != 0 ||
		    check_link(user, l, &l->d[i]) != 0) {
			return ERR_AUTH;
		}
		active += l->d[i].revoked == 0;
	}
	*bad = 0;
	return active <= PROTO_MAX_DEVICES ? 0 : ERR_TOO_LONG;
}

int
cli_dir_fetch(struct cli_ctx *c, const char *user, struct cli_devlist *l)
{
	struct cli_conn *ks;
	struct wire_writer w;
	struct cli_reply rep;
	char what[64];
	uint32_t bad = 0;
	int r;

	memset(l, 0, sizeof(*l));
	if ((r = cli_keyserver(c, &ks)) != 0) {
		return r;
	}
	wire_writer_init(&w, 64);
	proto_user_encode(&w, user);
	r = cli_conn_call_w(ks, PROTO_DEVICES, &w, 0, &rep);
	if (r == ERR_NOT_FOUND) {
		r = cli_fail(CLI_EXIT_REFUSED, r,
		    "there is no user %s on the key server at %s", user,
		    cli_conn_url(ks));
	} else if (r < 0 && rep.type == PROTO_ERROR) {
		snprintf(what, sizeof(what), "the device list of %s", user);
		r = cli_conn_refused(ks, what, &rep);
	} else if (r == 0 && (r = read_list(&rep.body, l)) != 0) {
		r = cli_fail(0, r, "the key server at %s sent a malformed "
				   "device list for %s",
		    cli_conn_url(ks), user);
	} else if (r == 0 && (r = verify_list(user, l, &bad)) != 0) {
		r = cli_fail(CLI_EXIT_CRYPTO, ERR_AUTH,
		    "the key server at %s served a device list for %s whose "
		    "entry for device %u does not verify (%s); nothing was "
		    "accepted from it",
		    cli_conn_url(ks), user, bad, err_str(r));
	}
	cli_reply_free(&rep);
	if (r != 0) {
		memset(l, 0, sizeof(*l));
	}
	return r;
}

/* What the store knows of a user's devices: d[0..nstored) as stored,
 * then (own account) this device's chain of approvers. */
struct known {
	size_t n, nstored;
	struct cli_contact_device d[PROTO_MAX_LISTED];
};

static const struct cli_contact_device *
known_find(const struct known *k, uint32_t id)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		if (k->d[i].device == id) {
			return &k->d[i];
		}
	}
	return NULL;
}

/* 1 if entry e of l is known with the same identity key. */
static int
is_known(const struct known *k, const struct proto_device *e)
{
	const struct cli_contact_device *d = known_find(k, e->device_id);

	return d != NULL && sodium_memcmp(d->ik, e->ik, KEY_LEN) == 0;
}

/* 1 if e or one of its approvers is known: it was linked by a device
 * this client already trusts. 0 if the walk ends at an unknown root. */
static int
vouched(const struct known *k, const struct cli_devlist *l,
    const struct proto_device *e)
{
	size_t steps;

	for (steps = 0; e != NULL && steps <= l->n; steps++) {
		if (is_known(k, e)) {
			return 1;
		}
		if (e->approver == e->device_id) {
			return 0;
		}
		e = cli_devlist_find(l, e->approver);
	}
	return 0;
}

/* Adds the base of trust of the own account to k: this device and its
 * approvers as listed (they signed it in). */
static int
own_base(struct cli_ctx *c, const struct cli_devlist *l, struct known *k)
{
	const struct proto_device *e = cli_devlist_find(l, c->acct.device);
	struct cli_contact_device *d;
	size_t steps;

	if (e == NULL || e->revoked ||
	    sodium_memcmp(e->ik, c->ik->ed_pk, KEY_LEN) != 0) {
		return cli_fail(CLI_EXIT_AUTH, ERR_REVOKED,
		    "this device (%s/%u) is no longer an active device of "
		    "its account: it was revoked; set it up again with "
		    "`sealpost init`",
		    c->acct.user, c->acct.device);
	}
	for (steps = 0; e != NULL && steps < l->n; steps++) {
		if (known_find(k, e->device_id) == NULL &&
		    k->n < PROTO_MAX_LISTED) {
			d = &k->d[k->n++];
			memset(d, 0, sizeof(*d));
			d->device = e->device_id;
			memcpy(d->ik, e->ik, KEY_LEN);
		}
		if (e->approver == e->device_id) {
			break;
		}
		e = cli_devlist_find(l, e->approver);
	}
	return 0;
}

/* Compares list l with what is known: fills rep (not first). */
static void
compare(const struct known *k, const struct cli_devlist *l,
    struct cli_refresh *rep, uint32_t *changed_ids, size_t *nchanged)
{
	const struct cli_contact_device *d;
	const struct proto_device *e;
	size_t i;

	for (i = 0; i < l->n; i++) {
		e = &l->d[i];
		if (e->revoked) {
			continue;
		}
		rep->active_ids[rep->nactive++] = e->device_id;
		d = known_find(k, e->device_id);
		if (d != NULL &&
		    sodium_memcmp(d->ik, e->ik, KEY_LEN) != 0) {
			changed_ids[(*nchanged)++] = e->device_id;
		} else if (d == NULL) {
			rep->new_ids[rep->nnew++] = e->device_id;
			if (!vouched(k, l, e)) {
				changed_ids[(*nchanged)++] = e->device_id;
			}
		}
	}
	/* Only devices this client had accepted can be "removed": a
	 * revoked approver of this device was never a target. */
	for (i = 0; i < k->nstored; i++) {
		e = cli_devlist_find(l, k->d[i].device);
		if (e == NULL || e->revoked) {
			rep->removed_ids[rep->nremoved++] = k->d[i].device;
		}
	}
}

/* Loads the known devices of user. */
static int
load_known(struct cli_ctx *c, const char *user, struct known *k)
{
	int r;

	memset(k, 0, sizeof(*k));
	r = cli_store_contact_devices(c->store, user, k->d, PROTO_MAX_LISTED,
	    &k->n);
	if (r == 0 && k->n > PROTO_MAX_LISTED) {
		k->n = PROTO_MAX_LISTED;
	}
	k->nstored = k->n;
	return r;
}

/* 1 if id is one of ids[0..n). */
static int
listed(const uint32_t *ids, size_t n, uint32_t id)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ids[i] == id) {
			return 1;
		}
	}
	return 0;
}

/* Forgets what was made for a device whose key is not the one it was
 * made for: its sessions and its queued envelopes. */
static int
forget_device(struct cli_ctx *c, const char *user, uint32_t device)
{
	int r;

	if ((r = cli_store_session_delete(c->store, user, device)) != 0 &&
	    r != ERR_NOT_FOUND) {
		return r;
	}
	return cli_store_outbox_drop_device(c->store, user, device);
}

/*
 * Writes the outcome of a refresh: contact, devices, sessions. Changed
 * devices lose their sessions and queued envelopes; for the own account
 * (reject set) they are not stored at all, so nothing goes to them.
 */
static int
apply(struct cli_ctx *c, const char *user, const struct cli_devlist *l,
    const struct cli_refresh *rep, const uint32_t *changed_ids,
    size_t nchanged, int reject)
{
	struct cli_contact ct;
	struct cli_contact_device d;
	int64_t now = clock_wall_ms();
	size_t i;
	int r;

	memset(&ct, 0, sizeof(ct));
	snprintf(ct.user, sizeof(ct.user), "%s", user);
	ct.trust = rep->trust;
	ct.first_seen_ms = now;
	if ((r = cli_store_contact_put(c->store, &ct)) != 0) {
		return r;
	}
	for (i = 0; i < nchanged; i++) {
		if ((r = forget_device(c, user, changed_ids[i])) != 0) {
			return r;
		}
	}
	for (i = 0; i < rep->nremoved; i++) {
		r = cli_store_session_delete(c->store, user,
		    rep->removed_ids[i]);
		if ((r != 0 && r != ERR_NOT_FOUND) ||
		    ((r = cli_store_contact_device_delete(c->store, user,
			  rep->removed_ids[i])) != 0 &&
			r != ERR_NOT_FOUND)) {
			return r;
		}
	}
	for (i = 0; i < l->n; i++) {
		if (l->d[i].revoked ||
		    (reject &&
			listed(changed_ids, nchanged, l->d[i].device_id))) {
			continue;
		}
		memset(&d, 0, sizeof(d));
		d.device = l->d[i].device_id;
		memcpy(d.ik, l->d[i].ik, KEY_LEN);
		d.first_seen_ms = now;
		if ((r = cli_store_contact_device_put(c->store, user, &d)) !=
		    0) {
			return r;
		}
	}
	return 0;
}

/* The notices of a refresh of user's list (self: the own account). */
static void
report(struct cli_ctx *c, const char *user, int self,
    const struct cli_refresh *rep)
{
	size_t i;

	if (rep->changed && !self) {
		cli_notice(c, "identity_changed",
		    json_pack("{s:s}", "user", user),
		    "the identity of %s changed (a device with a new key that "
		    "no known device of %s approved): messages to %s are held "
		    "until you compare safety numbers (`sealpost verify %s`) "
		    "and run `sealpost trust %s`",
		    user, user, user, user, user);
	}
	for (i = 0; !rep->first && !rep->changed && i < rep->nnew; i++) {
		cli_notice(c, "new_device",
		    json_pack("{s:s,s:I}", "user", user, "device",
			(json_int_t)rep->new_ids[i]),
		    self ? "your account has a new device (%s/%u)"
			 : "%s has a new device (%u), approved by one of "
			   "their devices",
		    user, rep->new_ids[i]);
	}
	for (i = 0; i < rep->nremoved; i++) {
		cli_notice(c, "device_removed",
		    json_pack("{s:s,s:I}", "user", user, "device",
			(json_int_t)rep->removed_ids[i]),
		    self ? "your device %s/%u was removed from the account"
			 : "%s's device %u was removed from the account",
		    user, rep->removed_ids[i]);
	}
}

/* Devices of the own account that no device of it approved: reported,
 * not accepted, and sending stops until they are revoked. */
static int
unknown_own(struct cli_ctx *c, const uint32_t *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		cli_notice(c, "unknown_device",
		    json_pack("{s:s,s:I}", "user", c->acct.user, "device",
			(json_int_t)ids[i]),
		    "device %u of your account %s was not approved by any of "
		    "your devices (or its key changed): it gets nothing from "
		    "this device; if you did not add it, your key server may "
		    "be compromised: remove it with `sealpost devices revoke "
		    "%u`",
		    ids[i], c->acct.user, ids[i]);
	}
	return cli_fail(CLI_EXIT_TRUST, ERR_UNTRUSTED,
	    "your account %s has a device none of your devices approved "
	    "(device %u): nothing is sent until it is revoked (`sealpost "
	    "devices revoke %u`)",
	    c->acct.user, ids[0], ids[0]);
}

int
cli_dir_refresh(struct cli_ctx *c, const char *user, struct cli_refresh *rep)
{
	struct cli_devlist *l = NULL;
	struct known *k = NULL;
	struct cli_contact ct;
	uint32_t changed_ids[PROTO_MAX_LISTED];
	size_t nchanged = 0;
	int self = strcmp(user, c->acct.user) == 0, have, r;

	memset(rep, 0, sizeof(*rep));
	if ((l = mem_zalloc(sizeof(*l))) == NULL ||
	    (k = mem_zalloc(sizeof(*k))) == NULL) {
		r = ERR_NOMEM;
		goto out;
	}
	if ((r = cli_dir_fetch(c, user, l)) != 0) {
		goto out;
	}
	if ((r = cli_store_contact_get(c->store, user, &ct)) != 0 &&
	    r != ERR_NOT_FOUND) {
		goto out;
	}
	have = r == 0;
	if ((r = load_known(c, user, k)) != 0 ||
	    (self && (r = own_base(c, l, k)) != 0)) {
		goto out;
	}
	/* SECURITY: first use only for a user never seen: a contact whose
	 * devices were all removed does not start over on trust. */
	rep->first = !self && !have;
	compare(k, l, rep, changed_ids, &nchanged);
	if (rep->first) {
		nchanged = 0;
		rep->nnew = 0;
	}
	rep->changed = nchanged > 0;
	rep->trust = self ? CLI_TRUST_VERIFIED
	    : rep->changed ? CLI_TRUST_CHANGED
	    : have ? ct.trust
		   : CLI_TRUST_UNVERIFIED;
	if ((r = cli_store_begin(c->store)) != 0) {
		goto out;
	}
	if ((r = apply(c, user, l, rep, changed_ids, nchanged, self)) != 0) {
		cli_store_rollback(c->store);
		goto out;
	}
	if ((r = cli_store_commit(c->store)) != 0) {
		goto out;
	}
	/* The first look at the own account announces nothing new. */
	if (self && !have) {
		rep->nnew = 0;
	}
	report(c, user, self, rep);
	if (self && nchanged > 0) {
		r = unknown_own(c, changed_ids, nchanged);
	}
out:
	mem_wipe_free(l, sizeof(*l));
	mem_wipe_free(k, sizeof(*k));
	return r;
}

int
cli_dir_trust(struct cli_ctx *c, const char *user)
{
	struct cli_contact ct;
	int r;

	if ((r = cli_store_contact_get(c->store, user, &ct)) != 0) {
		return r;
	}
	if (ct.trust != CLI_TRUST_CHANGED) {
		return 0;
	}
	return cli_store_contact_set_trust(c->store, user,
	    CLI_TRUST_UNVERIFIED);
}

/* 0 if bundle b's identity key is the stored one of its device. */
static int
bundle_known(struct cli_ctx *c, const char *user, const struct proto_bundle *b)
{
	struct cli_contact_device d[PROTO_MAX_LISTED];
	size_t n = 0, i;
	int r;

	if ((r = cli_store_contact_devices(c->store, user, d, PROTO_MAX_LISTED,
		 &n)) != 0) {
		return r;
	}
	for (i = 0; i < n && i < PROTO_MAX_LISTED; i++) {
		if (d[i].device == b->device_id) {
			return sodium_memcmp(d[i].ik, b->ik, KEY_LEN) == 0
			    ? 0
			    : ERR_MISMATCH;
		}
	}
	return ERR_MISMATCH;
}

int
cli_dir_claim(struct cli_ctx *c, const char *user, struct proto_bundle *out,
    size_t *n)
{
	struct cli_conn *ks;
	struct wire_writer w;
	struct cli_reply rep;
	uint16_t cnt = 0;
	char what[64];
	size_t i;
	int r;

	*n = 0;
	if ((r = cli_keyserver(c, &ks)) != 0) {
		return r;
	}
	wire_writer_init(&w, 64);
	proto_user_encode(&w, user);
	r = cli_conn_call_w(ks, PROTO_CLAIM, &w, 0, &rep);
	if (r < 0 && rep.type == PROTO_ERROR) {
		snprintf(what, sizeof(what), "the prekeys of %s", user);
		r = cli_conn_refused(ks, what, &rep);
	} else if (r == 0 &&
	    (r = proto_count_decode(&rep.body, &cnt, PROTO_MAX_DEVICES)) ==
		0) {
		for (i = 0; r == 0 && i < cnt; i++) {
			r = proto_bundle_decode(&rep.body, &out[i]);
		}
		if (r == 0) {
			r = wire_end(&rep.body);
		}
		if (r != 0) {
			r = cli_fail(0, r, "the key server at %s sent "
					   "malformed prekey bundles for %s",
			    cli_conn_url(ks), user);
		}
	}
	cli_reply_free(&rep);
	for (i = 0; r == 0 && i < cnt; i++) {
		r = bundle_known(c, user, &out[i]);
	}
	if (r == 0) {
		*n = cnt;
	}
	return r;
}
