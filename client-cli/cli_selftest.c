/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* `sealpost selftest`: the embedded vector files, each rebuilt from its
 * recorded inputs by the builders of tests/vectors and compared with the
 * record (vec_check.h), so that the client, the generator and the vectors'
 * tests share one checker. */
#include "client-cli/cli_selftest.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "tests/vectors/vec_check.h"

/* One run over a table of files. */
struct run {
	const struct cli_vector_file *files;
	size_t nfiles;
	void (*report)(const char *file, const char *what, int ok,
	    void *arg);
	void *arg;
	const char *file; /* the file being checked */
	size_t lines;     /* failures of that file so far */
};

static void
say(const struct run *r, const char *file, const char *what, int ok)
{
	if (r->report != NULL) {
		r->report(file, what, ok, r->arg);
	}
}

/* A failure of the file being checked (struct vec_ctx's callback). */
static void
on_fail(void *arg, const char *msg)
{
	struct run *r = arg;

	if (r->lines++ < CLI_SELFTEST_MAX_LINES) {
		say(r, r->file, msg, 0);
	}
}

/* The first file of the table called name, or NULL. */
static const struct cli_vector_file *
find(const struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++) {
		if (strcmp(r->files[i].name, name) == 0) {
			return &r->files[i];
		}
	}
	return NULL;
}

static json_t *
parse(const struct cli_vector_file *f, json_error_t *e)
{
	return json_loadb((const char *)f->data, f->len,
	    JSON_REJECT_DUPLICATES, e);
}

/* Another file of the table, parsed, for a cross-file check (a
 * vec_load_fn); NULL if it is missing or not JSON. */
static json_t *
load(void *arg, const char *name)
{
	const struct cli_vector_file *f = find(arg, name);
	json_error_t e;

	return f != NULL ? parse(f, &e) : NULL;
}

/* Checks f and reports it: adds the values reproduced to *passed and
 * returns the number of failures. */
static size_t
check_file(struct run *r, const struct cli_vector_file *f, size_t *passed)
{
	const struct vec_file_def *def = vec_file_def(f->name);
	struct vec_tally t = { 0, 0 };
	struct vec_ctx vc;
	json_error_t e;
	json_t *j = NULL;
	char what[96];

	r->file = f->name;
	r->lines = 0;
	vec_ctx_init(&vc, on_fail, r);
	if (def == NULL) {
		vec_fail(&vc, "not a published vector file: no check for it");
	} else if ((j = parse(f, &e)) == NULL) {
		vec_fail(&vc, "not valid JSON: %s (line %d)", e.text, e.line);
	} else {
		vec_check_file(&vc, def, j, load, r, &t);
	}
	json_decref(j);
	if (r->lines > CLI_SELFTEST_MAX_LINES) {
		snprintf(what, sizeof(what), "%zu more failures",
		    r->lines - CLI_SELFTEST_MAX_LINES);
		say(r, f->name, what, 0);
	}
	if (vc.errors == 0) {
		snprintf(what, sizeof(what), "%zu values checked", t.checked);
	} else {
		snprintf(what, sizeof(what), "%zu values checked, %lu failed",
		    t.checked, vc.errors);
	}
	say(r, f->name, what, vc.errors == 0);
	*passed += t.matched;
	return vc.errors;
}

int
cli_selftest_run_files(const struct cli_vector_file *files, size_t nfiles,
    void (*report)(const char *file, const char *what, int ok, void *arg),
    void *arg, size_t *passed, size_t *failed)
{
	struct run r;
	size_t i;

	*passed = 0;
	*failed = 0;
	memset(&r, 0, sizeof(r));
	r.files = files;
	r.nfiles = nfiles;
	r.report = report;
	r.arg = arg;
	for (i = 0; i < nfiles; i++) {
		*failed += check_file(&r, &files[i], passed);
	}
	/* A file left out would pass unchecked. */
	for (i = 0; i < VEC_NFILES; i++) {
		if (find(&r, vec_files[i].name) == NULL) {
			say(&r, vec_files[i].name,
			    "missing from the vectors built into the client",
			    0);
			(*failed)++;
		}
	}
	return *failed == 0 ? 0 : ERR_AUTH;
}

int
cli_selftest_run(void (*report)(const char *file, const char *what, int ok,
		     void *arg),
    void *arg, size_t *passed, size_t *failed)
{
	return cli_selftest_run_files(cli_vector_files, cli_vector_nfiles,
	    report, arg, passed, failed);
}
