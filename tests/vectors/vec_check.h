/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Checks a recorded vector file: every case is rebuilt from its recorded
 * input by the builders and compared with the record, value by value.
 * The one checker of test_vectors.c and of `sealpost selftest`. */
#ifndef SEALPOST_VEC_CHECK_H
#define SEALPOST_VEC_CHECK_H

#include "tests/vectors/vec_basic.h"
#include "tests/vectors/vec_ratchet.h"

#define VEC_PATH_MAX 256 /* longer paths of values are cut in messages */

/* ---- cross-file checks ---- */

/* Every blob of st (state.json) that names a snapshot case of rt
 * (ratchet.json) must be the state recorded there. */
static inline void
vec_check_snapshots(struct vec_ctx *vc, const json_t *st, const json_t *rt)
{
	const json_t *c, *in, *snap;
	const char *name;
	size_t i;

	json_array_foreach(json_object_get(st, "cases"), i, c) {
		in = json_object_get(c, "input");
		if (json_object_get(in, "ratchet_case") == NULL) {
			continue;
		}
		vc->where = json_string_value(json_object_get(c, "name"));
		name = vec_get_str(vc, in, "ratchet_case");
		snap = vec_find_case(vc, json_object_get(rt, "cases"), name);
		snap = json_object_get(json_object_get(snap, "output"),
		    "state");
		VEC_CHECK(vc, snap != NULL &&
			json_equal(snap, json_object_get(in, "blob")),
		    "blob is not the state of ratchet.json case %s", name);
	}
	vc->where = NULL;
}

/* ---- the published files ---- */

/* One published file, the builder that re-derives it from its inputs, and
 * optionally a check against another file (other) of the set. */
struct vec_file_def {
	const char *name;
	json_t *(*build)(struct vec_ctx *vc, const json_t *cases_in);
	const char *other;
	void (*cross)(struct vec_ctx *vc, const json_t *file,
	    const json_t *other);
};

static const struct vec_file_def vec_files[] = {
	{ "hkdf.json", vec_build_hkdf, NULL, NULL },
	{ "kdf.json", vec_build_kdf, NULL, NULL },
	{ "rng.json", vec_build_rng, NULL, NULL },
	{ "keys.json", vec_build_keys, NULL, NULL },
	{ "x3dh.json", vec_build_x3dh, NULL, NULL },
	{ "ratchet.json", vec_build_ratchet, NULL, NULL },
	{ "padding.json", vec_build_padding, NULL, NULL },
	{ "envelope.json", vec_build_envelope, NULL, NULL },
	{ "fingerprint.json", vec_build_fingerprint, NULL, NULL },
	{ "state.json", vec_build_state, "ratchet.json", vec_check_snapshots },
};

#define VEC_NFILES (sizeof(vec_files) / sizeof(vec_files[0]))

/* The definition of the file called name, or NULL. */
static inline const struct vec_file_def *
vec_file_def(const char *name)
{
	size_t i;

	for (i = 0; i < VEC_NFILES; i++) {
		if (strcmp(vec_files[i].name, name) == 0) {
			return &vec_files[i];
		}
	}
	return NULL;
}

/* The {"name", "input"} pairs of a recorded file's cases (a member the
 * record lacks is left out: the builder reports it). */
static inline json_t *
vec_inputs_of(const json_t *file)
{
	static const char *const keys[] = { "name", "input" };
	json_t *a = vec_arr(), *c, *v;
	const json_t *fc;
	size_t i, k;

	json_array_foreach(json_object_get(file, "cases"), i, fc) {
		c = vec_obj();
		for (k = 0; k < 2; k++) {
			v = json_object_get(fc, keys[k]);
			if (v != NULL) {
				vec_put(c, keys[k], json_incref(v));
			}
		}
		vec_push(a, c);
	}
	return a;
}

/* ---- comparing a rebuilt file with the record ---- */

/* How many recorded values (leaves of the cases' outputs) were compared,
 * and how many of them the rebuild reproduced. */
struct vec_tally {
	size_t checked;
	size_t matched;
};

/* A walk of the recorded and the rebuilt file side by side. */
struct vec_cmp {
	struct vec_ctx *vc;
	struct vec_tally *t;
	char path[VEC_PATH_MAX]; /* of the value, within vc->where's case */
};

/* The number of leaves (non-container values) of v. */
static inline size_t
vec_leaves(const json_t *v)
{
	const char *k;
	const json_t *e;
	size_t i, n = 0;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)(uintptr_t)v, k, e) {
			n += vec_leaves(e);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			n += vec_leaves(e);
		}
	} else {
		n = 1;
	}
	return n;
}

/* Appends ".key" (or "key" to an empty path), or "[idx]" if key is NULL;
 * returns the old length, to cut the path back to. */
static inline size_t
vec_cmp_push(struct vec_cmp *c, const char *key, size_t idx)
{
	size_t len = strlen(c->path);

	if (key != NULL) {
		snprintf(c->path + len, sizeof(c->path) - len, "%s%s",
		    len > 0 ? "." : "", key);
	} else {
		snprintf(c->path + len, sizeof(c->path) - len, "[%zu]", idx);
	}
	return len;
}

static inline void vec_cmp_node(struct vec_cmp *c, const json_t *want,
    const json_t *got, int count);

/* Compares the members of two objects. They are output values if count
 * is set, and so is the member named count_key if that is not NULL. */
static inline void
vec_cmp_object(struct vec_cmp *c, const json_t *want, const json_t *got,
    int count, const char *count_key)
{
	const char *k;
	const json_t *v;
	size_t len;
	int cnt;

	json_object_foreach((json_t *)(uintptr_t)want, k, v) {
		cnt = count ||
		    (count_key != NULL && strcmp(k, count_key) == 0);
		len = vec_cmp_push(c, k, 0);
		vec_cmp_node(c, v, json_object_get(got, k), cnt);
		c->path[len] = '\0';
	}
	json_object_foreach((json_t *)(uintptr_t)got, k, v) {
		if (json_object_get(want, k) == NULL) {
			len = vec_cmp_push(c, k, 0);
			vec_cmp_node(c, NULL, v, 0);
			c->path[len] = '\0';
		}
	}
}

static inline void
vec_cmp_array(struct vec_cmp *c, const json_t *want, const json_t *got,
    int count)
{
	size_t nw = json_array_size(want), ng = json_array_size(got), i, len;

	for (i = 0; i < nw || i < ng; i++) {
		len = vec_cmp_push(c, NULL, i);
		vec_cmp_node(c, json_array_get(want, i),
		    json_array_get(got, i), count);
		c->path[len] = '\0';
	}
}

/* Compares the recorded value want with the rebuilt got (either may be
 * NULL: absent); count: want is (part of) a case's output. Reports each
 * difference once, at the highest level where it shows. */
static inline void
vec_cmp_node(struct vec_cmp *c, const json_t *want, const json_t *got,
    int count)
{
	const char *p = c->path[0] != '\0' ? c->path : "the file";
	size_t n = count && want != NULL ? vec_leaves(want) : 0;

	if (want == NULL) {
		vec_fail(c->vc, "%s: re-derived, but not recorded", p);
	} else if (got == NULL) {
		c->t->checked += n;
		vec_fail(c->vc, "%s: recorded, but not re-derived", p);
	} else if (json_is_object(want) && json_is_object(got)) {
		vec_cmp_object(c, want, got, count, NULL);
	} else if (json_is_array(want) && json_is_array(got)) {
		vec_cmp_array(c, want, got, count);
	} else if (json_equal(want, got)) {
		c->t->checked += n;
		c->t->matched += n;
	} else {
		c->t->checked += n;
		vec_fail(c->vc, "%s: differs from the recorded value", p);
	}
}

/* Compares the cases one by one, each named in the messages by its
 * recorded name (else by its index). */
static inline void
vec_cmp_cases(struct vec_cmp *c, const json_t *want, const json_t *got)
{
	size_t nw = json_array_size(want), ng = json_array_size(got), i;
	const json_t *w, *g;

	for (i = 0; i < nw || i < ng; i++) {
		w = json_array_get(want, i);
		g = json_array_get(got, i);
		c->vc->where = json_string_value(json_object_get(w, "name"));
		if (c->vc->where == NULL) {
			vec_cmp_push(c, "cases", 0);
			vec_cmp_push(c, NULL, i);
		}
		if (json_is_object(w) && json_is_object(g)) {
			vec_cmp_object(c, w, g, 0, "output");
		} else {
			vec_cmp_node(c, w, g, 1);
		}
		c->path[0] = '\0';
	}
	c->vc->where = NULL;
}

/* Compares a whole file: its header fields, then its cases. */
static inline void
vec_cmp_file(struct vec_cmp *c, const json_t *want, const json_t *got)
{
	const json_t *wc = json_object_get(want, "cases");
	const json_t *gc = json_object_get(got, "cases");
	const char *k;
	const json_t *v;

	if (!json_is_object(want) || !json_is_array(wc) ||
	    !json_is_array(gc)) {
		vec_fail(c->vc, "not a vector file (an object with cases)");
		return;
	}
	json_object_foreach((json_t *)(uintptr_t)want, k, v) {
		if (strcmp(k, "cases") != 0) {
			vec_cmp_push(c, k, 0);
			vec_cmp_node(c, v, json_object_get(got, k), 0);
			c->path[0] = '\0';
		}
	}
	json_object_foreach((json_t *)(uintptr_t)got, k, v) {
		if (json_object_get(want, k) == NULL) {
			vec_cmp_push(c, k, 0);
			vec_cmp_node(c, NULL, v, 0);
			c->path[0] = '\0';
		}
	}
	vec_cmp_cases(c, wc, gc);
}

/* Loads the recorded file called name (a new reference), or NULL. */
typedef json_t *(*vec_load_fn)(void *arg, const char *name);

/*
 * Checks file, the parsed record of the file that def describes: rebuilds
 * every case from its recorded input and compares every value of the
 * record with the rebuild, then runs def's cross-check on the file that
 * load(arg, def->other) gives. Each difference and each failed
 * cross-check goes to vc, named by its case and path, and so does a file
 * with no recorded output value; t counts the recorded output values
 * compared and those reproduced (it is added to, not cleared).
 */
static inline void
vec_check_file(struct vec_ctx *vc, const struct vec_file_def *def,
    const json_t *file, vec_load_fn load, void *arg, struct vec_tally *t)
{
	json_t *in = vec_inputs_of(file), *got, *other;
	size_t before = t->checked;
	struct vec_cmp c;

	memset(&c, 0, sizeof(c));
	c.vc = vc;
	c.t = t;
	got = def->build(vc, in);
	vec_cmp_file(&c, file, got);
	VEC_CHECK(vc, t->checked > before, "no recorded value to check");
	if (def->cross != NULL) {
		other = load(arg, def->other);
		VEC_CHECK(vc, other != NULL, "%s, needed to check this file, "
		    "is missing", def->other);
		if (other != NULL) {
			def->cross(vc, file, other);
		}
		json_decref(other);
	}
	json_decref(got);
	json_decref(in);
}

#endif
