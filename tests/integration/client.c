/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The integration test client: child daemons, admin commands, raw HTTP
 * and the nng connection. Devices and the harness are in client_device.c,
 * the relay's messages in client_relay.c. */
#include "tests/integration/client.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "common/clock.h"
#include "common/err.h"
#include "common/mem.h"

#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 20000
#define RUN_TIMEOUT_MS 20000

const char *
client_bin_dir(void)
{
	const char *b = getenv("SEALPOST_BIN");

	return b != NULL && *b != '\0' ? b : "build/bin";
}

int
client_time_scale(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 4;
#else
	const char *a = getenv("ASAN_OPTIONS");

	return a != NULL && *a != '\0' ? 4 : 1;
#endif
}

void
client_nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

int
client_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? ERR_TOO_LONG : 0;
}

int
client_tmpdir(char *out, size_t cap)
{
	const char *t = getenv("TMPDIR");
	int n;

	if (t == NULL || *t == '\0') {
		t = "/tmp";
	}
	n = snprintf(out, cap, "%s/sealpost-it.XXXXXX", t);
	if (n < 0 || (size_t)n >= cap) {
		return ERR_TOO_LONG;
	}
	if (mkdtemp(out) == NULL) {
		fprintf(stderr, "mkdtemp %s: %s\n", out, strerror(errno));
		return ERR_SYS;
	}
	return 0;
}

void
client_rmtree(const char *dir)
{
	char p[CLIENT_PATH_MAX];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    client_path(p, sizeof(p), dir, e->d_name) != 0) {
			continue;
		}
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			client_rmtree(p);
		} else {
			(void)unlink(p);
		}
	}
	closedir(d);
	(void)rmdir(dir);
}

/* Absolute path of prog: in the binary folder unless it has a slash. */
static int
bin_path(char *out, size_t cap, const char *prog)
{
	char rel[CLIENT_PATH_MAX], cwd[PATH_MAX];
	int n;

	if (strchr(prog, '/') != NULL) {
		n = snprintf(rel, sizeof(rel), "%s", prog);
	} else {
		n = snprintf(rel, sizeof(rel), "%s/%s", client_bin_dir(),
		    prog);
	}
	if (n < 0 || (size_t)n >= sizeof(rel)) {
		return ERR_TOO_LONG;
	}
	if (access(rel, X_OK) != 0) {
		fprintf(stderr, "%s: %s\n", rel, strerror(errno));
		return ERR_SYS;
	}
	/* The child runs elsewhere: make the path absolute. */
	if (rel[0] == '/') {
		n = snprintf(out, cap, "%s", rel);
	} else if (getcwd(cwd, sizeof(cwd)) != NULL) {
		n = snprintf(out, cap, "%s/%s", cwd, rel);
	} else {
		return ERR_SYS;
	}
	return n < 0 || (size_t)n >= cap ? ERR_TOO_LONG : 0;
}

/* Exit code of a wait status: the code, or 128 + signal. */
static int
exit_code(int ws)
{
	if (WIFEXITED(ws)) {
		return WEXITSTATUS(ws);
	}
	return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : 255;
}

/* Waits for pid at most timeout_ms; *code as exit_code. 0 or
 * ERR_TIMEOUT. */
static int
wait_bounded(pid_t pid, int timeout_ms, int *code)
{
	int64_t end = clock_mono_ms() + timeout_ms;
	int ws = 0, nap = 1;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &ws, WNOHANG);
		if (r == pid) {
			*code = exit_code(ws);
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			*code = -1;
			return 0;
		}
		if (clock_mono_ms() >= end) {
			return ERR_TIMEOUT;
		}
		client_nap_ms(nap);
		nap = nap < 20 ? nap * 2 : 20;
	}
}

void
client_die_with(pid_t parent)
{
#ifdef __linux__
	/* A test killed by its timeout must not leave daemons behind. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
		_exit(125);
	}
#else
	(void)parent;
#endif
}

/* In the child, before exec: only async-signal-safe calls. */
NORETURN static void
exec_child(pid_t parent, const char *dir, int out_fd, int err_fd,
    char *const *argv)
{
	int null;

	client_die_with(parent);
	if ((null = open("/dev/null", O_RDONLY)) >= 0) {
		(void)dup2(null, 0);
	}
	if (out_fd >= 0) {
		(void)dup2(out_fd, 1);
	}
	if (err_fd >= 0) {
		(void)dup2(err_fd, 2);
	}
	if (dir != NULL && chdir(dir) != 0) {
		_exit(126);
	}
	execv(argv[0], argv);
	_exit(127);
}

int
client_run(const char *prog, const char *const *args, const char *errlog,
    char *out, size_t cap, int timeout_ms, int *status)
{
	char path[CLIENT_PATH_MAX], *argv[CLIENT_MAX_ARGS + 2], sink[256];
	int fds[2] = { -1, -1 }, err_fd = -1, r;
	size_t n = 0, i;
	struct pollfd pfd;
	int64_t end;
	ssize_t got;
	pid_t pid, parent;

	*status = -1;
	if (out != NULL && cap > 0) {
		out[0] = '\0';
	}
	if (timeout_ms <= 0) {
		timeout_ms = RUN_TIMEOUT_MS * client_time_scale();
	}
	if ((r = bin_path(path, sizeof(path), prog)) != 0) {
		return r;
	}
	argv[0] = path;
	for (i = 0; args[i] != NULL; i++) {
		if (i >= CLIENT_MAX_ARGS) {
			return ERR_TOO_LONG;
		}
		argv[i + 1] = (char *)(uintptr_t)args[i];
	}
	argv[i + 1] = NULL;
	if (pipe(fds) != 0) {
		return ERR_SYS;
	}
	if (errlog != NULL && (err_fd = open(errlog,
				   O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0) {
		close(fds[0]);
		close(fds[1]);
		return ERR_SYS;
	}
	parent = getpid();
	if ((pid = fork()) < 0) {
		r = ERR_SYS;
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		exec_child(parent, NULL, fds[1], err_fd, argv);
	}
	close(fds[1]);
	fds[1] = -1;
	end = clock_mono_ms() + timeout_ms;
	r = 0;
	for (;;) {
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (clock_mono_ms() >= end) {
			r = ERR_TIMEOUT;
			break;
		}
		if (poll(&pfd, 1, (int)(end - clock_mono_ms())) <= 0) {
			continue;
		}
		if (out != NULL && n + 1 < cap) {
			got = read(fds[0], out + n, cap - 1 - n);
		} else {
			got = read(fds[0], sink, sizeof(sink));
		}
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			break;
		}
		if (out != NULL && n + 1 < cap) {
			n += (size_t)got;
			out[n] = '\0';
		}
	}
	if (r != 0) {
		kill(pid, SIGKILL);
	}
	if (wait_bounded(pid, timeout_ms, status) != 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		r = ERR_TIMEOUT;
	}
out:
	if (fds[0] >= 0) {
		close(fds[0]);
	}
	if (fds[1] >= 0) {
		close(fds[1]);
	}
	if (err_fd >= 0) {
		close(err_fd);
	}
	return r;
}

int
client_have_openssl(void)
{
	const char *const args[] = { "-c", "command -v openssl >/dev/null 2>&1",
		NULL };
	int status = -1;

	return client_run("/bin/sh", args, NULL, NULL, 0, 0, &status) == 0 &&
	    status == 0;
}

int
client_gen_certs(const char *dir)
{
	char script[CLIENT_PATH_MAX];
	const char *args[3];
	int status = -1, n;

	n = snprintf(script, sizeof(script), "tests/integration/gen_cert.sh");
	if (access(script, R_OK) != 0) {
		n = snprintf(script, sizeof(script),
		    "%s/../../tests/integration/gen_cert.sh",
		    client_bin_dir());
	}
	if (n < 0 || (size_t)n >= sizeof(script)) {
		return ERR_TOO_LONG;
	}
	args[0] = script;
	args[1] = dir;
	args[2] = NULL;
	if (client_run("/bin/sh", args, NULL, NULL, 0, 0, &status) != 0) {
		return ERR_SYS;
	}
	return status == 0 ? 0 : ERR_STATE;
}

/* The answer buffer of client_http_get: /metrics fits. */
#define HTTP_MAX ((size_t)256 << 10)

int
client_http_get(int port, const char *path, int *status, char *body,
    size_t cap)
{
	struct timeval tv = { 5 * client_time_scale(), 0 };
	struct sockaddr_in sa;
	char req[256], *buf = NULL;
	size_t n = 0;
	ssize_t got;
	const char *p;
	int fd = -1, r = ERR_NET, len;

	*status = 0;
	if (body != NULL && cap > 0) {
		body[0] = '\0';
	}
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	if (len < 0 || (size_t)len >= sizeof(req) || port <= 0 ||
	    port > 65535) {
		return ERR_ARG;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((buf = malloc(HTTP_MAX)) == NULL) {
		return ERR_NOMEM;
	}
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		r = ERR_SYS;
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, req, (size_t)len, 0) != (ssize_t)len) {
		goto out;
	}
	while (n + 1 < HTTP_MAX &&
	    (got = recv(fd, buf + n, HTTP_MAX - 1 - n, 0)) != 0) {
		if (got < 0) {
			r = errno == EAGAIN || errno == EWOULDBLOCK
			    ? ERR_TIMEOUT
			    : ERR_NET;
			goto out;
		}
		n += (size_t)got;
	}
	buf[n] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) {
		r = ERR_INVALID;
		goto out;
	}
	if (body != NULL && cap > 0 && (p = strstr(buf, "\r\n\r\n")) != NULL) {
		snprintf(body, cap, "%s", p + 4);
	}
	r = 0;
out:
	if (fd >= 0) {
		close(fd);
	}
	free(buf);
	return r;
}

int
client_metric(int port, const char *name, int64_t *value)
{
	size_t nl = strlen(name);
	char *body, *p;
	int status = 0, r;

	*value = 0;
	if ((body = malloc(HTTP_MAX)) == NULL) {
		return ERR_NOMEM;
	}
	if ((r = client_http_get(port, "/metrics", &status, body,
		 HTTP_MAX)) == 0) {
		r = status == 200 ? ERR_NOT_FOUND : ERR_INVALID;
	}
	for (p = body; r == ERR_NOT_FOUND && *p != '\0'; p++) {
		if ((p == body || p[-1] == '\n') &&
		    strncmp(p, name, nl) == 0 && p[nl] == ' ' &&
		    sscanf(p + nl + 1, "%" SCNd64, value) == 1) {
			r = 0;
		}
	}
	free(body);
	return r;
}

int
client_wait_metric(int port, const char *name, int64_t want, int timeout_ms,
    int64_t *last)
{
	int64_t end =
	    clock_mono_ms() + (int64_t)timeout_ms * client_time_scale();
	int64_t v;

	*last = -1;
	for (;;) {
		if (client_metric(port, name, &v) == 0) {
			*last = v;
			if (v >= want) {
				return 0;
			}
		}
		if (clock_mono_ms() >= end) {
			return ERR_TIMEOUT;
		}
		client_nap_ms(5);
	}
}

/* ------------------------------------------------------------------ */
/* Daemons. */

void
daemon_dump_log(const struct daemon *d)
{
	char buf[4096];
	size_t n;
	FILE *f;

	if (d->log[0] == '\0' || (f = fopen(d->log, "r")) == NULL) {
		return;
	}
	fprintf(stderr, "---- %s\n", d->log);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		fwrite(buf, 1, n, stderr);
	}
	fprintf(stderr, "---- end of log\n");
	fclose(f);
}

int
daemon_url(const struct daemon *d, size_t i, char *out, size_t cap)
{
	char line[CLIENT_PATH_MAX + 64], url[CLIENT_PATH_MAX], *colon;
	size_t k = 0;
	int port, n, r = ERR_NOT_FOUND;
	FILE *f;

	out[0] = '\0';
	if ((f = fopen(d->ready, "r")) == NULL) {
		return ERR_NOT_FOUND;
	}
	while (r == ERR_NOT_FOUND && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "listen %511s %d", url, &port) != 2 ||
		    k++ != i || (colon = strrchr(url, ':')) == NULL) {
			continue;
		}
		/* Keep a path after the port (ws://host:0/path). */
		n = snprintf(out, cap, "%.*s:%d%s", (int)(colon - url), url,
		    port, strchr(colon, '/') != NULL ? strchr(colon, '/') : "");
		r = n < 0 || (size_t)n >= cap ? ERR_TOO_LONG : 0;
	}
	fclose(f);
	return r;
}

/* Reads the ready file: 0 when complete, ERR_NOT_FOUND if not yet. */
static int
read_ready(struct daemon *d)
{
	char line[CLIENT_PATH_MAX + 64], url[CLIENT_PATH_MAX], *colon;
	int port, have = 0, n;
	FILE *f;

	if ((f = fopen(d->ready, "r")) == NULL) {
		return ERR_NOT_FOUND;
	}
	d->http_port = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "http %d", &port) == 1) {
			d->http_port = port;
		} else if (!have &&
		    sscanf(line, "listen %511s %d", url, &port) == 2) {
			/* Replace the port of the URL with the bound one. */
			if ((colon = strrchr(url, ':')) == NULL) {
				continue;
			}
			*colon = '\0';
			n = snprintf(d->url, sizeof(d->url), "%s:%d", url,
			    port);
			if (n < 0 || (size_t)n >= sizeof(d->url)) {
				fclose(f);
				return ERR_TOO_LONG;
			}
			d->port = port;
			have = 1;
		}
	}
	fclose(f);
	return have ? 0 : ERR_INVALID;
}

static int
spawn(struct daemon *d)
{
	int64_t end;
	int fd, code, r;
	pid_t pid, parent;

	(void)unlink(d->ready);
	d->url[0] = '\0';
	d->port = 0;
	d->http_port = -1;
	if ((fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0) {
		return ERR_SYS;
	}
	parent = getpid();
	if ((pid = fork()) < 0) {
		close(fd);
		return ERR_SYS;
	}
	if (pid == 0) {
		exec_child(parent, d->dir, fd, fd, d->argv);
	}
	close(fd);
	d->pid = pid;
	d->starts++;
	end = clock_mono_ms() + READY_TIMEOUT_MS * client_time_scale();
	for (;;) {
		if ((r = read_ready(d)) == 0) {
			return 0;
		}
		if (waitpid(pid, &code, WNOHANG) == pid) {
			d->pid = 0;
			fprintf(stderr, "%s exited before ready (%d)\n",
			    d->argv[0], exit_code(code));
			daemon_dump_log(d);
			return ERR_STATE;
		}
		if (clock_mono_ms() >= end) {
			fprintf(stderr, "%s: not ready in time\n", d->argv[0]);
			daemon_kill9(d);
			daemon_dump_log(d);
			return ERR_TIMEOUT;
		}
		/* The file is renamed into place whole: poll it. */
		client_nap_ms(2);
	}
}

int
daemon_start(struct daemon *d, const char *dir, const char *prog,
    const char *const *args)
{
	size_t i, n = 0;
	int r;

	memset(d, 0, sizeof(*d));
	d->http_port = -1;
	if (strlen(dir) >= sizeof(d->dir)) {
		return ERR_TOO_LONG;
	}
	memcpy(d->dir, dir, strlen(dir) + 1);
	if ((r = bin_path(d->prog, sizeof(d->prog), prog)) != 0 ||
	    (r = client_path(d->ready, sizeof(d->ready), dir, "ready")) != 0 ||
	    (r = client_path(d->log, sizeof(d->log), dir, "daemon.log")) !=
		0) {
		return r;
	}
	for (n = 0; args[n] != NULL; n++) {
	}
	if (n > CLIENT_MAX_ARGS) {
		return ERR_TOO_LONG;
	}
	d->argv[0] = strdup(d->prog);
	for (i = 0; i < n; i++) {
		d->argv[i + 1] = strdup(args[i]);
	}
	d->argv[n + 1] = strdup("--ready-file");
	d->argv[n + 2] = strdup(d->ready);
	for (i = 0; i < n + 3; i++) {
		if (d->argv[i] == NULL) {
			return ERR_NOMEM;
		}
	}
	return spawn(d);
}

int
daemon_restart(struct daemon *d)
{
	if (d->pid != 0) {
		return ERR_STATE;
	}
	return spawn(d);
}

int
daemon_alive(struct daemon *d)
{
	int ws;

	if (d->pid == 0) {
		return 0;
	}
	if (waitpid(d->pid, &ws, WNOHANG) == d->pid) {
		d->pid = 0;
		return 0;
	}
	return 1;
}

int
daemon_stop(struct daemon *d, int timeout_ms)
{
	int code = -1;

	if (d->pid == 0) {
		return -1;
	}
	if (timeout_ms <= 0) {
		timeout_ms = STOP_TIMEOUT_MS * client_time_scale();
	}
	kill(d->pid, SIGTERM);
	if (wait_bounded(d->pid, timeout_ms, &code) != 0) {
		fprintf(stderr, "%s: no exit %d ms after SIGTERM: SIGKILL\n",
		    d->argv[0], timeout_ms);
		kill(d->pid, SIGKILL);
		(void)waitpid(d->pid, NULL, 0);
		code = 128 + SIGKILL;
	}
	d->pid = 0;
	if (code != 0) {
		daemon_dump_log(d);
	}
	return code;
}

void
daemon_kill9(struct daemon *d)
{
	if (d->pid == 0) {
		return;
	}
	kill(d->pid, SIGKILL);
	(void)waitpid(d->pid, NULL, 0);
	d->pid = 0;
}

void
daemon_free(struct daemon *d)
{
	size_t i;

	daemon_kill9(d);
	for (i = 0; i < sizeof(d->argv) / sizeof(d->argv[0]); i++) {
		free(d->argv[i]);
		d->argv[i] = NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Connections. */

static int
nng_err(const char *what, int rv)
{
	if (rv == NNG_ETIMEDOUT) {
		return ERR_TIMEOUT;
	}
	if (getenv("SEALPOST_TEST_VERBOSE") != NULL) {
		fprintf(stderr, "%s: %s\n", what, nng_strerror(rv));
	}
	return ERR_NET;
}

static int
tls_setup(nng_dialer dl, const struct conn_opts *o)
{
	nng_tls_config *cfg = NULL;
	int rv;

	if ((rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT)) != 0) {
		return nng_err("nng_tls_config_alloc", rv);
	}
	if ((rv = nng_tls_config_auth_mode(cfg,
		 NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_ca_file(cfg, o->tls_ca)) != 0 ||
	    (o->tls_name != NULL &&
		(rv = nng_tls_config_server_name(cfg, o->tls_name)) != 0) ||
	    (rv = nng_dialer_set_ptr(dl, NNG_OPT_TLS_CONFIG, cfg)) != 0) {
		nng_tls_config_free(cfg);
		return nng_err("tls config", rv);
	}
	/* The dialer holds its own reference. */
	nng_tls_config_free(cfg);
	return 0;
}

int
conn_open(struct conn *c, const char *url, const struct conn_opts *opts)
{
	struct conn_opts o;
	nng_dialer dl;
	int rv, r;

	memset(c, 0, sizeof(*c));
	memset(&o, 0, sizeof(o));
	if (opts != NULL) {
		o = *opts;
	}
	if (o.timeout_ms <= 0) {
		o.timeout_ms = CLIENT_TIMEOUT_MS * client_time_scale();
	}
	if (o.recv_max == 0) {
		o.recv_max = CLIENT_RECV_MAX;
	}
	if ((rv = nng_req0_open(&c->sock)) != 0) {
		return nng_err("nng_req0_open", rv);
	}
	c->open = 1;
	if ((rv = nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ,
		 o.recv_max)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
		 o.timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_SENDTIMEO,
		 o.timeout_ms)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
		 CLIENT_RESEND_MS)) != 0 ||
	    (rv = nng_dialer_create(&dl, c->sock, url)) != 0) {
		conn_close(c);
		return nng_err("socket options", rv);
	}
	if (o.tls_ca != NULL && (r = tls_setup(dl, &o)) != 0) {
		conn_close(c);
		return r;
	}
	if ((rv = nng_dialer_start(dl, 0)) != 0) {
		conn_close(c);
		return nng_err("dial", rv);
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	if (c->open) {
		nng_close(c->sock);
		c->open = 0;
	}
}

void
reply_free(struct reply *rep)
{
	if (rep->buf != NULL) {
		nng_free(rep->buf, rep->len);
	}
	memset(rep, 0, sizeof(*rep));
}

int
conn_call(struct conn *c, const uint8_t *frame, size_t len, uint8_t expect,
    struct reply *rep)
{
	static uint8_t empty[1];
	size_t n = 0;
	void *buf = NULL;
	int rv, r;

	memset(rep, 0, sizeof(*rep));
	if (!c->open) {
		return ERR_NET;
	}
	/* nng copies; an empty frame is still a frame. */
	if ((rv = nng_send(c->sock,
		 len > 0 ? (void *)(uintptr_t)frame : empty, len, 0)) != 0) {
		return nng_err("nng_send", rv);
	}
	if ((rv = nng_recv(c->sock, &buf, &n, NNG_FLAG_ALLOC)) != 0) {
		return nng_err("nng_recv", rv);
	}
	rep->buf = buf;
	rep->len = n;
	if ((r = proto_frame_open(rep->buf, rep->len, &rep->type,
		 &rep->body)) != 0) {
		return r;
	}
	if (rep->type == PROTO_ERROR) {
		if ((r = proto_error_decode(&rep->body, &rep->code, rep->text,
			 sizeof(rep->text))) != 0) {
			return r;
		}
		return rep->code;
	}
	if ((rep->type & PROTO_REPLY) == 0 ||
	    !proto_is_request((uint8_t)(rep->type & ~PROTO_REPLY))) {
		return ERR_INVALID;
	}
	if (expect != 0 && rep->type != (expect | PROTO_REPLY)) {
		return ERR_MISMATCH;
	}
	return 0;
}

int
conn_rpc(struct conn *c, uint8_t type, const uint8_t *body, size_t len,
    struct reply *rep)
{
	struct wire_writer w;
	uint8_t *frame = NULL;
	size_t flen = 0;
	int r;

	memset(rep, 0, sizeof(*rep));
	wire_writer_init(&w, len + 2);
	proto_frame_begin(&w, type);
	if (len > 0) {
		wire_put_bytes(&w, body, len);
	}
	if ((r = wire_writer_finish(&w, &frame, &flen)) != 0) {
		return r;
	}
	r = conn_call(c, frame, flen, type, rep);
	mem_wipe_free(frame, flen);
	return r;
}

int
conn_rpc_w(struct conn *c, uint8_t type, struct wire_writer *body,
    struct reply *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	if (body->err != 0) {
		r = body->err;
	} else {
		r = conn_rpc(c, type, body->buf, body->len, rep);
	}
	wire_writer_wipe(body);
	return r;
}

int
conn_challenge(struct conn *c, struct proto_challenge *ch)
{
	struct reply rep;
	int r;

	memset(ch, 0, sizeof(*ch));
	if ((r = conn_rpc(c, PROTO_CHALLENGE, NULL, 0, &rep)) == 0) {
		r = proto_challenge_decode(&rep.body, ch);
	}
	reply_free(&rep);
	return r;
}

int
conn_status(struct conn *c, struct proto_status *st)
{
	struct reply rep;
	int r;

	memset(st, 0, sizeof(*st));
	if ((r = conn_rpc(c, PROTO_STATUS, NULL, 0, &rep)) == 0) {
		r = proto_status_decode(&rep.body, st);
	}
	reply_free(&rep);
	return r;
}

/* A request whose body is a user name. */
static int
user_rpc(struct conn *c, uint8_t type, const char *user, struct reply *rep)
{
	struct wire_writer w;

	wire_writer_init(&w, 64);
	proto_user_encode(&w, user);
	return conn_rpc_w(c, type, &w, rep);
}

int
conn_claim(struct conn *c, const char *user, struct proto_bundle *out,
    size_t max, size_t *n)
{
	struct reply rep;
	uint16_t cnt = 0;
	size_t i;
	int r;

	*n = 0;
	if ((r = user_rpc(c, PROTO_CLAIM, user, &rep)) == 0 &&
	    (r = proto_count_decode(&rep.body, &cnt, max)) == 0) {
		for (i = 0; r == 0 && i < cnt; i++) {
			r = proto_bundle_decode(&rep.body, &out[i]);
		}
		if (r == 0 && (r = wire_end(&rep.body)) == 0) {
			*n = cnt;
		}
	}
	reply_free(&rep);
	return r;
}

int
conn_devices(struct conn *c, const char *user, struct proto_device *out,
    size_t max, size_t *n)
{
	struct reply rep;
	uint16_t cnt = 0;
	size_t i;
	int r;

	*n = 0;
	if ((r = user_rpc(c, PROTO_DEVICES, user, &rep)) == 0 &&
	    (r = proto_count_decode(&rep.body, &cnt, max)) == 0) {
		for (i = 0; r == 0 && i < cnt; i++) {
			r = proto_device_decode(&rep.body, &out[i]);
		}
		if (r == 0 && (r = wire_end(&rep.body)) == 0) {
			*n = cnt;
		}
	}
	reply_free(&rep);
	return r;
}
