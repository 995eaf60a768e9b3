/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Checks the committed JSON vectors: every case is rebuilt by the library
 * from its recorded input and must equal the recorded case exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tests/vectors/vec_basic.h"
#include "tests/vectors/vec_ratchet.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One vector file and the builder that recomputes it from its inputs. */
struct vfile {
	const char *name;
	json_t *(*build)(struct vec_ctx *vc, const json_t *cases_in);
};

static const struct vfile vfiles[] = {
	{ "hkdf.json", vec_build_hkdf },
	{ "kdf.json", vec_build_kdf },
	{ "rng.json", vec_build_rng },
	{ "keys.json", vec_build_keys },
	{ "x3dh.json", vec_build_x3dh },
	{ "ratchet.json", vec_build_ratchet },
	{ "padding.json", vec_build_padding },
	{ "envelope.json", vec_build_envelope },
	{ "fingerprint.json", vec_build_fingerprint },
	{ "state.json", vec_build_state },
};

static const char *
vectors_dir(void)
{
	const char *d = getenv("SEALPOST_VECTORS_DIR");

	return d != NULL && d[0] != '\0' ? d : "tests/vectors";
}

static json_t *
load(const char *name)
{
	char path[4096];
	json_error_t e;
	json_t *j;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), name);
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL) {
		fail_msg("%s: %s (line %d)", path, e.text, e.line);
	}
	return j;
}

/* The {"name", "input"} pairs of a file's cases. */
static json_t *
inputs_of(const json_t *file)
{
	json_t *a = vec_arr(), *c;
	const json_t *fc;
	size_t i;

	json_array_foreach(json_object_get(file, "cases"), i, fc) {
		c = vec_obj();
		vec_put(c, "name", json_incref(json_object_get(fc, "name")));
		vec_put(c, "input", json_incref(json_object_get(fc, "input")));
		vec_push(a, c);
	}
	return a;
}

/*
 * 0 if want and got are equal; else 1 with the path of the first
 * difference in path. Object key order is not compared here (check-regen.sh
 * compares the bytes).
 */
static int
diff(const json_t *want, const json_t *got, char *path, size_t cap)
{
	size_t len = strlen(path), i;
	const char *k;
	const json_t *v;

	if (json_typeof(want) != json_typeof(got)) {
		return 1;
	}
	if (json_is_object(want)) {
		if (json_object_size(want) != json_object_size(got)) {
			return 1;
		}
		json_object_foreach((json_t *)(uintptr_t)want, k, v) {
			snprintf(path + len, cap - len, ".%s", k);
			if (diff(v, json_object_get(got, k), path, cap)) {
				return 1;
			}
		}
	} else if (json_is_array(want)) {
		if (json_array_size(want) != json_array_size(got)) {
			return 1;
		}
		json_array_foreach(want, i, v) {
			snprintf(path + len, cap - len, "[%zu]", i);
			if (diff(v, json_array_get(got, i), path, cap)) {
				return 1;
			}
		}
	} else if (!json_equal(want, got)) {
		return 1;
	}
	path[len] = '\0';
	return 0;
}

static int state_mismatches(struct vec_ctx *vc, const json_t *st);

/* Rebuilds file with def's builder, cross-check failures going to vc: 0 if
 * it is reproduced exactly; else 1, with the reason in why. */
static int
rebuild_differs(struct vec_ctx *vc, const struct vfile *def,
    const json_t *file, char *why, size_t cap)
{
	json_t *in = inputs_of(file), *got;
	unsigned long before = vc->errors;
	int d;

	why[0] = '\0';
	got = def->build(vc, in);
	d = diff(file, got, why, cap);
	if (vc->errors != before) {
		snprintf(why, cap, "%lu failed cross-check(s)",
		    vc->errors - before);
		d = 1;
	}
	if (!d && strcmp(def->name, "state.json") == 0 &&
	    state_mismatches(vc, file) != 0) {
		snprintf(why, cap, "a blob that is not its ratchet snapshot");
		d = 1;
	}
	json_decref(got);
	json_decref(in);
	return d;
}

static void
test_file(void **state)
{
	const struct vfile *def = *state;
	json_t *file = load(def->name);
	struct vec_ctx vc;
	char why[512];
	int d;

	vec_ctx_init(&vc, NULL, NULL);
	d = rebuild_differs(&vc, def, file, why, sizeof(why));

	json_decref(file);
	if (d) {
		fail_msg("%s: recorded value differs from the library at %s",
		    def->name, why[0] != '\0' ? why : "(top)");
	}
}

/* How many blobs of st (state.json) are not the snapshot their case names
 * in ratchet.json. */
static int
state_mismatches(struct vec_ctx *vc, const json_t *st)
{
	json_t *rt = load("ratchet.json");
	const json_t *c, *in, *snap;
	size_t i;
	int bad = 0;

	json_array_foreach(json_object_get(st, "cases"), i, c) {
		in = json_object_get(c, "input");
		if (json_object_get(in, "ratchet_case") == NULL) {
			continue;
		}
		snap = vec_find_case(vc, json_object_get(rt, "cases"),
		    vec_get_str(vc, in, "ratchet_case"));
		snap = json_object_get(json_object_get(snap, "output"),
		    "state");
		if (snap == NULL ||
		    !json_equal(snap, json_object_get(in, "blob"))) {
			bad++;
		}
	}
	json_decref(rt);
	return bad;
}

static void
test_state_from_ratchet(void **state)
{
	json_t *st = load("state.json");
	struct vec_ctx vc;
	int bad;

	(void)state;
	vec_ctx_init(&vc, NULL, NULL);
	bad = state_mismatches(&vc, st);
	json_decref(st);
	assert_int_equal(bad, 0);
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
	for (i = 0; i < NELEM(vfiles); i++) {
		file = load(vfiles[i].name);
		json_array_foreach(json_object_get(file, "spec"), k, a) {
			snprintf(needle, sizeof(needle), "<a id=\"%s\"></a>",
			    json_string_value(a) + strlen(VEC_SPEC_PREFIX));
			if (strstr(text, needle) == NULL) {
				print_error("%s: no anchor %s\n",
				    vfiles[i].name, json_string_value(a));
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

/* Drops the failures that a flipped value is expected to cause. */
static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

struct flips {
	struct vec_ctx vc; /* quiet */
	const struct vfile *def;
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
	char why[512];
	json_t *keep = json_incref(v);

	if (json_is_object(v) || json_is_array(v)) {
		flip_walk(fl, v, where);
	} else if (flip_leaf(parent, key, idx, v)) {
		fl->tried++;
		if (!rebuild_differs(&fl->vc, fl->def, fl->file, why,
			sizeof(why))) {
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
	for (i = 0; i < NELEM(vfiles); i++) {
		memset(&fl, 0, sizeof(fl));
		vec_ctx_init(&fl.vc, quiet, NULL);
		fl.def = &vfiles[i];
		fl.file = load(vfiles[i].name);
		json_array_foreach(json_object_get(fl.file, "cases"), k, c) {
			snprintf(where, sizeof(where), "cases[%zu].input", k);
			flip_walk(&fl, json_object_get(c, "input"), where);
		}
		print_message("%s: %zu input values flipped, %zu unnoticed\n",
		    vfiles[i].name, fl.tried, fl.missed);
		json_decref(fl.file);
		missed += fl.missed;
	}
	assert_int_equal(missed, 0);
}

int
main(void)
{
	struct CMUnitTest tests[NELEM(vfiles) + 3];
	size_t i;

	if (sodium_init() < 0) {
		return 1;
	}
	memset(tests, 0, sizeof(tests));
	for (i = 0; i < NELEM(vfiles); i++) {
		tests[i].name = vfiles[i].name;
		tests[i].test_func = test_file;
		tests[i].initial_state = (void *)(uintptr_t)&vfiles[i];
	}
	tests[i].name = "state_blobs_are_ratchet_snapshots";
	tests[i++].test_func = test_state_from_ratchet;
	tests[i].name = "spec_anchors_exist";
	tests[i++].test_func = test_spec_anchors;
	tests[i].name = "every_input_value_matters";
	tests[i++].test_func = test_input_flips;
	return _cmocka_run_group_tests("vectors", tests, i, NULL, NULL);
}
