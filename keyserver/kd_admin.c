/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Admin commands of sealpost-keyserver on the local database. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"
#include "crypto/keys.h"
#include "keyserver/kd.h"

/* RFC 4648 base32, lower case, no padding: 16 bytes give 26 characters. */
static void
base32(char out[static KD_INVITE_TOKEN_LEN + 1], const uint8_t in[16])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = alphabet[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		out[o++] = alphabet[(acc << (5 - bits)) & 31];
	}
	out[o] = '\0';
}

static void
print_time(const char *label, int64_t ms)
{
	char buf[32];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0) {
		printf(" %s never", label);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf(" %s %s", label, buf);
}

/* What `invite create` asks for. */
struct invite_args {
	int64_t uses;
	int64_t expires; /* ms since the epoch, 0: never */
	const char *user;
};

/* Parses the options of `invite create`: 0, or 2 (usage, printed). */
static int
invite_args(int argc, char **argv, struct invite_args *a)
{
	int64_t dur;
	int i;

	memset(a, 0, sizeof(*a));
	a->uses = 1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--uses") == 0 && i + 1 < argc &&
		    config_parse_int(argv[i + 1], &a->uses) == 0 &&
		    a->uses >= 1) {
			i++;
		} else if (strcmp(argv[i], "--expires") == 0 && i + 1 < argc &&
		    config_parse_duration(argv[i + 1], &dur) == 0 &&
		    dur > 0) {
			a->expires = clock_wall_ms() + dur;
			i++;
		} else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc &&
		    argv[i + 1][0] != '\0') {
			a->user = argv[++i];
		} else {
			fprintf(stderr, "usage: invite create [--uses N] "
					"[--expires DURATION] "
					"[--user NAME]\n");
			return 2;
		}
	}
	if (a->user != NULL && a->uses != 1) {
		fprintf(stderr, "invite create: an invite bound to a user "
				"(--user) is good for one registration: "
				"--uses must be 1\n");
		return 2;
	}
	return 0;
}

static int
invite_create(struct kd *k, int argc, char **argv)
{
	char token[KD_INVITE_TOKEN_LEN + 1], id[KD_INVITE_ID_LEN + 1];
	struct invite_args a;
	uint8_t raw[16];
	int rc, r;

	if ((rc = invite_args(argc, argv, &a)) != 0) {
		return rc;
	}
	randombytes_buf(raw, sizeof(raw));
	base32(token, raw);
	sodium_memzero(raw, sizeof(raw));
	r = kd_invite_create(k->store, clock_wall_ms(), a.uses, a.expires,
	    a.user, token, id);
	if (r == ERR_NOT_FOUND && a.user != NULL) {
		log_err("no account named '%s': a bound invite recovers an "
			"existing account",
		    a.user);
		sodium_memzero(token, sizeof(token));
		return 1;
	}
	if (r != 0) {
		log_err_r(r, "cannot create the invite");
		sodium_memzero(token, sizeof(token));
		return 1;
	}
	/* The token is shown once: only its hash is stored. */
	printf("invite %s token %s uses %lld", id, token, (long long)a.uses);
	print_time("expires", a.expires);
	if (a.user != NULL) {
		printf(" user %s", a.user);
	}
	printf("\n");
	sodium_memzero(token, sizeof(token));
	return 0;
}

static void
print_invite(const struct kd_invite *inv, void *arg)
{
	(void)arg;
	printf("invite %s uses-left %lld", inv->id,
	    (long long)inv->uses_left);
	print_time("expires", inv->expires_ms);
	print_time("created", inv->created_ms);
	if (inv->user[0] != '\0') {
		printf(" user %s", inv->user);
	}
	printf("%s\n", inv->revoked ? " revoked" : "");
}

static void
print_user(const struct kd_user *u, void *arg)
{
	(void)arg;
	printf("user %s devices %u", u->name, u->active_devices);
	print_time("created", u->created_ms);
	printf("%s\n", u->disabled ? " disabled" : "");
}

static void
print_device(const struct kd_device *d, void *arg)
{
	char fp[17];

	(void)arg;
	key_log_id(d->ik, fp);
	printf("device %u key %s approved-by %u", d->device_id, fp,
	    d->approver);
	print_time("created", d->created_ms);
	printf("%s\n", d->revoked ? " revoked" : "");
}

/* Reports r for a command and gives its exit code. */
static int
done(int r, const char *what)
{
	if (r != 0) {
		log_err_r(r, "%s", what);
		return 1;
	}
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "unknown command; see --help\n");
	return 2;
}

int
kd_admin(struct kd *k, int argc, char **argv)
{
	const char *noun = argv[0], *verb = argc > 1 ? argv[1] : "";
	uint32_t id;
	int64_t v;

	if (strcmp(noun, "invite") == 0) {
		if (strcmp(verb, "create") == 0) {
			return invite_create(k, argc - 2, argv + 2);
		}
		if (strcmp(verb, "list") == 0 && argc == 2) {
			return done(kd_invite_list(k->store, print_invite,
					NULL),
			    "cannot list invites");
		}
		if (strcmp(verb, "revoke") == 0 && argc == 3) {
			return done(kd_invite_revoke(k->store, argv[2]),
			    "cannot revoke the invite");
		}
	} else if (strcmp(noun, "user") == 0) {
		if (strcmp(verb, "list") == 0 && argc == 2) {
			return done(kd_user_list(k->store, print_user, NULL),
			    "cannot list users");
		}
		if ((strcmp(verb, "disable") == 0 ||
			strcmp(verb, "enable") == 0) &&
		    argc == 3) {
			return done(kd_user_disable(k->store, argv[2],
					verb[0] == 'd'),
			    "cannot change the user");
		}
	} else if (strcmp(noun, "device") == 0) {
		if (strcmp(verb, "list") == 0 && argc == 3) {
			return done(kd_device_list(k->store, argv[2],
					print_device, NULL),
			    "cannot list devices");
		}
		if (strcmp(verb, "revoke") == 0 && argc == 4 &&
		    config_parse_int(argv[3], &v) == 0 && v > 0 &&
		    v <= (int64_t)UINT32_MAX) {
			id = (uint32_t)v;
			return done(kd_revoke(k->store, clock_wall_ms(),
					argv[2], id, NULL),
			    "cannot revoke the device");
		}
	}
	return usage();
}
