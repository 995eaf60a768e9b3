/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's home directory (0700) and its storage key files (0600):
 * creation, permission checks, and Argon2id for passphrase keys. */
#include "client-cli/cli_home.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/wire.h"
#include "crypto/aead.h"

#define PARAMS_ALG_ARGON2ID13 0x02 /* crypto_pwhash_ALG_ARGON2ID13 */
#define PARAMS_CHECKED_LEN (1 + 1 + 8 + 8 + CLI_SALT_LEN)
#define WIPE(a) sodium_memzero((a), sizeof(a))
#define LABEL_LEN_CHECK (sizeof(CLI_LABEL_KEY_CHECK) - 1)

/* The decoded storage.params. */
struct params {
	uint64_t ops;
	uint64_t mem;
	uint8_t salt[CLI_SALT_LEN];
	uint8_t nonce[AEAD_NONCE_LEN];
	uint8_t tag[AEAD_TAG_LEN];
};

static int
join(char out[static CLI_PATH_MAX], const char *dir, const char *name)
{
	int n = snprintf(out, CLI_PATH_MAX, "%s/%s", dir, name);

	if (n < 0 || n >= CLI_PATH_MAX) {
		out[0] = '\0';
		log_err("path too long: %s/%s", dir, name);
		return ERR_TOO_LONG;
	}
	return 0;
}

int
cli_home_resolve(const char *opt, char out[static CLI_PATH_MAX])
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	out[0] = '\0';
	if (opt != NULL) {
		if (*opt == '\0') {
			log_err("--home: empty path");
			return ERR_ARG;
		}
		n = snprintf(out, CLI_PATH_MAX, "%s", opt);
	} else if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(out, CLI_PATH_MAX, "%s/%s", xdg,
		    CLI_HOME_DIRNAME);
	} else if (home != NULL && home[0] != '\0') {
		n = snprintf(out, CLI_PATH_MAX, "%s/.local/share/%s", home,
		    CLI_HOME_DIRNAME);
	} else {
		log_err("no home directory: set HOME or XDG_DATA_HOME, or "
			"pass --home DIR");
		return ERR_CONFIG;
	}
	if (n < 0 || n >= CLI_PATH_MAX) {
		out[0] = '\0';
		log_err("home directory path too long");
		return ERR_TOO_LONG;
	}
	return 0;
}

/*
 * SECURITY: the home holds the key and the database; a directory others
 * can enter or list is refused, never fixed, because its contents may
 * already have been read (wireguard-tools refuses a readable key file).
 */
static int
check_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		log_err("cannot stat %s: %s", dir, strerror(errno));
		return ERR_SYS;
	}
	if (!S_ISDIR(sb.st_mode)) {
		log_err("refusing %s: not a directory", dir);
		return ERR_PERM;
	}
	if (sb.st_uid != geteuid()) {
		log_err("refusing %s: owned by uid %lu, not by this user",
		    dir, (unsigned long)sb.st_uid);
		return ERR_PERM;
	}
	if ((sb.st_mode & 077) != 0) {
		log_err("refusing %s: mode %04o lets group or others in; "
			"run chmod 700 %s",
		    dir, (unsigned)(sb.st_mode & 07777), dir);
		return ERR_PERM;
	}
	return 0;
}

/* mkdir -p with mode 0700 for every directory it creates. */
static int
make_dirs(const char *dir)
{
	char p[CLI_PATH_MAX];
	size_t i, n = strlen(dir);

	if (n >= sizeof(p)) {
		return ERR_TOO_LONG;
	}
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0') {
			continue;
		}
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			log_err("cannot create %s: %s", p, strerror(errno));
			return ERR_SYS;
		}
		p[i] = dir[i];
	}
	return 0;
}

int
cli_home_prepare(const char *dir)
{
	struct stat sb;
	int r;

	if (strlen(dir) >= CLI_PATH_MAX) {
		return ERR_TOO_LONG;
	}
	if (stat(dir, &sb) != 0) {
		if (errno != ENOENT) {
			log_err("cannot stat %s: %s", dir, strerror(errno));
			return ERR_SYS;
		}
		if ((r = make_dirs(dir)) != 0) {
			return r;
		}
	}
	return check_dir(dir);
}

static int
exists(const char *dir, const char *name, int *yes)
{
	char path[CLI_PATH_MAX];
	struct stat sb;
	int r;

	*yes = 0;
	if ((r = join(path, dir, name)) != 0) {
		return r;
	}
	if (lstat(path, &sb) == 0) {
		*yes = 1;
		return 0;
	}
	if (errno == ENOENT) {
		return 0;
	}
	log_err("cannot stat %s: %s", path, strerror(errno));
	return ERR_SYS;
}

int
cli_key_kind(const char *dir)
{
	int r, file, params;

	if ((r = exists(dir, CLI_KEY_FILENAME, &file)) != 0 ||
	    (r = exists(dir, CLI_PARAMS_FILENAME, &params)) != 0) {
		return r;
	}
	if (file && params) {
		log_err("%s holds both %s and %s: remove the one not in use",
		    dir, CLI_KEY_FILENAME, CLI_PARAMS_FILENAME);
		return ERR_STATE;
	}
	return file ? CLI_KEY_FILE : params ? CLI_KEY_PASSPHRASE : CLI_KEY_NONE;
}

static int
sync_dir(const char *dir)
{
	int fd, ok;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_err("cannot open %s: %s", dir, strerror(errno));
		return ERR_SYS;
	}
	ok = fsync(fd) == 0;
	if (!ok) {
		log_err("cannot sync %s: %s", dir, strerror(errno));
	}
	close(fd);
	return ok ? 0 : ERR_SYS;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR) {
				continue;
			}
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd);
}

/* Writes a new file (O_EXCL, 0600) and makes it durable. A partly written
 * file is removed, so a later load never sees half a key. */
static int
write_new(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[CLI_PATH_MAX];
	int fd, r, kind;

	if ((r = join(path, dir, name)) != 0) {
		return r;
	}
	if ((kind = cli_key_kind(dir)) < 0) {
		return kind;
	}
	if (kind != CLI_KEY_NONE) {
		log_err("%s already holds a storage key", dir);
		return ERR_EXISTS;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		log_err("cannot create %s: %s", path, strerror(errno));
		return errno == EEXIST ? ERR_EXISTS : ERR_SYS;
	}
	if (write_all(fd, p, n) != 0) {
		log_err("cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return ERR_SYS;
	}
	if (close(fd) != 0) {
		log_err("cannot write %s: %s", path, strerror(errno));
		unlink(path);
		return ERR_SYS;
	}
	return sync_dir(dir);
}

/*
 * Opens a key file for reading and checks it as db_open checks the
 * database: a regular file of ours, no group or other bits. *fdp is -1 on
 * failure.
 */
static int
open_private(const char *dir, const char *name, int *fdp)
{
	char path[CLI_PATH_MAX];
	struct stat sb;
	int fd, r;

	*fdp = -1;
	if ((r = join(path, dir, name)) != 0) {
		return r;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			return ERR_NOT_FOUND;
		}
		log_err("cannot open %s: %s", path, strerror(errno));
		return ERR_SYS;
	}
	r = 0;
	if (fstat(fd, &sb) != 0) {
		log_err("cannot stat %s: %s", path, strerror(errno));
		r = ERR_SYS;
	} else if (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
		log_err("refusing %s: not a regular file of this user", path);
		r = ERR_PERM;
	} else if ((sb.st_mode & 077) != 0) {
		log_err("refusing %s: mode %04o lets group or others in; "
			"run chmod 600 %s",
		    path, (unsigned)(sb.st_mode & 07777), path);
		r = ERR_PERM;
	}
	if (r != 0) {
		close(fd);
		return r;
	}
	*fdp = fd;
	return 0;
}

/* Reads exactly n bytes then expects end of file: ERR_INVALID otherwise
 * (a truncated or padded key file). */
static int
read_exact(int fd, uint8_t *p, size_t n)
{
	uint8_t extra;
	ssize_t got;

	while (n > 0) {
		got = read(fd, p, n);
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			log_err("cannot read key file: %s", strerror(errno));
			return ERR_SYS;
		}
		if (got == 0) {
			log_err("key file too short");
			return ERR_INVALID;
		}
		p += got;
		n -= (size_t)got;
	}
	do {
		got = read(fd, &extra, 1);
	} while (got < 0 && errno == EINTR);
	if (got != 0) {
		log_err("key file too long");
		return ERR_INVALID;
	}
	return 0;
}

static int
key_new(struct cli_storage_key **out)
{
	*out = mem_secure_alloc(sizeof(**out));
	return *out == NULL ? ERR_NOMEM : 0;
}

void
cli_storage_key_free(struct cli_storage_key *k)
{
	mem_secure_free(k, sizeof(*k));
}

int
cli_key_file_create(const char *dir, const struct rng *rng,
    struct cli_storage_key **out)
{
	struct cli_storage_key *k = NULL;
	int r;

	*out = NULL;
	if ((r = key_new(&k)) != 0) {
		goto out;
	}
	rng_fill(rng, k->key, sizeof(k->key));
	if ((r = write_new(dir, CLI_KEY_FILENAME, k->key, sizeof(k->key))) != 0) {
		goto out;
	}
	*out = k;
	k = NULL;
out:
	cli_storage_key_free(k);
	return r;
}

int
cli_key_file_load(const char *dir, struct cli_storage_key **out)
{
	struct cli_storage_key *k = NULL;
	int fd = -1, r;

	*out = NULL;
	if ((r = open_private(dir, CLI_KEY_FILENAME, &fd)) != 0 ||
	    (r = key_new(&k)) != 0 ||
	    (r = read_exact(fd, k->key, sizeof(k->key))) != 0) {
		goto out;
	}
	*out = k;
	k = NULL;
out:
	if (fd >= 0) {
		close(fd);
	}
	cli_storage_key_free(k);
	return r;
}

static void
cost_limits(enum cli_kdf_cost cost, uint64_t *ops, uint64_t *mem)
{
	switch (cost) {
	case CLI_KDF_INTERACTIVE:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	case CLI_KDF_SENSITIVE:
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	case CLI_KDF_MODERATE:
	default:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	}
}

/* The bytes the key check covers: everything before the nonce. */
static void
params_head(const struct params *pp, uint8_t out[static PARAMS_CHECKED_LEN])
{
	size_t i;

	out[0] = CLI_PARAMS_VERSION;
	out[1] = PARAMS_ALG_ARGON2ID13;
	for (i = 0; i < 8; i++) {
		out[2 + i] = (uint8_t)(pp->ops >> (56 - 8 * i));
		out[10 + i] = (uint8_t)(pp->mem >> (56 - 8 * i));
	}
	memcpy(out + 18, pp->salt, CLI_SALT_LEN);
}

static void
params_encode(const struct params *pp, uint8_t out[static CLI_PARAMS_LEN])
{
	params_head(pp, out);
	memcpy(out + PARAMS_CHECKED_LEN, pp->nonce, AEAD_NONCE_LEN);
	memcpy(out + PARAMS_CHECKED_LEN + AEAD_NONCE_LEN, pp->tag,
	    AEAD_TAG_LEN);
}

static int
params_decode(const uint8_t *p, size_t len, struct params *pp)
{
	struct wire_reader rd;
	uint8_t version = 0, alg = 0;
	int r;

	memset(pp, 0, sizeof(*pp));
	wire_reader_init(&rd, p, len);
	if ((r = wire_get_u8(&rd, &version)) != 0 ||
	    (r = wire_get_u8(&rd, &alg)) != 0) {
		return ERR_INVALID;
	}
	if (version != CLI_PARAMS_VERSION || alg != PARAMS_ALG_ARGON2ID13) {
		log_err("storage.params: version %u, algorithm %u unknown",
		    version, alg);
		return ERR_VERSION;
	}
	if (wire_get_u64(&rd, &pp->ops) != 0 ||
	    wire_get_u64(&rd, &pp->mem) != 0 ||
	    wire_get_bytes(&rd, pp->salt, sizeof(pp->salt)) != 0 ||
	    wire_get_bytes(&rd, pp->nonce, sizeof(pp->nonce)) != 0 ||
	    wire_get_bytes(&rd, pp->tag, sizeof(pp->tag)) != 0 ||
	    wire_end(&rd) != 0) {
		log_err("storage.params: %zu bytes, not %d", len,
		    CLI_PARAMS_LEN);
		memset(pp, 0, sizeof(*pp));
		return ERR_INVALID;
	}
	/* A tampered file must not make us grind for hours or ask for
	 * terabytes: only the limits cli_kdf_cost can write are read. */
	if (pp->ops < crypto_pwhash_OPSLIMIT_INTERACTIVE ||
	    pp->ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    pp->mem < crypto_pwhash_MEMLIMIT_INTERACTIVE ||
	    pp->mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
		log_err("storage.params: Argon2id limits out of range");
		memset(pp, 0, sizeof(*pp));
		return ERR_INVALID;
	}
	return 0;
}

static int
params_read(const char *dir, struct params *pp)
{
	uint8_t buf[CLI_PARAMS_LEN];
	int fd = -1, r;

	memset(pp, 0, sizeof(*pp));
	if ((r = open_private(dir, CLI_PARAMS_FILENAME, &fd)) != 0) {
		return r;
	}
	if ((r = read_exact(fd, buf, sizeof(buf))) == 0) {
		r = params_decode(buf, sizeof(buf), pp);
	}
	close(fd);
	return r;
}

/* tag = AEAD-Seal(key, nonce, "", LABEL || head): the key check. */
static void
check_tag(const struct params *pp, const struct cli_storage_key *k,
    uint8_t tag[static AEAD_TAG_LEN])
{
	uint8_t ad[LABEL_LEN_CHECK + PARAMS_CHECKED_LEN];

	memcpy(ad, CLI_LABEL_KEY_CHECK, LABEL_LEN_CHECK);
	params_head(pp, ad + LABEL_LEN_CHECK);
	aead_seal(tag, NULL, 0, ad, sizeof(ad), pp->nonce, k->key);
}

static int
derive(const char *pass, size_t pass_len, const struct params *pp,
    struct cli_storage_key *k)
{
	if (crypto_pwhash(k->key, sizeof(k->key), pass, pass_len, pp->salt,
		(unsigned long long)pp->ops, (size_t)pp->mem,
		crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_err("Argon2id: cannot get %llu bytes of memory",
		    (unsigned long long)pp->mem);
		return ERR_NOMEM;
	}
	return 0;
}

int
cli_key_passphrase_create(const char *dir, const char *pass,
    size_t pass_len, enum cli_kdf_cost cost, const struct rng *rng,
    struct cli_storage_key **out)
{
	struct cli_storage_key *k = NULL;
	uint8_t buf[CLI_PARAMS_LEN];
	struct params pp;
	int r;

	*out = NULL;
	if (pass_len == 0) {
		log_err("empty passphrase");
		return ERR_ARG;
	}
	/* Checked again by write_new; here to spare a useless Argon2id. */
	if ((r = cli_key_kind(dir)) != CLI_KEY_NONE) {
		return r < 0 ? r : ERR_EXISTS;
	}
	memset(&pp, 0, sizeof(pp));
	cost_limits(cost, &pp.ops, &pp.mem);
	rng_fill(rng, pp.salt, sizeof(pp.salt));
	rng_fill(rng, pp.nonce, sizeof(pp.nonce));
	if ((r = key_new(&k)) != 0 || (r = derive(pass, pass_len, &pp, k)) != 0) {
		goto out;
	}
	check_tag(&pp, k, pp.tag);
	params_encode(&pp, buf);
	if ((r = write_new(dir, CLI_PARAMS_FILENAME, buf, sizeof(buf))) != 0) {
		goto out;
	}
	*out = k;
	k = NULL;
out:
	cli_storage_key_free(k);
	return r;
}

int
cli_key_passphrase_load(const char *dir, const char *pass, size_t pass_len,
    struct cli_storage_key **out)
{
	struct cli_storage_key *k = NULL;
	uint8_t want[AEAD_TAG_LEN];
	struct params pp;
	int r;

	*out = NULL;
	if ((r = params_read(dir, &pp)) != 0 || (r = key_new(&k)) != 0 ||
	    (r = derive(pass, pass_len, &pp, k)) != 0) {
		goto out;
	}
	check_tag(&pp, k, want);
	r = crypto_verify_16(want, pp.tag) == 0 ? 0 : ERR_AUTH;
	WIPE(want);
	if (r != 0) {
		log_err("AUTH-FAIL: wrong passphrase for %s", dir);
		r = ERR_AUTH;
		goto out;
	}
	*out = k;
	k = NULL;
out:
	cli_storage_key_free(k);
	return r;
}

int
cli_key_passphrase_limits(const char *dir, uint64_t *opslimit,
    uint64_t *memlimit)
{
	struct params pp;
	int r;

	*opslimit = 0;
	*memlimit = 0;
	if ((r = params_read(dir, &pp)) != 0) {
		return r;
	}
	*opslimit = pp.ops;
	*memlimit = pp.mem;
	return 0;
}
