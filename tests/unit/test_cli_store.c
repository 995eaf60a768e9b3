/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for client-cli/cli_home and client-cli/cli_store: the home
 * directory and key file permissions, passphrase keys, every table, sealed
 * columns (no plaintext on disk, no swapping between rows), atomic
 * transactions under injected failures, key deletion and reopening. */
#include "tests/unit/helpers.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client-cli/cli_home.h"
#include "client-cli/cli_store.h"
#include "client-cli/cli_store_impl.h"
#include "common/log.h"
#include "common/mem.h"
#include "service/db.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char base[256];  /* the temporary directory of one test */
static char home[512];  /* base/home: the client's home */
static struct rng_seeded seeded;

static const char marker[] = "SEALPOST-MARKER-body-7f3a9c";

/* ---- fixtures ---------------------------------------------------------*/

static void
rm_tree(const char *p)
{
	char sub[1024];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	if (lstat(p, &sb) != 0) {
		return;
	}
	if (!S_ISDIR(sb.st_mode)) {
		unlink(p);
		return;
	}
	chmod(p, 0700);
	if ((d = opendir(p)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0) {
				snprintf(sub, sizeof(sub), "%s/%s", p,
				    e->d_name);
				rm_tree(sub);
			}
		}
		closedir(d);
	}
	rmdir(p);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	uint8_t seed[32];

	(void)state;
	snprintf(base, sizeof(base), "%s/test_cli_store.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		return -1;
	}
	snprintf(home, sizeof(home), "%s/home", base);
	memset(seed, 0x5e, sizeof(seed));
	rng_seeded_init(&seeded, seed);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	db_fail_after(-1);
	mem_set_release_hook(NULL, NULL);
	rng_seeded_wipe(&seeded);
	rm_tree(base);
	return 0;
}

static const struct rng *
rng(void)
{
	return &seeded.rng;
}

static struct cli_storage_key *
new_key(void)
{
	struct cli_storage_key *k = NULL;

	assert_ok(cli_home_prepare(home));
	assert_ok(cli_key_file_create(home, rng(), &k));
	assert_non_null(k);
	return k;
}

static struct cli_store *
open_store(const struct cli_storage_key *k)
{
	struct cli_store *s = NULL;

	assert_ok(cli_store_open(home, k, rng(), &s));
	assert_non_null(s);
	return s;
}

static void
file_path(char out[static 600], const char *name)
{
	snprintf(out, 600, "%s/%s", home, name);
}

static mode_t
mode_of(const char *p)
{
	struct stat sb;

	assert_int_equal(stat(p, &sb), 0);
	return sb.st_mode & 07777;
}

/* Reads a whole file (an absent file reads as empty). Free with free. */
static uint8_t *
slurp(const char *p, size_t *n)
{
	uint8_t *buf;
	struct stat sb;
	FILE *f;

	*n = 0;
	if (stat(p, &sb) != 0) {
		return calloc(1, 1);
	}
	buf = calloc(1, (size_t)sb.st_size + 1);
	assert_non_null(buf);
	f = fopen(p, "rb");
	assert_non_null(f);
	*n = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	return buf;
}

static int
contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t i;

	for (i = 0; m <= n && i <= n - m; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return 1;
		}
	}
	return 0;
}

/* 1 if needle is in sealpost.db or its -wal. */
static int
on_disk(const void *needle, size_t m)
{
	static const char *names[] = { CLI_DB_FILENAME,
		CLI_DB_FILENAME "-wal" };
	char p[600];
	uint8_t *b;
	size_t i, n;
	int found = 0;

	for (i = 0; i < NELEM(names); i++) {
		file_path(p, names[i]);
		b = slurp(p, &n);
		found |= contains(b, n, needle, m);
		free(b);
	}
	return found;
}

/* What the mem release hook saw. */
static struct {
	int calls;
	int all_zero;
	int saw_key; /* a release of sizeof(struct cli_storage_key) */
} seen;

static void
record_release(const void *p, size_t n, void *arg)
{
	const uint8_t *b = p;
	size_t i;

	(void)arg;
	seen.calls++;
	if (n == sizeof(struct cli_storage_key)) {
		seen.saw_key++;
	}
	for (i = 0; i < n; i++) {
		if (b[i] != 0) {
			seen.all_zero = 0;
		}
	}
}

static void
watch_releases(void)
{
	memset(&seen, 0, sizeof(seen));
	seen.all_zero = 1;
	mem_set_release_hook(record_release, NULL);
}

/* A responder session from rng bytes: enough state for storage tests. */
static struct ratchet_session *
new_session(void)
{
	struct ratchet_session *rs = NULL;
	struct x25519_keypair spk;
	struct x3dh_output x;

	rng_fill(rng(), (uint8_t *)&x, sizeof(x));
	x25519_keypair_generate(rng(), &spk);
	assert_ok(ratchet_init_responder(&x, &spk, &rs));
	x3dh_output_wipe(&x);
	x25519_keypair_wipe(&spk);
	return rs;
}

static void
encode(const struct ratchet_session *rs, uint8_t **b, size_t *n)
{
	assert_ok(ratchet_encode(rs, b, n));
}

static struct cli_message
message(uint8_t idbyte, const char *peer, int64_t t, const char *body)
{
	struct cli_message m;

	memset(&m, 0, sizeof(m));
	memset(m.id, idbyte, sizeof(m.id));
	snprintf(m.peer_user, sizeof(m.peer_user), "%s", peer);
	m.peer_device = 2;
	m.direction = CLI_MSG_IN;
	m.time_ms = t;
	m.body = (uint8_t *)(uintptr_t)body;
	m.body_len = strlen(body);
	return m;
}

/* ---- cli_home ---------------------------------------------------------*/

static void
test_home_resolve(void **state)
{
	char out[CLI_PATH_MAX];
	char *old_home = getenv("HOME"), *old_xdg = getenv("XDG_DATA_HOME");
	char saved_home[1024] = "", saved_xdg[1024] = "";

	(void)state;
	if (old_home != NULL) {
		snprintf(saved_home, sizeof(saved_home), "%s", old_home);
	}
	if (old_xdg != NULL) {
		snprintf(saved_xdg, sizeof(saved_xdg), "%s", old_xdg);
	}
	setenv("HOME", "/home/alice", 1);
	setenv("XDG_DATA_HOME", "/data/alice", 1);
	assert_ok(cli_home_resolve("/opt/sp", out));
	assert_string_equal(out, "/opt/sp");
	assert_ok(cli_home_resolve(NULL, out));
	assert_string_equal(out, "/data/alice/sealpost");
	/* A relative XDG_DATA_HOME is invalid and ignored (XDG spec). */
	setenv("XDG_DATA_HOME", "rel/data", 1);
	assert_ok(cli_home_resolve(NULL, out));
	assert_string_equal(out, "/home/alice/.local/share/sealpost");
	unsetenv("XDG_DATA_HOME");
	assert_ok(cli_home_resolve(NULL, out));
	assert_string_equal(out, "/home/alice/.local/share/sealpost");
	unsetenv("HOME");
	assert_err(cli_home_resolve(NULL, out), ERR_CONFIG);
	assert_string_equal(out, "");
	assert_err(cli_home_resolve("", out), ERR_ARG);
	if (old_home != NULL) {
		setenv("HOME", saved_home, 1);
	}
	if (old_xdg != NULL) {
		setenv("XDG_DATA_HOME", saved_xdg, 1);
	}
}

static void
test_home_create(void **state)
{
	char nested[700];
	mode_t old = umask(0);

	(void)state;
	snprintf(nested, sizeof(nested), "%s/a/b/sealpost", base);
	assert_ok(cli_home_prepare(nested));
	umask(old);
	assert_int_equal(mode_of(nested), 0700);
	snprintf(nested, sizeof(nested), "%s/a", base);
	assert_int_equal(mode_of(nested), 0700);
	/* An existing private directory is accepted as is. */
	assert_ok(cli_home_prepare(home));
	assert_ok(cli_home_prepare(home));
	assert_int_equal(mode_of(home), 0700);
}

static void
test_home_refused(void **state)
{
	static const mode_t bad[] = { 0750, 0705, 0770, 0701, 0755 };
	char file[600];
	size_t i;
	int fd;

	(void)state;
	assert_ok(cli_home_prepare(home));
	for (i = 0; i < NELEM(bad); i++) {
		assert_int_equal(chmod(home, bad[i]), 0);
		assert_err(cli_home_prepare(home), ERR_PERM);
		/* Refused, never fixed. */
		assert_int_equal(mode_of(home), bad[i]);
	}
	assert_int_equal(chmod(home, 0700), 0);
	assert_ok(cli_home_prepare(home));
	snprintf(file, sizeof(file), "%s/plain", base);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_err(cli_home_prepare(file), ERR_PERM);
}

static void
test_key_file(void **state)
{
	struct cli_storage_key *k = NULL, *k2 = NULL;
	char p[600];
	uint8_t *b;
	size_t n;

	(void)state;
	assert_ok(cli_home_prepare(home));
	assert_int_equal(cli_key_kind(home), CLI_KEY_NONE);
	assert_err(cli_key_file_load(home, &k), ERR_NOT_FOUND);
	k = new_key();
	assert_int_equal(cli_key_kind(home), CLI_KEY_FILE);
	file_path(p, CLI_KEY_FILENAME);
	assert_int_equal(mode_of(p), 0600);
	b = slurp(p, &n);
	assert_int_equal(n, CLI_STORAGE_KEY_LEN);
	assert_mem_eq(b, k->key, CLI_STORAGE_KEY_LEN);
	free(b);
	/* Never overwritten. */
	k2 = (struct cli_storage_key *)p;
	assert_err(cli_key_file_create(home, rng(), &k2), ERR_EXISTS);
	assert_null(k2);
	/* Reused. */
	assert_ok(cli_key_file_load(home, &k2));
	assert_mem_eq(k2->key, k->key, CLI_STORAGE_KEY_LEN);
	cli_storage_key_free(k2);
	/* Refused when group or others may read it. */
	assert_int_equal(chmod(p, 0644), 0);
	assert_err(cli_key_file_load(home, &k2), ERR_PERM);
	assert_null(k2);
	assert_int_equal(chmod(p, 0640), 0);
	assert_err(cli_key_file_load(home, &k2), ERR_PERM);
	assert_int_equal(chmod(p, 0600), 0);
	/* A truncated key is not a key. */
	assert_int_equal(truncate(p, 31), 0);
	assert_err(cli_key_file_load(home, &k2), ERR_INVALID);
	assert_null(k2);
	cli_storage_key_free(k);
	cli_storage_key_free(NULL);
}

/* The key is the rng's output: seeded tests are reproducible. */
static void
test_key_file_seeded(void **state)
{
	struct cli_storage_key *k;
	struct rng_seeded again;
	uint8_t seed[32], want[CLI_STORAGE_KEY_LEN];

	(void)state;
	memset(seed, 0x5e, sizeof(seed));
	rng_seeded_init(&again, seed);
	rng_fill(&again.rng, want, sizeof(want));
	rng_seeded_wipe(&again);
	k = new_key();
	assert_mem_eq(k->key, want, sizeof(want));
	cli_storage_key_free(k);
}

static void
test_passphrase(void **state)
{
	static const char pass[] = "correct horse battery staple";
	struct cli_storage_key *k = NULL, *k2 = NULL;
	uint64_t ops, mem;
	char p[600];

	(void)state;
	assert_ok(cli_home_prepare(home));
	assert_err(cli_key_passphrase_create(home, pass, 0,
		       CLI_KDF_INTERACTIVE, rng(), &k),
	    ERR_ARG);
	assert_ok(cli_key_passphrase_create(home, pass, sizeof(pass) - 1,
	    CLI_KDF_INTERACTIVE, rng(), &k));
	assert_int_equal(cli_key_kind(home), CLI_KEY_PASSPHRASE);
	file_path(p, CLI_PARAMS_FILENAME);
	assert_int_equal(mode_of(p), 0600);
	assert_ok(cli_key_passphrase_limits(home, &ops, &mem));
	assert_int_equal(ops, crypto_pwhash_OPSLIMIT_INTERACTIVE);
	assert_int_equal(mem, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	/* The right passphrase gives the same key. */
	assert_ok(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k2));
	assert_mem_eq(k2->key, k->key, CLI_STORAGE_KEY_LEN);
	cli_storage_key_free(k2);
	k2 = NULL;
	/* A wrong one is ERR_AUTH, with no key out. */
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 2, &k2),
	    ERR_AUTH);
	assert_null(k2);
	assert_err(cli_key_passphrase_load(home, "Correct horse battery "
		       "staple", sizeof(pass) - 1, &k2),
	    ERR_AUTH);
	/* One key per home. */
	assert_err(cli_key_passphrase_create(home, pass, sizeof(pass) - 1,
		       CLI_KDF_INTERACTIVE, rng(), &k2),
	    ERR_EXISTS);
	assert_err(cli_key_file_create(home, rng(), &k2), ERR_EXISTS);
	assert_int_equal(chmod(p, 0604), 0);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k2),
	    ERR_PERM);
	cli_storage_key_free(k);
}

/* Rewrites byte off of storage.params to v. */
static void
poke_params(size_t off, uint8_t v)
{
	char p[600];
	int fd;

	file_path(p, CLI_PARAMS_FILENAME);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 1, (off_t)off), 1);
	close(fd);
}

static void
test_passphrase_tampered(void **state)
{
	static const char pass[] = "hunter2 but longer";
	struct cli_storage_key *k = NULL;
	char p[600];
	uint8_t *b;
	size_t n;

	(void)state;
	assert_ok(cli_home_prepare(home));
	assert_ok(cli_key_passphrase_create(home, pass, sizeof(pass) - 1,
	    CLI_KDF_INTERACTIVE, rng(), &k));
	cli_storage_key_free(k);
	k = NULL;
	file_path(p, CLI_PARAMS_FILENAME);
	b = slurp(p, &n);
	assert_int_equal(n, CLI_PARAMS_LEN);
	/* A flipped salt bit: another key, caught by the check value. */
	poke_params(18, b[18] ^ 1);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k),
	    ERR_AUTH);
	poke_params(18, b[18]);
	/* A flipped tag bit. */
	poke_params(n - 1, b[n - 1] ^ 0x80);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k),
	    ERR_AUTH);
	poke_params(n - 1, b[n - 1]);
	/* Limits out of range are refused before any work. */
	poke_params(2, 0x10);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k),
	    ERR_INVALID);
	poke_params(2, b[2]);
	poke_params(0, 0x02);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k),
	    ERR_VERSION);
	poke_params(0, b[0]);
	assert_int_equal(truncate(p, (off_t)n - 1), 0);
	assert_err(cli_key_passphrase_load(home, pass, sizeof(pass) - 1, &k),
	    ERR_INVALID);
	assert_null(k);
	free(b);
}

static void
test_key_kind_both(void **state)
{
	struct cli_storage_key *k;
	char p[600];
	int fd;

	(void)state;
	k = new_key();
	file_path(p, CLI_PARAMS_FILENAME);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_err(cli_key_kind(home), ERR_STATE);
	cli_storage_key_free(k);
}

/* Acceptance: the storage key is wiped on free, by cli_storage_key_free
 * and by cli_store_close for the store's copy. */
static void
test_key_wiped_on_free(void **state)
{
	struct cli_storage_key *k;
	struct cli_store *s;

	(void)state;
	k = new_key();
	s = open_store(k);
	watch_releases();
	cli_storage_key_free(k);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.saw_key, 1);
	assert_true(seen.all_zero);
	watch_releases();
	cli_store_close(s);
	mem_set_release_hook(NULL, NULL);
	assert_int_equal(seen.saw_key, 1);
	assert_true(seen.all_zero);
}

/* ---- cli_store --------------------------------------------------------*/

static void
test_store_open_checks(void **state)
{
	struct cli_storage_key *k, *other;
	struct cli_store *s;
	char p[600];

	(void)state;
	k = new_key();
	s = open_store(k);
	cli_store_close(s);
	cli_store_close(NULL);
	file_path(p, CLI_DB_FILENAME);
	assert_int_equal(mode_of(p), 0600);
	/* The wrong key fails at open, not at the first secret read. */
	other = mem_secure_alloc(sizeof(*other));
	assert_non_null(other);
	memset(other->key, 0x11, sizeof(other->key));
	s = (struct cli_store *)p;
	assert_err(cli_store_open(home, other, rng(), &s), ERR_AUTH);
	assert_null(s);
	cli_storage_key_free(other);
	/* A readable database is refused. */
	assert_int_equal(chmod(p, 0644), 0);
	assert_err(cli_store_open(home, k, rng(), &s), ERR_PERM);
	assert_null(s);
	assert_int_equal(chmod(p, 0600), 0);
	s = open_store(k);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_account(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_account a, b;

	(void)state;
	assert_err(cli_store_account_get(s, &b), ERR_NOT_FOUND);
	memset(&a, 0, sizeof(a));
	snprintf(a.user, sizeof(a.user), "alice");
	a.device = 3;
	snprintf(a.keyserver_url, sizeof(a.keyserver_url),
	    "tls+tcp://keys.example:7001");
	snprintf(a.relay_url, sizeof(a.relay_url),
	    "tls+tcp://relay.example:7002");
	a.has_relay_pin = 1;
	memset(a.relay_pin, 0xab, sizeof(a.relay_pin));
	a.created_ms = 1700000000123;
	assert_ok(cli_store_account_put(s, &a));
	assert_ok(cli_store_account_get(s, &b));
	assert_mem_eq(&a, &b, sizeof(a));
	/* Replaced as a whole. */
	a.has_keyserver_pin = 1;
	memset(a.keyserver_pin, 0xcd, sizeof(a.keyserver_pin));
	a.has_relay_pin = 0;
	memset(a.relay_pin, 0, sizeof(a.relay_pin));
	assert_ok(cli_store_account_put(s, &a));
	assert_ok(cli_store_account_get(s, &b));
	assert_mem_eq(&a, &b, sizeof(a));
	a.user[0] = '\0';
	assert_err(cli_store_account_put(s, &a), ERR_ARG);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_identity(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct identity_key *ik = NULL, *got = NULL;
	uint8_t seed[32];

	(void)state;
	assert_err(cli_store_identity_get(s, &got), ERR_NOT_FOUND);
	rng_fill(rng(), seed, sizeof(seed));
	assert_ok(identity_from_seed(seed, &ik));
	assert_ok(cli_store_identity_put(s, ik));
	assert_err(cli_store_identity_put(s, ik), ERR_EXISTS);
	assert_ok(cli_store_identity_get(s, &got));
	assert_mem_eq(got, ik, sizeof(*ik));
	/* The seed is sealed. */
	assert_ok(cli_store_checkpoint(s));
	assert_false(on_disk(seed, sizeof(seed)));
	assert_false(on_disk(ik->ed_pk, KEY_LEN));
	identity_free(got);
	identity_free(ik);
	sodium_memzero(seed, sizeof(seed));
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_prekeys(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct x25519_keypair a, b, got;
	uint8_t sig[SIG_LEN], gsig[SIG_LEN];
	uint32_t id;
	uint64_t n;

	(void)state;
	x25519_keypair_generate(rng(), &a);
	x25519_keypair_generate(rng(), &b);
	memset(sig, 0x5a, sizeof(sig));
	assert_err(cli_store_spk_latest(s, PREKEY_SIGNED, &id), ERR_NOT_FOUND);
	assert_ok(cli_store_spk_put(s, PREKEY_SIGNED, 1, &a, sig, 100));
	assert_ok(cli_store_spk_put(s, PREKEY_SIGNED, 2, &b, sig, 200));
	assert_ok(cli_store_spk_put(s, PREKEY_LAST_RESORT, 1, &b, sig, 50));
	assert_err(cli_store_spk_put(s, PREKEY_SIGNED, 1, &b, sig, 300),
	    ERR_EXISTS);
	assert_err(cli_store_spk_put(s, (enum prekey_kind)3, 1, &b, sig, 1),
	    ERR_ARG);
	assert_ok(cli_store_spk_get(s, PREKEY_SIGNED, 1, &got, gsig));
	assert_mem_eq(&got, &a, sizeof(a));
	assert_mem_eq(gsig, sig, sizeof(sig));
	assert_ok(cli_store_spk_get(s, PREKEY_LAST_RESORT, 1, &got, NULL));
	assert_mem_eq(&got, &b, sizeof(b));
	assert_ok(cli_store_spk_latest(s, PREKEY_SIGNED, &id));
	assert_int_equal(id, 2);
	assert_ok(cli_store_spk_delete(s, PREKEY_SIGNED, 2));
	assert_err(cli_store_spk_delete(s, PREKEY_SIGNED, 2), ERR_NOT_FOUND);
	assert_err(cli_store_spk_get(s, PREKEY_SIGNED, 2, &got, NULL),
	    ERR_NOT_FOUND);
	assert_ok(cli_store_spk_latest(s, PREKEY_SIGNED, &id));
	assert_int_equal(id, 1);

	/* One-time prekeys: ids from a counter that never goes back. */
	assert_ok(cli_store_opk_next_id(s, &id));
	assert_int_equal(id, 1);
	assert_ok(cli_store_opk_put(s, id, &a, 10));
	assert_ok(cli_store_opk_next_id(s, &id));
	assert_int_equal(id, 2);
	assert_ok(cli_store_opk_put(s, id, &b, 10));
	assert_err(cli_store_opk_put(s, id, &a, 10), ERR_EXISTS);
	assert_ok(cli_store_opk_count(s, &n));
	assert_int_equal(n, 2);
	assert_ok(cli_store_opk_get(s, 2, &got));
	assert_mem_eq(&got, &b, sizeof(b));
	assert_ok(cli_store_opk_delete(s, 2));
	assert_err(cli_store_opk_get(s, 2, &got), ERR_NOT_FOUND);
	assert_err(cli_store_opk_delete(s, 2), ERR_NOT_FOUND);
	assert_ok(cli_store_opk_count(s, &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_opk_next_id(s, &id));
	assert_int_equal(id, 3);
	x25519_keypair_wipe(&a);
	x25519_keypair_wipe(&b);
	x25519_keypair_wipe(&got);
	cli_store_close(s);
	cli_storage_key_free(k);
}

struct collect {
	int n;
	char users[8][CLI_MAX_USER + 1];
	int64_t times[8];
	int stop_at;
};

static int
collect_contact(const struct cli_contact *c, void *arg)
{
	struct collect *col = arg;

	snprintf(col->users[col->n], sizeof(col->users[0]), "%s", c->user);
	col->n++;
	return col->n == col->stop_at ? 42 : 0;
}

static void
test_contacts(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_contact c, got;
	struct collect col;

	(void)state;
	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "carol");
	c.first_seen_ms = 5;
	assert_err(cli_store_contact_get(s, "carol", &got), ERR_NOT_FOUND);
	assert_ok(cli_store_contact_put(s, &c));
	snprintf(c.user, sizeof(c.user), "bob");
	c.first_seen_ms = 7;
	assert_ok(cli_store_contact_put(s, &c));
	/* put updates the trust and keeps first_seen. */
	c.trust = CLI_TRUST_VERIFIED;
	c.first_seen_ms = 99;
	assert_ok(cli_store_contact_put(s, &c));
	assert_ok(cli_store_contact_get(s, "bob", &got));
	assert_int_equal(got.trust, CLI_TRUST_VERIFIED);
	assert_int_equal(got.first_seen_ms, 7);
	assert_ok(cli_store_contact_set_trust(s, "bob", CLI_TRUST_CHANGED));
	assert_ok(cli_store_contact_get(s, "bob", &got));
	assert_int_equal(got.trust, CLI_TRUST_CHANGED);
	assert_err(cli_store_contact_set_trust(s, "dave", CLI_TRUST_VERIFIED),
	    ERR_NOT_FOUND);
	assert_err(cli_store_contact_set_trust(s, "bob", (enum cli_trust)7),
	    ERR_ARG);
	memset(&col, 0, sizeof(col));
	assert_ok(cli_store_contact_foreach(s, collect_contact, &col));
	assert_int_equal(col.n, 2);
	assert_string_equal(col.users[0], "bob");
	assert_string_equal(col.users[1], "carol");
	memset(&col, 0, sizeof(col));
	col.stop_at = 1;
	assert_int_equal(cli_store_contact_foreach(s, collect_contact, &col),
	    42);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_contact_devices(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_contact c = { "bob", CLI_TRUST_UNVERIFIED, 1 };
	struct cli_contact_device d, devs[4];
	size_t n;

	(void)state;
	assert_ok(cli_store_contact_put(s, &c));
	snprintf(c.user, sizeof(c.user), "carol");
	assert_ok(cli_store_contact_put(s, &c));
	memset(&d, 0, sizeof(d));
	d.device = 2;
	memset(d.ik, 0x22, KEY_LEN);
	d.first_seen_ms = 10;
	assert_err(cli_store_contact_device_put(s, "dave", &d), ERR_NOT_FOUND);
	assert_ok(cli_store_contact_device_put(s, "bob", &d));
	d.device = 1;
	memset(d.ik, 0x11, KEY_LEN);
	assert_ok(cli_store_contact_device_put(s, "bob", &d));
	d.device = 2;
	memset(d.ik, 0x33, KEY_LEN);
	d.first_seen_ms = 500;
	assert_ok(cli_store_contact_device_put(s, "bob", &d));
	assert_ok(cli_store_contact_devices(s, "bob", devs, NELEM(devs), &n));
	assert_int_equal(n, 2);
	assert_int_equal(devs[0].device, 1);
	assert_int_equal(devs[1].device, 2);
	assert_int_equal(devs[1].ik[0], 0x33);
	assert_int_equal(devs[1].first_seen_ms, 10);
	assert_ok(cli_store_contact_devices(s, "bob", devs, 1, &n));
	assert_int_equal(n, 2);
	assert_ok(cli_store_contact_device_delete(s, "bob", 1));
	assert_err(cli_store_contact_device_delete(s, "bob", 1),
	    ERR_NOT_FOUND);
	assert_ok(cli_store_contact_devices(s, "bob", devs, NELEM(devs), &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_contact_devices(s, "carol", devs, NELEM(devs), &n));
	assert_int_equal(n, 0);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static struct x3dh_header
pending_header(const struct identity_key *ik)
{
	struct x3dh_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.ik, ik->ed_pk, KEY_LEN);
	memset(h.ek, 0x09, KEY_LEN);
	h.spk_id = 4;
	h.opk_kind = X3DH_OPK_ONE_TIME;
	h.opk_id = 77;
	return h;
}

static void
test_sessions(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct ratchet_session *rs = new_session(), *got = NULL;
	struct identity_key *ik = NULL;
	struct x3dh_header h, gh;
	uint8_t *b1, *b2;
	size_t n1, n2, n;
	uint32_t devs[4];
	int pending = 7;

	(void)state;
	assert_ok(identity_new(rng(), &ik));
	h = pending_header(ik);
	assert_err(cli_store_session_get(s, "bob", 1, &got, &pending, &gh),
	    ERR_NOT_FOUND);
	assert_int_equal(pending, 0);
	assert_ok(cli_store_session_put(s, "bob", 1, rs, &h, 10));
	assert_ok(cli_store_session_put(s, "bob", 3, rs, NULL, 10));
	assert_ok(cli_store_session_get(s, "bob", 1, &got, &pending, &gh));
	assert_int_equal(pending, 1);
	assert_mem_eq(&gh, &h, sizeof(h));
	encode(rs, &b1, &n1);
	encode(got, &b2, &n2);
	assert_int_equal(n1, n2);
	assert_mem_eq(b1, b2, n1);
	mem_wipe_free(b2, n2);
	ratchet_free(got);
	/* Established: the pending header goes. */
	assert_ok(cli_store_session_put(s, "bob", 1, rs, NULL, 20));
	assert_ok(cli_store_session_get(s, "bob", 1, &got, &pending, NULL));
	assert_int_equal(pending, 0);
	ratchet_free(got);
	assert_ok(cli_store_session_devices(s, "bob", devs, NELEM(devs), &n));
	assert_int_equal(n, 2);
	assert_int_equal(devs[0], 1);
	assert_int_equal(devs[1], 3);
	/* The state blob is sealed: no 32-byte window of it is on disk. */
	assert_ok(cli_store_checkpoint(s));
	assert_false(on_disk(b1 + 162, 32)); /* RK */
	assert_false(on_disk(b1 + 66, 32));  /* DHs.sk */
	assert_ok(cli_store_session_delete(s, "bob", 3));
	assert_err(cli_store_session_delete(s, "bob", 3), ERR_NOT_FOUND);
	assert_err(cli_store_session_get(s, "bob", 3, &got, &pending, NULL),
	    ERR_NOT_FOUND);
	mem_wipe_free(b1, n1);
	ratchet_free(rs);
	identity_free(ik);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_chain(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_chain c, got;

	(void)state;
	assert_err(cli_store_chain_get(s, "alice", 1, &got), ERR_NOT_FOUND);
	c.seq = 41;
	memset(c.head, 0x77, sizeof(c.head));
	assert_ok(cli_store_chain_put(s, "alice", 1, &c));
	c.seq = 42;
	c.head[0] = 1;
	assert_ok(cli_store_chain_put(s, "alice", 1, &c));
	assert_ok(cli_store_chain_get(s, "alice", 1, &got));
	assert_mem_eq(&got, &c, sizeof(c));
	assert_err(cli_store_chain_get(s, "alice", 2, &got), ERR_NOT_FOUND);
	c.seq = UINT64_MAX;
	assert_err(cli_store_chain_put(s, "alice", 1, &c), ERR_ARG);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static struct cli_outbox
outbox_entry(uint8_t idbyte, int64_t t, const char *env)
{
	struct cli_outbox e;

	memset(&e, 0, sizeof(e));
	memset(e.id, idbyte, sizeof(e.id));
	snprintf(e.user, sizeof(e.user), "bob");
	e.device = 1;
	e.envelope = (uint8_t *)(uintptr_t)env;
	e.envelope_len = strlen(env);
	e.created_ms = t;
	return e;
}

static void
test_outbox(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_outbox e1 = outbox_entry(1, 20, "envelope-one");
	struct cli_outbox e2 = outbox_entry(2, 10, "envelope-two");
	struct cli_outbox got;
	uint8_t ids[4][PROTO_ID_LEN];
	size_t n;

	(void)state;
	assert_ok(cli_store_outbox_put(s, &e1));
	assert_ok(cli_store_outbox_put(s, &e2));
	assert_err(cli_store_outbox_put(s, &e2), ERR_EXISTS);
	assert_ok(cli_store_outbox_queued(s, ids, NELEM(ids), &n));
	assert_int_equal(n, 2);
	assert_mem_eq(ids[0], e2.id, PROTO_ID_LEN); /* oldest first */
	assert_mem_eq(ids[1], e1.id, PROTO_ID_LEN);
	assert_ok(cli_store_outbox_get(s, e1.id, &got));
	assert_int_equal(got.envelope_len, e1.envelope_len);
	assert_mem_eq(got.envelope, e1.envelope, e1.envelope_len);
	assert_string_equal(got.user, "bob");
	assert_int_equal(got.state, CLI_OUTBOX_QUEUED);
	assert_int_equal(got.created_ms, 20);
	cli_outbox_wipe(&got);
	assert_ok(cli_store_outbox_mark_sent(s, e2.id));
	assert_ok(cli_store_outbox_queued(s, ids, NELEM(ids), &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_outbox_get(s, e2.id, &got));
	assert_int_equal(got.state, CLI_OUTBOX_SENT);
	cli_outbox_wipe(&got);
	assert_ok(cli_store_outbox_delete(s, e2.id));
	assert_err(cli_store_outbox_delete(s, e2.id), ERR_NOT_FOUND);
	assert_err(cli_store_outbox_mark_sent(s, e2.id), ERR_NOT_FOUND);
	assert_err(cli_store_outbox_get(s, e2.id, &got), ERR_NOT_FOUND);
	e1.envelope_len = 0;
	assert_err(cli_store_outbox_put(s, &e1), ERR_ARG);
	assert_ok(cli_store_checkpoint(s));
	assert_false(on_disk("envelope-one", 12));
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* Several sessions per device: new makes the newest active, older ones
 * stay (newest first) up to CLI_MAX_SESSIONS, load/save/activate by sid. */
static void
test_sessions_several(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct ratchet_session *rs[CLI_MAX_SESSIONS + 2], *got = NULL;
	int64_t sid[CLI_MAX_SESSIONS + 2], sids[CLI_MAX_SESSIONS + 4];
	uint8_t *want = NULL, *have = NULL;
	size_t i, n, wn = 0, hn = 0;
	int pending, active;

	(void)state;
	for (i = 0; i < NELEM(rs); i++) {
		rs[i] = new_session();
	}
	assert_ok(cli_store_session_new(s, "bob", 1, rs[0], NULL, 1, &sid[0]));
	assert_true(sid[0] > 0);
	for (i = 1; i < NELEM(rs); i++) {
		assert_ok(cli_store_session_new(s, "bob", 1, rs[i], NULL,
		    (int64_t)i, &sid[i]));
		assert_true(sid[i] > sid[i - 1]);
	}
	/* The two oldest went; the newest is active and listed first. */
	assert_ok(cli_store_session_list(s, "bob", 1, sids, NELEM(sids), &n));
	assert_int_equal(n, CLI_MAX_SESSIONS);
	for (i = 0; i < n; i++) {
		assert_int_equal(sids[i], sid[NELEM(rs) - 1 - i]);
	}
	assert_err(cli_store_session_load(s, "bob", 1, sid[0], &got, &pending,
	    NULL, &active), ERR_NOT_FOUND);
	assert_null(got);
	assert_ok(cli_store_session_get(s, "bob", 1, &got, &pending, NULL));
	encode(got, &have, &hn);
	encode(rs[NELEM(rs) - 1], &want, &wn);
	assert_int_equal(hn, wn);
	assert_mem_eq(have, want, wn);
	ratchet_free(got);
	mem_wipe_free(have, hn);
	mem_wipe_free(want, wn);
	/* An older one activated becomes the one get and put see. */
	assert_ok(cli_store_session_activate(s, "bob", 1, sid[3]));
	assert_ok(cli_store_session_load(s, "bob", 1, sid[3], &got, &pending,
	    NULL, &active));
	assert_true(active);
	ratchet_free(got);
	assert_ok(cli_store_session_load(s, "bob", 1, sid[NELEM(rs) - 1],
	    &got, &pending, NULL, &active));
	assert_false(active);
	ratchet_free(got);
	assert_ok(cli_store_session_list(s, "bob", 1, sids, NELEM(sids), &n));
	assert_int_equal(sids[0], sid[3]);
	assert_ok(cli_store_session_put(s, "bob", 1, rs[0], NULL, 50));
	assert_ok(cli_store_session_load(s, "bob", 1, sid[3], &got, &pending,
	    NULL, &active));
	encode(got, &have, &hn);
	encode(rs[0], &want, &wn);
	assert_mem_eq(have, want, wn);
	ratchet_free(got);
	mem_wipe_free(have, hn);
	mem_wipe_free(want, wn);
	/* save by sid keeps which one is active; another device's sid is
	 * not this device's. */
	assert_ok(cli_store_session_save(s, "bob", 1, sid[4], rs[1], NULL, 60));
	assert_ok(cli_store_session_list(s, "bob", 1, sids, NELEM(sids), &n));
	assert_int_equal(sids[0], sid[3]);
	assert_err(cli_store_session_save(s, "bob", 2, sid[4], rs[1], NULL, 60),
	    ERR_NOT_FOUND);
	assert_err(cli_store_session_activate(s, "bob", 2, sid[4]),
	    ERR_NOT_FOUND);
	/* delete removes them all, and leaves the file and WAL clean. */
	assert_ok(cli_store_session_delete(s, "bob", 1));
	assert_ok(cli_store_session_list(s, "bob", 1, sids, NELEM(sids), &n));
	assert_int_equal(n, 0);
	for (i = 0; i < NELEM(rs); i++) {
		ratchet_free(rs[i]);
	}
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* Replaced signed prekeys stay until a month after their replacement:
 * prune deletes the keys older than the newest one made by the cutoff. */
static void
test_spk_prune(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct x25519_keypair kp;
	uint8_t sig[SIG_LEN];
	int64_t created;
	uint32_t id;
	size_t n;

	(void)state;
	memset(sig, 7, sizeof(sig));
	assert_err(cli_store_spk_age(s, PREKEY_SIGNED, &created),
	    ERR_NOT_FOUND);
	for (id = 1; id <= 3; id++) {
		x25519_keypair_generate(rng(), &kp);
		assert_ok(cli_store_spk_put(s, PREKEY_SIGNED, id, &kp, sig,
		    (int64_t)id * 100));
	}
	x25519_keypair_generate(rng(), &kp);
	assert_ok(cli_store_spk_put(s, PREKEY_LAST_RESORT, 1, &kp, sig, 50));
	assert_ok(cli_store_spk_age(s, PREKEY_SIGNED, &created));
	assert_int_equal(created, 300);
	/* By 150 no key had been replaced (key 1 was the newest). */
	assert_ok(cli_store_spk_prune(s, PREKEY_SIGNED, 150, &n));
	assert_int_equal(n, 0);
	/* By 250, key 2 had replaced key 1: key 1 goes. */
	assert_ok(cli_store_spk_prune(s, PREKEY_SIGNED, 250, &n));
	assert_int_equal(n, 1);
	assert_err(cli_store_spk_get(s, PREKEY_SIGNED, 1, &kp, NULL),
	    ERR_NOT_FOUND);
	assert_ok(cli_store_spk_get(s, PREKEY_SIGNED, 2, &kp, NULL));
	/* Much later only the newest is left; the other kind untouched. */
	assert_ok(cli_store_spk_prune(s, PREKEY_SIGNED, 10000, &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_spk_latest(s, PREKEY_SIGNED, &id));
	assert_int_equal(id, 3);
	assert_ok(cli_store_spk_get(s, PREKEY_LAST_RESORT, 1, &kp, NULL));
	assert_ok(cli_store_spk_prune(s, PREKEY_SIGNED, 10000, NULL));
	x25519_keypair_wipe(&kp);
	assert_err(cli_store_spk_prune(s, (enum prekey_kind)3, 1, &n),
	    ERR_ARG);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* Outbox entries group by message: queued_msgs lists each message with a
 * queued entry once, oldest first; of_msg lists a message's entries. */
static void
test_outbox_messages(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_outbox e[3], got;
	uint8_t ids[4][PROTO_ID_LEN], msgs[4][CLI_MSG_ID_LEN];
	size_t n, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		e[i] = outbox_entry((uint8_t)(i + 1), 30 - (int64_t)i,
		    "envelope");
		memset(e[i].msg_id, i < 2 ? 0xa1 : 0xb2, CLI_MSG_ID_LEN);
		e[i].device = (uint32_t)i + 1;
		assert_ok(cli_store_outbox_put(s, &e[i]));
	}
	assert_ok(cli_store_outbox_queued_msgs(s, msgs, NELEM(msgs), &n));
	assert_int_equal(n, 2);
	assert_mem_eq(msgs[0], e[2].msg_id, CLI_MSG_ID_LEN);
	assert_mem_eq(msgs[1], e[0].msg_id, CLI_MSG_ID_LEN);
	assert_ok(cli_store_outbox_of_msg(s, e[0].msg_id, ids, NELEM(ids),
	    &n));
	assert_int_equal(n, 2);
	assert_mem_eq(ids[0], e[1].id, PROTO_ID_LEN);
	assert_mem_eq(ids[1], e[0].id, PROTO_ID_LEN);
	assert_ok(cli_store_outbox_get(s, e[1].id, &got));
	assert_mem_eq(got.msg_id, e[1].msg_id, CLI_MSG_ID_LEN);
	cli_outbox_wipe(&got);
	/* Sent entries still belong to their message but leave the
	 * queue. */
	assert_ok(cli_store_outbox_mark_sent(s, e[2].id));
	assert_ok(cli_store_outbox_queued_msgs(s, msgs, NELEM(msgs), &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_outbox_of_msg(s, e[2].msg_id, ids, NELEM(ids),
	    &n));
	assert_int_equal(n, 1);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static int
collect_unshown(const struct cli_message *m, void *arg)
{
	int64_t *last = arg;

	*last = m->seq;
	return 0;
}

/* Messages stored with shown 0 are walked in insertion order until
 * marked; recent keeps the newest in time order; the counts follow. */
static void
test_messages_shown(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_message m[4], got;
	int64_t last = 0;
	uint64_t cnt;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		m[i] = message((uint8_t)(i + 1), i == 2 ? "carol" : "bob",
		    100 - (int64_t)i, "body");
		m[i].shown = i == 0;
		assert_ok(cli_store_msg_put(s, &m[i]));
	}
	assert_ok(cli_store_count(s, CLI_COUNT_MESSAGES, &cnt));
	assert_int_equal(cnt, 4);
	assert_ok(cli_store_count(s, CLI_COUNT_UNSHOWN, &cnt));
	assert_int_equal(cnt, 3);
	assert_ok(cli_store_msg_get(s, m[0].id, &got));
	assert_true(got.shown);
	assert_true(got.seq > 0);
	cli_message_wipe(&got);
	assert_ok(cli_store_msg_unshown(s, collect_unshown, &last));
	assert_ok(cli_store_msg_get(s, m[3].id, &got));
	assert_int_equal(last, got.seq);
	assert_ok(cli_store_msg_shown_upto(s, got.seq - 1));
	cli_message_wipe(&got);
	assert_ok(cli_store_count(s, CLI_COUNT_UNSHOWN, &cnt));
	assert_int_equal(cnt, 1);
	assert_ok(cli_store_msg_shown_upto(s, INT64_MAX));
	assert_ok(cli_store_count(s, CLI_COUNT_UNSHOWN, &cnt));
	assert_int_equal(cnt, 0);
	assert_err(cli_store_count(s, (enum cli_count)99, &cnt), ERR_ARG);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* Copies fixture file name into the home, mode 0600. */
static void
copy_fixture(const char *dir, const char *name)
{
	char src[600], dst[600];
	uint8_t *buf;
	size_t n;
	FILE *f;
	int fd;

	snprintf(src, sizeof(src), "%s/%s", dir, name);
	file_path(dst, name);
	buf = slurp(src, &n);
	assert_true(n > 0);
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_non_null(f = fdopen(fd, "wb"));
	assert_int_equal(fwrite(buf, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

static int
find_body(const struct cli_message *m, void *arg)
{
	int *count = arg;

	(*count)++;
	assert_int_equal(m->body_len, 13);
	assert_mem_eq(m->body, "hello from v1", 13);
	assert_true(m->shown);
	return 0;
}

/* A database written by the version-1 code opens, migrates and reads
 * back (tests/unit/fixtures/cli_store_v1/README.md). */
static void
test_migrate_v1(void **state)
{
	const char *dir = "tests/unit/fixtures/cli_store_v1";
	struct cli_storage_key *k = NULL;
	struct cli_store *s = NULL;
	struct ratchet_session *rs = NULL;
	struct x3dh_header h;
	struct cli_account a;
	struct cli_outbox e;
	struct cli_chain ch;
	struct x25519_keypair kp;
	uint8_t id[PROTO_ID_LEN], msgs[2][CLI_MSG_ID_LEN];
	int64_t sids[4];
	size_t n;
	int pending, active, found = 0;

	(void)state;
	assert_ok(cli_home_prepare(home));
	copy_fixture(dir, "storage.key");
	copy_fixture(dir, "sealpost.db");
	assert_ok(cli_key_file_load(home, &k));
	assert_ok(cli_store_open(home, k, rng(), &s));
	assert_int_equal(db_schema_version(s->db), 2);
	assert_ok(cli_store_account_get(s, &a));
	assert_string_equal(a.user, "alice");
	assert_ok(cli_store_spk_get(s, PREKEY_SIGNED, 1, &kp, NULL));
	assert_ok(cli_store_opk_get(s, 1, &kp));
	x25519_keypair_wipe(&kp);
	assert_ok(cli_store_session_list(s, "bob", 1, sids, NELEM(sids), &n));
	assert_int_equal(n, 1);
	assert_ok(cli_store_session_load(s, "bob", 1, sids[0], &rs, &pending,
	    &h, &active));
	assert_true(active);
	assert_true(pending);
	assert_int_equal(h.spk_id, 1);
	ratchet_free(rs);
	assert_ok(cli_store_chain_get(s, "alice", 1, &ch));
	assert_int_equal(ch.seq, 3);
	memset(id, 0x11, sizeof(id));
	assert_ok(cli_store_outbox_get(s, id, &e));
	assert_int_equal(e.envelope_len, 200);
	assert_mem_eq(e.msg_id, id, CLI_MSG_ID_LEN); /* its own message */
	cli_outbox_wipe(&e);
	assert_ok(cli_store_outbox_queued_msgs(s, msgs, NELEM(msgs), &n));
	assert_int_equal(n, 1);
	assert_mem_eq(msgs[0], id, CLI_MSG_ID_LEN);
	assert_ok(cli_store_msg_foreach(s, "bob", find_body, &found));
	assert_int_equal(found, 1);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static int
collect_msg(const struct cli_message *m, void *arg)
{
	struct collect *col = arg;

	snprintf(col->users[col->n], sizeof(col->users[0]), "%.*s",
	    (int)m->body_len, (const char *)m->body);
	col->times[col->n] = m->time_ms;
	col->n++;
	return col->n == col->stop_at ? 9 : 0;
}

static void
test_messages(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_message m, got;
	struct collect col;

	(void)state;
	m = message(1, "bob", 300, "third");
	assert_ok(cli_store_msg_put(s, &m));
	m = message(2, "carol", 200, "second");
	m.direction = CLI_MSG_OUT;
	assert_ok(cli_store_msg_put(s, &m));
	m = message(3, "bob", 100, "first");
	assert_ok(cli_store_msg_put(s, &m));
	m = message(4, "bob", 400, "");
	assert_ok(cli_store_msg_put(s, &m));
	/* A redelivered message is ERR_EXISTS. */
	assert_err(cli_store_msg_put(s, &m), ERR_EXISTS);
	m.direction = (enum cli_direction)5;
	assert_err(cli_store_msg_put(s, &m), ERR_ARG);
	memset(got.id, 2, sizeof(got.id));
	assert_ok(cli_store_msg_get(s, got.id, &got));
	assert_string_equal(got.peer_user, "carol");
	assert_int_equal(got.peer_device, 2);
	assert_int_equal(got.direction, CLI_MSG_OUT);
	assert_int_equal(got.time_ms, 200);
	assert_int_equal(got.body_len, 6);
	assert_mem_eq(got.body, "second", 6);
	cli_message_wipe(&got);
	memset(&col, 0, sizeof(col));
	assert_ok(cli_store_msg_foreach(s, NULL, collect_msg, &col));
	assert_int_equal(col.n, 4);
	assert_string_equal(col.users[0], "first");
	assert_string_equal(col.users[1], "second");
	assert_string_equal(col.users[2], "third");
	assert_string_equal(col.users[3], "");
	memset(&col, 0, sizeof(col));
	assert_ok(cli_store_msg_foreach(s, "bob", collect_msg, &col));
	assert_int_equal(col.n, 3);
	assert_int_equal(col.times[0], 100);
	memset(&col, 0, sizeof(col));
	col.stop_at = 2;
	assert_int_equal(cli_store_msg_foreach(s, "bob", collect_msg, &col),
	    9);
	memset(got.id, 9, sizeof(got.id));
	assert_err(cli_store_msg_get(s, got.id, &got), ERR_NOT_FOUND);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* Acceptance: a marker body and a ratchet state never reach the file or
 * the WAL in the clear, before or after a checkpoint. */
static void
test_no_plaintext_on_disk(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct ratchet_session *rs = new_session();
	struct cli_message m = message(1, "bob", 1, marker);
	uint8_t *b;
	size_t n, i;

	(void)state;
	encode(rs, &b, &n);
	assert_ok(cli_store_begin(s));
	assert_ok(cli_store_session_put(s, "bob", 1, rs, NULL, 1));
	assert_ok(cli_store_msg_put(s, &m));
	assert_ok(cli_store_commit(s));
	/* Before the checkpoint: the values sit in the WAL. */
	assert_false(on_disk(marker, sizeof(marker) - 1));
	assert_ok(cli_store_checkpoint(s));
	assert_false(on_disk(marker, sizeof(marker) - 1));
	assert_false(on_disk(marker + 9, 8));
	for (i = 2; i + 16 <= n; i += 16) {
		if (!sodium_is_zero(b + i, 16)) {
			assert_false(on_disk(b + i, 16));
		}
	}
	cli_store_close(s);
	assert_false(on_disk(marker, sizeof(marker) - 1));
	mem_wipe_free(b, n);
	ratchet_free(rs);
	cli_storage_key_free(k);
}

/* Copies column col of the row where keycol = src into the row where
 * keycol = dst, behind the store's back. */
static void
copy_value(struct cli_store *s, const char *table, const char *col,
    const char *where_src, const char *where_dst)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
	    "UPDATE %s SET %s = (SELECT %s FROM %s WHERE %s) WHERE %s", table,
	    col, col, table, where_src, where_dst);
	assert_ok(db_exec(s->db, sql));
}

/* Acceptance (test_swap_*): the AD binds table, column and row, so a
 * sealed value moved to another row or column, or a row whose plain
 * fields changed, fails with ERR_AUTH. */

/* Flips one bit of byte off of the sealed state of bob's device. */
static void
flip_session_bit(struct cli_store *s, uint32_t device, size_t off)
{
	sqlite3_stmt *st = NULL;
	const uint8_t *v;
	uint8_t *copy;
	size_t n;

	assert_ok(db_stmt(s->db, "SELECT state FROM sessions WHERE device = ?",
	    &st));
	sqlite3_bind_int64(st, 1, device);
	assert_int_equal(db_step(s->db, st), 1);
	cli_col_view(st, 0, &v, &n);
	assert_true(off < n);
	copy = malloc(n);
	assert_non_null(copy);
	memcpy(copy, v, n);
	db_stmt_done(st);
	copy[off] ^= 0x04;
	assert_ok(db_stmt(s->db,
	    "UPDATE sessions SET state = ? WHERE device = ?", &st));
	db_bind_blob(st, 1, copy, n);
	sqlite3_bind_int64(st, 2, device);
	assert_ok(db_run(s->db, st));
	free(copy);
}

static void
test_swap_messages(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_message m1 = message(1, "bob", 1, "one");
	struct cli_message m2 = message(2, "bob", 2, "two");
	struct cli_message gm;
	uint8_t id[CLI_MSG_ID_LEN];

	(void)state;
	assert_ok(cli_store_msg_put(s, &m1));
	assert_ok(cli_store_msg_put(s, &m2));
	copy_value(s, "messages", "body", "seq = 1", "seq = 2");
	memset(id, 2, sizeof(id));
	assert_err(cli_store_msg_get(s, id, &gm), ERR_AUTH);
	assert_null(gm.body);
	memset(id, 1, sizeof(id));
	assert_ok(cli_store_msg_get(s, id, &gm));
	cli_message_wipe(&gm);
	/* A plain field of the row changed: the body no longer opens. */
	assert_ok(db_exec(s->db, "UPDATE messages SET peer_user = 'eve'"
				 " WHERE seq = 1"));
	assert_err(cli_store_msg_get(s, id, &gm), ERR_AUTH);
	assert_ok(db_exec(s->db, "UPDATE messages SET peer_user = 'bob',"
				 " direction = 1 WHERE seq = 1"));
	assert_err(cli_store_msg_get(s, id, &gm), ERR_AUTH);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_swap_sessions(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct ratchet_session *rs = new_session(), *got = NULL;
	int pending;

	(void)state;
	/* One device's state moved to another device. */
	assert_ok(cli_store_session_put(s, "bob", 1, rs, NULL, 1));
	assert_ok(cli_store_session_put(s, "bob", 2, rs, NULL, 1));
	copy_value(s, "sessions", "state", "device = 1", "device = 2");
	assert_err(cli_store_session_get(s, "bob", 2, &got, &pending, NULL),
	    ERR_AUTH);
	assert_null(got);
	assert_ok(cli_store_session_get(s, "bob", 1, &got, &pending, NULL));
	ratchet_free(got);
	got = NULL;
	/* A flipped bit anywhere in a sealed value. */
	assert_ok(cli_store_session_put(s, "bob", 2, rs, NULL, 1));
	flip_session_bit(s, 2, 30);
	assert_err(cli_store_session_get(s, "bob", 2, &got, &pending, NULL),
	    ERR_AUTH);
	assert_null(got);
	ratchet_free(rs);
	cli_store_close(s);
	cli_storage_key_free(k);
}

static void
test_swap_keys(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct x25519_keypair a, b, kp;
	uint8_t sig[SIG_LEN];

	(void)state;
	x25519_keypair_generate(rng(), &a);
	x25519_keypair_generate(rng(), &b);
	memset(sig, 1, sizeof(sig));
	/* Between rows of a table. */
	assert_ok(cli_store_opk_put(s, 1, &a, 1));
	assert_ok(cli_store_opk_put(s, 2, &b, 1));
	copy_value(s, "onetime_prekeys", "secret", "id = 1", "id = 2");
	assert_err(cli_store_opk_get(s, 2, &kp), ERR_AUTH);
	assert_true(sodium_is_zero(kp.sk, KEY_LEN));
	/* Between tables of the same shape, same key pair. */
	assert_ok(cli_store_spk_put(s, PREKEY_SIGNED, 1, &a, sig, 1));
	assert_ok(db_exec(s->db,
	    "UPDATE signed_prekeys SET secret ="
	    " (SELECT secret FROM onetime_prekeys WHERE id = 1)"));
	assert_err(cli_store_spk_get(s, PREKEY_SIGNED, 1, &kp, NULL),
	    ERR_AUTH);
	/* The public key swapped beside its secret. */
	assert_ok(cli_store_opk_get(s, 1, &kp));
	assert_ok(db_exec(s->db, "UPDATE onetime_prekeys SET pk ="
				 " (SELECT pk FROM onetime_prekeys WHERE"
				 " id = 2) WHERE id = 1"));
	assert_err(cli_store_opk_get(s, 1, &kp), ERR_AUTH);
	x25519_keypair_wipe(&a);
	x25519_keypair_wipe(&b);
	x25519_keypair_wipe(&kp);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* One receive (state + message) or send (state + outbox entry) step in a
 * transaction; returns the first error. */
static int
step_tx(struct cli_store *s, const struct ratchet_session *rs, int send)
{
	struct cli_message m = message(7, "bob", 5, marker);
	struct cli_outbox e = outbox_entry(7, 5, "sealed-envelope");
	int r;

	if ((r = cli_store_begin(s)) != 0) {
		return r;
	}
	if ((r = cli_store_session_put(s, "bob", 1, rs, NULL, 5)) != 0 ||
	    (r = send ? cli_store_outbox_put(s, &e) :
			cli_store_msg_put(s, &m)) != 0) {
		cli_store_rollback(s);
		return r;
	}
	return cli_store_commit(s);
}

/* 1 if the step's row (message or outbox entry 7...7) exists. */
static int
step_row(struct cli_store *s, int send)
{
	uint8_t id[16];
	struct cli_message m;
	struct cli_outbox e;
	int r;

	memset(id, 7, sizeof(id));
	if (send) {
		r = cli_store_outbox_get(s, id, &e);
		cli_outbox_wipe(&e);
	} else {
		r = cli_store_msg_get(s, id, &m);
		cli_message_wipe(&m);
	}
	assert_true(r == 0 || r == ERR_NOT_FOUND);
	return r == 0;
}

static void
assert_state(struct cli_store *s, const uint8_t *want, size_t n)
{
	struct ratchet_session *got = NULL;
	uint8_t *b;
	size_t bn;
	int pending;

	assert_ok(cli_store_session_get(s, "bob", 1, &got, &pending, NULL));
	encode(got, &b, &bn);
	assert_int_equal(bn, n);
	assert_mem_eq(b, want, n);
	mem_wipe_free(b, bn);
	ratchet_free(got);
}

/* Acceptance (DESIGN §7): "ratchet state + message" and "ratchet state +
 * outbox entry" commit together or not at all, whichever DB call fails. */
static void
test_tx_atomic(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct ratchet_session *rs0 = new_session(), *rs1 = new_session();
	uint8_t *b0, *b1;
	size_t n0, n1;
	long fail;
	int send, r;

	(void)state;
	encode(rs0, &b0, &n0);
	encode(rs1, &b1, &n1);
	for (send = 0; send <= 1; send++) {
		assert_ok(cli_store_session_put(s, "bob", 1, rs0, NULL, 1));
		for (fail = 0;; fail++) {
			db_fail_after(fail);
			r = step_tx(s, rs1, send);
			db_fail_after(-1);
			assert_false(db_in_transaction(s->db));
			if (r == 0) {
				break;
			}
			assert_err(r, ERR_DB);
			assert_state(s, b0, n0);
			assert_false(step_row(s, send));
		}
		/* begin, the session's lookup and write, the other
		 * write, commit: five places to fail. */
		assert_int_equal(fail, 5);
		assert_state(s, b1, n1);
		assert_true(step_row(s, send));
	}
	/* An explicit rollback undoes both. */
	assert_ok(cli_store_begin(s));
	assert_ok(cli_store_session_put(s, "bob", 1, rs0, NULL, 9));
	assert_ok(cli_store_opk_put(s, 9, &(struct x25519_keypair){ { 1 },
	    { 2 } }, 9));
	cli_store_rollback(s);
	cli_store_rollback(s);
	assert_state(s, b1, n1);
	assert_err(cli_store_opk_delete(s, 9), ERR_NOT_FOUND);
	mem_wipe_free(b0, n0);
	mem_wipe_free(b1, n1);
	ratchet_free(rs0);
	ratchet_free(rs1);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* The sealed secret of one-time prekey id, as stored. */
static uint8_t *
sealed_opk(struct cli_store *s, uint32_t id, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const uint8_t *v;
	uint8_t *copy;

	assert_ok(db_stmt(s->db,
	    "SELECT secret FROM onetime_prekeys WHERE id = ?", &st));
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(db_step(s->db, st), 1);
	cli_col_view(st, 0, &v, n);
	copy = malloc(*n);
	assert_non_null(copy);
	memcpy(copy, v, *n);
	db_stmt_done(st);
	return copy;
}

static off_t
wal_size(void)
{
	struct stat sb;
	char p[600];

	file_path(p, CLI_DB_FILENAME "-wal");
	return stat(p, &sb) == 0 ? sb.st_size : 0;
}

/* Acceptance: a deleted one-time key leaves the file and the WAL: its
 * sealed bytes and its public key are gone once delete (or the commit)
 * returns. */
static void
test_opk_delete_gone(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct x25519_keypair a, b, got;
	uint8_t *c1, *c2;
	size_t n1, n2;

	(void)state;
	x25519_keypair_generate(rng(), &a);
	x25519_keypair_generate(rng(), &b);
	assert_ok(cli_store_opk_put(s, 1, &a, 1));
	assert_ok(cli_store_opk_put(s, 2, &b, 1));
	c1 = sealed_opk(s, 1, &n1);
	c2 = sealed_opk(s, 2, &n2);
	/* The scan sees them while they exist. */
	assert_true(on_disk(c1, n1));
	assert_ok(cli_store_checkpoint(s));
	assert_true(on_disk(c1, n1));
	assert_true(on_disk(a.pk, KEY_LEN));
	assert_ok(cli_store_opk_delete(s, 1));
	assert_int_equal(wal_size(), 0);
	assert_false(on_disk(c1, n1));
	assert_false(on_disk(a.pk, KEY_LEN));
	assert_true(on_disk(c2, n2));
	/* Inside a transaction, the commit truncates. */
	assert_ok(cli_store_begin(s));
	assert_ok(cli_store_opk_delete(s, 2));
	assert_ok(cli_store_commit(s));
	assert_int_equal(wal_size(), 0);
	assert_false(on_disk(c2, n2));
	assert_false(on_disk(b.pk, KEY_LEN));
	assert_err(cli_store_opk_get(s, 2, &got), ERR_NOT_FOUND);
	free(c1);
	free(c2);
	x25519_keypair_wipe(&a);
	x25519_keypair_wipe(&b);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* One value for every table, for test_reopen. */
struct world {
	struct cli_account a;
	struct identity_key *ik;
	struct x25519_keypair kp;
	uint8_t sig[SIG_LEN];
	struct cli_contact c;
	struct cli_contact_device d;
	struct ratchet_session *rs;
	struct x3dh_header h;
	struct cli_chain ch;
	struct cli_outbox e;
	struct cli_message m;
};

static void
world_fill(struct cli_store *s, struct world *w)
{
	uint32_t id;

	memset(w, 0, sizeof(*w));
	snprintf(w->a.user, sizeof(w->a.user), "alice");
	w->a.device = 1;
	snprintf(w->a.keyserver_url, sizeof(w->a.keyserver_url), "ks");
	snprintf(w->a.relay_url, sizeof(w->a.relay_url), "relay");
	memset(w->sig, 3, sizeof(w->sig));
	x25519_keypair_generate(rng(), &w->kp);
	assert_ok(identity_new(rng(), &w->ik));
	w->h = pending_header(w->ik);
	w->c = (struct cli_contact){ "bob", CLI_TRUST_VERIFIED, 3 };
	w->d = (struct cli_contact_device){ 5, { 0x55 }, 6 };
	w->rs = new_session();
	w->ch = (struct cli_chain){ 12, { 0x12 } };
	w->e = outbox_entry(4, 40, "env");
	w->m = message(3, "bob", 30, marker);
	assert_ok(cli_store_account_put(s, &w->a));
	assert_ok(cli_store_identity_put(s, w->ik));
	assert_ok(cli_store_spk_put(s, PREKEY_SIGNED, 8, &w->kp, w->sig, 1));
	assert_ok(cli_store_opk_next_id(s, &id));
	assert_ok(cli_store_opk_put(s, id, &w->kp, 1));
	assert_ok(cli_store_contact_put(s, &w->c));
	assert_ok(cli_store_contact_device_put(s, "bob", &w->d));
	assert_ok(cli_store_session_put(s, "bob", 5, w->rs, &w->h, 1));
	assert_ok(cli_store_chain_put(s, "alice", 1, &w->ch));
	assert_ok(cli_store_outbox_put(s, &w->e));
	assert_ok(cli_store_msg_put(s, &w->m));
}

static void
world_check_keys(struct cli_store *s, const struct world *w)
{
	struct identity_key *ik = NULL;
	struct x25519_keypair kp;
	struct cli_account a;
	uint8_t sig[SIG_LEN];
	uint32_t id;

	assert_ok(cli_store_account_get(s, &a));
	assert_mem_eq(&a, &w->a, sizeof(a));
	assert_ok(cli_store_identity_get(s, &ik));
	assert_mem_eq(ik, w->ik, sizeof(*ik));
	identity_free(ik);
	assert_ok(cli_store_spk_get(s, PREKEY_SIGNED, 8, &kp, sig));
	assert_mem_eq(&kp, &w->kp, sizeof(kp));
	assert_mem_eq(sig, w->sig, sizeof(sig));
	assert_ok(cli_store_opk_get(s, 1, &kp));
	assert_mem_eq(&kp, &w->kp, sizeof(kp));
	x25519_keypair_wipe(&kp);
	assert_ok(cli_store_opk_next_id(s, &id));
	assert_int_equal(id, 2);
}

static void
world_check_peers(struct cli_store *s, const struct world *w)
{
	struct ratchet_session *rs = NULL;
	struct cli_contact_device d[2];
	struct x3dh_header h;
	struct cli_contact c;
	struct cli_chain ch;
	uint8_t *b1, *b2;
	size_t n1, n2, n;
	int pending;

	assert_ok(cli_store_contact_get(s, "bob", &c));
	assert_string_equal(c.user, w->c.user);
	assert_int_equal(c.trust, w->c.trust);
	assert_int_equal(c.first_seen_ms, w->c.first_seen_ms);
	assert_ok(cli_store_contact_devices(s, "bob", d, 2, &n));
	assert_int_equal(n, 1);
	assert_int_equal(d[0].device, w->d.device);
	assert_mem_eq(d[0].ik, w->d.ik, KEY_LEN);
	assert_int_equal(d[0].first_seen_ms, w->d.first_seen_ms);
	assert_ok(cli_store_session_get(s, "bob", 5, &rs, &pending, &h));
	assert_int_equal(pending, 1);
	assert_mem_eq(&h, &w->h, sizeof(h));
	encode(w->rs, &b1, &n1);
	encode(rs, &b2, &n2);
	assert_int_equal(n1, n2);
	assert_mem_eq(b1, b2, n1);
	mem_wipe_free(b1, n1);
	mem_wipe_free(b2, n2);
	ratchet_free(rs);
	assert_ok(cli_store_chain_get(s, "alice", 1, &ch));
	assert_int_equal(ch.seq, w->ch.seq);
	assert_mem_eq(ch.head, w->ch.head, sizeof(ch.head));
}

static void
world_check_traffic(struct cli_store *s, const struct world *w)
{
	struct cli_outbox e;
	struct cli_message m;

	assert_ok(cli_store_outbox_get(s, w->e.id, &e));
	assert_int_equal(e.envelope_len, 3);
	assert_mem_eq(e.envelope, "env", 3);
	cli_outbox_wipe(&e);
	assert_ok(cli_store_msg_get(s, w->m.id, &m));
	assert_int_equal(m.body_len, sizeof(marker) - 1);
	assert_mem_eq(m.body, marker, sizeof(marker) - 1);
	cli_message_wipe(&m);
}

/* Everything written survives close and a reopen with the key loaded
 * back from its file. */
static void
test_reopen(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct world w;

	(void)state;
	world_fill(s, &w);
	cli_store_close(s);
	cli_storage_key_free(k);
	assert_ok(cli_key_file_load(home, &k));
	s = open_store(k);
	world_check_keys(s, &w);
	world_check_peers(s, &w);
	world_check_traffic(s, &w);
	ratchet_free(w.rs);
	identity_free(w.ik);
	x25519_keypair_wipe(&w.kp);
	cli_store_close(s);
	cli_storage_key_free(k);
}

/* The AD example of docs/CLIENT-STATE.md §13.3.1, byte for byte. */
static void
test_ad_encoding(void **state)
{
	struct cli_message m = message(1, "bob", 1000, "");
	struct wire_writer w;
	uint8_t want[128], *got = NULL;
	size_t n, len = 0;
	static const char hex[] =
	    "5365616c706f73742d763120436c69656e745374617465" /* label */
	    "01" "086d6573736167657304626f6479"
	    "01010101010101010101010101010101"
	    "03626f62" "00000002" "00" "00000000000003e8";

	(void)state;
	n = test_unhex(want, sizeof(want), hex);
	cli_ad_begin(&w, "messages", "body");
	wire_put_bytes(&w, m.id, sizeof(m.id));
	wire_put_vec8(&w, (const uint8_t *)"bob", 3);
	wire_put_u32(&w, m.peer_device);
	wire_put_u8(&w, (uint8_t)m.direction);
	wire_put_u64(&w, (uint64_t)m.time_ms);
	assert_ok(wire_writer_finish(&w, &got, &len));
	assert_int_equal(len, n);
	assert_mem_eq(got, want, n);
	mem_wipe_free(got, len);
}

static void
test_bad_args(void **state)
{
	struct cli_storage_key *k = new_key();
	struct cli_store *s = open_store(k);
	struct cli_message m = message(1, "bob", 1, "x");
	struct cli_contact c;
	struct cli_chain ch;
	char longname[CLI_MAX_USER + 2];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_err(cli_store_contact_get(s, longname, &c), ERR_ARG);
	assert_err(cli_store_contact_get(s, "", &c), ERR_ARG);
	assert_err(cli_store_chain_get(s, longname, 1, &ch), ERR_ARG);
	m.body_len = CLI_MAX_BODY + 1;
	assert_err(cli_store_msg_put(s, &m), ERR_ARG);
	assert_err(cli_store_msg_foreach(s, "", collect_msg, NULL), ERR_ARG);
	assert_ok(cli_store_begin(s));
	assert_err(cli_store_checkpoint(s), ERR_STATE);
	cli_store_rollback(s);
	cli_store_close(s);
	cli_storage_key_free(k);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_home_resolve),
		T(test_home_create),
		T(test_home_refused),
		T(test_key_file),
		T(test_key_file_seeded),
		T(test_passphrase),
		T(test_passphrase_tampered),
		T(test_key_kind_both),
		T(test_key_wiped_on_free),
		T(test_store_open_checks),
		T(test_account),
		T(test_identity),
		T(test_prekeys),
		T(test_contacts),
		T(test_contact_devices),
		T(test_sessions),
		T(test_chain),
		T(test_outbox),
		T(test_outbox_messages),
		T(test_spk_prune),
		T(test_sessions_several),
		T(test_messages_shown),
		T(test_migrate_v1),
		T(test_messages),
		T(test_no_plaintext_on_disk),
		T(test_swap_messages),
		T(test_swap_sessions),
		T(test_swap_keys),
		T(test_tx_atomic),
		T(test_opk_delete_gone),
		T(test_reopen),
		T(test_ad_encoding),
		T(test_bad_args),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_cli_store: sodium_init failed\n");
		return 1;
	}
	log_init("test_cli_store", LOG_LEVEL_WARNING, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
