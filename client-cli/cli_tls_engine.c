/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's TLS engine for nng: mbed TLS 2.28 like nng's own engine,
 * but trusting one pinned leaf certificate or a CA chain, never nothing.
 * nng calls the connection ops with that connection's lock held. */
#include "client-cli/cli_tls_impl.h"

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

enum trust {
	TRUST_NONE = 0, /* every connection is refused */
	TRUST_PIN = 1,
	TRUST_CA = 2,
};

struct nng_tls_engine_config {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca;
	mbedtls_x509_crl crl;
	char *server_name; /* NULL: none */
	enum trust trust;
	uint8_t pin[CLI_TLS_PIN_LEN];
	atomic_int warned; /* a refusal was logged */
};

struct nng_tls_engine_conn {
	void *tls; /* nng's side, for nng_tls_engine_send/recv */
	struct nng_tls_engine_config *cfg;
	mbedtls_ssl_context ssl;
	bool ssl_init;
	bool done;     /* handshake over and the peer passed check_peer */
	bool mismatch; /* pin_verify saw another leaf */
	int err;       /* the NNG error of a failed handshake, latched */
};

static int
mbed_err(int rv)
{
	switch (rv) {
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
	case MBEDTLS_ERR_X509_ALLOC_FAILED:
		return NNG_ENOMEM;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_NET_CONN_RESET:
	case MBEDTLS_ERR_NET_SEND_FAILED:
	case MBEDTLS_ERR_NET_RECV_FAILED:
		return NNG_ECLOSED;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
	case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
	case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
		return NNG_EPEERAUTH;
	default:
		return NNG_ECRYPTO;
	}
}

/* The bottom of mbed TLS: nng's buffered stream, which never blocks. */
static int
net_send(void *tls, const unsigned char *buf, size_t len)
{
	size_t n = len;

	switch (nng_tls_engine_send(tls, buf, &n)) {
	case 0:
		return (int)n;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	default:
		return MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int
net_recv(void *tls, unsigned char *buf, size_t len)
{
	size_t n = len;

	switch (nng_tls_engine_recv(tls, buf, &n)) {
	case 0:
		return (int)n;
	case NNG_EAGAIN:
		return MBEDTLS_ERR_SSL_WANT_READ;
	default:
		return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

/* 1 the first time only: nng redials a refused server in the background,
 * and each attempt would log the same. */
static int
first_refusal(struct nng_tls_engine_config *cfg)
{
	return atomic_exchange(&cfg->warned, 1) == 0;
}

static const char *
server_label(const struct nng_tls_engine_config *cfg)
{
	return cfg->server_name != NULL ? cfg->server_name : "(no name)";
}

static void
log_mismatch(struct nng_tls_engine_config *cfg, const mbedtls_x509_crt *crt)
{
	uint8_t fp[CLI_TLS_PIN_LEN];
	char hex[2 * 8 + 1];

	if (!first_refusal(cfg)) {
		return;
	}
	cli_tls_leaf_hash(crt, fp);
	(void)sodium_bin2hex(hex, sizeof(hex), fp, 8);
	log_warn("AUTH-FAIL TLS server %s: certificate sha256 %s... is not "
		 "the pinned one",
	    server_label(cfg), hex);
}

static void
log_unverified(nng_tls_engine_conn *ec)
{
	char info[256], *p;

	if (!first_refusal(ec->cfg)) {
		return;
	}
	if (mbedtls_x509_crt_verify_info(info, sizeof(info), "",
		mbedtls_ssl_get_verify_result(&ec->ssl)) < 0) {
		info[0] = '\0';
	}
	for (p = info; *p != '\0'; p++) {
		*p = *p == '\n' ? ';' : *p;
	}
	log_warn("AUTH-FAIL TLS server %s: certificate not verified: %s",
	    server_label(ec->cfg), info);
}

/* mbed TLS calls this for each certificate of the chain it built, the
 * leaf (depth 0) last, and ORs the flags it leaves into the result. */
static int
pin_verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	nng_tls_engine_conn *ec = arg;

	/* SECURITY: the pin is the only trust anchor. Issuers, names and
	 * dates do not matter; the leaf's exact DER does. */
	if (depth == 0 && !cli_tls_leaf_matches(crt, ec->cfg->pin)) {
		ec->mismatch = true;
		log_mismatch(ec->cfg, crt);
		/* Fatal: VERIFY_OPTIONAL would forgive CERT_VERIFY_FAILED. */
		return MBEDTLS_ERR_X509_FATAL_ERROR;
	}
	*flags = 0;
	return 0;
}

/* Once the handshake is over: does the peer's certificate pass? */
static int
check_peer(nng_tls_engine_conn *ec)
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&ec->ssl);

	if (peer == NULL) {
		return NNG_EPEERAUTH;
	}
	switch (ec->cfg->trust) {
	case TRUST_PIN:
		if (cli_tls_leaf_matches(peer, ec->cfg->pin)) {
			return 0;
		}
		log_mismatch(ec->cfg, peer);
		return NNG_EPEERAUTH;
	case TRUST_CA:
		if (mbedtls_ssl_get_verify_result(&ec->ssl) == 0) {
			return 0;
		}
		log_unverified(ec);
		return NNG_EPEERAUTH;
	case TRUST_NONE:
	default:
		return NNG_EPEERAUTH;
	}
}

static int
conn_handshake(nng_tls_engine_conn *ec)
{
	int rv;

	if (ec->done) {
		return 0;
	}
	if (ec->err != 0) {
		return ec->err;
	}
	rv = mbedtls_ssl_handshake(&ec->ssl);
	if (rv == MBEDTLS_ERR_SSL_WANT_READ ||
	    rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
		return NNG_EAGAIN;
	}
	if (rv == 0) {
		rv = check_peer(ec);
	} else if (ec->mismatch) {
		rv = NNG_EPEERAUTH;
	} else if ((rv = mbed_err(rv)) == NNG_EPEERAUTH) {
		log_unverified(ec);
	}
	if (rv == 0) {
		ec->done = true;
	} else {
		ec->err = rv;
	}
	return rv;
}

static int
conn_send(nng_tls_engine_conn *ec, const uint8_t *buf, size_t *szp)
{
	int rv;

	/* SECURITY: mbedtls_ssl_write would run the handshake itself and
	 * go on to the data; finish it here first, through check_peer. */
	if ((rv = conn_handshake(ec)) != 0) {
		return rv;
	}
	rv = mbedtls_ssl_write(&ec->ssl, buf, *szp);
	if (rv == MBEDTLS_ERR_SSL_WANT_READ ||
	    rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
		return NNG_EAGAIN;
	}
	if (rv < 0) {
		return mbed_err(rv);
	}
	*szp = (size_t)rv;
	return 0;
}

static int
conn_recv(nng_tls_engine_conn *ec, uint8_t *buf, size_t *szp)
{
	int rv;

	if ((rv = conn_handshake(ec)) != 0) {
		return rv;
	}
	rv = mbedtls_ssl_read(&ec->ssl, buf, *szp);
	if (rv == MBEDTLS_ERR_SSL_WANT_READ ||
	    rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
		return NNG_EAGAIN;
	}
	if (rv == 0) {
		return NNG_ECLOSED; /* the transport closed, no close-notify */
	}
	if (rv < 0) {
		return mbed_err(rv);
	}
	*szp = (size_t)rv;
	return 0;
}

static bool
conn_verified(nng_tls_engine_conn *ec)
{
	return ec->done;
}

static void
conn_close(nng_tls_engine_conn *ec)
{
	/* Best effort; nng closes the TCP connection itself. */
	if (ec->done) {
		(void)mbedtls_ssl_close_notify(&ec->ssl);
	}
}

/* nng also calls this on a connection whose init never ran (a failed
 * TCP connect), so it only frees what init made. */
static void
conn_fini(nng_tls_engine_conn *ec)
{
	if (ec->ssl_init) {
		mbedtls_ssl_free(&ec->ssl);
		ec->ssl_init = false;
	}
}

static int
conn_init(nng_tls_engine_conn *ec, void *tls, nng_tls_engine_config *cfg)
{
	int rv;

	ec->tls = tls;
	ec->cfg = cfg;
	mbedtls_ssl_init(&ec->ssl);
	ec->ssl_init = true;
	/* SECURITY: fail closed. Without a pin or a CA chain there is
	 * nothing to check the server against; a chain without a name would
	 * accept any certificate its CAs ever issued to anyone. */
	if (cfg->trust == TRUST_NONE ||
	    (cfg->trust == TRUST_CA && cfg->server_name == NULL)) {
		if (first_refusal(cfg)) {
			log_warn("AUTH-FAIL TLS server %s: no pinned "
				 "certificate and no CA with a server name",
			    server_label(cfg));
		}
		return NNG_EPEERAUTH;
	}
	if ((rv = mbedtls_ssl_setup(&ec->ssl, &cfg->conf)) != 0 ||
	    (cfg->server_name != NULL &&
		(rv = mbedtls_ssl_set_hostname(&ec->ssl, cfg->server_name)) !=
		    0)) {
		return mbed_err(rv);
	}
	mbedtls_ssl_set_bio(&ec->ssl, tls, net_send, net_recv, NULL);
	if (cfg->trust == TRUST_PIN) {
		mbedtls_ssl_set_verify(&ec->ssl, pin_verify, ec);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Configurations. */

static void
config_fini(nng_tls_engine_config *cfg)
{
	mbedtls_ssl_config_free(&cfg->conf);
	mbedtls_x509_crt_free(&cfg->ca);
	mbedtls_x509_crl_free(&cfg->crl);
	free(cfg->server_name);
	cfg->server_name = NULL;
}

/* nng hands cfg over zeroed, and frees it without config_fini if this
 * fails. */
static int
config_init(nng_tls_engine_config *cfg, nng_tls_mode mode)
{
	mbedtls_ssl_config *c = &cfg->conf;
	int rv;

	if (mode != NNG_TLS_MODE_CLIENT) {
		return NNG_ENOTSUP;
	}
	mbedtls_ssl_config_init(c);
	mbedtls_x509_crt_init(&cfg->ca);
	mbedtls_x509_crl_init(&cfg->crl);
	atomic_init(&cfg->warned, 0);
	cfg->trust = TRUST_NONE;
	if ((rv = mbedtls_ssl_config_defaults(c, MBEDTLS_SSL_IS_CLIENT,
		 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) !=
	    0) {
		config_fini(cfg);
		return mbed_err(rv);
	}
	mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(c, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(c, cli_tls_rng, NULL);
	/* One certificate per connection: no renegotiation, no resumed
	 * session that skips the certificate. */
	mbedtls_ssl_conf_renegotiation(c, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	mbedtls_ssl_conf_session_tickets(c,
	    MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	return 0;
}

static int
config_server(nng_tls_engine_config *cfg, const char *name)
{
	char *dup = NULL;

	if (name != NULL && name[0] != '\0' && (dup = strdup(name)) == NULL) {
		return NNG_ENOMEM;
	}
	free(cfg->server_name);
	cfg->server_name = dup;
	return 0;
}

/* Verification is never optional here. */
static int
config_auth(nng_tls_engine_config *cfg, nng_tls_auth_mode mode)
{
	(void)cfg;
	return mode == NNG_TLS_AUTH_MODE_REQUIRED ? 0 : NNG_ENOTSUP;
}

static int
set_pin(nng_tls_engine_config *cfg, const char *hex)
{
	const char *end = NULL;
	size_t n = 0;

	if (strlen(hex) != CLI_TLS_PIN_HEX_LEN ||
	    sodium_hex2bin(cfg->pin, sizeof(cfg->pin), hex,
		CLI_TLS_PIN_HEX_LEN, NULL, &n, &end) != 0 ||
	    n != CLI_TLS_PIN_LEN) {
		memset(cfg->pin, 0, sizeof(cfg->pin));
		return NNG_EINVAL;
	}
	/* SECURITY: OPTIONAL only because mbed TLS refuses REQUIRED without
	 * a CA chain. pin_verify fails the handshake on any other leaf, and
	 * check_peer checks again before the first byte of data. */
	mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
	cfg->trust = TRUST_PIN;
	return 0;
}

static int
set_ca(nng_tls_engine_config *cfg, const char *certs, const char *crl)
{
	int rv;

	if ((rv = mbedtls_x509_crt_parse(&cfg->ca, (const uint8_t *)certs,
		 strlen(certs) + 1)) != 0 ||
	    (crl != NULL &&
		(rv = mbedtls_x509_crl_parse(&cfg->crl, (const uint8_t *)crl,
		     strlen(crl) + 1)) != 0)) {
		/* Not even the certificates that did parse. */
		mbedtls_x509_crt_free(&cfg->ca);
		mbedtls_x509_crt_init(&cfg->ca);
		mbedtls_x509_crl_free(&cfg->crl);
		mbedtls_x509_crl_init(&cfg->crl);
		return rv == MBEDTLS_ERR_X509_ALLOC_FAILED ? NNG_ENOMEM
							   : NNG_EINVAL;
	}
	mbedtls_ssl_conf_ca_chain(&cfg->conf, &cfg->ca,
	    crl != NULL ? &cfg->crl : NULL);
	mbedtls_ssl_conf_authmode(&cfg->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	cfg->trust = TRUST_CA;
	return 0;
}

/* A pin or a PEM CA chain, once: one trust anchor per configuration. */
static int
config_ca_chain(nng_tls_engine_config *cfg, const char *certs,
    const char *crl)
{
	const size_t plen = sizeof(CLI_TLS_PIN_CHAIN_PREFIX) - 1;

	if (cfg->trust != TRUST_NONE) {
		return NNG_EINVAL;
	}
	if (strncmp(certs, CLI_TLS_PIN_CHAIN_PREFIX, plen) == 0) {
		return crl == NULL ? set_pin(cfg, certs + plen) : NNG_EINVAL;
	}
	return set_ca(cfg, certs, crl);
}

static int
config_own_cert(nng_tls_engine_config *cfg, const char *cert,
    const char *key, const char *pass)
{
	(void)cfg;
	(void)cert;
	(void)key;
	(void)pass;
	return NNG_ENOTSUP;
}

/* TLS 1.2 only: mbed TLS 2.28 has no TLS 1.3 here, and nothing older is
 * acceptable. */
static int
config_version(nng_tls_engine_config *cfg, nng_tls_version min_ver,
    nng_tls_version max_ver)
{
	(void)cfg;
	if (min_ver > max_ver || min_ver > NNG_TLS_1_2 ||
	    max_ver < NNG_TLS_1_2) {
		return NNG_ENOTSUP;
	}
	return 0;
}

static nng_tls_engine_config_ops config_ops = {
	.size = sizeof(nng_tls_engine_config),
	.init = config_init,
	.fini = config_fini,
	.server = config_server,
	.auth = config_auth,
	.ca_chain = config_ca_chain,
	.own_cert = config_own_cert,
	.version = config_version,
};

static nng_tls_engine_conn_ops conn_ops = {
	.size = sizeof(nng_tls_engine_conn),
	.init = conn_init,
	.fini = conn_fini,
	.close = conn_close,
	.handshake = conn_handshake,
	.recv = conn_recv,
	.send = conn_send,
	.verified = conn_verified,
};

static const nng_tls_engine engine = {
	.version = NNG_TLS_ENGINE_VERSION,
	.config_ops = &config_ops,
	.conn_ops = &conn_ops,
	.name = CLI_TLS_ENGINE_NAME,
	.description = "Sealpost certificate pinning on "
		       MBEDTLS_VERSION_STRING_FULL,
	.fips_mode = false,
};

const nng_tls_engine *
cli_tls_engine(void)
{
	return &engine;
}
