/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The vectors built into the client: they are the files of tests/vectors
 * (SEALPOST_VECTORS_DIR overrides the folder), byte for byte. */
#include "tests/unit/helpers.h"

#include <dirent.h>
#include <stdlib.h>

#include "client-cli/cli_vectors.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_files_are_the_tree),
		cmocka_unit_test(test_embedded_table_shape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
