/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Certificate pinning: engine registration, pinned configurations, the
 * text form of pins, and the certificate helpers the engine and the probe
 * share. */
#include "client-cli/cli_tls_impl.h"

#include <mbedtls/oid.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"
#include "common/log.h"

/* Longest CN shown by cli_tls_describe. */
#define DESC_CN_MAX 64

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_result = ERR_NET;

static void
init_engine(void)
{
	int rv;

	if (sodium_init() < 0) {
		log_err("sodium_init failed");
		return;
	}
	/* nng creates the lock that nng_tls_engine_register takes when it
	 * initialises itself, which nng_tls_engine_name makes it do. */
	(void)nng_tls_engine_name();
	if ((rv = nng_tls_engine_register(cli_tls_engine())) != 0) {
		log_err("nng_tls_engine_register: %s", nng_strerror(rv));
		return;
	}
	if (strcmp(nng_tls_engine_name(), CLI_TLS_ENGINE_NAME) != 0) {
		log_err("nng kept its TLS engine %s", nng_tls_engine_name());
		return;
	}
	init_result = 0;
}

int
cli_tls_init(void)
{
	if (pthread_once(&init_once, init_engine) != 0) {
		return ERR_NET;
	}
	return init_result;
}

int
cli_url_is_tls(const char *url)
{
	static const char *const schemes[] = { "tls+tcp://", "tls+tcp4://",
		"tls+tcp6://", "wss://", "wss4://", "wss6://" };
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0) {
			return 1;
		}
	}
	return 0;
}

int
cli_tls_config_pin(const uint8_t pin[static CLI_TLS_PIN_LEN],
    const char *server_name, nng_tls_config **out)
{
	char chain[sizeof(CLI_TLS_PIN_CHAIN_PREFIX) + CLI_TLS_PIN_HEX_LEN];
	const size_t plen = sizeof(CLI_TLS_PIN_CHAIN_PREFIX) - 1;
	nng_tls_config *cfg = NULL;
	int rv, r;

	*out = NULL;
	if ((r = cli_tls_init()) != 0) {
		return r;
	}
	memcpy(chain, CLI_TLS_PIN_CHAIN_PREFIX, plen);
	cli_tls_pin_format(pin, chain + plen);
	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		log_err("nng_tls_config_alloc: %s", nng_strerror(rv));
		return rv == NNG_ENOMEM ? ERR_NOMEM : ERR_NET;
	}
	/* SECURITY: nng's own engine would refuse this chain as bad PEM, so
	 * a config that is not ours fails here instead of trusting less. */
	if ((rv = nng_tls_config_ca_chain(cfg, chain, NULL)) != 0 ||
	    (rv = nng_tls_config_auth_mode(cfg,
		 NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (server_name != NULL && server_name[0] != '\0' &&
		(rv = nng_tls_config_server_name(cfg, server_name)) != 0)) {
		log_err("TLS pin configuration: %s", nng_strerror(rv));
		nng_tls_config_free(cfg);
		return rv == NNG_ENOMEM ? ERR_NOMEM : ERR_NET;
	}
	*out = cfg;
	return 0;
}

void
cli_tls_pin_format(const uint8_t fp[static CLI_TLS_PIN_LEN],
    char out[static CLI_TLS_PIN_HEX_LEN + 1])
{
	(void)sodium_bin2hex(out, CLI_TLS_PIN_HEX_LEN + 1, fp,
	    CLI_TLS_PIN_LEN);
}

static int
hex_val(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes n bytes of hex pairs from s, a separator sep (or none when sep
 * is 0) between pairs. s must hold exactly that. */
static int
decode_pairs(const char *s, size_t len, char sep,
    uint8_t fp[static CLI_TLS_PIN_LEN])
{
	size_t i, step = sep != 0 ? 3 : 2;
	int hi, lo;

	if (len != CLI_TLS_PIN_LEN * step - (sep != 0 ? 1 : 0)) {
		return ERR_INVALID;
	}
	for (i = 0; i < CLI_TLS_PIN_LEN; i++) {
		hi = hex_val(s[i * step]);
		lo = hex_val(s[i * step + 1]);
		if (hi < 0 || lo < 0 ||
		    (sep != 0 && i + 1 < CLI_TLS_PIN_LEN &&
			s[i * step + 2] != sep)) {
			return ERR_INVALID;
		}
		fp[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
cli_tls_pin_parse(const char *s, uint8_t fp[static CLI_TLS_PIN_LEN])
{
	static const char *const prefixes[] = { "sha256 fingerprint=",
		"sha256:" };
	size_t i, len;
	int r;

	memset(fp, 0, CLI_TLS_PIN_LEN);
	while (is_blank(*s)) {
		s++;
	}
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0) {
			s += strlen(prefixes[i]);
			break;
		}
	}
	len = strlen(s);
	while (len > 0 && is_blank(s[len - 1])) {
		len--;
	}
	r = decode_pairs(s, len, memchr(s, ':', len) != NULL ? ':' : 0, fp);
	if (r != 0) {
		memset(fp, 0, CLI_TLS_PIN_LEN);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Shared with the engine and the probe. */

void
cli_tls_leaf_hash(const mbedtls_x509_crt *crt,
    uint8_t out[static CLI_TLS_PIN_LEN])
{
	(void)crypto_hash_sha256(out, crt->raw.p, crt->raw.len);
}

int
cli_tls_leaf_matches(const mbedtls_x509_crt *crt,
    const uint8_t pin[static CLI_TLS_PIN_LEN])
{
	uint8_t seen[CLI_TLS_PIN_LEN];

	cli_tls_leaf_hash(crt, seen);
	return sodium_memcmp(seen, pin, CLI_TLS_PIN_LEN) == 0;
}

/* The subject's first CN as printable ASCII into cn[DESC_CN_MAX + 1]. */
static void
subject_cn(const mbedtls_x509_crt *crt, char cn[static DESC_CN_MAX + 1])
{
	static const char oid_cn[] = MBEDTLS_OID_AT_CN;
	const mbedtls_x509_name *n;
	size_t i, len;

	snprintf(cn, DESC_CN_MAX + 1, "(none)");
	for (n = &crt->subject; n != NULL; n = n->next) {
		if (n->oid.p == NULL || n->oid.len != sizeof(oid_cn) - 1 ||
		    memcmp(n->oid.p, oid_cn, n->oid.len) != 0) {
			continue;
		}
		len = n->val.len < DESC_CN_MAX ? n->val.len : DESC_CN_MAX;
		/* SECURITY: the server chose these bytes; keep terminal
		 * control sequences out of what the user is shown. */
		for (i = 0; i < len; i++) {
			cn[i] = n->val.p[i] >= 0x20 && n->val.p[i] < 0x7f
			    ? (char)n->val.p[i]
			    : '?';
		}
		cn[len] = '\0';
		return;
	}
}

void
cli_tls_describe(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
	char cn[DESC_CN_MAX + 1];

	if (cap == 0) {
		return;
	}
	subject_cn(crt, cn);
	snprintf(out, cap, "CN=%s, expires %04d-%02d-%02d", cn,
	    crt->valid_to.year, crt->valid_to.mon, crt->valid_to.day);
}

int
cli_tls_rng(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	randombytes_buf(buf, len);
	return 0;
}
