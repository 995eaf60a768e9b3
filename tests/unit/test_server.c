/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for service/server over real loopback transports: round
 * trips on every transport, TLS pinning, concurrency, parking (wake,
 * timeout, quota, closed pipe, racing wake), oversized frames, pipe events,
 * HTTP endpoints and signals. Every client socket has a receive limit and
 * a receive timeout, so a hang fails a test instead of the CI job. */
#include "tests/unit/helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <nng/supplemental/util/platform.h>

#include "service/metrics.h"
#include "service/server.h"

#define CLIENT_TIMEOUT_MS 10000
#define WAIT_MS 10000
#define MAX_EVENTS 1024

struct event {
	uint32_t pipe;
	int added;
	char peer[64];
};

/* Shared by the handler and the pipe callback of one test server. */
struct tctx {
	struct server *srv;
	struct metrics *m;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct event ev[MAX_EVENTS];
	size_t nev;
	int open_pipes; /* added minus removed */
	atomic_int handled;
	char dir[64];
};

static struct tctx T;

static void
on_pipe(uint32_t pipe, int added, const char *peer, void *arg)
{
	struct tctx *t = arg;

	pthread_mutex_lock(&t->lock);
	t->open_pipes += added ? 1 : -1;
	if (t->nev < MAX_EVENTS) {
		t->ev[t->nev].pipe = pipe;
		t->ev[t->nev].added = added;
		snprintf(t->ev[t->nev].peer, sizeof(t->ev[0].peer), "%s",
		    peer != NULL ? peer : "(null)");
		t->nev++;
	}
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->lock);
}

static void
reply_str(struct server_req *req, const char *s)
{
	server_reply(req, (const uint8_t *)s, strlen(s));
}

/* "park:KEY:MS" parks; "race:KEY:MS" wakes KEY first (a wake racing with
 * the handler); anything else is echoed. */
static void
handler(struct server_req *req, void *arg)
{
	struct tctx *t = arg;
	char buf[128];
	const uint8_t *d;
	size_t n;
	uint64_t key;
	int64_t ms;
	int r;

	atomic_fetch_add(&t->handled, 1);
	d = server_req_data(req, &n);
	snprintf(buf, sizeof(buf), "%.*s", (int)(n < 127 ? n : 127),
	    (const char *)d);
	if (sscanf(buf + (n >= 5 ? 5 : 0), "%" SCNu64 ":%" SCNd64, &key,
		&ms) != 2 ||
	    (strncmp(buf, "park:", 5) != 0 && strncmp(buf, "race:", 5) != 0)) {
		server_reply(req, d, n);
		return;
	}
	switch (server_req_woken(req)) {
	case SERVER_WAKE_EVENT:
		reply_str(req, "woke");
		return;
	case SERVER_WAKE_TIMEOUT:
		reply_str(req, "timeout");
		return;
	default:
		break;
	}
	if (buf[0] == 'r') {
		server_wake(server_req_server(req), key);
	}
	if ((r = server_park(req, key, ms)) != 0) {
		reply_str(req, r == ERR_QUOTA ? "quota" : "error");
	}
}

static int
setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.lock, NULL);
	pthread_cond_init(&T.cv, NULL);
	snprintf(T.dir, sizeof(T.dir), "/tmp/sp-test-server.XXXXXX");
	if (mkdtemp(T.dir) == NULL) {
		return -1;
	}
	T.m = metrics_new();
	return T.m == NULL ? -1 : 0;
}

/* nng 1.5.2 can leak a reply whose transport send has not completed when
 * the socket closes; let every connection end the normal way first. */
static void
wait_no_pipes(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&T.lock);
	while (T.open_pipes > 0 &&
	    pthread_cond_timedwait(&T.cv, &T.lock, &ts) == 0) {
	}
	pthread_mutex_unlock(&T.lock);
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (T.srv != NULL) {
		wait_no_pipes();
	}
	server_free(T.srv);
	T.srv = NULL;
	metrics_free(T.m);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", T.dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not remove %s\n", T.dir);
	}
	pthread_cond_destroy(&T.cv);
	pthread_mutex_destroy(&T.lock);
	return 0;
}

/* Starts T.srv on one URL; fills url_out with the dialable URL. */
static void
start_server(struct server_config *cfg, const char *listen, char *url_out,
    size_t cap)
{
	const char *urls[1];
	int port;

	urls[0] = listen;
	cfg->listen = urls;
	cfg->nlisten = 1;
	cfg->pipe_event = on_pipe;
	cfg->arg = &T;
	cfg->metrics = T.m;
	assert_ok(server_new(cfg, handler, &T, &T.srv));
	assert_ok(server_start(T.srv));
	port = server_bound_port(T.srv, 0);
	if (strncmp(listen, "ipc://", 6) == 0) {
		assert_int_equal(port, -1);
		snprintf(url_out, cap, "%s", listen);
		return;
	}
	assert_true(port > 0);
	if (strncmp(listen, "ws://", 5) == 0) {
		snprintf(url_out, cap, "ws://127.0.0.1:%d/sp", port);
	} else if (strncmp(listen, "tls+tcp://", 10) == 0) {
		snprintf(url_out, cap, "tls+tcp://127.0.0.1:%d", port);
	} else {
		snprintf(url_out, cap, "tcp://127.0.0.1:%d", port);
	}
}

static void
client_opts(nng_socket c, int timeout_ms)
{
	assert_int_equal(nng_socket_set_size(c, NNG_OPT_RECVMAXSZ, 1 << 20),
	    0);
	assert_int_equal(nng_socket_set_ms(c, NNG_OPT_RECVTIMEO, timeout_ms),
	    0);
	assert_int_equal(nng_socket_set_ms(c, NNG_OPT_SENDTIMEO, timeout_ms),
	    0);
}

static nng_socket
client_open(const char *url)
{
	nng_socket c;

	assert_int_equal(nng_req0_open(&c), 0);
	client_opts(c, CLIENT_TIMEOUT_MS);
	assert_int_equal(nng_dial(c, url, NULL, 0), 0);
	return c;
}

/* nng_send takes a non-const buffer: send a copy of s. */
static int
send_str(nng_socket c, const char *s)
{
	char buf[256];
	size_t n = strlen(s);

	assert_true(n < sizeof(buf));
	memcpy(buf, s, n);
	return nng_send(c, buf, n, 0);
}

/* Sends s, returns the reply as a heap string (free it). */
static char *
call(nng_socket c, const char *s)
{
	char *buf = NULL, *out;
	size_t n = 0;
	int rv;

	rv = send_str(c, s);
	assert_int_equal(rv, 0);
	rv = nng_recv(c, &buf, &n, NNG_FLAG_ALLOC);
	if (rv != 0) {
		fail_msg("recv for \"%s\": %s", s, nng_strerror(rv));
	}
	out = malloc(n + 1);
	assert_non_null(out);
	if (n > 0) {
		memcpy(out, buf, n);
	}
	if (buf != NULL) {
		nng_free(buf, n);
	}
	out[n] = '\0';
	return out;
}

static void
expect_call(nng_socket c, const char *s, const char *want)
{
	char *got = call(c, s);

	assert_string_equal(got, want);
	free(got);
}

/* Polls a condition with a bounded deadline (no fixed sleeps). */
static int
wait_parked(size_t want)
{
	nng_time end = nng_clock() + WAIT_MS;

	while (server_parked_count(T.srv) != want) {
		if (nng_clock() > end) {
			return 0;
		}
		nng_msleep(2);
	}
	return 1;
}

static void
round_trip_on(const char *listen)
{
	struct server_config cfg = { 0 };
	char url[256];
	nng_socket c;

	start_server(&cfg, listen, url, sizeof(url));
	c = client_open(url);
	expect_call(c, "hello", "hello");
	expect_call(c, "", "");
	expect_call(c, "again", "again");
	nng_close(c);
}

static void
test_echo_tcp(void **state)
{
	(void)state;
	round_trip_on("tcp://127.0.0.1:0");
}

static void
test_echo_ipc(void **state)
{
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "ipc://%s/s.ipc", T.dir);
	round_trip_on(url);
}

static void
test_echo_ws(void **state)
{
	(void)state;
	round_trip_on("ws://127.0.0.1:0/sp");
}

static void
test_config_errors(void **state)
{
	struct server_config cfg = { 0 };
	const char *tls[] = { "tls+tcp://127.0.0.1:0" };
	const char *bad[] = { "bogus://x" };
	struct server *s = NULL;

	(void)state;
	assert_err(server_new(&cfg, handler, &T, &s), ERR_CONFIG);
	assert_null(s);
	cfg.listen = tls;
	cfg.nlisten = 1;
	assert_err(server_new(&cfg, handler, &T, &s), ERR_CONFIG);
	cfg.tls_cert_file = "/nonexistent/cert.pem";
	cfg.tls_key_file = "/nonexistent/key.pem";
	assert_err(server_new(&cfg, handler, &T, &s), ERR_CONFIG);
	assert_null(s);
	cfg.listen = bad;
	assert_int_not_equal(server_new(&cfg, handler, &T, &s), 0);
	assert_null(s);
}

static int
run_sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

/* A self-signed certificate for CN/SAN "localhost" in dir/name.pem and
 * dir/name.key. */
static int
make_cert(const char *name)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
	    "openssl req -x509 -newkey ec"
	    " -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost"
	    " -addext subjectAltName=DNS:localhost"
	    " -keyout '%s/%s.key' -out '%s/%s.pem' >/dev/null 2>&1",
	    T.dir, name, T.dir, name);
	return run_sh(cmd);
}

/* A TLS client pinned to ca_file; returns the dial result. */
static int
tls_client(const char *url, const char *ca_file, nng_socket *out)
{
	nng_tls_config *tc;
	nng_dialer d;
	int rv;

	assert_int_equal(nng_req0_open(out), 0);
	client_opts(*out, CLIENT_TIMEOUT_MS);
	assert_int_equal(nng_tls_config_alloc(&tc, NNG_TLS_MODE_CLIENT), 0);
	assert_int_equal(nng_tls_config_ca_file(tc, ca_file), 0);
	assert_int_equal(nng_tls_config_auth_mode(tc,
			     NNG_TLS_AUTH_MODE_REQUIRED),
	    0);
	assert_int_equal(nng_tls_config_server_name(tc, "localhost"), 0);
	assert_int_equal(nng_dialer_create(&d, *out, url), 0);
	assert_int_equal(nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tc), 0);
	nng_tls_config_free(tc);
	rv = nng_dialer_start(d, 0);
	return rv;
}

static void
test_tls(void **state)
{
	struct server_config cfg = { 0 };
	char url[256], cert[128], key[128], other[128];
	nng_socket c, bad;
	char *buf = NULL;
	size_t n = 0;
	int rv;

	(void)state;
	if (run_sh("command -v openssl >/dev/null 2>&1") != 0) {
		fprintf(stderr, "openssl CLI missing: TLS test skipped\n");
		skip();
	}
	assert_int_equal(make_cert("server"), 0);
	assert_int_equal(make_cert("other"), 0);
	snprintf(cert, sizeof(cert), "%s/server.pem", T.dir);
	snprintf(key, sizeof(key), "%s/server.key", T.dir);
	snprintf(other, sizeof(other), "%s/other.pem", T.dir);
	cfg.tls_cert_file = cert;
	cfg.tls_key_file = key;
	start_server(&cfg, "tls+tcp://127.0.0.1:0", url, sizeof(url));

	assert_int_equal(tls_client(url, cert, &c), 0);
	expect_call(c, "secret hello", "secret hello");
	nng_close(c);

	/* Pinned to another CA: the handshake fails, nothing gets through. */
	rv = tls_client(url, other, &bad);
	if (rv == 0) {
		assert_int_equal(nng_socket_set_ms(bad, NNG_OPT_RECVTIMEO,
				     500),
		    0);
		rv = send_str(bad, "x");
		if (rv == 0) {
			rv = nng_recv(bad, &buf, &n, NNG_FLAG_ALLOC);
		}
	}
	assert_int_not_equal(rv, 0);
	nng_close(bad);
	assert_int_equal(atomic_load(&T.handled), 1);
}

#define NCLIENTS 16
#define NREQS 200

struct cl_arg {
	const char *url;
	int id;
	int ok;
};

static void *
client_main(void *p)
{
	struct cl_arg *a = p;
	char msg[64], *buf;
	size_t n;
	nng_socket c;
	int i;

	if (nng_req0_open(&c) != 0) {
		return NULL;
	}
	nng_socket_set_size(c, NNG_OPT_RECVMAXSZ, 1 << 20);
	nng_socket_set_ms(c, NNG_OPT_RECVTIMEO, CLIENT_TIMEOUT_MS);
	nng_socket_set_ms(c, NNG_OPT_SENDTIMEO, CLIENT_TIMEOUT_MS);
	if (nng_dial(c, a->url, NULL, 0) != 0) {
		nng_close(c);
		return NULL;
	}
	for (i = 0; i < NREQS; i++) {
		int len = snprintf(msg, sizeof(msg), "client %d req %d", a->id,
		    i);

		if (nng_send(c, msg, (size_t)len, 0) != 0 ||
		    nng_recv(c, &buf, &n, NNG_FLAG_ALLOC) != 0) {
			break;
		}
		if (n == (size_t)len && memcmp(buf, msg, n) == 0) {
			a->ok++;
		}
		nng_free(buf, n);
	}
	nng_close(c);
	return NULL;
}

static void
test_concurrent_clients(void **state)
{
	struct server_config cfg = { 0 };
	struct cl_arg a[NCLIENTS];
	pthread_t t[NCLIENTS];
	char url[256];
	int i;

	(void)state;
	cfg.contexts = 8;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	for (i = 0; i < NCLIENTS; i++) {
		a[i].url = url;
		a[i].id = i;
		a[i].ok = 0;
		assert_int_equal(pthread_create(&t[i], NULL, client_main,
				     &a[i]),
		    0);
	}
	for (i = 0; i < NCLIENTS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	for (i = 0; i < NCLIENTS; i++) {
		assert_int_equal(a[i].ok, NREQS);
	}
	assert_int_equal(atomic_load(&T.handled), NCLIENTS * NREQS);
}

#define NPARK 6

/* More parked requests than contexts: parking must not hold a context. */
static void
test_park_does_not_block(void **state)
{
	struct server_config cfg = { 0 };
	nng_socket p[NPARK], c;
	char url[256];
	int i;

	(void)state;
	cfg.contexts = 2;
	cfg.workers = 2;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	for (i = 0; i < NPARK; i++) {
		p[i] = client_open(url);
		assert_int_equal(send_str(p[i], "park:1:60000"), 0);
	}
	assert_true(wait_parked(NPARK));
	c = client_open(url);
	for (i = 0; i < 50; i++) {
		expect_call(c, "not blocked", "not blocked");
	}
	server_wake(T.srv, 2); /* another key: nothing moves */
	expect_call(c, "still", "still");
	assert_int_equal(server_parked_count(T.srv), NPARK);
	server_wake(T.srv, 1);
	for (i = 0; i < NPARK; i++) {
		char *buf = NULL;
		size_t n = 0;

		assert_int_equal(nng_recv(p[i], &buf, &n, NNG_FLAG_ALLOC), 0);
		assert_int_equal(n, 4);
		assert_memory_equal(buf, "woke", 4);
		nng_free(buf, n);
		nng_close(p[i]);
	}
	assert_int_equal(server_parked_count(T.srv), 0);
	expect_call(c, "after", "after");
	nng_close(c);
}

static void
test_park_wake(void **state)
{
	struct server_config cfg = { 0 };
	nng_socket a, b;
	char url[256], *txt = NULL;
	size_t len = 0;

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	a = client_open(url);
	b = client_open(url);
	assert_int_equal(send_str(a, "park:7:60000"), 0);
	assert_true(wait_parked(1));
	assert_ok(metrics_render(T.m, &txt, &len));
	assert_non_null(strstr(txt, "sealpost_server_parked 1\n"));
	free(txt);
	/* b's request does the "send" and wakes a's key. */
	expect_call(b, "ping", "ping");
	server_wake(T.srv, 7);
	{
		char *buf = NULL;
		size_t n = 0;

		assert_int_equal(nng_recv(a, &buf, &n, NNG_FLAG_ALLOC), 0);
		assert_int_equal(n, 4);
		assert_memory_equal(buf, "woke", 4);
		nng_free(buf, n);
	}
	assert_int_equal(server_parked_count(T.srv), 0);
	/* A parked request can be woken again on a later round. */
	expect_call(b, "race:9:60000", "woke");
	nng_close(a);
	nng_close(b);
}

static void
test_park_timeout(void **state)
{
	struct server_config cfg = { 0 };
	char url[256];
	nng_socket c;

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	c = client_open(url);
	expect_call(c, "park:3:50", "timeout");
	expect_call(c, "park:3:0", "timeout");
	expect_call(c, "park:3:-5", "timeout");
	assert_int_equal(server_parked_count(T.srv), 0);
	nng_close(c);
}

static void
test_park_quota(void **state)
{
	struct server_config cfg = { 0 };
	nng_socket a, b, c;
	char url[256];

	(void)state;
	cfg.max_parked = 2;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	a = client_open(url);
	b = client_open(url);
	c = client_open(url);
	assert_int_equal(send_str(a, "park:5:60000"), 0);
	assert_int_equal(send_str(b, "park:5:60000"), 0);
	assert_true(wait_parked(2));
	expect_call(c, "park:5:60000", "quota");
	server_wake(T.srv, 5);
	assert_true(wait_parked(0));
	expect_call(c, "park:5:10", "timeout");
	nng_close(a);
	nng_close(b);
	nng_close(c);
}

static void
test_park_dropped_on_close(void **state)
{
	struct server_config cfg = { 0 };
	nng_socket a, b;
	char url[256], *txt = NULL;
	size_t len = 0;

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	a = client_open(url);
	b = client_open(url);
	assert_int_equal(send_str(a, "park:11:60000"), 0);
	assert_int_equal(send_str(b, "park:12:60000"), 0);
	assert_true(wait_parked(2));
	nng_close(a);
	assert_true(wait_parked(1));
	nng_close(b);
	assert_true(wait_parked(0));
	assert_ok(metrics_render(T.m, &txt, &len));
	assert_non_null(strstr(txt, "sealpost_server_parked 0\n"));
	assert_non_null(strstr(txt,
	    "sealpost_server_parked_dropped_total 2\n"));
	free(txt);
	/* Nothing is left to wake, and the server still serves. */
	server_wake(T.srv, 11);
	a = client_open(url);
	expect_call(a, "alive", "alive");
	nng_close(a);
}

/* A raw TCP connection speaking SP/TCP as a req0 peer (no nng dialer, so
 * no reconnect logic races with the test). Returns the fd. */
static int
sp_connect(int port)
{
	static const uint8_t hello[8] = { 0, 'S', 'P', 0, 0, 0x30, 0, 0 };
	struct sockaddr_in sin;
	struct timeval tv = { 10, 0 };
	uint8_t peer[8];
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(send(fd, hello, 8, MSG_NOSIGNAL), 8);
	assert_int_equal(recv(fd, peer, 8, MSG_WAITALL), 8);
	assert_int_equal(peer[5], 0x31); /* rep0 */
	return fd;
}

/* Sends one req0 frame with a body of n zero bytes; 0 or -1 (closed). */
static int
sp_send(int fd, size_t n)
{
	uint8_t hdr[12];
	uint8_t *body = calloc(1, n + 1);
	uint64_t len = (uint64_t)n + 4;
	ssize_t k = -1;
	int i;

	assert_non_null(body);
	for (i = 0; i < 8; i++) {
		hdr[i] = (uint8_t)(len >> (56 - 8 * i));
	}
	hdr[8] = 0x80; /* request id, high bit set */
	hdr[9] = 0;
	hdr[10] = 0;
	hdr[11] = 1;
	if (send(fd, hdr, sizeof(hdr), MSG_NOSIGNAL) == (ssize_t)sizeof(hdr)) {
		k = send(fd, body, n, MSG_NOSIGNAL);
	}
	free(body);
	return k == (ssize_t)n ? 0 : -1;
}

/* Reads until the peer closes (0) or a reply frame arrives (1); fails
 * the test on the 10 s receive timeout. */
static int
sp_closed_or_reply(int fd)
{
	uint8_t b[64];
	ssize_t k = recv(fd, b, sizeof(b), 0);

	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		fail_msg("server neither replied nor closed");
	}
	return k > 0;
}

struct big_arg {
	int port;
	size_t size;
	int rounds;
	int closed;
};

/* Connections that each send one oversized frame: nng must close them. */
static void *
big_main(void *p)
{
	struct big_arg *a = p;
	int i, fd;

	for (i = 0; i < a->rounds; i++) {
		fd = sp_connect(a->port);
		(void)sp_send(fd, a->size);
		if (!sp_closed_or_reply(fd)) {
			a->closed++;
		}
		close(fd);
	}
	return NULL;
}

static void
test_oversized_frame(void **state)
{
	struct server_config cfg = { 0 };
	struct big_arg a;
	pthread_t t;
	nng_socket c;
	char url[256], msg[32];
	int i, fd;

	(void)state;
	cfg.max_frame = 1024;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	c = client_open(url);
	memset(&a, 0, sizeof(a));
	a.port = server_bound_port(T.srv, 0);
	a.size = cfg.max_frame + 1;
	a.rounds = 50;
	assert_int_equal(pthread_create(&t, NULL, big_main, &a), 0);
	for (i = 0; i < 300; i++) {
		snprintf(msg, sizeof(msg), "small %d", i);
		expect_call(c, msg, msg);
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	/* Every oversized frame closed its connection, none reached us. */
	assert_int_equal(a.closed, a.rounds);
	assert_int_equal(atomic_load(&T.handled), 300);
	/* A body of exactly max_frame gets through, raw and via nng. */
	fd = sp_connect(a.port);
	assert_int_equal(sp_send(fd, cfg.max_frame), 0);
	assert_int_equal(sp_closed_or_reply(fd), 1);
	close(fd);
	{
		uint8_t *ok = calloc(1, cfg.max_frame);
		char *buf = NULL;
		size_t n = 0;

		assert_non_null(ok);
		assert_int_equal(nng_send(c, ok, cfg.max_frame, 0), 0);
		assert_int_equal(nng_recv(c, &buf, &n, NNG_FLAG_ALLOC), 0);
		assert_int_equal(n, cfg.max_frame);
		nng_free(buf, n);
		free(ok);
	}
	expect_call(c, "still fine", "still fine");
	nng_close(c);
}

/* Waits for an event matching (pipe or any, added); copies it to out. */
static int
wait_event(uint32_t pipe, int added, struct event *out)
{
	struct timespec ts;
	size_t i;
	int found = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&T.lock);
	while (!found) {
		for (i = 0; i < T.nev && !found; i++) {
			if (T.ev[i].added == added &&
			    (pipe == 0 || T.ev[i].pipe == pipe)) {
				*out = T.ev[i];
				found = 1;
			}
		}
		if (!found &&
		    pthread_cond_timedwait(&T.cv, &T.lock, &ts) != 0) {
			break;
		}
	}
	pthread_mutex_unlock(&T.lock);
	return found;
}

static void
test_pipe_events(void **state)
{
	struct server_config cfg = { 0 };
	struct event add, rem;
	char url[256], want[64];
	nng_socket c;
	nng_sockaddr sa;
	nng_pipe p;
	nng_msg *m;

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	c = client_open(url);
	/* The client's own address, to compare with the server's view. */
	assert_int_equal(send_str(c, "who"), 0);
	assert_int_equal(nng_recvmsg(c, &m, 0), 0);
	p = nng_msg_get_pipe(m);
	assert_int_equal(nng_pipe_get_addr(p, NNG_OPT_LOCADDR, &sa), 0);
	nng_msg_free(m);
	snprintf(want, sizeof(want), "127.0.0.1:%u",
	    (unsigned)ntohs(sa.s_in.sa_port));
	assert_true(wait_event(0, 1, &add));
	assert_string_equal(add.peer, want);
	nng_close(c);
	assert_true(wait_event(add.pipe, 0, &rem));
	assert_string_equal(rem.peer, want);
}

/* A minimal HTTP/1.1 GET over a plain TCP socket; returns the response. */
static char *
http_get(int port, const char *path)
{
	struct sockaddr_in sin;
	struct timeval tv = { 10, 0 };
	char req[256], *out;
	size_t len = 0, cap = 1 << 16;
	ssize_t k;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	snprintf(req, sizeof(req),
	    "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	    path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	out = calloc(1, cap);
	assert_non_null(out);
	while (len < cap - 1 && (k = read(fd, out + len, cap - 1 - len)) > 0) {
		len += (size_t)k;
	}
	close(fd);
	return out;
}

static int healthy_flag = 1;

static int
is_healthy(void *arg)
{
	(void)arg;
	return healthy_flag;
}

static void
test_http(void **state)
{
	struct server_config cfg = { 0 };
	char url[256], *r;
	nng_socket c;
	int port;

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	assert_int_equal(server_http_port(T.srv), -1);
	assert_ok(server_http_start(T.srv, "http://127.0.0.1:0", T.m,
	    is_healthy));
	assert_err(server_http_start(T.srv, "http://127.0.0.1:0", T.m,
		       is_healthy),
	    ERR_STATE);
	port = server_http_port(T.srv);
	assert_true(port > 0);
	c = client_open(url);
	expect_call(c, "count me", "count me");
	nng_close(c);

	healthy_flag = 1;
	r = http_get(port, "/healthz");
	assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(r, "\r\n\r\nok\n"));
	free(r);
	healthy_flag = 0;
	r = http_get(port, "/healthz");
	assert_true(strncmp(r, "HTTP/1.1 503", 12) == 0);
	free(r);
	healthy_flag = 1;

	r = http_get(port, "/metrics");
	assert_true(strncmp(r, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(r, "text/plain; version=0.0.4"));
	assert_non_null(strstr(r,
	    "# TYPE sealpost_server_requests_total counter\n"));
	assert_non_null(strstr(r, "\nsealpost_server_requests_total 1\n"));
	assert_non_null(strstr(r, "# TYPE sealpost_server_parked gauge\n"));
	assert_non_null(strstr(r,
	    "sealpost_server_wakes_total{reason=\"event\"} 0\n"));
	free(r);

	r = http_get(port, "/nothing");
	assert_true(strncmp(r, "HTTP/1.1 404", 12) == 0);
	free(r);
}

static void
test_signal(void **state)
{
	struct server_config cfg = { 0 };
	char url[256];

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	/* Blocked since main(): stays pending until sigwait takes it. */
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	assert_ok(server_run_until_signal(T.srv));
	server_stop(T.srv);
	server_stop(T.srv);
	assert_err(server_start(T.srv), ERR_STATE);
}

/* Stopping with parked requests and live clients frees everything. */
static void
test_stop_with_parked(void **state)
{
	struct server_config cfg = { 0 };
	nng_socket a, b;
	char url[256];

	(void)state;
	start_server(&cfg, "tcp://127.0.0.1:0", url, sizeof(url));
	a = client_open(url);
	b = client_open(url);
	assert_int_equal(send_str(a, "park:1:60000"), 0);
	assert_int_equal(send_str(b, "park:2:60000"), 0);
	assert_true(wait_parked(2));
	server_stop(T.srv);
	server_free(T.srv);
	T.srv = NULL;
	nng_close(a);
	nng_close(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_tcp, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_echo_ipc, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_echo_ws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_errors, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_clients, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_park_does_not_block,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_park_wake, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_park_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_park_quota, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_park_dropped_on_close,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_frame, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pipe_events, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_with_parked, setup,
		    teardown),
	};

	/* Before any thread exists, so every nng thread inherits it. */
	server_block_signals();
	if (getenv("TEST_FILTER") != NULL) {
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
