/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Pinning a server's certificate: at init (given, or trusted on first
 * use) and later, when a server moves or its certificate changes. */
#include <sodium.h>
#include <string.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_tls.h"
#include "common/err.h"

/* 1 if fp is one of pins[0..n). */
static int
listed(const uint8_t *fp, const uint8_t (*pins)[CLI_TLS_PIN_LEN], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (sodium_memcmp(pins[i], fp, CLI_TLS_PIN_LEN) == 0) {
			return 1;
		}
	}
	return 0;
}

/* A changed certificate: accepted by accept (1), or asked for (2). */
static int
changed(struct cli_ctx *c, const struct cli_pinned *p, const uint8_t *old,
    int accept)
{
	char now[2 * CLI_TLS_PIN_LEN + 1], was[2 * CLI_TLS_PIN_LEN + 1];
	char q[400];

	cli_tls_pin_format(p->pin, now);
	cli_tls_pin_format(old, was);
	if (accept == 2 && !c->opt.json) {
		snprintf(q, sizeof(q), "The %s at %s now shows the certificate "
				       "%s, SHA-256 %s (pinned: %s). Accept it?",
		    p->name, p->url, p->desc, now, was);
		accept = cli_confirm(q) == 1;
	}
	if (accept != 1) {
		return cli_fail(CLI_EXIT_AUTH, ERR_AUTH,
		    "the %s at %s shows another certificate than the one "
		    "pinned (now SHA-256 %s, pinned %s): if the administrator "
		    "replaced it, check its new fingerprint with them and give "
		    "it with --pin",
		    p->name, p->url, now, was);
	}
	cli_notice(c, "pin_changed",
	    json_pack("{s:s,s:s,s:s,s:s}", "server", p->name, "url", p->url,
		"sha256", now, "was", was),
	    "the %s's new certificate is pinned: %s, SHA-256 %s (was %s)",
	    p->name, p->desc, now, was);
	return 0;
}

int
cli_pin_server(struct cli_ctx *c, struct cli_pinned *p,
    const uint8_t (*pins)[CLI_TLS_PIN_LEN], size_t npins, const uint8_t *old,
    int accept)
{
	char hex[2 * CLI_TLS_PIN_LEN + 1];
	int r;

	p->has_pin = 0;
	if (!cli_url_is_tls(p->url)) {
		return 0;
	}
	if ((r = cli_tls_init()) != 0 ||
	    (r = cli_tls_probe(p->url, CLI_NET_TIMEOUT_MS, p->pin, p->desc,
		 sizeof(p->desc))) != 0) {
		return cli_fail(0, r == ERR_TIMEOUT ? r : ERR_NET,
		    "cannot reach the %s at %s to read its TLS certificate "
		    "(%s); is it running, and is the URL right?",
		    p->name, p->url, err_str(r));
	}
	p->has_pin = 1;
	cli_tls_pin_format(p->pin, hex);
	/* The certificate pinned already needs no --pin. */
	if (old != NULL && sodium_memcmp(old, p->pin, CLI_TLS_PIN_LEN) == 0) {
		return 0;
	}
	if (npins > 0) {
		if (listed(p->pin, pins, npins)) {
			return 0;
		}
		return cli_fail(CLI_EXIT_AUTH, ERR_AUTH,
		    "the %s at %s presented a certificate with SHA-256 %s, "
		    "which is none of the --pin fingerprints; check the "
		    "fingerprint with the administrator",
		    p->name, p->url, hex);
	}
	if (old != NULL) {
		return changed(c, p, old, accept);
	}
	cli_notice(c, "pin",
	    json_pack("{s:s,s:s,s:s}", "server", p->name, "url", p->url,
		"sha256", hex),
	    "trusting the %s's certificate on first use: %s, SHA-256 %s; "
	    "compare it with the fingerprint your administrator published",
	    p->name, p->desc, hex);
	return 0;
}

int
cli_parse_pin(const struct cli_cmd *cmd, const char *arg,
    uint8_t (*pins)[CLI_TLS_PIN_LEN], size_t *npins)
{
	if (*npins == CLI_MAX_PINS ||
	    cli_tls_pin_parse(arg, pins[*npins]) != 0) {
		return cli_usage_error(cmd,
		    "--pin takes a SHA-256 fingerprint: 64 hex digits, ':' "
		    "between pairs allowed");
	}
	(*npins)++;
	return 0;
}
