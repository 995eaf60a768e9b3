/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's certificate pinning (client-cli/cli_tls) against a real key
 * server on 127.0.0.1 over tls+tcp:// and wss://: the probe, pinned and
 * refused dials, concurrent connections through the engine, PEM CA chains,
 * and the text form of pins. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/integration/client.h"
#include "tests/unit/helpers.h"

#include "client-cli/cli_tls.h"
#include "client-cli/cli_tls_impl.h"
#include "common/clock.h"
#include "common/err.h"

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define PEM_MAX 16384
#define WSS_PATH "/sealpost"
#define NTHREADS 4
#define NREQUESTS 25

struct env {
	struct harness *h;
	struct daemon other; /* a key server with another certificate */
	int have_openssl;
	char tls_url[CLIENT_PATH_MAX]; /* tls+tcp://127.0.0.1:PORT */
	char wss_url[CLIENT_PATH_MAX]; /* wss://127.0.0.1:PORT/sealpost */
	char ca[CLIENT_PATH_MAX], other_ca[CLIENT_PATH_MAX];
	uint8_t fp[CLI_TLS_PIN_LEN]; /* SHA-256 of server.pem, from here */
};

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e == NULL || harness_new(&e->h) != 0) {
		free(e);
		return -1;
	}
	e->have_openssl = client_have_openssl();
	*state = e;
	return 0;
}

/* Every daemon stops here, and must exit 0 on SIGTERM. */
static int
teardown(void **state)
{
	struct env *e = *state;
	int code = 0, c2 = 0;

	if (e->other.pid != 0) {
		c2 = daemon_stop(&e->other, 0);
	}
	daemon_free(&e->other);
	code = harness_free(e->h);
	free(e);
	*state = NULL;
	if (code != 0 || c2 != 0) {
		fprintf(stderr, "daemon exit codes %d, %d\n", code, c2);
		return -1;
	}
	return 0;
}

/* The port the ready file of d gives for the listener URL starting with
 * prefix. */
static int
ready_port(const struct daemon *d, const char *prefix)
{
	char line[CLIENT_PATH_MAX + 64], url[CLIENT_PATH_MAX];
	int port, found = -1;
	FILE *f = fopen(d->ready, "r");

	assert_non_null(f);
	while (found < 0 && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "listen %511s %d", url, &port) == 2 &&
		    strncmp(url, prefix, strlen(prefix)) == 0) {
			found = port;
		}
	}
	fclose(f);
	assert_true(found > 0);
	return found;
}

/* SHA-256 of the DER of the first certificate in the PEM file path,
 * decoded here with libsodium: independent of mbed TLS. */
static void
pem_fingerprint(const char *path, uint8_t fp[static CLI_TLS_PIN_LEN])
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static uint8_t der[PEM_MAX];
	char pem[PEM_MAX];
	const char *b64, *end;
	size_t n, dlen = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	assert_non_null(b64 = strstr(pem, begin));
	b64 += strlen(begin);
	assert_non_null(end = strstr(b64, "-----END CERTIFICATE-----"));
	assert_int_equal(sodium_base642bin(der, sizeof(der), b64,
			     (size_t)(end - b64), "\r\n", &dlen, NULL,
			     sodium_base64_VARIANT_ORIGINAL),
	    0);
	assert_true(dlen > 100);
	assert_int_equal(crypto_hash_sha256(fp, der, dlen), 0);
}

/* `openssl x509 -noout -fingerprint -sha256` of path, parsed. */
static void
openssl_fingerprint(const char *path, uint8_t fp[static CLI_TLS_PIN_LEN])
{
	char out[512];
	int status = -1;

	assert_ok(client_run("/bin/sh",
	    ARGS("-c",
		"exec openssl x509 -noout -fingerprint -sha256 -in \"$1\"",
		"sh", path),
	    NULL, out, sizeof(out), 0, &status));
	assert_int_equal(status, 0);
	assert_ok(cli_tls_pin_parse(out, fp));
}

/* The notAfter date of the certificate in path, as YYYY-MM-DD. */
static void
openssl_enddate(const char *path, char date[static 11])
{
	char out[256];
	int status = -1;

	assert_ok(client_run("/bin/sh",
	    ARGS("-c",
		"exec openssl x509 -noout -enddate -dateopt iso_8601 "
		"-in \"$1\"",
		"sh", path),
	    NULL, out, sizeof(out), 0, &status));
	assert_int_equal(status, 0);
	assert_int_equal(sscanf(out, "notAfter=%10s", date), 1);
	assert_int_equal(strlen(date), 10);
}

/* Certificates in DIR/sub (made 0700) and a key server there listening
 * on tls+tcp:// and wss:// only. Fills tls_url and wss_url. */
static void
start_tls_server(struct daemon *d, const char *dir, char *tls_url,
    char *wss_url)
{
	char cert[CLIENT_PATH_MAX], key[CLIENT_PATH_MAX];

	assert_ok(client_gen_certs(dir));
	assert_ok(client_path(cert, sizeof(cert), dir, "server.pem"));
	assert_ok(client_path(key, sizeof(key), dir, "server.key"));
	assert_ok(daemon_start(d, dir, KEYSERVER_PROG,
	    ARGS("--db", "keyserver.db", "--listen", "tls+tcp://127.0.0.1:0",
		"--listen", "wss://127.0.0.1:0" WSS_PATH, "--tls-cert", cert,
		"--tls-key", key, "--http", "")));
	snprintf(tls_url, CLIENT_PATH_MAX, "tls+tcp://127.0.0.1:%d",
	    ready_port(d, "tls+tcp://"));
	snprintf(wss_url, CLIENT_PATH_MAX, "wss://127.0.0.1:%d" WSS_PATH,
	    ready_port(d, "wss://"));
}

/* The key server of the test, with its certificate's fingerprint. */
static struct env *
start(void **state)
{
	struct env *e = *state;
	char cert[CLIENT_PATH_MAX];
	uint8_t fp2[CLI_TLS_PIN_LEN];

	if (!e->have_openssl) {
		fprintf(stderr, "openssl CLI not found: TLS test skipped\n");
		skip();
	}
	assert_ok(cli_tls_init());
	start_tls_server(&e->h->ks, e->h->dir, e->tls_url, e->wss_url);
	assert_ok(client_path(cert, sizeof(cert), e->h->dir, "server.pem"));
	assert_ok(client_path(e->ca, sizeof(e->ca), e->h->dir, "ca.pem"));
	assert_ok(client_path(e->other_ca, sizeof(e->other_ca), e->h->dir,
	    "other-ca.pem"));
	pem_fingerprint(cert, e->fp);
	openssl_fingerprint(cert, fp2);
	assert_mem_eq(e->fp, fp2, CLI_TLS_PIN_LEN);
	return e;
}

/* ------------------------------------------------------------------ */
/* Pinned connections. */

static int
nng_to_err(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_EPEERAUTH:
		return ERR_AUTH;
	case NNG_ETIMEDOUT:
		return ERR_TIMEOUT;
	default:
		return ERR_NET;
	}
}

/* A req0 socket set up as conn_open does, dialled to url under cfg (NULL:
 * the dialer's own). flags go to nng_dialer_start. Returns 0, ERR_AUTH
 * (nng's NNG_EPEERAUTH), ERR_TIMEOUT or ERR_NET; c is closed on failure. */
static int
dial_cfg(struct conn *c, const char *url, nng_tls_config *cfg, int flags,
    int timeout_ms)
{
	nng_dialer dl;
	int rv;

	memset(c, 0, sizeof(*c));
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		return nng_to_err(rv);
	}
	c->open = 1;
	if ((rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
		 CLIENT_RECV_MAX)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
		 timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
		 timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
		 CLIENT_RESEND_MS)) != 0 ||
	    (rv = nng_dialer_create(&dl, c->sock, url)) != 0 ||
	    (cfg != NULL &&
		(rv = nng_dialer_set_ptr(dl, NNG_OPT_TLS_CONFIG, cfg)) != 0) ||
	    (rv = nng_dialer_start(dl, flags)) != 0) {
		conn_close(c);
		return nng_to_err(rv);
	}
	return 0;
}

static int
timeout_ms(int ms)
{
	return ms * client_time_scale();
}

/* Dials url pinned to pin (server name "localhost"). */
static int
dial_pin(struct conn *c, const char *url,
    const uint8_t pin[static CLI_TLS_PIN_LEN], int flags, int ms)
{
	nng_tls_config *cfg = NULL;
	int r;

	assert_ok(cli_tls_config_pin(pin, "localhost", &cfg));
	assert_non_null(cfg);
	r = dial_cfg(c, url, cfg, flags, ms);
	nng_tls_config_free(cfg);
	return r;
}

/* CHALLENGE on c; returns its result and closes c. */
static int
challenge_close(struct conn *c)
{
	struct proto_challenge ch;
	int r;

	r = conn_challenge(c, &ch);
	conn_close(c);
	if (r == 0 && strcmp(ch.server_id, "sealpost-keyserver") != 0) {
		r = ERR_MISMATCH;
	}
	return r;
}

/* A dial under pin must fail: refused at the dial, or, dialled in the
 * background, no reply ever comes. */
static void
assert_refused(const char *url, const uint8_t pin[static CLI_TLS_PIN_LEN])
{
	struct conn c;

	assert_err(dial_pin(&c, url, pin, 0, timeout_ms(2000)), ERR_AUTH);
	assert_ok(dial_pin(&c, url, pin, NNG_FLAG_NONBLOCK, timeout_ms(500)));
	assert_err(challenge_close(&c), ERR_TIMEOUT);
}

static void
test_pin_tls(void **state)
{
	struct env *e = start(state);
	nng_tls_config *cfg = NULL;
	struct conn c;

	assert_ok(dial_pin(&c, e->tls_url, e->fp, 0, timeout_ms(10000)));
	assert_ok(challenge_close(&c));
	/* Without a server name (no SNI) too. */
	assert_ok(cli_tls_config_pin(e->fp, NULL, &cfg));
	assert_ok(dial_cfg(&c, e->tls_url, cfg, 0, timeout_ms(10000)));
	nng_tls_config_free(cfg);
	assert_ok(challenge_close(&c));
}

static void
test_pin_wss(void **state)
{
	struct env *e = start(state);
	struct conn c;

	assert_ok(dial_pin(&c, e->wss_url, e->fp, 0, timeout_ms(10000)));
	assert_ok(challenge_close(&c));
}

static void
test_wrong_pin(void **state)
{
	struct env *e = start(state);
	uint8_t pin[CLI_TLS_PIN_LEN];
	size_t i;

	for (i = 0; i < 2; i++) {
		memcpy(pin, e->fp, sizeof(pin));
		pin[i == 0 ? 0 : CLI_TLS_PIN_LEN - 1] ^= 0x01;
		assert_refused(e->tls_url, pin);
		assert_refused(e->wss_url, pin);
	}
	/* The server is fine for the right pin. */
	{
		struct conn c;

		assert_ok(dial_pin(&c, e->tls_url, e->fp, 0,
		    timeout_ms(10000)));
		assert_ok(challenge_close(&c));
	}
}

/* A server with another certificate (and key) is refused under the pin
 * of the first, and accepted under its own. */
static void
test_other_server(void **state)
{
	struct env *e = start(state);
	char dir[CLIENT_PATH_MAX], tls2[CLIENT_PATH_MAX];
	char wss2[CLIENT_PATH_MAX], cert[CLIENT_PATH_MAX], desc[128];
	uint8_t fp2[CLI_TLS_PIN_LEN], seen[CLI_TLS_PIN_LEN];
	struct conn c;

	assert_ok(client_path(dir, sizeof(dir), e->h->dir, "other"));
	assert_int_equal(mkdir(dir, 0700), 0);
	start_tls_server(&e->other, dir, tls2, wss2);
	assert_ok(client_path(cert, sizeof(cert), dir, "server.pem"));
	pem_fingerprint(cert, fp2);
	assert_true(sodium_memcmp(fp2, e->fp, CLI_TLS_PIN_LEN) != 0);

	assert_refused(tls2, e->fp);
	assert_refused(wss2, e->fp);
	assert_ok(cli_tls_probe(tls2, timeout_ms(5000), seen, desc,
	    sizeof(desc)));
	assert_mem_eq(seen, fp2, CLI_TLS_PIN_LEN);
	assert_ok(dial_pin(&c, tls2, fp2, 0, timeout_ms(10000)));
	assert_ok(challenge_close(&c));
	/* And the first server is refused under the second's pin. */
	assert_refused(e->tls_url, fp2);
}

/* ------------------------------------------------------------------ */
/* Several connections at once through the engine. */

struct worker {
	pthread_t tid;
	const char *url;
	nng_tls_config *cfg; /* shared by all the workers */
	int r;               /* first failure */
	int done;            /* requests answered */
};

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct proto_challenge ch;
	struct conn c;
	int i;

	if ((w->r = dial_cfg(&c, w->url, w->cfg, 0, timeout_ms(20000))) !=
	    0) {
		return NULL;
	}
	for (i = 0; i < NREQUESTS && w->r == 0; i++) {
		if ((w->r = conn_challenge(&c, &ch)) == 0) {
			w->done++;
		}
	}
	conn_close(&c);
	return NULL;
}

static void
test_concurrent(void **state)
{
	struct env *e = start(state);
	struct worker w[NTHREADS];
	nng_tls_config *cfg = NULL;
	size_t i;

	assert_ok(cli_tls_config_pin(e->fp, "localhost", &cfg));
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].url = i % 2 == 0 ? e->tls_url : e->wss_url;
		w[i].cfg = cfg;
		assert_int_equal(pthread_create(&w[i].tid, NULL, worker_main,
				     &w[i]),
		    0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(w[i].tid, NULL), 0);
	}
	nng_tls_config_free(cfg);
	for (i = 0; i < NTHREADS; i++) {
		assert_ok(w[i].r);
		assert_int_equal(w[i].done, NREQUESTS);
	}
}

/* ------------------------------------------------------------------ */
/* Trust on first use. */

/* A listening TCP socket on 127.0.0.1 that never accepts; *port gets its
 * port. The kernel completes TCP handshakes, then nothing answers. */
static int
silent_listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
test_probe(void **state)
{
	struct env *e = start(state);
	uint8_t fp[CLI_TLS_PIN_LEN], zero[CLI_TLS_PIN_LEN] = { 0 };
	char desc[128], url[CLIENT_PATH_MAX];
	char cert[CLIENT_PATH_MAX], date[11], want[64];
	int port, fd;
	int64_t t0;

	assert_ok(client_path(cert, sizeof(cert), e->h->dir, "server.pem"));
	openssl_enddate(cert, date);
	snprintf(want, sizeof(want), "CN=localhost, expires %s", date);
	assert_ok(cli_tls_probe(e->tls_url, timeout_ms(5000), fp, desc,
	    sizeof(desc)));
	assert_mem_eq(fp, e->fp, CLI_TLS_PIN_LEN);
	assert_string_equal(desc, want);
	assert_ok(cli_tls_probe(e->wss_url, timeout_ms(5000), fp, desc,
	    sizeof(desc)));
	assert_mem_eq(fp, e->fp, CLI_TLS_PIN_LEN);
	/* A short buffer is cut, not overrun. */
	assert_ok(cli_tls_probe(e->tls_url, timeout_ms(5000), fp, desc, 8));
	assert_string_equal(desc, "CN=loca");

	/* Not TLS, no port, no time. */
	assert_err(cli_tls_probe(e->tls_url + 4, 1000, fp, desc, sizeof(desc)),
	    ERR_ARG);
	assert_err(cli_tls_probe("tls+tcp://127.0.0.1", 1000, fp, desc,
		       sizeof(desc)),
	    ERR_ARG);
	assert_err(cli_tls_probe(e->tls_url, 0, fp, desc, sizeof(desc)),
	    ERR_ARG);
	assert_mem_eq(fp, zero, CLI_TLS_PIN_LEN);
	assert_string_equal(desc, "");

	/* Nobody listens: refused. */
	fd = silent_listener(&port);
	close(fd);
	snprintf(url, sizeof(url), "tls+tcp://127.0.0.1:%d", port);
	assert_err(cli_tls_probe(url, timeout_ms(5000), fp, desc,
		       sizeof(desc)),
	    ERR_NET);
	/* Somebody listens and never answers: the timeout. */
	fd = silent_listener(&port);
	snprintf(url, sizeof(url), "wss://127.0.0.1:%d/x", port);
	t0 = clock_mono_ms();
	assert_err(cli_tls_probe(url, 300, fp, desc, sizeof(desc)),
	    ERR_TIMEOUT);
	assert_true(clock_mono_ms() - t0 < 5000);
	close(fd);
	assert_mem_eq(fp, zero, CLI_TLS_PIN_LEN);
}

/* The description shows the server's CN as printable ASCII only: no
 * terminal control sequences. */
static void
test_describe(void **state)
{
	struct env *e = *state;
	char pem[CLIENT_PATH_MAX], date[11], want[64], desc[128];
	mbedtls_x509_crt crt;
	int status = -1;

	if (!e->have_openssl) {
		skip();
	}
	assert_ok(client_path(pem, sizeof(pem), e->h->dir, "hostile.pem"));
	assert_ok(client_run("/bin/sh",
	    ARGS("-c",
		"cn=$(printf 'evil\\033[2J\\007'); exec openssl req -x509 "
		"-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		"-days 3 -subj \"/CN=$cn/O=x\" -keyout \"$1.key\" "
		"-out \"$1\" 2>/dev/null",
		"sh", pem),
	    NULL, NULL, 0, 0, &status));
	assert_int_equal(status, 0);
	openssl_enddate(pem, date);
	snprintf(want, sizeof(want), "CN=evil?[2J?, expires %s", date);
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_file(&crt, pem), 0);
	cli_tls_describe(&crt, desc, sizeof(desc));
	assert_string_equal(desc, want);
	cli_tls_describe(&crt, desc, 6);
	assert_string_equal(desc, "CN=ev");
	mbedtls_x509_crt_free(&crt);
}

/* ------------------------------------------------------------------ */
/* PEM CA chains and configurations without trust. */

static void
test_ca_chain(void **state)
{
	struct env *e = start(state);
	struct conn_opts o;
	struct conn c;
	int r;

	memset(&o, 0, sizeof(o));
	o.tls_ca = e->ca;
	o.tls_name = "localhost";
	assert_ok(conn_open(&c, e->tls_url, &o));
	assert_ok(challenge_close(&c));
	assert_ok(conn_open(&c, e->wss_url, &o));
	assert_ok(challenge_close(&c));

	/* Another CA, another name, no name: the dial or the request
	 * fails. */
	o.timeout_ms = timeout_ms(1000);
	o.tls_ca = e->other_ca;
	if ((r = conn_open(&c, e->tls_url, &o)) == 0) {
		r = challenge_close(&c);
	}
	assert_true(r == ERR_NET || r == ERR_TIMEOUT);
	o.tls_ca = e->ca;
	o.tls_name = "not-the-server.example";
	if ((r = conn_open(&c, e->tls_url, &o)) == 0) {
		r = challenge_close(&c);
	}
	assert_true(r == ERR_NET || r == ERR_TIMEOUT);
	o.tls_name = NULL;
	if ((r = conn_open(&c, e->tls_url, &o)) == 0) {
		r = challenge_close(&c);
	}
	assert_true(r == ERR_NET || r == ERR_TIMEOUT);
}

static void
test_no_trust(void **state)
{
	struct env *e = start(state);
	nng_tls_config *cfg = NULL;
	struct conn c;

	/* Neither a pin nor a CA: refused before any byte. */
	assert_int_equal(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT), 0);
	assert_err(dial_cfg(&c, e->tls_url, cfg, 0, timeout_ms(2000)),
	    ERR_AUTH);
	assert_err(dial_cfg(&c, e->wss_url, cfg, 0, timeout_ms(2000)),
	    ERR_AUTH);
	nng_tls_config_free(cfg);
	/* The dialer's own configuration has none either. */
	assert_err(dial_cfg(&c, e->tls_url, NULL, 0, timeout_ms(2000)),
	    ERR_AUTH);
	assert_err(dial_cfg(&c, e->wss_url, NULL, 0, timeout_ms(2000)),
	    ERR_AUTH);
}

/* ------------------------------------------------------------------ */
/* Without a server. */

static void
test_engine_rules(void **state)
{
	static const char pin_hex[] = CLI_TLS_PIN_CHAIN_PREFIX
	    "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff";
	nng_tls_config *cfg = NULL;

	(void)state;
	assert_ok(cli_tls_init());
	assert_ok(cli_tls_init());
	assert_string_equal(nng_tls_engine_name(), CLI_TLS_ENGINE_NAME);
	assert_int_equal(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER),
	    NNG_ENOTSUP);

	assert_int_equal(nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT), 0);
	assert_int_equal(nng_tls_config_auth_mode(cfg,
			     NNG_TLS_AUTH_MODE_NONE),
	    NNG_ENOTSUP);
	assert_int_equal(nng_tls_config_auth_mode(cfg,
			     NNG_TLS_AUTH_MODE_OPTIONAL),
	    NNG_ENOTSUP);
	assert_int_equal(nng_tls_config_auth_mode(cfg,
			     NNG_TLS_AUTH_MODE_REQUIRED),
	    0);
	assert_int_equal(nng_tls_config_version(cfg, NNG_TLS_1_3,
			     NNG_TLS_1_3),
	    NNG_ENOTSUP);
	assert_int_equal(nng_tls_config_version(cfg, NNG_TLS_1_0,
			     NNG_TLS_1_1),
	    NNG_ENOTSUP);
	assert_int_equal(nng_tls_config_version(cfg, NNG_TLS_1_0,
			     NNG_TLS_1_3),
	    0);
	assert_int_equal(nng_tls_config_own_cert(cfg, "x", "y", NULL),
	    NNG_ENOTSUP);
	/* Bad pins and bad PEM leave the config without trust. */
	assert_int_equal(nng_tls_config_ca_chain(cfg,
			     CLI_TLS_PIN_CHAIN_PREFIX "0011", NULL),
	    NNG_EINVAL);
	assert_int_equal(nng_tls_config_ca_chain(cfg,
			     CLI_TLS_PIN_CHAIN_PREFIX
			     "zz112233445566778899aabbccddeeff"
			     "00112233445566778899aabbccddeeff",
			     NULL),
	    NNG_EINVAL);
	assert_int_equal(nng_tls_config_ca_chain(cfg, pin_hex, pin_hex),
	    NNG_EINVAL);
	assert_int_equal(nng_tls_config_ca_chain(cfg,
			     "-----BEGIN CERTIFICATE-----\nAAAA\n"
			     "-----END CERTIFICATE-----\n",
			     NULL),
	    NNG_EINVAL);
	/* One pin, once. */
	assert_int_equal(nng_tls_config_ca_chain(cfg, pin_hex, NULL), 0);
	assert_int_equal(nng_tls_config_ca_chain(cfg, pin_hex, NULL),
	    NNG_EINVAL);
	nng_tls_config_free(cfg);
}

static void
test_url_is_tls(void **state)
{
	static const char *const yes[] = { "tls+tcp://h:1", "TLS+TCP://h:1",
		"tls+tcp4://h:1", "tls+tcp6://[::1]:1", "wss://h/p",
		"WSS://h:443/p", "wss4://h:1/p", "wss6://h:1/p" };
	static const char *const no[] = { "tcp://h:1", "ipc:///tmp/x",
		"ws://h:1/p", "", "tls+tcp:/h:1", "tls+tcp", "wss:",
		"https://h", "xtls+tcp://h:1", "inproc://x" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(cli_url_is_tls(yes[i]), 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(cli_url_is_tls(no[i]), 0);
	}
}

/* One pin in the forms cli_tls_pin_parse takes, and near misses. */
static const char pin_lower[] = "0c690d5eddfce4ba49de98cef3c764c5"
				"b8b9208a2e00c094b2bb070d16bf3249";
static const char *const pin_good[] = { pin_lower,
	"0C690D5EDDFCE4BA49DE98CEF3C764C5"
	"B8B9208A2E00C094B2BB070D16BF3249",
	"0C:69:0D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:B8:B9:20:8A:2E:00:"
	"C0:94:B2:BB:07:0D:16:BF:32:49",
	/* as OpenSSL 3 and 1.1 print it */
	"sha256 Fingerprint=0C:69:0D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:"
	"B8:B9:20:8A:2E:00:C0:94:B2:BB:07:0D:16:BF:32:49\n",
	"SHA256 Fingerprint=0c:69:0d:5e:dd:fc:e4:ba:49:de:98:ce:f3:c7:64:c5:"
	"b8:b9:20:8a:2e:00:c0:94:b2:bb:07:0d:16:bf:32:49",
	"sha256:0c690d5eddfce4ba49de98cef3c764c5b8b9208a2e00c094b2bb070d16bf"
	"3249",
	"  SHA256:0C690D5EDDFCE4BA49DE98CEF3C764C5B8B9208A2E00C094B2BB070D16"
	"BF3249\r\n" };
static const char *const pin_bad[] = { "", "sha256:", "   ",
	/* 63 and 65 digits */
	"0c690d5eddfce4ba49de98cef3c764c5b8b9208a2e00c094b2bb070d16bf324",
	"0c690d5eddfce4ba49de98cef3c764c5b8b9208a2e00c094b2bb070d16bf32490",
	/* a non-hex digit */
	"0g690d5eddfce4ba49de98cef3c764c5b8b9208a2e00c094b2bb070d16bf3249",
	/* separators: trailing, doubled, misplaced, mixed, another */
	"0C:69:0D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:B8:B9:20:8A:2E:00:"
	"C0:94:B2:BB:07:0D:16:BF:32:49:",
	"0C::69:0D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:B8:B9:20:8A:2E:00:"
	"C0:94:B2:BB:07:0D:16:BF:32:49",
	"0C6:9:0D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:B8:B9:20:8A:2E:00:"
	"C0:94:B2:BB:07:0D:16:BF:32:49",
	"0C690D:5E:DD:FC:E4:BA:49:DE:98:CE:F3:C7:64:C5:B8:B9:20:8A:2E:00:"
	"C0:94:B2:BB:07:0D:16:BF:32:49",
	"0C-69-0D-5E-DD-FC-E4-BA-49-DE-98-CE-F3-C7-64-C5-B8-B9-20-8A-2E-00-"
	"C0-94-B2-BB-07-0D-16-BF-32-49",
	/* a blank inside, another hash's prefix */
	"0c690d5eddfce4ba49de98cef3c764c5 b8b9208a2e00c094b2bb070d16bf3249",
	"sha1:0c690d5eddfce4ba49de98cef3c764c5b8b9208a2e00c094b2bb070d16bf"
	"3249" };

static void
test_pin_parse(void **state)
{
	uint8_t want[CLI_TLS_PIN_LEN], fp[CLI_TLS_PIN_LEN];
	uint8_t zero[CLI_TLS_PIN_LEN] = { 0 };
	char hex[CLI_TLS_PIN_HEX_LEN + 1];
	size_t i;

	(void)state;
	test_unhex(want, sizeof(want), pin_lower);
	for (i = 0; i < sizeof(pin_good) / sizeof(pin_good[0]); i++) {
		memset(fp, 0xaa, sizeof(fp));
		assert_ok(cli_tls_pin_parse(pin_good[i], fp));
		assert_mem_eq(fp, want, CLI_TLS_PIN_LEN);
	}
	for (i = 0; i < sizeof(pin_bad) / sizeof(pin_bad[0]); i++) {
		memset(fp, 0xaa, sizeof(fp));
		if (cli_tls_pin_parse(pin_bad[i], fp) != ERR_INVALID) {
			fail_msg("accepted bad pin %zu: \"%s\"", i,
			    pin_bad[i]);
		}
		assert_mem_eq(fp, zero, CLI_TLS_PIN_LEN);
	}
	/* format, then parse, is the identity; format is lower case. */
	memset(hex, 'x', sizeof(hex));
	cli_tls_pin_format(want, hex);
	assert_string_equal(hex, pin_lower);
	assert_ok(cli_tls_pin_parse(hex, fp));
	assert_mem_eq(fp, want, CLI_TLS_PIN_LEN);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_parse),
		cmocka_unit_test(test_url_is_tls),
		cmocka_unit_test(test_engine_rules),
		T(test_probe),
		T(test_describe),
		T(test_pin_tls),
		T(test_pin_wss),
		T(test_wrong_pin),
		T(test_other_server),
		T(test_concurrent),
		T(test_ca_chain),
		T(test_no_trust),
	};

	if (sodium_init() < 0) {
		return 1;
	}
	return cmocka_run_group_tests_name("cli_tls", tests, NULL, NULL);
}
