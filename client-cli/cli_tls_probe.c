/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Trust on first use: one TLS handshake, verifying nothing, to learn the
 * server's certificate. Plain sockets and mbed TLS, outside nng, so that
 * the engine never has a mode that accepts any certificate. */
#include "client-cli/cli_tls_impl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/err.h"
#include "common/log.h"

struct probe {
	int fd;
	int64_t deadline; /* CLOCK_MONOTONIC, ms */
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
};

/* Waits until fd is ready for events or the deadline passes. */
static int
wait_fd(const struct probe *p, short events)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = p->deadline - clock_mono_ms()) <= 0) {
			return ERR_TIMEOUT;
		}
		pfd.fd = p->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0) {
			return 0;
		}
		if (n < 0 && errno != EINTR) {
			return ERR_NET;
		}
	}
}

static int
bio_send(void *arg, const unsigned char *buf, size_t len)
{
	const struct probe *p = arg;
	ssize_t n;

	n = send(p->fd, buf, len > INT_MAX ? INT_MAX : len, MSG_NOSIGNAL);
	if (n >= 0) {
		return (int)n;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	}
	return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
bio_recv(void *arg, unsigned char *buf, size_t len)
{
	const struct probe *p = arg;
	ssize_t n;

	n = recv(p->fd, buf, len > INT_MAX ? INT_MAX : len, 0);
	if (n > 0) {
		return (int)n;
	}
	if (n == 0) {
		return MBEDTLS_ERR_NET_CONN_RESET;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		return MBEDTLS_ERR_SSL_WANT_READ;
	}
	return MBEDTLS_ERR_NET_RECV_FAILED;
}

/* A non-blocking connect to one address, bounded by the deadline. */
static int
connect_one(struct probe *p, const struct addrinfo *ai)
{
	socklen_t len = sizeof(int);
	int fl, soerr = 0, r;

	p->fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (p->fd < 0) {
		return ERR_NET;
	}
	if ((fl = fcntl(p->fd, F_GETFL)) < 0 ||
	    fcntl(p->fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
	    fcntl(p->fd, F_SETFD, FD_CLOEXEC) != 0) {
		return ERR_NET;
	}
	if (connect(p->fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		return 0;
	}
	if (errno != EINPROGRESS && errno != EINTR) {
		return ERR_NET;
	}
	if ((r = wait_fd(p, POLLOUT)) != 0) {
		return r;
	}
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 ||
	    soerr != 0) {
		return ERR_NET;
	}
	return 0;
}

/* Connects to the first address of host:port that answers. */
static int
dial(struct probe *p, const char *host, const char *port, int family)
{
	struct addrinfo hints, *res = NULL, *ai;
	int r = ERR_NET, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_debug("%s: %s", host, gai_strerror(gai));
		return ERR_NET;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((r = connect_one(p, ai)) == 0 || r == ERR_TIMEOUT) {
			break;
		}
		if (p->fd >= 0) {
			close(p->fd);
			p->fd = -1;
		}
	}
	freeaddrinfo(res);
	return r;
}

/* 1 if host is an IPv4 or IPv6 address: no SNI for those (RFC 6066). */
static int
is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

static int
handshake(struct probe *p, const char *host)
{
	int rv;

	if ((rv = mbedtls_ssl_config_defaults(&p->conf, MBEDTLS_SSL_IS_CLIENT,
		 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT)) !=
	    0) {
		return ERR_NOMEM;
	}
	/* SECURITY: nothing is verified: the caller shows the result to
	 * the user, who decides. No data is sent over this connection. */
	mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_min_version(&p->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_rng(&p->conf, cli_tls_rng, NULL);
	if ((rv = mbedtls_ssl_setup(&p->ssl, &p->conf)) != 0 ||
	    (!is_ip_literal(host) &&
		(rv = mbedtls_ssl_set_hostname(&p->ssl, host)) != 0)) {
		return rv == MBEDTLS_ERR_SSL_ALLOC_FAILED ? ERR_NOMEM
							  : ERR_NET;
	}
	mbedtls_ssl_set_bio(&p->ssl, p, bio_send, bio_recv, NULL);
	for (;;) {
		rv = mbedtls_ssl_handshake(&p->ssl);
		if (rv == 0) {
			return 0;
		}
		if (rv == MBEDTLS_ERR_SSL_WANT_READ) {
			rv = wait_fd(p, POLLIN);
		} else if (rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
			rv = wait_fd(p, POLLOUT);
		} else {
			log_debug("TLS handshake with %s: -0x%04x", host,
			    (unsigned)-rv);
			return ERR_NET;
		}
		if (rv != 0) {
			return rv;
		}
	}
}

/* The address family a scheme asks for: tls+tcp4, wss6, ... */
static int
scheme_family(const char *scheme)
{
	size_t n = strlen(scheme);

	if (n > 0 && scheme[n - 1] == '4') {
		return AF_INET;
	}
	if (n > 0 && scheme[n - 1] == '6') {
		return AF_INET6;
	}
	return AF_UNSPEC;
}

static int
probe_url(struct probe *p, const nng_url *u,
    uint8_t fp[static CLI_TLS_PIN_LEN], char *desc, size_t desc_cap)
{
	const mbedtls_x509_crt *crt;
	int r;

	if ((r = dial(p, u->u_hostname, u->u_port,
		 scheme_family(u->u_scheme))) != 0 ||
	    (r = handshake(p, u->u_hostname)) != 0) {
		return r;
	}
	if ((crt = mbedtls_ssl_get_peer_cert(&p->ssl)) == NULL) {
		return ERR_INVALID;
	}
	cli_tls_leaf_hash(crt, fp);
	cli_tls_describe(crt, desc, desc_cap);
	/* Best effort: the socket does not block. */
	(void)mbedtls_ssl_close_notify(&p->ssl);
	return 0;
}

int
cli_tls_probe(const char *url, int timeout_ms,
    uint8_t fp[static CLI_TLS_PIN_LEN], char *desc, size_t desc_cap)
{
	struct probe p;
	nng_url *u = NULL;
	int r;

	memset(fp, 0, CLI_TLS_PIN_LEN);
	if (desc_cap > 0) {
		desc[0] = '\0';
	}
	if (!cli_url_is_tls(url) || timeout_ms <= 0 ||
	    nng_url_parse(&u, url) != 0) {
		return ERR_ARG;
	}
	if (sodium_init() < 0) {
		nng_url_free(u);
		return ERR_NET;
	}
	if (u->u_hostname[0] == '\0' || u->u_port[0] == '\0') {
		nng_url_free(u);
		return ERR_ARG;
	}
	memset(&p, 0, sizeof(p));
	p.fd = -1;
	p.deadline = clock_mono_ms() + timeout_ms;
	mbedtls_ssl_config_init(&p.conf);
	mbedtls_ssl_init(&p.ssl);
	r = probe_url(&p, u, fp, desc, desc_cap);
	mbedtls_ssl_free(&p.ssl);
	mbedtls_ssl_config_free(&p.conf);
	if (p.fd >= 0) {
		close(p.fd);
	}
	nng_url_free(u);
	if (r != 0) {
		memset(fp, 0, CLI_TLS_PIN_LEN);
		if (desc_cap > 0) {
			desc[0] = '\0';
		}
	}
	return r;
}
