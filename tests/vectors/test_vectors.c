/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Checks the committed JSON vectors: every case is rebuilt by the library
 * from its recorded input and must equal the recorded case exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tests/vectors/vec_check.h"

static const char *
vectors_dir(void)
{
	const char *d = getenv("SEALPOST_VECTORS_DIR");

	return d != NULL && d[0] != '\0' ? d : "tests/vectors";
}

/* The recorded file called name, or NULL (said on stderr). */
static json_t *
load_file(void *arg, const char *name)
{
	char path[4096];
	json_error_t e;
	json_t *j;

	(void)arg;
	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), name);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL) {
		print_error("%s: %s (line %d)\n", path, e.text, e.line);
	}
	return j;
}

static json_t *
load(const char *name)
{
	json_t *j = load_file(NULL, name);

	if (j == NULL) {
		fail_msg("cannot load %s", name);
	}
	return j;
}

/* Prints a failure of the file named by arg. */
static void
say(void *arg, const char *msg)
{
	print_error("%s: %s\n", (const char *)arg, msg);
}

/* Drops the failures that a flipped value is expected to cause. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Checks file against def with vc: the number of failures. */
static unsigned long
check(struct vec_ctx *vc, const struct vec_file_def *def, const json_t *file,
    struct vec_tally *t)
{
	unsigned long before = vc->errors;

	vec_check_file(vc, def, file, load_file, NULL, t);
	return vc->errors - before;
}

static void
test_file(void **state)
{
	const struct vec_file_def *def = *state;
	json_t *file = load(def->name);
	struct vec_tally t = { 0, 0 };
	struct vec_ctx vc;
	unsigned long bad;

	vec_ctx_init(&vc, say, (void *)(uintptr_t)def->name);
	bad = check(&vc, def, file, &t);
	json_decref(file);
	print_message("%s: %zu values checked, %lu failures\n", def->name,
	    t.checked, bad);
	if (bad != 0 || t.matched != t.checked) {
		fail_msg("%s: the library does not reproduce the record",
		    def->name);
	}
}

static void
test_state_from_ratchet(void **state)
{
	json_t *st = load("state.json"), *rt = load("ratchet.json");
	struct vec_ctx vc;

	(void)state;
	vec_ctx_init(&vc, say, (void *)(uintptr_t)"state.json");
	vec_check_snapshots(&vc, st, rt);
	json_decref(st);
	json_decref(rt);
	assert_int_equal(vc.errors, 0);
}

/* Every cited anchor exists in docs/PROTOCOL.md. */
static void
test_spec_anchors(void **state)
{
	const char *doc = getenv("SEALPOST_PROTOCOL_MD");
	char *text, needle[128];
	const json_t *a;
	json_t *file;
	FILE *f;
	long n;
	size_t i, k;
	int bad = 0;

	(void)state;
	f = fopen(doc != NULL ? doc : "docs/PROTOCOL.md", "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (i = 0; i < VEC_NFILES; i++) {
		file = load(vec_files[i].name);
		json_array_foreach(json_object_get(file, "spec"), k, a) {
			snprintf(needle, sizeof(needle), "<a id=\"%s\"></a>",
			    json_string_value(a) + strlen(VEC_SPEC_PREFIX));
			if (strstr(text, needle) == NULL) {
				print_error("%s: no anchor %s\n",
				    vec_files[i].name, json_string_value(a));
				bad = 1;
			}
		}
		json_decref(file);
	}
	free(text);
	assert_false(bad);
}

/* Changes one leaf: the first hex digit to another hex digit, the first
 * character of other strings, integers by one, booleans. 0 if it cannot. */
static int
flip_leaf(json_t *parent, const char *key, size_t idx, json_t *v)
{
	static const char hex[] = "0123456789abcdef";
	char buf[4096];
	const char *p;
	json_t *nv;

	if (json_is_integer(v)) {
		nv = json_integer(json_integer_value(v) + 1);
	} else if (json_is_boolean(v)) {
		nv = json_boolean(!json_is_true(v));
	} else if (json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) < sizeof(buf)) {
		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		if (strspn(buf, hex) == strlen(buf) && strlen(buf) % 2 == 0) {
			p = strchr(hex, buf[0]);
			buf[0] = hex[(p - hex) ^ 1];
		} else {
			buf[0] = (char)(buf[0] ^ 1);
		}
		nv = json_string(buf);
	} else {
		return 0;
	}
	if (key != NULL) {
		json_object_set_new(parent, key, nv);
	} else {
		json_array_set_new(parent, idx, nv);
	}
	return 1;
}

struct flips {
	struct vec_ctx vc; /* quiet */
	const struct vec_file_def *def;
	json_t *file;  /* a copy that is flipped and restored in turn */
	size_t tried;
	size_t missed;
};

static void flip_walk(struct flips *fl, json_t *v, const char *where);

/* Flips v (the child key / idx of parent), rebuilds, restores. */
static void
flip_one(struct flips *fl, json_t *parent, const char *key, size_t idx,
    json_t *v, const char *where)
{
	struct vec_tally t = { 0, 0 };
	json_t *keep = json_incref(v);

	if (json_is_object(v) || json_is_array(v)) {
		flip_walk(fl, v, where);
	} else if (flip_leaf(parent, key, idx, v)) {
		fl->tried++;
		if (check(&fl->vc, fl->def, fl->file, &t) == 0) {
			print_error("%s: flipping %s went unnoticed\n",
			    fl->def->name, where);
			fl->missed++;
		}
		if (key != NULL) {
			json_object_set(parent, key, keep);
		} else {
			json_array_set(parent, idx, keep);
		}
	}
	json_decref(keep);
}

static void
flip_walk(struct flips *fl, json_t *v, const char *where)
{
	char sub[256];
	const char *k;
	json_t *c;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, c) {
			snprintf(sub, sizeof(sub), "%s.%s", where, k);
			flip_one(fl, v, k, 0, c, sub);
		}
	} else {
		json_array_foreach(v, i, c) {
			snprintf(sub, sizeof(sub), "%s[%zu]", where, i);
			flip_one(fl, v, NULL, i, c, sub);
		}
	}
}

/*
 * Every input value matters: changing any one of them (or any output,
 * which the rebuild compares directly) makes the file fail its check.
 */
static void
test_input_flips(void **state)
{
	struct flips fl;
	json_t *c;
	char where[64];
	size_t i, k, missed = 0;

	(void)state;
	for (i = 0; i < VEC_NFILES; i++) {
		memset(&fl, 0, sizeof(fl));
		vec_ctx_init(&fl.vc, quiet, NULL);
		fl.def = &vec_files[i];
		fl.file = load(vec_files[i].name);
		json_array_foreach(json_object_get(fl.file, "cases"), k, c) {
			snprintf(where, sizeof(where), "cases[%zu].input", k);
			flip_walk(&fl, json_object_get(c, "input"), where);
		}
		print_message("%s: %zu input values flipped, %zu unnoticed\n",
		    vec_files[i].name, fl.tried, fl.missed);
		json_decref(fl.file);
		missed += fl.missed;
	}
	assert_int_equal(missed, 0);
}

int
main(void)
{
	struct CMUnitTest tests[VEC_NFILES + 3];
	size_t i;

	if (sodium_init() < 0) {
		return 1;
	}
	memset(tests, 0, sizeof(tests));
	for (i = 0; i < VEC_NFILES; i++) {
		tests[i].name = vec_files[i].name;
		tests[i].test_func = test_file;
		tests[i].initial_state = (void *)(uintptr_t)&vec_files[i];
	}
	tests[i].name = "state_blobs_are_ratchet_snapshots";
	tests[i++].test_func = test_state_from_ratchet;
	tests[i].name = "spec_anchors_exist";
	tests[i++].test_func = test_spec_anchors;
	tests[i].name = "every_input_value_matters";
	tests[i++].test_func = test_input_flips;
	return _cmocka_run_group_tests("vectors", tests, i, NULL, NULL);
}
