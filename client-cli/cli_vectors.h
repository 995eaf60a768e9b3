/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The published test vectors (the JSON files of tests/vectors), built into
 * the client for `sealpost selftest`: the installed client cannot read the
 * source tree. scripts/embed-vectors.sh generates the table at build time. */
#ifndef SEALPOST_CLI_VECTORS_H
#define SEALPOST_CLI_VECTORS_H

#include <stddef.h>

/* One embedded file: its name without the directory ("hkdf.json") and its
 * len bytes, exactly as in the source tree. data[len] is a NUL that len
 * does not count. */
struct cli_vector_file {
	const char *name;
	const unsigned char *data;
	size_t len;
};

/* The embedded files, in the order the build gave them (by name), then an
 * entry of NULLs and 0. Constant: safe to read from any thread. */
extern const struct cli_vector_file cli_vector_files[];

/* The number of embedded files, the final NULL entry not counted. */
extern const size_t cli_vector_nfiles;

#endif
