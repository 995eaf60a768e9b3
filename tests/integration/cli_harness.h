/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The sealpost client under test: the real binary run against the real
 * daemons of a harness, its --json lines parsed and checked, and clients
 * left running in the background (receive --follow, devices link) that
 * teardown always kills. Shared by tests/integration/test_cli*.c. */
#ifndef SEALPOST_TEST_CLI_HARNESS_H
#define SEALPOST_TEST_CLI_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/compat.h"
#include "tests/integration/client.h"

#define CT_PROG "sealpost"
#define CT_MAX_BG 8
/* The longest a client run may take before the test fails (scaled). */
#define CT_RUN_MS 30000
/* How long a condition is polled for (scaled). */
#define CT_POLL_MS 20000
#define CT_ID_HEX 32 /* a message id: 16 bytes in hex */
#define CT_MAX_MSGS 16 /* messages one receive may show in these tests */
/* The client's crash points for the crash-safety tests (teardown always
 * clears it). */
#define CT_CRASH_ENV "SEALPOST_TEST_CRASH"

#ifndef ARGS
#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#endif

/* What one test owns; teardown releases all of it whatever happened. */
struct ct {
	struct harness *h;
	char ks_url[CLIENT_PATH_MAX]; /* what the clients are given */
	char relay_url[CLIENT_PATH_MAX];
	json_t *keep; /* every parsed output, dropped by teardown */
	pid_t bg[CT_MAX_BG]; /* children not reaped yet */
	char bg_err[CT_MAX_BG][CLIENT_PATH_MAX]; /* their stderr files */
	size_t nbg;
	unsigned runs; /* names the output files */
	char *text;    /* stdout of the last ct_run */
	char *file;    /* the last file ct_file_lines read */
	char err[4096]; /* stderr of the last child reaped */
};

/* cmocka setups: a harness with the key server (open registration) and
 * the relay running, or (bare) none. */
int ct_setup(void **state);
int ct_setup_bare(void **state);
/* Kills and reaps every background client, stops the daemons (each must
 * exit 0 on SIGTERM) and removes the temp dir. */
int ct_teardown(void **state);

/* The test's struct ct from a cmocka state. */
struct ct *ct_of(void **state) NONNULL(1);

/* out[CLIENT_PATH_MAX] = the harness dir / name (a home, a file). */
void ct_path(const struct ct *t, const char *name, char *out) NONNULL(1, 2, 3);

/*
 * Starts sealpost with args (not including argv[0]): stdin reads input
 * (NULL: /dev/null), stdout goes to the file out, stderr to DIR/err.N,
 * and MALLOC_PERTURB_ is set (unless it is already) so that reading
 * uninitialised heap memory fails without ASan too.
 * The child is registered: ct_wait reaps it, teardown kills it. Fails the
 * test if it cannot start.
 */
pid_t ct_spawn(struct ct *t, const char *const *args, const char *input,
    const char *out) NONNULL(1, 2, 4);

/* Waits at most timeout_ms for pid: its exit code, or 128 + signal. -1
 * if it is still running then (it stays registered). */
int ct_wait(struct ct *t, pid_t pid, int timeout_ms) NONNULL(1);

/*
 * Runs `sealpost [--home DIR/home] [--json] ARGS...` (home may be NULL),
 * with input on stdin (may be NULL) and fails the test if it does not end
 * within CT_RUN_MS. Returns the exit code (128 + signal if killed). With
 * json, *lines (borrowed, freed by teardown) gets the array of its stdout
 * lines, each checked to be a JSON object with a "type", and every
 * {"type":"error"} among them checked against the exit code; without,
 * *text gets the raw stdout (borrowed until the next run).
 */
int ct_run(struct ct *t, const char *home, int json, const char *const *args,
    const char *input, json_t **lines) NONNULL(1, 4);
int ct_text(struct ct *t, const char *home, const char *const *args,
    const char **text) NONNULL(1, 3, 4);

/* ct_run with --json and no input. */
int ct_json(struct ct *t, const char *home, const char *const *args,
    json_t **lines) NONNULL(1, 2, 3, 4);

/* Fails the test (with the last run's stderr) unless got == want. */
void ct_expect_exit(const struct ct *t, int got, int want, const char *what)
    NONNULL(1, 4);

/* The complete lines of file path, parsed as ct_run does (borrowed). */
json_t *ct_file_lines(struct ct *t, const char *path) NONNULL(1, 2);

/* ---- JSON fields (each fails the test if missing or mistyped) ---- */

const char *ct_str(const json_t *o, const char *key) NONNULL(1, 2);
json_int_t ct_int(const json_t *o, const char *key) NONNULL(1, 2);
int ct_bool(const json_t *o, const char *key) NONNULL(1, 2);
json_t *ct_obj(const json_t *o, const char *key) NONNULL(1, 2);
json_t *ct_arr(const json_t *o, const char *key) NONNULL(1, 2);

/* The only object of type in lines (fails unless there is exactly one). */
json_t *ct_one(const json_t *lines, const char *type) NONNULL(1, 2);
/* How many objects of type lines holds. */
size_t ct_count(const json_t *lines, const char *type) NONNULL(1, 2);
/* The error object of lines, checked: class, code, message, exit want. */
json_t *ct_error(const json_t *lines, int want) NONNULL(1);

/* The "message" objects of lines in order into out[max]; their count
 * (fails if more than max). */
size_t ct_messages(const json_t *lines, json_t **out, size_t max)
    NONNULL(1, 2);

/* Asserts that m is a well-formed message: direction dir, peer, text,
 * and for "in" the sender's device (device 0: any). */
void ct_assert_msg(const json_t *m, const char *dir, const char *peer,
    json_int_t device, const char *text) NONNULL(1, 2, 3, 5);

/* ---- the client's commands ---- */

/* init --json of user in home with extra options (may be NULL); asserts
 * exit 0 and the init object; returns the device id. */
json_int_t ct_init(struct ct *t, const char *home, const char *user,
    const char *const *extra) NONNULL(1, 2, 3);

/* Links a new device in home2 to user's account from home1 (devices link
 * --yes in the background, init --link CODE); returns its device id. */
json_int_t ct_link(struct ct *t, const char *home1, const char *home2,
    const char *user) NONNULL(1, 2, 3, 4);

/* send --json from home to peer: asserts exit 0 and the sent object;
 * id[CT_ID_HEX + 1] (may be NULL) gets the message id. Returns the sent
 * object (borrowed). */
json_t *ct_send(struct ct *t, const char *home, const char *peer,
    const char *text, char *id) NONNULL(1, 2, 3, 4);

/* 1 if the receipts of sent object s include user's device. */
int ct_receipt(const json_t *s, const char *user, json_int_t device)
    NONNULL(1, 2);

/* receive --json on home, asserting exit 0: its messages in order into
 * out[max]; their count. */
size_t ct_receive(struct ct *t, const char *home, json_t **out, size_t max)
    NONNULL(1, 2, 3);

/* receive --json on home, asserting exit 0 and exactly the messages
 * want (NULL-terminated texts, in order) from peer's device (0: any);
 * out (may be NULL, room for CT_MAX_MSGS) gets them (borrowed). */
void ct_receive_texts(struct ct *t, const char *home, const char *peer,
    json_int_t device, const char *const *want, json_t **out)
    NONNULL(1, 2, 3, 5);

/* An admin's recovery invite for user (sealpost-keyserver invite create
 * --user) into tok; fails the test if it cannot be made. */
void ct_recovery_invite(struct ct *t, const char *user, char tok[static 65])
    NONNULL(1, 2, 3);

/* status --json on home, asserting exit want: the status object. */
json_t *ct_status(struct ct *t, const char *home, int want) NONNULL(1, 2);

/* Polls the relay's /metrics until the gauge sealpost_server_parked is at
 * least n (a long-poll is waiting); fails the test at the deadline. */
void ct_wait_parked(struct ct *t, int64_t n) NONNULL(1);

/* Starts `receive --follow --json` on home in the background; out
 * (CLIENT_PATH_MAX) gets the path of its stdout. */
pid_t ct_follow(struct ct *t, const char *home, char *out) NONNULL(1, 2, 3);

/* Polls the output file out of the running pid (receive --follow) until
 * it holds at least n messages: its lines (borrowed). Fails the test if
 * pid exits first, or at the deadline. */
json_t *ct_poll_messages(struct ct *t, pid_t pid, const char *out, size_t n)
    NONNULL(1, 3);

/* SIGTERM to pid, which must exit 0 promptly (5 s, scaled). */
void ct_stop(struct ct *t, pid_t pid) NONNULL(1);

#endif
