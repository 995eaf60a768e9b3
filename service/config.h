/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Table-driven configuration: defaults, then an INI file (libinih) named
 * by --config, then command-line overrides, into a caller's struct. */
#ifndef SEALPOST_CONFIG_H
#define SEALPOST_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/compat.h"

enum config_type {
	CONFIG_STRING,   /* char *, an owned copy; NULL if unset */
	CONFIG_LIST,     /* struct config_list, repeatable */
	CONFIG_INT,      /* int64_t */
	CONFIG_BOOL,     /* int: yes/no true/false on/off 1/0 */
	CONFIG_DURATION, /* int64_t ms: 500ms 10s 15m 2h 30d; bare = s */
	CONFIG_SIZE,     /* uint64_t bytes: 512 64KiB 1MiB 2GiB 4k 8M 1G */
};

/* A repeatable string option: v[0..n), each an owned copy. */
struct config_list {
	char **v;
	size_t n;
};

/*
 * One option: key "listen" in [section] of the file is --listen on the
 * command line, so keys are unique across sections. def is the default in
 * the option's own syntax (NULL: NULL string, empty list, 0, no); a
 * list's def is its one initial element. arg names the value in --help
 * ("URL"; NULL picks one from the type). offset is offsetof the field in
 * the caller's struct. min/max bound an INT, DURATION (ms) or SIZE (bytes,
 * min >= 0) inclusively; min == max == 0 means unbounded.
 */
struct config_option {
	const char *section;
	const char *key;
	enum config_type type;
	const char *def;
	const char *arg;
	const char *help;
	size_t offset;
	int64_t min, max;
};

/* Positive results of config_load: options the caller acts on. */
enum config_result {
	CONFIG_OK = 0,
	CONFIG_HELP = 1,    /* --help or -h: print config_usage, exit 0 */
	CONFIG_VERSION = 2, /* --version: print the version, exit 0 */
	CONFIG_PRINT = 3,   /* --print-config: config_print, exit 0 */
};

/*
 * Fills the fields of cfg that opts[0..n) name: defaults first, then the
 * INI file given by --config FILE (or --config=FILE), then the other
 * options of argv[1..], as --key=value or --key value; a bool alone
 * (--key) means yes and takes no separate value. A list given on the
 * command line replaces the file's list, which replaces the default; a
 * list's key may repeat in the file and on the command line. A scalar
 * repeated on the command line takes the last value; repeated in the file
 * it is an error. Options stop at the first argument not starting with
 * "-", at "-" or after "--": *argi gets the index of the first remaining
 * argument (argc if none).
 *
 * Returns CONFIG_OK; CONFIG_HELP or CONFIG_VERSION as soon as --help or
 * --version is seen (cfg then holds the defaults);
 * CONFIG_PRINT after a complete load when --print-config was given; or
 * ERR_CONFIG (unreadable or malformed file, unknown key or option, bad
 * value, missing value), logged once as one sentence naming the file and
 * line or the option. ERR_NOMEM on allocation failure. On an error every
 * field is freed and zeroed; on any other result the caller releases cfg
 * with config_free. Option tables with duplicate or reserved keys
 * (config, help, version, print-config), min > max or an invalid def are
 * programmer errors (PANIC_IF). Not thread safe with respect to cfg.
 */
WUR int config_load(const struct config_option *opts, size_t n, void *cfg,
    int argc, char **argv, int *argi) NONNULL(1, 3, 5, 6);

/* Frees the strings and lists of cfg and zeroes every field opts names.
 * Safe on a cfg config_load failed on, and idempotent. */
void config_free(const struct config_option *opts, size_t n, void *cfg)
    NONNULL(1, 3);

/* Writes the --help text: "usage: prog synopsis", the built-in options,
 * then every option grouped by [section] with its value name, help and
 * default. synopsis may be NULL. */
void config_usage(FILE *f, const char *prog, const char *synopsis,
    const struct config_option *opts, size_t n) NONNULL(1, 2, 4);

/* Writes cfg as an INI file config_load reads back to the same values
 * (unset strings and empty lists as comments). */
void config_print(FILE *f, const struct config_option *opts, size_t n,
    const void *cfg) NONNULL(1, 2, 4);

/* The value parsers config_load uses, for callers with their own input.
 * Each returns 0 and sets *out, or ERR_INVALID (nothing logged) for a
 * malformed, negative or overflowing value; *out is 0 on failure. */
WUR int config_parse_int(const char *s, int64_t *out) NONNULL(1, 2);
WUR int config_parse_bool(const char *s, int *out) NONNULL(1, 2);
WUR int config_parse_duration(const char *s, int64_t *out) NONNULL(1, 2);
WUR int config_parse_size(const char *s, uint64_t *out) NONNULL(1, 2);

#endif
