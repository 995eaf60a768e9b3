/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The client's home directory and its storage key: a random key in a 0600
 * file, or one derived from a passphrase with Argon2id.
 * docs/PROTOCOL.md section 13 is the specification of both files. */
#ifndef SEALPOST_CLI_HOME_H
#define SEALPOST_CLI_HOME_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "crypto/rng.h"

#define CLI_PATH_MAX 4096
#define CLI_HOME_DIRNAME "sealpost"
#define CLI_KEY_FILENAME "storage.key"
#define CLI_PARAMS_FILENAME "storage.params"
#define CLI_STORAGE_KEY_LEN 32
#define CLI_PARAMS_VERSION 0x01
#define CLI_SALT_LEN 16
/* version, alg, u64 ops, u64 mem, salt, nonce, tag */
#define CLI_PARAMS_LEN (1 + 1 + 8 + 8 + CLI_SALT_LEN + 24 + 16)
#define CLI_LABEL_KEY_CHECK "Sealpost-v1 StorageKeyCheck"

/* The storage key, in guarded memory (mem_secure_alloc). Free it with
 * cli_storage_key_free, which wipes it. Immutable once made: it may be
 * read from several threads. */
struct cli_storage_key {
	uint8_t key[CLI_STORAGE_KEY_LEN];
};

/* Argon2id cost of a new passphrase key (libsodium's named limits). */
enum cli_kdf_cost {
	CLI_KDF_MODERATE = 0,    /* the default: 3 passes, 256 MiB */
	CLI_KDF_INTERACTIVE = 1, /* tests, weak machines: 2 passes, 64 MiB */
	CLI_KDF_SENSITIVE = 2,   /* 4 passes, 1 GiB */
};

/* Which storage key a home holds (cli_key_kind). */
enum cli_key_kind {
	CLI_KEY_NONE = 0,       /* neither file: not initialised */
	CLI_KEY_FILE = 1,       /* storage.key */
	CLI_KEY_PASSPHRASE = 2, /* storage.params */
};

/*
 * Resolves the home directory into out: opt (the --home option) if not
 * NULL, else $XDG_DATA_HOME/sealpost if that variable is set to an absolute
 * path (the XDG spec ignores a relative one), else $HOME/.local/share/
 * sealpost. Nothing is created or checked on disk.
 * Returns 0; ERR_CONFIG if none applies (no HOME; logged, naming --home);
 * ERR_TOO_LONG if the path needs CLI_PATH_MAX bytes or more, or opt is
 * empty (ERR_ARG). out is the empty string on failure. Not thread safe
 * (getenv).
 */
WUR int cli_home_resolve(const char *opt, char out[static CLI_PATH_MAX])
    NONNULL(2);

/*
 * Creates dir with mode 0700 if missing (missing parents too, 0700, as the
 * XDG spec asks), or checks the existing one: it must be a directory owned
 * by the effective user with no group or other permission bits. A refusal
 * is ERR_PERM, logged with the path and the chmod that fixes it; the mode
 * is never changed here. Returns 0, ERR_PERM, ERR_TOO_LONG or ERR_SYS
 * (logged with strerror).
 */
WUR int cli_home_prepare(const char *dir) NONNULL(1);

/*
 * Tells which key the home dir holds: CLI_KEY_NONE, CLI_KEY_FILE or
 * CLI_KEY_PASSPHRASE (>= 0), or a negative error: ERR_STATE if both files
 * exist (logged), ERR_TOO_LONG, ERR_SYS.
 */
WUR int cli_key_kind(const char *dir) NONNULL(1);

/*
 * Creates dir/storage.key: CLI_STORAGE_KEY_LEN bytes from rng, written
 * with O_CREAT|O_EXCL, mode 0600, then fsynced (file and directory).
 * Returns 0 and the key in *out; ERR_EXISTS if the file (or
 * storage.params) exists; ERR_SYS (a partly written file is removed);
 * ERR_NOMEM; ERR_TOO_LONG. *out is NULL on failure.
 */
WUR int cli_key_file_create(const char *dir, const struct rng *rng,
    struct cli_storage_key **out) NONNULL(1, 2, 3);

/*
 * Loads dir/storage.key. The file must be a regular file owned by the
 * effective user with no group or other permission bits (else ERR_PERM,
 * logged with the chmod fix) and hold exactly CLI_STORAGE_KEY_LEN bytes
 * (else ERR_INVALID). Returns 0, ERR_NOT_FOUND, ERR_PERM, ERR_INVALID,
 * ERR_SYS or ERR_NOMEM; *out is NULL on failure and no copy of the key is
 * left behind in memory.
 */
WUR int cli_key_file_load(const char *dir, struct cli_storage_key **out)
    NONNULL(1, 2);

/*
 * Creates dir/storage.params for a passphrase key: a salt from rng, the
 * Argon2id13 limits of cost, and a key check value (an AEAD tag under the
 * derived key, nonce from rng). Written like storage.key (O_EXCL, 0600,
 * fsync). The key is crypto_pwhash(pass, salt, limits), 32 bytes.
 * pass (pass_len bytes, not NUL-terminated, not wiped here: the caller
 * wipes it) must not be empty (ERR_ARG). Returns 0 and the key in *out;
 * ERR_EXISTS (either key file exists), ERR_NOMEM (also when Argon2id
 * cannot get its memory), ERR_SYS, ERR_ARG, ERR_TOO_LONG.
 */
WUR int cli_key_passphrase_create(const char *dir, const char *pass,
    size_t pass_len, enum cli_kdf_cost cost, const struct rng *rng,
    struct cli_storage_key **out) NONNULL(1, 2, 5, 6);

/*
 * Loads dir/storage.params (same file checks as cli_key_file_load) and
 * derives the key from pass with the recorded salt and limits. A wrong
 * passphrase (the key check does not verify) gives ERR_AUTH; a malformed
 * file ERR_INVALID (wrong length), ERR_VERSION (version or algorithm) or
 * ERR_INVALID (limits outside libsodium's INTERACTIVE..SENSITIVE, checked
 * before any work). Also ERR_NOT_FOUND, ERR_PERM, ERR_SYS, ERR_NOMEM.
 * *out is NULL on failure; the derived key is wiped.
 */
WUR int cli_key_passphrase_load(const char *dir, const char *pass,
    size_t pass_len, struct cli_storage_key **out) NONNULL(1, 2, 4);

/*
 * The Argon2id limits recorded in dir/storage.params (for `status`).
 * Returns as cli_key_passphrase_load without the passphrase checks;
 * outputs are 0 on failure.
 */
WUR int cli_key_passphrase_limits(const char *dir, uint64_t *opslimit,
    uint64_t *memlimit) NONNULL(1, 2, 3);

/* Wipes and frees; NULL is a no-op. */
void cli_storage_key_free(struct cli_storage_key *k);

#endif
