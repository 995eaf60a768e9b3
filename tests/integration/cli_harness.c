/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The sealpost client under test: child processes, their --json output,
 * and the commands every client test needs (see cli_harness.h). */
#include "tests/integration/cli_harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "tests/unit/helpers.h"

#define MAX_INPUT 4096 /* fits a pipe: written before the child reads */
#define FILE_MAX ((size_t)1 << 20)
/* glibc fills every allocation of the client with this byte (and freed
 * memory with its complement), so that a read of uninitialised heap
 * memory fails in a plain build too, as it does under ASan. */
#define PERTURB "MALLOC_PERTURB_=165"

extern char **environ;

static const char *const exit_names[] = { "ok", "failure", "usage",
	"state", "network", "auth", "trust", "crypto", "refused" };

static struct ct *
ct_new(void)
{
	struct ct *t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		return NULL;
	}
	if (harness_new(&t->h) != 0 || (t->keep = json_array()) == NULL) {
		harness_free(t->h);
		json_decref(t->keep);
		free(t);
		return NULL;
	}
	return t;
}

int
ct_setup_bare(void **state)
{
	struct ct *t;

	/* A client that exits before reading its input must not kill the
	 * test with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	/* A crash point a failed test left set must not leak into this
	 * one. */
	(void)unsetenv(CT_CRASH_ENV);
	if ((t = ct_new()) == NULL) {
		return -1;
	}
	*state = t;
	return 0;
}

int
ct_setup(void **state)
{
	struct ct *t;

	if (ct_setup_bare(state) != 0) {
		return -1;
	}
	t = *state;
	if (keyserver_start(&t->h->ks, t->h->dir,
		ARGS("--registration", "open")) != 0 ||
	    harness_relay(t->h, NULL) != 0) {
		(void)ct_teardown(state);
		return -1;
	}
	snprintf(t->ks_url, sizeof(t->ks_url), "%s", t->h->ks.url);
	snprintf(t->relay_url, sizeof(t->relay_url), "%s", t->h->relay.url);
	return 0;
}

int
ct_teardown(void **state)
{
	struct ct *t = *state;
	size_t i;
	int code;

	(void)unsetenv(CT_CRASH_ENV);
	if (t == NULL) {
		return 0;
	}
	for (i = 0; i < t->nbg; i++) {
		kill(t->bg[i], SIGKILL);
		(void)waitpid(t->bg[i], NULL, 0);
	}
	code = harness_free(t->h);
	json_decref(t->keep);
	free(t->text);
	free(t->file);
	free(t);
	*state = NULL;
	if (code != 0) {
		fprintf(stderr, "daemon exit code %d\n", code);
		return -1;
	}
	return 0;
}

struct ct *
ct_of(void **state)
{
	assert_non_null(*state);
	return *state;
}

void
ct_path(const struct ct *t, const char *name, char *out)
{
	assert_ok(client_path(out, CLIENT_PATH_MAX, t->h->dir, name));
}

/* The whole file path (at most FILE_MAX bytes) as a heap string. */
static char *
slurp(const char *path)
{
	char *buf;
	size_t n = 0, got;
	FILE *f;

	if ((buf = malloc(FILE_MAX + 1)) == NULL) {
		return NULL;
	}
	if ((f = fopen(path, "r")) != NULL) {
		while (n < FILE_MAX &&
		    (got = fread(buf + n, 1, FILE_MAX - n, f)) > 0) {
			n += got;
		}
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

/* In the child, before exec: only async-signal-safe calls. */
NORETURN static void
child(pid_t parent, int in, int out, int err, char *const *argv,
    char *const *envp)
{
	client_die_with(parent);
	if (in < 0) {
		in = open("/dev/null", O_RDONLY);
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) {
		_exit(126);
	}
	execve(argv[0], argv, envp);
	_exit(127);
}

/* The client's environment: the test's (crash points included), plus
 * PERTURB unless the caller chose a value. NULL-terminated, heap. */
static char **
client_env(void)
{
	static char perturb[] = PERTURB;
	char **envp;
	size_t n = 0, i;

	while (environ[n] != NULL) {
		n++;
	}
	assert_non_null(envp = calloc(n + 2, sizeof(*envp)));
	for (i = 0; i < n; i++) {
		envp[i] = environ[i];
	}
	if (getenv("MALLOC_PERTURB_") == NULL) {
		envp[n] = perturb;
	}
	return envp;
}

/* Writes all of input to fd (the child may be gone: EPIPE is fine). */
static void
feed(int fd, const char *input)
{
	size_t n = strlen(input), off = 0;
	ssize_t got;

	while (off < n) {
		got = write(fd, input + off, n - off);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got <= 0) {
			break;
		}
		off += (size_t)got;
	}
}

pid_t
ct_spawn(struct ct *t, const char *const *args, const char *input,
    const char *out)
{
	char prog[CLIENT_PATH_MAX], errp[CLIENT_PATH_MAX], name[32];
	char *argv[CLIENT_MAX_ARGS + 2], **envp;
	int in[2] = { -1, -1 }, ofd, efd;
	size_t i;
	pid_t pid, parent = getpid();

	assert_true(t->nbg < CT_MAX_BG);
	assert_true(input == NULL || strlen(input) <= MAX_INPUT);
	snprintf(prog, sizeof(prog), "%s/%s", client_bin_dir(), CT_PROG);
	if (access(prog, X_OK) != 0) {
		fail_msg("%s: %s", prog, strerror(errno));
	}
	argv[0] = prog;
	for (i = 0; args[i] != NULL; i++) {
		assert_true(i < CLIENT_MAX_ARGS);
		argv[i + 1] = (char *)(uintptr_t)args[i];
	}
	argv[i + 1] = NULL;
	snprintf(name, sizeof(name), "err.%u", t->runs++);
	ct_path(t, name, errp);
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	efd = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(ofd >= 0 && efd >= 0);
	if (input != NULL) {
		assert_int_equal(pipe(in), 0);
		(void)fcntl(in[0], F_SETFD, FD_CLOEXEC);
		(void)fcntl(in[1], F_SETFD, FD_CLOEXEC);
	}
	envp = client_env();
	if ((pid = fork()) == 0) {
		child(parent, in[0], ofd, efd, argv, envp);
	}
	free(envp);
	close(ofd);
	close(efd);
	if (in[0] >= 0) {
		close(in[0]);
		if (pid > 0) {
			feed(in[1], input);
		}
		close(in[1]); /* end of input */
	}
	assert_true(pid > 0);
	t->bg[t->nbg] = pid;
	memcpy(t->bg_err[t->nbg], errp, sizeof(errp));
	t->nbg++;
	return pid;
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

/* Forgets child i (reaped) and keeps its stderr as the last one. */
static void
forget(struct ct *t, size_t i)
{
	char *e = slurp(t->bg_err[i]);

	snprintf(t->err, sizeof(t->err), "%s", e != NULL ? e : "");
	free(e);
	t->bg[i] = t->bg[t->nbg - 1];
	memcpy(t->bg_err[i], t->bg_err[t->nbg - 1], sizeof(t->bg_err[i]));
	t->nbg--;
}

int
ct_wait(struct ct *t, pid_t pid, int timeout_ms)
{
	int64_t end = clock_mono_ms() + timeout_ms;
	int ws = 0, nap = 1;
	size_t i;
	pid_t r;

	for (i = 0; i < t->nbg && t->bg[i] != pid; i++) {
	}
	assert_true(i < t->nbg);
	for (;;) {
		r = waitpid(pid, &ws, WNOHANG);
		if (r == pid) {
			forget(t, i);
			return exit_code(ws);
		}
		if (r < 0 && errno != EINTR) {
			fail_msg("waitpid %d: %s", (int)pid, strerror(errno));
		}
		if (clock_mono_ms() >= end) {
			return -1;
		}
		client_nap_ms(nap);
		nap = nap < 20 ? nap * 2 : 20;
	}
}

/* Parses buf as JSON lines into a new array; with complete, a last line
 * without its newline is left out (still being written). Fails the test
 * on a line that is not a JSON object with a string "type". */
static json_t *
parse_lines(const char *buf, int complete)
{
	json_t *arr = json_array(), *o;
	json_error_t je;
	const char *p = buf, *nl;
	size_t n;

	assert_non_null(arr);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL && complete) {
			break;
		}
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		o = json_loadb(p, n, 0, &je);
		if (o == NULL || !json_is_object(o) ||
		    !json_is_string(json_object_get(o, "type"))) {
			json_decref(o);
			json_decref(arr);
			fail_msg("not a JSON object with a type (%s): %.*s",
			    je.text, (int)n, p);
		}
		json_array_append_new(arr, o);
		p += n + (nl != NULL);
	}
	return arr;
}

/* Keeps arr until teardown and returns it (borrowed). */
static json_t *
keep(struct ct *t, json_t *arr)
{
	json_array_append_new(t->keep, arr);
	return arr;
}

json_t *
ct_file_lines(struct ct *t, const char *path)
{
	/* Held by t, so that a failed parse leaks nothing. */
	free(t->file);
	assert_non_null(t->file = slurp(path));
	return keep(t, parse_lines(t->file, 1));
}

/* Every error line of lines must describe exit code: its class, an
 * ERR_ code, a message and the exit code itself. */
static void
check_errors(const json_t *lines, int code)
{
	const json_t *o;
	const char *cls;
	char *s;
	size_t i;

	json_array_foreach (lines, i, o) {
		if (strcmp(ct_str(o, "type"), "error") != 0) {
			continue;
		}
		cls = json_string_value(json_object_get(o, "class"));
		if (code > 0 && code < 9 && cls != NULL &&
		    strcmp(cls, exit_names[code]) == 0 &&
		    strncmp(ct_str(o, "code"), "ERR_", 4) == 0 &&
		    strlen(ct_str(o, "message")) > 0 &&
		    ct_int(o, "exit") == code) {
			continue;
		}
		s = json_dumps(o, JSON_COMPACT);
		fprintf(stderr, "exit %d with the error line %s\n", code,
		    s != NULL ? s : "?");
		free(s);
		fail_msg("an error line that does not match exit code %d",
		    code);
	}
}

int
ct_run(struct ct *t, const char *home, int json, const char *const *args,
    const char *input, json_t **lines)
{
	const char *argv[CLIENT_MAX_ARGS + 1];
	char hp[CLIENT_PATH_MAX], out[CLIENT_PATH_MAX], name[32];
	size_t n = 0, i;
	pid_t pid;
	int code;

	if (home != NULL) {
		ct_path(t, home, hp);
		argv[n++] = "--home";
		argv[n++] = hp;
	}
	if (json) {
		argv[n++] = "--json";
	}
	for (i = 0; args[i] != NULL; i++) {
		assert_true(n < CLIENT_MAX_ARGS);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	snprintf(name, sizeof(name), "out.%u", t->runs);
	ct_path(t, name, out);
	pid = ct_spawn(t, argv, input, out);
	if ((code = ct_wait(t, pid, CT_RUN_MS * client_time_scale())) < 0) {
		fail_msg("sealpost %s did not end in time", args[0]);
	}
	free(t->text);
	assert_non_null(t->text = slurp(out));
	if (lines != NULL) {
		*lines = keep(t, parse_lines(t->text, 0));
		check_errors(*lines, code);
	}
	return code;
}

int
ct_text(struct ct *t, const char *home, const char *const *args,
    const char **text)
{
	int code = ct_run(t, home, 0, args, NULL, NULL);

	*text = t->text;
	return code;
}

int
ct_json(struct ct *t, const char *home, const char *const *args,
    json_t **lines)
{
	return ct_run(t, home, 1, args, NULL, lines);
}

void
ct_expect_exit(const struct ct *t, int got, int want, const char *what)
{
	if (got != want) {
		fail_msg("%s: exit %d%s, want %d; stdout: %.2000s; stderr: %s",
		    what, got,
		    got == 128 + SIGSEGV	? " (SIGSEGV)"
			: got == 128 + SIGABRT	? " (SIGABRT)"
			: got == 128 + SIGKILL	? " (SIGKILL)"
						: "",
		    want, t->text != NULL ? t->text : "", t->err);
	}
}

/* ---- JSON fields ---- */

static json_t *
field(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL) {
		char *s = json_dumps(o, JSON_COMPACT);

		fprintf(stderr, "no \"%s\" in %s\n", key, s != NULL ? s : "?");
		free(s);
		fail_msg("no field %s", key);
	}
	return v;
}

const char *
ct_str(const json_t *o, const char *key)
{
	json_t *v = field(o, key);

	if (!json_is_string(v)) {
		fail_msg("field %s is not a string", key);
	}
	return json_string_value(v);
}

json_int_t
ct_int(const json_t *o, const char *key)
{
	json_t *v = field(o, key);

	if (!json_is_integer(v)) {
		fail_msg("field %s is not an integer", key);
	}
	return json_integer_value(v);
}

int
ct_bool(const json_t *o, const char *key)
{
	json_t *v = field(o, key);

	if (!json_is_boolean(v)) {
		fail_msg("field %s is not a boolean", key);
	}
	return json_is_true(v);
}

json_t *
ct_obj(const json_t *o, const char *key)
{
	json_t *v = field(o, key);

	if (!json_is_object(v)) {
		fail_msg("field %s is not an object", key);
	}
	return v;
}

json_t *
ct_arr(const json_t *o, const char *key)
{
	json_t *v = field(o, key);

	if (!json_is_array(v)) {
		fail_msg("field %s is not an array", key);
	}
	return v;
}

size_t
ct_count(const json_t *lines, const char *type)
{
	const json_t *o;
	size_t i, n = 0;

	json_array_foreach (lines, i, o) {
		n += strcmp(ct_str(o, "type"), type) == 0;
	}
	return n;
}

json_t *
ct_one(const json_t *lines, const char *type)
{
	json_t *o;
	size_t i;

	if (ct_count(lines, type) != 1) {
		char *d = json_dumps(lines, JSON_COMPACT);

		fprintf(stderr, "output: %s\n", d != NULL ? d : "?");
		free(d);
		fail_msg("%zu objects of type %s, want 1",
		    ct_count(lines, type), type);
	}
	json_array_foreach (lines, i, o) {
		if (strcmp(ct_str(o, "type"), type) == 0) {
			return o;
		}
	}
	return NULL;
}

json_t *
ct_error(const json_t *lines, int want)
{
	json_t *e = ct_one(lines, "error");

	check_errors(lines, want);
	return e;
}

size_t
ct_messages(const json_t *lines, json_t **out, size_t max)
{
	json_t *o;
	size_t i, n = 0;

	json_array_foreach (lines, i, o) {
		if (strcmp(ct_str(o, "type"), "message") != 0) {
			continue;
		}
		if (n == max) {
			fail_msg("more than %zu messages", max);
		}
		out[n++] = o;
	}
	return n;
}

/* 1 if s is n lower-case hex digits. */
static int
is_hex(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789abcdef") == n;
}

void
ct_assert_msg(const json_t *m, const char *dir, const char *peer,
    json_int_t device, const char *text)
{
	const char *trust;
	json_int_t ms;

	assert_string_equal(ct_str(m, "type"), "message");
	assert_true(is_hex(ct_str(m, "id"), CT_ID_HEX));
	assert_string_equal(ct_str(m, "direction"), dir);
	assert_string_equal(ct_str(m, "peer"), peer);
	assert_string_equal(ct_str(m, "text"), text);
	assert_true(strlen(ct_str(m, "time")) >= 19);
	/* The sender's clock is this machine's: within ten minutes. */
	ms = ct_int(m, "time_ms");
	assert_true(ms > clock_wall_ms() - 600000 &&
	    ms < clock_wall_ms() + 600000);
	if (strcmp(dir, "in") == 0) {
		if (device != 0) {
			assert_int_equal(ct_int(m, "device"), device);
		} else {
			assert_true(ct_int(m, "device") >= 1);
		}
		trust = ct_str(m, "trust");
		assert_true(strcmp(trust, "unverified") == 0 ||
		    strcmp(trust, "verified") == 0 ||
		    strcmp(trust, "changed") == 0);
	}
}

/* ---- the client's commands ---- */

json_int_t
ct_init(struct ct *t, const char *home, const char *user,
    const char *const *extra)
{
	const char *argv[CLIENT_MAX_ARGS + 1] = { "init", "--user", user,
		"--keyserver", t->ks_url, "--relay", t->relay_url };
	char hp[CLIENT_PATH_MAX];
	json_t *lines, *o;
	size_t n = 7, i;

	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		assert_true(n < CLIENT_MAX_ARGS);
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	ct_expect_exit(t, ct_json(t, home, argv, &lines), 0, "init");
	o = ct_one(lines, "init");
	ct_path(t, home, hp);
	assert_string_equal(ct_str(o, "user"), user);
	assert_string_equal(ct_str(o, "home"), hp);
	assert_int_equal(strlen(ct_str(o, "key")), 19);
	assert_string_equal(ct_str(ct_obj(o, "keyserver"), "url"), t->ks_url);
	assert_string_equal(ct_str(ct_obj(o, "relay"), "url"), t->relay_url);
	assert_true(ct_int(o, "device") >= 1);
	return ct_int(o, "device");
}

/* Polls the output file of the running pid until it has a line. */
static json_t *
first_line(struct ct *t, pid_t pid, const char *path)
{
	int64_t end = clock_mono_ms() + CT_POLL_MS * client_time_scale();
	json_t *lines;
	int code;

	for (;;) {
		lines = ct_file_lines(t, path);
		if (json_array_size(lines) > 0) {
			return json_array_get(lines, 0);
		}
		if ((code = ct_wait(t, pid, 0)) >= 0) {
			fail_msg("devices link exited (%d) before a code: %s",
			    code, t->err);
		}
		if (clock_mono_ms() >= end) {
			fail_msg("devices link showed no code in time");
		}
		client_nap_ms(10);
	}
}

json_int_t
ct_link(struct ct *t, const char *home1, const char *home2, const char *user)
{
	char hp[CLIENT_PATH_MAX], out[CLIENT_PATH_MAX], name[32];
	json_t *first, *lines, *init, *approved;
	char code[32];
	pid_t pid;
	int rc;

	ct_path(t, home1, hp);
	snprintf(name, sizeof(name), "link.%u", t->runs);
	ct_path(t, name, out);
	pid = ct_spawn(t,
	    ARGS("--home", hp, "--json", "devices", "link", "--yes"), NULL,
	    out);
	first = first_line(t, pid, out);
	if (strcmp(ct_str(first, "type"), "link_code") != 0) {
		fail_msg("devices link: %s instead of a link code: %s",
		    ct_str(first, "type"),
		    json_string_value(json_object_get(first, "message")));
	}
	assert_true(ct_int(first, "expires_in_s") > 0);
	snprintf(code, sizeof(code), "%s", ct_str(first, "code"));
	assert_int_equal(strlen(code), 19);
	assert_true(code[4] == '-' && code[9] == '-' && code[14] == '-');

	rc = ct_json(t, home2,
	    ARGS("init", "--user", user, "--keyserver", t->ks_url, "--relay",
		t->relay_url, "--link", code),
	    &lines);
	ct_expect_exit(t, rc, 0, "init --link");
	init = ct_one(lines, "init");
	assert_string_equal(ct_str(init, "user"), user);
	/* The approving side exits once it has approved. */
	rc = ct_wait(t, pid, CT_RUN_MS * client_time_scale());
	ct_expect_exit(t, rc, 0, "devices link");
	lines = ct_file_lines(t, out);
	assert_int_equal(json_array_size(lines), 2);
	approved = json_array_get(lines, 1);
	assert_string_equal(ct_str(approved, "type"), "link_approved");
	/* Both sides showed the same key: the new device's. */
	assert_string_equal(ct_str(approved, "key"), ct_str(init, "key"));
	return ct_int(init, "device");
}

json_t *
ct_send(struct ct *t, const char *home, const char *peer, const char *text,
    char *id)
{
	json_t *lines, *s, *rc;
	size_t i;

	ct_expect_exit(t, ct_json(t, home, ARGS("send", peer, text), &lines),
	    0, "send");
	s = ct_one(lines, "sent");
	assert_true(is_hex(ct_str(s, "id"), CT_ID_HEX));
	assert_string_equal(ct_str(s, "peer"), peer);
	assert_true(json_array_size(ct_arr(s, "receipts")) >= 1);
	json_array_foreach (ct_arr(s, "receipts"), i, rc) {
		assert_true(strlen(ct_str(rc, "user")) >= 3);
		assert_true(ct_int(rc, "device") >= 1);
		assert_true(ct_int(rc, "seq") >= 1);
		assert_true(is_hex(ct_str(rc, "chain"), 64));
	}
	if (id != NULL) {
		memcpy(id, ct_str(s, "id"), CT_ID_HEX + 1);
	}
	return s;
}

int
ct_receipt(const json_t *s, const char *user, json_int_t device)
{
	json_t *rc;
	size_t i;

	json_array_foreach (ct_arr(s, "receipts"), i, rc) {
		if (strcmp(ct_str(rc, "user"), user) == 0 &&
		    ct_int(rc, "device") == device) {
			return 1;
		}
	}
	return 0;
}

size_t
ct_receive(struct ct *t, const char *home, json_t **out, size_t max)
{
	json_t *lines;

	ct_expect_exit(t, ct_json(t, home, ARGS("receive"), &lines), 0,
	    "receive");
	return ct_messages(lines, out, max);
}

void
ct_receive_texts(struct ct *t, const char *home, const char *peer,
    json_int_t device, const char *const *want, json_t **out)
{
	json_t *m[CT_MAX_MSGS];
	size_t n, i, k;

	for (k = 0; want[k] != NULL; k++) {
	}
	n = ct_receive(t, home, m, CT_MAX_MSGS);
	if (n != k) {
		fail_msg("%s received %zu messages, want %zu: %s", home, n, k,
		    t->text);
	}
	for (i = 0; i < n; i++) {
		ct_assert_msg(m[i], "in", peer, device, want[i]);
		if (out != NULL) {
			out[i] = m[i];
		}
	}
}

json_t *
ct_status(struct ct *t, const char *home, int want)
{
	json_t *lines;

	ct_expect_exit(t, ct_json(t, home, ARGS("status"), &lines), want,
	    "status");
	return ct_one(lines, "status");
}

void
ct_recovery_invite(struct ct *t, const char *user, char tok[static 65])
{
	char out[4096], *p;
	int rc;

	rc = keyserver_admin(t->h->dir, out, sizeof(out), "invite", "create",
	    "--user", user, NULL);
	if (rc != 0) {
		fail_msg("sealpost-keyserver invite create --user %s: exit %d "
			 "%s",
		    user, rc, out);
	}
	assert_non_null(p = strstr(out, "token "));
	assert_int_equal(sscanf(p, "token %64s", tok), 1);
	assert_true(strlen(tok) >= 16);
}

void
ct_wait_parked(struct ct *t, int64_t n)
{
	int64_t v;

	if (client_wait_metric(t->h->relay.http_port, "sealpost_server_parked",
		n, CT_POLL_MS, &v) != 0) {
		fail_msg("%lld fetches parked on the relay, want %lld",
		    (long long)v, (long long)n);
	}
}

json_t *
ct_poll_messages(struct ct *t, pid_t pid, const char *out, size_t n)
{
	int64_t end = clock_mono_ms() + CT_POLL_MS * client_time_scale();
	json_t *lines;
	int code;

	for (;;) {
		lines = ct_file_lines(t, out);
		if (ct_count(lines, "message") >= n) {
			return lines;
		}
		if ((code = ct_wait(t, pid, 0)) >= 0) {
			fail_msg("the client exited (%d) before %zu messages: "
				 "%s",
			    code, n, t->err);
		}
		if (clock_mono_ms() >= end) {
			fail_msg("%zu messages, want %zu",
			    ct_count(lines, "message"), n);
		}
		client_nap_ms(10);
	}
}

pid_t
ct_follow(struct ct *t, const char *home, char *out)
{
	char hp[CLIENT_PATH_MAX], name[64];

	ct_path(t, home, hp);
	snprintf(name, sizeof(name), "follow.%u", t->runs);
	ct_path(t, name, out);
	return ct_spawn(t, ARGS("--home", hp, "--json", "receive", "--follow"),
	    NULL, out);
}

void
ct_stop(struct ct *t, pid_t pid)
{
	assert_int_equal(kill(pid, SIGTERM), 0);
	ct_expect_exit(t, ct_wait(t, pid, 5000 * client_time_scale()), 0,
	    "a client after SIGTERM");
}
