/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The integration test client: spawns the daemons in temp dirs, talks to
 * them over nng through common/proto, and plays devices with seeded keys.
 * Shared by tests/integration/test_*.c and bench/bench_*.c (no cmocka).
 * client.c: environment, daemons, connections; client_device.c: devices,
 * the key server, the harness; client_link.c: database fixtures and the
 * device-link rendezvous; client_relay.c: the relay's messages. */
#ifndef SEALPOST_TEST_CLIENT_H
#define SEALPOST_TEST_CLIENT_H

#include <nng/nng.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/compat.h"
#include "common/proto.h"
#include "common/wire.h"
#include "crypto/keys.h"
#include "crypto/rng.h"

#define CLIENT_PATH_MAX 512
#define CLIENT_MAX_ARGS 48
#define CLIENT_RECV_MAX ((size_t)1 << 20) /* NNG_OPT_RECVMAXSZ */
#define CLIENT_TIMEOUT_MS 10000           /* default rpc timeout */
/* req0 resends a request unanswered for this long: far above every
 * timeout used here, so a test never sees a silent resend. */
#define CLIENT_RESEND_MS (3600 * 1000)

/* ------------------------------------------------------------------ */
/* Environment. */

/* The folder of the daemon binaries: $SEALPOST_BIN, else "build/bin". */
const char *client_bin_dir(void);

/* 1 in a sanitizer build (or with ASAN_OPTIONS set), where everything is a
 * few times slower; timeouts are multiplied by client_time_scale(). */
int client_time_scale(void);

/* Sleeps ms milliseconds; only for polling loops with a deadline. */
void client_nap_ms(int ms);

/* In a forked child (async-signal-safe): have the kernel kill it when the
 * test process, parent, dies, so that a test killed by its timeout leaves
 * no daemon or client behind. Exits the child if parent is gone already. */
void client_die_with(pid_t parent);

/* Makes a fresh 0700 directory under $TMPDIR (else /tmp) into out[cap].
 * 0 or ERR_SYS. */
WUR int client_tmpdir(char *out, size_t cap) NONNULL(1);

/* Removes dir and everything under it (best effort). */
void client_rmtree(const char *dir) NONNULL(1);

/* snprintf into out[cap] of dir "/" name; ERR_TOO_LONG if cut. */
WUR int client_path(char *out, size_t cap, const char *dir, const char *name)
    NONNULL(1, 3, 4);

/*
 * Runs the program prog of client_bin_dir() (or the path prog if it has a
 * slash) with args (NULL-terminated,
 * not including argv[0]) and waits for it at most timeout_ms (0: a
 * default). Its stdout goes to out[cap] (NUL-terminated, cut to fit; out
 * may be NULL), its stderr is appended to errlog (NULL: inherited).
 * *status gets the exit code, or 128 + signal. 0, ERR_TIMEOUT (the
 * program was then killed) or ERR_SYS.
 */
WUR int client_run(const char *prog, const char *const *args,
    const char *errlog, char *out, size_t cap, int timeout_ms, int *status)
    NONNULL(1, 2, 7);

/* GET path from 127.0.0.1:port over a raw HTTP/1.0 connection: *status
 * gets the HTTP status code, body[cap] the response body (may be NULL).
 * 0, ERR_NET, ERR_TIMEOUT or ERR_INVALID (not an HTTP answer). */
WUR int client_http_get(int port, const char *path, int *status, char *body,
    size_t cap) NONNULL(2, 3);

/* Polls metric name on 127.0.0.1:port until it is at least want, for at
 * most timeout_ms (scaled by client_time_scale). 0, or ERR_TIMEOUT with
 * the last value seen in *last (-1: none could be read). */
WUR int client_wait_metric(int port, const char *name, int64_t want,
    int timeout_ms, int64_t *last) NONNULL(2, 5);

/* The value of the first sample of metric name (exactly that name, no
 * labels) in GET /metrics from 127.0.0.1:port. 0, ERR_NOT_FOUND or an
 * error of client_http_get. */
WUR int client_metric(int port, const char *name, int64_t *value)
    NONNULL(2, 3);

/* ------------------------------------------------------------------ */
/* Daemons as child processes. */

struct daemon {
	pid_t pid; /* 0 when not running */
	char dir[CLIENT_PATH_MAX];
	char prog[CLIENT_PATH_MAX]; /* absolute path of the binary */
	char ready[CLIENT_PATH_MAX];
	char log[CLIENT_PATH_MAX]; /* stdout and stderr, appended */
	char *argv[CLIENT_MAX_ARGS + 4];
	char url[CLIENT_PATH_MAX]; /* first listener, with its bound port */
	int port;                  /* its port */
	int http_port;             /* -1 without an http listener */
	int starts;                /* how many times started */
};

/*
 * Starts prog (from client_bin_dir()) in dir with args (NULL-terminated)
 * plus "--ready-file DIR/ready", and waits (bounded) until the ready file
 * names the bound ports: "listen URL PORT" lines and "http PORT". The
 * child's cwd is dir; its output goes to DIR/daemon.log. Returns 0, or
 * ERR_TIMEOUT / ERR_STATE (exited early; the log is printed to stderr) /
 * ERR_SYS / ERR_TOO_LONG. On failure no child is left running. d is
 * overwritten; release it with daemon_free even on failure.
 */
WUR int daemon_start(struct daemon *d, const char *dir, const char *prog,
    const char *const *args) NONNULL(1, 2, 3);

/* Starts the same command again (after a stop or kill); the ports change. */
WUR int daemon_restart(struct daemon *d) NONNULL(1);

/* 1 if the child is still running (reaps it if it exited). */
int daemon_alive(struct daemon *d) NONNULL(1);

/*
 * SIGTERM, then waits at most timeout_ms (0: a default) for the exit,
 * then SIGKILL. Returns the exit code (0..255), 128 + signal if killed by
 * one (SIGKILL after the timeout included), or -1 if it was not running.
 */
int daemon_stop(struct daemon *d, int timeout_ms) NONNULL(1);

/* kill -9 and reap. */
void daemon_kill9(struct daemon *d) NONNULL(1);

/* Kills a still-running child (SIGKILL) and frees the arguments. */
void daemon_free(struct daemon *d) NONNULL(1);

/* Prints the daemon's log to stderr (for failure reports). */
void daemon_dump_log(const struct daemon *d) NONNULL(1);

/* The URL of the daemon's listener i (in --listen order, from its ready
 * file), with the bound port, into out[cap]. 0, ERR_NOT_FOUND (no such
 * listener) or ERR_TOO_LONG. */
WUR int daemon_url(const struct daemon *d, size_t i, char *out, size_t cap)
    NONNULL(1, 3);

/* ------------------------------------------------------------------ */
/* Connections: one req0 socket dialled to one URL. */

struct conn_opts {
	int timeout_ms;       /* send and receive timeout; 0: default */
	size_t recv_max;      /* NNG_OPT_RECVMAXSZ; 0: CLIENT_RECV_MAX */
	const char *tls_ca;   /* tls+tcp://: PEM CA file to pin */
	const char *tls_name; /* tls+tcp://: server name to check */
};

struct conn {
	nng_socket sock;
	int open;
};

/* Opens a req0 socket with the options above and dials url (blocking: a
 * refused or failed handshake is an error). 0, ERR_NET or ERR_CONFIG. */
WUR int conn_open(struct conn *c, const char *url,
    const struct conn_opts *opts) NONNULL(1, 2);
void conn_close(struct conn *c) NONNULL(1);

/* A decoded reply frame. */
struct reply {
	uint8_t type;
	int code; /* ERROR: the negative ERR_* it carries; else 0 */
	char text[PROTO_MAX_ERROR_TEXT + 1];
	uint8_t *buf; /* the whole frame (nng's buffer) */
	size_t len;
	struct wire_reader body; /* positioned on the body */
};

void reply_free(struct reply *rep) NONNULL(1);

/*
 * Sends frame[len] as is and waits for the reply. Returns 0 for a reply
 * of type expect | PROTO_REPLY (any reply type when expect is 0), the
 * code of an ERROR reply, ERR_MISMATCH (another reply type), ERR_VERSION
 * / ERR_SHORT / ERR_INVALID (a malformed reply), ERR_TIMEOUT or ERR_NET.
 * rep holds what came back; reply_free it whatever the result.
 */
WUR int conn_call(struct conn *c, const uint8_t *frame, size_t len,
    uint8_t expect, struct reply *rep) NONNULL(1, 5);

/* A request of type with body[len] (body may be NULL when len is 0). */
WUR int conn_rpc(struct conn *c, uint8_t type, const uint8_t *body,
    size_t len, struct reply *rep) NONNULL(1, 5);

/* The same with the body in a writer, which is wiped. */
WUR int conn_rpc_w(struct conn *c, uint8_t type, struct wire_writer *body,
    struct reply *rep) NONNULL(1, 3, 4);

/* CHALLENGE. */
WUR int conn_challenge(struct conn *c, struct proto_challenge *ch)
    NONNULL(1, 2);

/* Authenticated requests of the key directory. */
WUR int conn_status(struct conn *c, struct proto_status *st) NONNULL(1, 2);
/* CLAIM user: up to max bundles into out, *n of them. */
WUR int conn_claim(struct conn *c, const char *user, struct proto_bundle *out,
    size_t max, size_t *n) NONNULL(1, 2, 3, 5);
WUR int conn_devices(struct conn *c, const char *user,
    struct proto_device *out, size_t max, size_t *n) NONNULL(1, 2, 3, 5);

/* ------------------------------------------------------------------ */
/* Devices with deterministic keys. */

struct device {
	char user[PROTO_MAX_USER + 1];
	uint32_t id; /* the directory's device id once joined */
	struct identity_key *ik;
	struct rng_seeded rng;
	struct proto_signed_prekey spk, lrk;
	uint8_t spk_sk[KEY_LEN];
	uint8_t lrk_sk[KEY_LEN];
	size_t nopk;     /* one-time prekeys made */
	size_t uploaded; /* of which the first `uploaded` were sent */
	size_t capopk;
	uint8_t *opk_wire; /* nopk entries of u32 id || pk, as uploaded */
	uint8_t *opk_sks;  /* nopk * KEY_LEN, secret */
	uint32_t next_opk_id;
};

/* Join variations for negative tests. */
#define DEVICE_BAD_JOIN_SIG (1U << 0) /* join proof signed by another key */
#define DEVICE_BAD_SPK_SIG (1U << 1)  /* signed-prekey signature flipped */
#define DEVICE_BAD_LINK_SIG (1U << 2) /* link signature by another key */

/* A device of user whose keys all come from seed, with nopk one-time
 * prekeys (ids 1, 2, ...). 0 or ERR_NOMEM. */
WUR int device_new(const char *user, uint64_t seed, size_t nopk,
    struct device **out) NONNULL(1, 4);
void device_free(struct device *d);

/* Makes n more one-time prekeys with the next ids. */
WUR int device_add_opks(struct device *d, size_t n) NONNULL(1);

/* Entry i of the one-time prekeys: its id (and public key into pk, which
 * may be NULL). */
uint32_t device_opk_at(const struct device *d, size_t i, uint8_t *pk)
    NONNULL(1);

/* The secret of one-time prekey id, or NULL. */
const uint8_t *device_opk_secret(const struct device *d, uint32_t id)
    NONNULL(1);

/*
 * CHALLENGE then REGISTER (approver NULL; invite may be NULL) or LINK
 * (approved by approver, which signs the link statement; it need not be
 * connected). Sends the first min(nopk, PROTO_MAX_PREKEYS) not yet
 * uploaded one-time prekeys. On success d->id is set and c is bound to d.
 * Returns 0 or the error code (see conn_call).
 */
WUR int device_join(struct device *d, struct conn *c, const char *invite,
    const struct device *approver, unsigned flags) NONNULL(1, 2);

/* Fills an AUTH message for d answering ch. */
void device_auth_msg(const struct device *d, const struct proto_challenge *ch,
    struct proto_auth *m) NONNULL(1, 2, 3);

/* CHALLENGE then AUTH on c. */
WUR int device_auth(const struct device *d, struct conn *c) NONNULL(1, 2);

/* Uploads the next n not yet uploaded one-time prekeys (making more if
 * needed); *stock (may be NULL) gets the directory's count. */
WUR int device_upload(struct device *d, struct conn *c, size_t n,
    uint32_t *stock) NONNULL(1, 2);

/* REVOKE victim (a device of d's user) signed by d, authenticated on c. */
WUR int device_revoke(const struct device *d, struct conn *c,
    const struct device *victim) NONNULL(1, 2, 3);

/* The upload view of d: keys, the first n prekeys from first, and the self
 * link signature of a first device (for store-level tests). */
void device_upload_view(const struct device *d, size_t first, size_t n,
    struct proto_device_upload *u) NONNULL(1, 4);

/* ------------------------------------------------------------------ */
/* The key server and a per-test harness. */

#define KEYSERVER_PROG "sealpost-keyserver"

/* Starts the key server in dir with its database DIR/keyserver.db, tcp
 * and http listeners on 127.0.0.1 port 0, and extra (NULL-terminated, may
 * be NULL) options. As daemon_start. */
WUR int keyserver_start(struct daemon *d, const char *dir,
    const char *const *extra) NONNULL(1, 2);

/* Runs "sealpost-keyserver --db DIR/keyserver.db ARGS..." (NULL-
 * terminated) as client_run does, stdout into out[cap], stderr appended to
 * DIR/admin.log. Returns the exit code, or -1 if it could not run. */
int keyserver_admin(const char *dir, char *out, size_t cap, ...)
    NONNULL(1);

/* What one test owns: a temp dir, a daemon, connections and devices, all
 * released by harness_free whatever happened. Not thread safe. */
#define HARNESS_MAX 128

struct harness {
	char dir[CLIENT_PATH_MAX];
	struct daemon ks;
	struct daemon relay; /* started by harness_relay */
	char relay_dir[CLIENT_PATH_MAX];
	struct conn *conns[HARNESS_MAX];
	size_t nconns;
	struct device *devs[HARNESS_MAX];
	size_t ndevs;
};

/* A harness with a fresh temp dir. 0, ERR_NOMEM or ERR_SYS. */
WUR int harness_new(struct harness **out) NONNULL(1);

/* Closes the connections, frees the devices, stops the daemons (relay
 * first; SIGTERM, bounded) and removes the dir. Returns the first nonzero
 * exit code of a daemon, or 0 (also for daemons that were not running).
 * NULL is a no-op (0). */
int harness_free(struct harness *h);

/* cmocka setup and teardown of a test that owns one harness (*state): a
 * fresh harness; then harness_free, a daemon that did not exit 0 on
 * SIGTERM failing the test. No cmocka dependency: only the signature. */
int harness_setup(void **state) NONNULL(1);
int harness_teardown(void **state) NONNULL(1);

/* 1 if the openssl command is on PATH (what gen_cert.sh needs). */
int client_have_openssl(void);

/* Runs tests/integration/gen_cert.sh (from the source tree, else from
 * $SEALPOST_BIN/../../tests/integration) into dir: ca.pem, server.pem,
 * server.key and other-ca.pem. 0, ERR_SYS (it did not run) or ERR_STATE
 * (it failed). */
WUR int client_gen_certs(const char *dir) NONNULL(1);

/* A connection to url owned by h (closed by harness_free); NULL on
 * failure (logged). */
struct conn *harness_conn_to(struct harness *h, const char *url,
    const struct conn_opts *opts) NONNULL(1, 2);

/* A connection to the key server's first listener, owned by h; NULL on
 * failure (printed). opts may be NULL. */
struct conn *harness_conn(struct harness *h, const struct conn_opts *opts)
    NONNULL(1);

/* A device owned by h (see device_new); NULL on failure. */
struct device *harness_device(struct harness *h, const char *user,
    uint64_t seed, size_t nopk) NONNULL(1, 2);

/* n devices of a new user, owned by h, joined at the key server (which
 * needs open registration): out[0] registers (device 1), the others are
 * linked, approved by out[0]. Device i has seed seed + i and 1 one-time
 * prekey. Returns 0 or the error (printed). */
WUR int harness_user(struct harness *h, const char *user, uint64_t seed,
    size_t n, struct device **out) NONNULL(1, 2, 5);

/* Creates DIR/keyserver.db (mode 0600) from the SQL file NAME of
 * tests/integration/fixtures (looked up from the current directory, else
 * from $SEALPOST_BIN/../../tests/integration/fixtures): an old database
 * for migration tests. 0, ERR_NOT_FOUND (no such fixture), ERR_SYS (the
 * database exists already, or I/O) or ERR_DB (logged). */
WUR int keyserver_fixture(const char *dir, const char *name) NONNULL(1, 2);

/* ------------------------------------------------------------------ */
/* The device-link rendezvous of the key server. */

/* LINK_OPEN slot. 0 or the error (see conn_call). */
WUR int conn_link_open(struct conn *c,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN]) NONNULL(1, 2);

/* LINK_PUT of part with blob[len], unchecked, so tests can send bad
 * bodies (blob may be NULL when len is 0). 0 or the error. */
WUR int conn_link_put(struct conn *c,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    const void *blob, size_t len) NONNULL(1, 2);

/* LINK_GET of part, waiting up to wait_ms (unchecked): the part into
 * out[PROTO_MAX_LINK_BLOB], its length into *len (0 while not set, and
 * on failure). 0 or the error. */
WUR int conn_link_get(struct conn *c,
    const uint8_t slot[static PROTO_LINK_SLOT_LEN], uint8_t part,
    uint32_t wait_ms, uint8_t *out, size_t *len) NONNULL(1, 2, 5, 6);

/* ------------------------------------------------------------------ */
/* The relay. */

#define RELAY_PROG "sealpost-relay"

/* Starts the relay in dir (made 0700 if missing) with its queues in
 * DIR/relay.db, directory_db (a key server's database) as its directory,
 * tcp and http listeners on 127.0.0.1 port 0, and extra (NULL-terminated,
 * may be NULL) options. As daemon_start. */
WUR int relayd_start(struct daemon *d, const char *dir,
    const char *directory_db, const char *const *extra) NONNULL(1, 2, 3);

/* The relay of h in h->relay_dir (DIR/relay), reading h's key server
 * database. As relayd_start. */
WUR int harness_relay(struct harness *h, const char *const *extra)
    NONNULL(1);

/* The path of the relay's queue database (h->relay_dir/relay.db). */
WUR int harness_relay_db(const struct harness *h, char *out, size_t cap)
    NONNULL(1, 2);

/* A connection to the relay's first listener, owned by h; NULL on failure
 * (printed). opts may be NULL. */
struct conn *harness_relay_conn(struct harness *h,
    const struct conn_opts *opts) NONNULL(1);

/* The same, authenticated as d (CHALLENGE, AUTH); NULL on failure. */
struct conn *harness_login(struct harness *h, const struct device *d,
    const struct conn_opts *opts) NONNULL(1, 2);

/* One group of a SEND: the recipient user and its items. */
struct send_group {
	const char *user;
	size_t n;
	const struct proto_send_item *items;
};

#define SEND_MAX_ITEMS (PROTO_MAX_GROUPS * PROTO_MAX_DEVICES)

/* A SEND reply: receipts in request order (result PROTO_SEND_STORED) or
 * the refused groups (PROTO_SEND_MISMATCH). */
struct send_result {
	uint8_t result;
	size_t n; /* receipts or mismatches */
	struct proto_receipt rc[SEND_MAX_ITEMS];
	/* one per group, and one for the sender's own user if the send
	 * named none and lacks its sync copies */
	struct proto_mismatch mm[PROTO_MAX_GROUPS + 1];
	char text[PROTO_MAX_ERROR_TEXT + 1]; /* of an ERROR reply */
};

/* Writes a SEND body: u16 ngroups || groups (no check of the limits, so
 * tests can build bad ones). */
void relay_send_body(struct wire_writer *w, const struct send_group *g,
    size_t ng) NONNULL(1);

/*
 * SEND groups g[0..ng). Returns 0 with *res filled (a mismatch is a
 * success: look at res->result), or the error of conn_call (an ERROR
 * reply's code, its text in res->text), or a decoding error of the reply.
 */
WUR int conn_send(struct conn *c, const struct send_group *g, size_t ng,
    struct send_result *res) NONNULL(1, 4);

/* A FETCH reply: entries viewing into the reply frame. */
struct fetch_result {
	struct reply rep;
	size_t n;
	struct proto_entry *e; /* heap: n entries */
};

/* FETCH; out is cleared first; fetch_result_free it whatever the result.
 * Returns 0 or the error (see conn_call), or ERR_NOMEM. */
WUR int conn_fetch(struct conn *c, uint16_t max_count, uint32_t max_bytes,
    uint32_t wait_ms, struct fetch_result *out) NONNULL(1, 5);
void fetch_result_free(struct fetch_result *f) NONNULL(1);

/* ACK ids[0..n) (n * PROTO_ID_LEN bytes). 0 or the error. */
WUR int conn_ack(struct conn *c, const uint8_t *ids, size_t n) NONNULL(1);

/* ACKs every entry of f (nothing to do if it is empty). */
WUR int conn_ack_all(struct conn *c, const struct fetch_result *f)
    NONNULL(1, 2);

/* A verifier of one queue's hash chain, as its device sees it. */
struct chain {
	uint64_t seq; /* last verified seq (0: none) */
	uint8_t head[PROTO_HASH_LEN];
	uint64_t envelopes, expired, overflow; /* entries verified */
	char why[160]; /* what the last failure found */
};

void chain_init(struct chain *ch) NONNULL(1);

/*
 * Checks that e is the next link: seq is last + 1, an envelope's
 * entry_hash is proto_entry_hash(id, bytes) (a tombstone has no bytes,
 * its entry_hash is taken as sent; an overflow tombstone's must be
 * proto_overflow_hash(id, received_ms)), and chain = proto_chain_next(
 * head, seq, entry_hash). Returns 0 (ch advances), 1 if e was verified
 * before (seq <= last: fetched again, not acked yet; at seq == last its
 * chain value must be the head), or ERR_AUTH: a gap, a bad hash, a
 * reordered or replayed entry; ch->why says which and ch is unchanged.
 */
WUR int chain_check(struct chain *ch, const struct proto_entry *e)
    NONNULL(1, 2);

/* chain_check on every entry of f in order; stops at the first ERR_AUTH. */
WUR int chain_check_all(struct chain *ch, const struct fetch_result *f)
    NONNULL(1, 2);

/* Seals content from device `from` to device `to` with crypto/envelope
 * (ENVELOPE_RATCHET, sender user and device inside). *env is a heap
 * buffer for mem_wipe_free(*env, *len). 0 or an envelope_seal error. */
WUR int device_seal(const struct device *from, const struct device *to,
    const void *content, size_t content_len, uint8_t **env, size_t *len)
    NONNULL(1, 2, 5, 6);

#endif
