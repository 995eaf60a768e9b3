/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The engine of `sealpost selftest`: checks the crypto library the client
 * runs on against the published test vectors built into it. */
#ifndef SEALPOST_CLI_SELFTEST_H
#define SEALPOST_CLI_SELFTEST_H

#include <stddef.h>

#include "client-cli/cli_vectors.h"
#include "common/compat.h"

/* Failure lines reported per file; the rest are counted in one line. */
#define CLI_SELFTEST_MAX_LINES 20

/*
 * Re-derives every value recorded in the embedded vector files from the
 * recorded inputs, with the library, and compares it with the record: the
 * check of tests/vectors/test_vectors.c (both run vec_check_file).
 *
 * report, unless NULL, gets one line at a time, file by file in the
 * table's order, with file the vector file's name:
 * - each failure, ok = 0: a value the library does not reproduce, named
 *   by case and path ("case rfc5869_a1: output.okm: differs from the
 *   recorded value"), a failed cross-check of the library against the
 *   reference computations, a file that is not valid JSON or that the
 *   client has no check for. At most CLI_SELFTEST_MAX_LINES per file, then
 *   one line "N more failures";
 * - then the file's summary: "N values checked" (ok = 1) or "N values
 *   checked, M failed" (ok = 0), N counting the recorded output values.
 * Last, one line (ok = 0) per published file missing from the table.
 *
 * *passed gets the number of recorded values reproduced, *failed the
 * number of failures (as reported, including those past the line limit);
 * both are set on every return.
 *
 * Returns 0 if every value was reproduced and nothing failed, ERR_AUTH
 * otherwise: the library does not compute what the protocol specifies,
 * and must not be trusted with messages. The caller must have run
 * sodium_init(). Running out of memory aborts (PANIC_IF). Keeps no state
 * between calls; safe from several threads at once if report is. Takes
 * about 70 ms on one x86-64 core, 40 ms of it the iterated hashing of the
 * safety numbers in fingerprint.json.
 */
WUR int cli_selftest_run(void (*report)(const char *file, const char *what,
				 int ok, void *arg),
    void *arg, size_t *passed, size_t *failed) NONNULL(3, 4);

/*
 * As cli_selftest_run, on the nfiles entries of files instead of the
 * embedded table: the tests run it on altered copies. A file checked
 * against another (state.json against ratchet.json) takes the first entry
 * of files with that name.
 */
WUR int cli_selftest_run_files(const struct cli_vector_file *files,
    size_t nfiles,
    void (*report)(const char *file, const char *what, int ok, void *arg),
    void *arg, size_t *passed, size_t *failed) NONNULL(5, 6);

#endif
