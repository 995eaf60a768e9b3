/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* `sealpost selftest`: the vectors built into the client are the files of
 * tests/vectors (SEALPOST_VECTORS_DIR overrides the folder), byte for
 * byte; the library reproduces every one of their values; and a value
 * changed in a copy is reported by file, case and path. */
#include "tests/unit/helpers.h"

#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>

#include "client-cli/cli_selftest.h"

static const char *
vectors_dir(void)
{
	const char *d = getenv("SEALPOST_VECTORS_DIR");

	return d != NULL && d[0] != '\0' ? d : "tests/vectors";
}

/* The whole file dir/name, in *n bytes (free it), or NULL if it cannot be
 * read. */
static unsigned char *
read_file(const char *dir, const char *name, size_t *n)
{
	char path[4096];
	unsigned char *p = NULL, *q;
	size_t cap = 0, got;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		return NULL;
	}
	do {
		if (*n == cap) {
			cap = cap == 0 ? 65536 : 2 * cap;
			if ((q = realloc(p, cap)) == NULL) {
				break;
			}
			p = q;
		}
		got = fread(p + *n, 1, cap - *n, f);
		*n += got;
	} while (got > 0);
	if (ferror(f) || *n == cap) {
		free(p);
		p = NULL;
	}
	fclose(f);
	return p;
}

/* The embedded file called name, or NULL. */
static const struct cli_vector_file *
embedded(const char *name)
{
	size_t i;

	for (i = 0; i < cli_vector_nfiles; i++) {
		if (strcmp(cli_vector_files[i].name, name) == 0) {
			return &cli_vector_files[i];
		}
	}
	return NULL;
}

/* How many *.json files of the folder are not embedded. */
static size_t
count_not_embedded(const char *dir)
{
	struct dirent *e;
	size_t len, bad = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		len = strlen(e->d_name);
		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 &&
		    embedded(e->d_name) == NULL) {
			print_error("%s/%s is not embedded\n", dir, e->d_name);
			bad++;
		}
	}
	closedir(d);
	return bad;
}

/* Every embedded file is the file of the folder with its name, byte for
 * byte, and every *.json of the folder is embedded. */
static void
test_embedded_files_are_the_tree(void **state)
{
	const struct cli_vector_file *v;
	unsigned char *p;
	size_t i, n, bad = 0;

	(void)state;
	assert_true(cli_vector_nfiles > 0);
	for (i = 0; i < cli_vector_nfiles; i++) {
		v = &cli_vector_files[i];
		p = read_file(vectors_dir(), v->name, &n);
		if (p == NULL) {
			print_error("%s is embedded, but cannot be read from "
				    "%s\n", v->name, vectors_dir());
			bad++;
		} else if (n != v->len || memcmp(p, v->data, n) != 0) {
			print_error("%s: the embedded %zu bytes are not the "
				    "file's %zu\n", v->name, v->len, n);
			bad++;
		}
		free(p);
	}
	bad += count_not_embedded(vectors_dir());
	assert_int_equal(bad, 0);
}

/* The table ends with a NULL entry; each file is followed by a NUL. */
static void
test_embedded_table_shape(void **state)
{
	const struct cli_vector_file *v;
	size_t i, k;

	(void)state;
	for (i = 0; i < cli_vector_nfiles; i++) {
		v = &cli_vector_files[i];
		assert_non_null(v->name);
		assert_non_null(v->data);
		assert_int_equal(v->data[v->len], 0);
		for (k = 0; k < i; k++) {
			assert_string_not_equal(cli_vector_files[k].name,
			    v->name);
		}
	}
	assert_null(cli_vector_files[i].name);
	assert_null(cli_vector_files[i].data);
	assert_int_equal(cli_vector_files[i].len, 0);
}

/* ---- the self-test ---- */

#define MAX_LINES 512

/* What a run reported. */
struct line {
	char file[64];
	char what[600];
	int ok;
};

struct lines {
	struct line l[MAX_LINES];
	size_t n;
};

static void
collect(const char *file, const char *what, int ok, void *arg)
{
	struct lines *ls = arg;

	assert_true(ls->n < MAX_LINES);
	snprintf(ls->l[ls->n].file, sizeof(ls->l[0].file), "%s", file);
	snprintf(ls->l[ls->n].what, sizeof(ls->l[0].what), "%s", what);
	ls->l[ls->n].ok = ok;
	ls->n++;
}

static struct lines *
lines_new(void)
{
	struct lines *ls = calloc(1, sizeof(*ls));

	assert_non_null(ls);
	return ls;
}

/* How many lines for file have ok and what (NULL: any text). */
static size_t
count(const struct lines *ls, const char *file, int ok, const char *what)
{
	size_t i, n = 0;

	for (i = 0; i < ls->n; i++) {
		if (strcmp(ls->l[i].file, file) == 0 && ls->l[i].ok == ok &&
		    (what == NULL || strcmp(ls->l[i].what, what) == 0)) {
			n++;
		}
	}
	return n;
}

/* The N of a summary line "N values checked[, M failed]" for file. */
static size_t
values_checked(const struct lines *ls, const char *file)
{
	size_t i, n;
	char rest[32];

	for (i = 0; i < ls->n; i++) {
		if (strcmp(ls->l[i].file, file) == 0 &&
		    sscanf(ls->l[i].what, "%zu values %31s", &n, rest) == 2 &&
		    strncmp(rest, "checked", 7) == 0) {
			return n;
		}
	}
	fail_msg("no summary line for %s", file);
	return 0;
}

/* Every embedded value is reproduced: one line per file, each ok. */
static void
test_embedded_vectors_pass(void **state)
{
	struct lines *ls = lines_new();
	size_t passed = 1, failed = 1, i, sum = 0;

	(void)state;
	assert_ok(cli_selftest_run(collect, ls, &passed, &failed));
	assert_int_equal(failed, 0);
	assert_int_equal(ls->n, cli_vector_nfiles);
	for (i = 0; i < cli_vector_nfiles; i++) {
		assert_string_equal(ls->l[i].file, cli_vector_files[i].name);
		assert_int_equal(ls->l[i].ok, 1);
		sum += values_checked(ls, ls->l[i].file);
	}
	assert_true(passed > 1000);
	assert_int_equal(sum, passed);
	free(ls);
}

/* A second run in the same process gives the same result, and a NULL
 * report is allowed. */
static void
test_runs_twice(void **state)
{
	size_t p1, f1, p2, f2;

	(void)state;
	assert_ok(cli_selftest_run(NULL, NULL, &p1, &f1));
	assert_ok(cli_selftest_run(NULL, NULL, &p2, &f2));
	assert_int_equal(p1, p2);
	assert_int_equal(f1, 0);
	assert_int_equal(f2, 0);
}

/* A copy of the embedded table whose file name has new data (len bytes,
 * owned by the caller). */
static struct cli_vector_file *
table_with(const char *name, const unsigned char *data, size_t len)
{
	struct cli_vector_file *t = calloc(cli_vector_nfiles + 1, sizeof(*t));
	size_t i;

	assert_non_null(t);
	memcpy(t, cli_vector_files, (cli_vector_nfiles + 1) * sizeof(*t));
	for (i = 0; i < cli_vector_nfiles; i++) {
		if (strcmp(t[i].name, name) == 0) {
			t[i].data = data;
			t[i].len = len;
			return t;
		}
	}
	fail_msg("%s is not embedded", name);
	return NULL;
}

/*
 * A copy of the embedded file with the first hex digit of the first
 * recorded value called key changed (to another hex digit). *casep gets
 * the name of the case it belongs to (free both).
 */
static unsigned char *
flip_value(const char *file, const char *key, size_t *len, char **casep)
{
	const struct cli_vector_file *v = embedded(file);
	char needle[64], *p, *c, *d;
	unsigned char *copy;

	if (v == NULL || (copy = malloc(v->len + 1)) == NULL) {
		fail_msg("cannot copy %s", file);
		return NULL;
	}
	memcpy(copy, v->data, v->len + 1); /* with its NUL */
	snprintf(needle, sizeof(needle), "\"%s\": \"", key);
	p = strstr((char *)copy, needle);
	assert_non_null(p);
	p += strlen(needle);
	assert_non_null(strchr("0123456789abcdef", *p));
	*p = *p == '0' ? '1' : '0';
	/* The case: the last "name" before the value. */
	for (c = p; c > (char *)copy && strncmp(c, "\"name\": \"", 9) != 0;
	     c--) {
	}
	c += 9;
	d = strchr(c, '"');
	*casep = strndup(c, (size_t)(d - c));
	assert_non_null(*casep);
	*len = v->len;
	return copy;
}

/* One recorded output digit changed: exactly that value fails, named by
 * file, case and path, and the run fails with ERR_AUTH. */
static void
check_flip(const char *file, const char *key, const char *path)
{
	struct lines *ls = lines_new();
	struct cli_vector_file *t;
	size_t passed, failed, all, len;
	unsigned char *copy;
	char *name, want[256];

	assert_ok(cli_selftest_run(NULL, NULL, &all, &failed));
	copy = flip_value(file, key, &len, &name);
	t = table_with(file, copy, len);
	assert_err(cli_selftest_run_files(t, cli_vector_nfiles, collect, ls,
			   &passed, &failed),
	    ERR_AUTH);
	assert_int_equal(failed, 1);
	assert_int_equal(passed, all - 1);
	snprintf(want, sizeof(want),
	    "case %s: %s: differs from the recorded value", name, path);
	if (count(ls, file, 0, want) != 1) {
		fail_msg("%s: no failure \"%s\"", file, want);
	}
	assert_int_equal(count(ls, file, 0, NULL), 2); /* and the summary */
	assert_int_equal(ls->n, cli_vector_nfiles + 1);
	free(t);
	free(copy);
	free(name);
	free(ls);
}

static void
test_flipped_output_fails(void **state)
{
	(void)state;
	check_flip("hkdf.json", "okm", "output.okm");
	check_flip("ratchet.json", "rk_recv", "output.dh_step.rk_recv");
	check_flip("fingerprint.json", "safety_number",
	    "output.safety_number");
}

/* A corrupted state blob fails many values: CLI_SELFTEST_MAX_LINES of
 * them are reported, then how many more. */
static void
test_failure_lines_are_capped(void **state)
{
	struct lines *ls = lines_new();
	struct cli_vector_file *t;
	size_t passed, failed, len;
	unsigned char *copy;
	char *name, more[64];

	(void)state;
	copy = flip_value("state.json", "blob", &len, &name);
	t = table_with("state.json", copy, len);
	assert_err(cli_selftest_run_files(t, cli_vector_nfiles, collect, ls,
			   &passed, &failed),
	    ERR_AUTH);
	assert_true(failed > CLI_SELFTEST_MAX_LINES);
	snprintf(more, sizeof(more), "%zu more failures",
	    failed - CLI_SELFTEST_MAX_LINES);
	assert_int_equal(count(ls, "state.json", 0, more), 1);
	/* the lines, the "more" line and the summary */
	assert_int_equal(count(ls, "state.json", 0, NULL),
	    CLI_SELFTEST_MAX_LINES + 2);
	free(t);
	free(copy);
	free(name);
	free(ls);
}

/* A case without its input is reported like any other failure. */
static void
test_case_without_input_fails(void **state)
{
	const struct cli_vector_file *v = embedded("hkdf.json");
	struct cli_vector_file *t;
	struct lines *ls = lines_new();
	size_t passed, failed;
	unsigned char *copy;
	char *p;

	(void)state;
	if (v == NULL || (copy = malloc(v->len + 1)) == NULL) {
		fail_msg("cannot copy hkdf.json");
		return;
	}
	memcpy(copy, v->data, v->len + 1);
	p = strstr((char *)copy, "\"input\": {");
	assert_non_null(p);
	memcpy(p, "\"inpux\"", 7);
	t = table_with("hkdf.json", copy, v->len);
	assert_err(cli_selftest_run_files(t, cli_vector_nfiles, collect, ls,
			   &passed, &failed),
	    ERR_AUTH);
	assert_int_equal(count(ls, "hkdf.json", 0,
			     "case rfc5869_a1: input field \"input\" missing"),
	    1);
	assert_true(failed > 1);
	free(t);
	free(copy);
	free(ls);
}

/* A file with no check, a file that is not JSON and a published file left
 * out each fail once. */
static void
test_unknown_invalid_and_missing_files(void **state)
{
	static const unsigned char extra[] = "{}";
	struct cli_vector_file *t = calloc(cli_vector_nfiles + 1, sizeof(*t));
	struct lines *ls = lines_new();
	size_t passed, failed, i, n = 0;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < cli_vector_nfiles; i++) {
		t[n] = cli_vector_files[i];
		if (strcmp(t[n].name, "kdf.json") == 0) {
			t[n].len /= 2;
		}
		n += strcmp(t[n].name, "rng.json") != 0;
	}
	t[n].name = "extra.json";
	t[n].data = extra;
	t[n++].len = sizeof(extra) - 1;
	assert_err(cli_selftest_run_files(t, n, collect, ls, &passed,
			   &failed),
	    ERR_AUTH);
	assert_int_equal(failed, 3);
	assert_int_equal(count(ls, "extra.json", 0,
			     "not a published vector file: no check for it"),
	    1);
	assert_int_equal(count(ls, "kdf.json", 0, NULL), 2);
	for (i = 0; strcmp(ls->l[i].file, "kdf.json") != 0; i++) {
	}
	assert_int_equal(strncmp(ls->l[i].what, "not valid JSON: ", 16), 0);
	assert_int_equal(count(ls, "rng.json", 0,
			     "missing from the vectors built into the client"),
	    1);
	free(t);
	free(ls);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_files_are_the_tree),
		cmocka_unit_test(test_embedded_table_shape),
		cmocka_unit_test(test_embedded_vectors_pass),
		cmocka_unit_test(test_runs_twice),
		cmocka_unit_test(test_flipped_output_fails),
		cmocka_unit_test(test_failure_lines_are_capped),
		cmocka_unit_test(test_case_without_input_fails),
		cmocka_unit_test(test_unknown_invalid_and_missing_files),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_cli_selftest: sodium_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
