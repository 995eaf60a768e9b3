/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* gen_vectors DIR: writes the JSON test vectors of docs/PROTOCOL.md into
 * DIR, deterministically (seeded RNGs only), after cross-checking them. */
#include "tests/vectors/vec_basic.h"
#include "tests/vectors/vec_ratchet.h"

#include <errno.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What a named case must give, checked once its file is built. */
struct expect {
	const char *name;
	const char *field; /* "error" or "result" */
	int err;
};

/* A published value: out[field] of case name. */
struct published {
	const char *name;
	const char *field;
	const char *want;
};

static struct expect expects[128];
static size_t nexpects;

/* Fixed inputs: SHA-256("Sealpost-v1 vectors " label). */
static void
seed_of(uint8_t out[static 32], const char *label)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "Sealpost-v1 vectors %s", label);
	crypto_hash_sha256(out, (const uint8_t *)buf, strlen(buf));
}

static void
put_seed(json_t *o, const char *k, const char *label)
{
	uint8_t s[32];

	seed_of(s, label);
	vec_put_hex(o, k, s, 32);
}

static void
put_text(json_t *o, const char *k, const char *s)
{
	vec_put_hex(o, k, (const uint8_t *)s, strlen(s));
}

static json_t *
input(const char *type)
{
	json_t *in = vec_obj();

	vec_put_str(in, "type", type);
	return in;
}

static void
add(json_t *cases, const char *name, json_t *in)
{
	vec_push(cases, vec_in_case(name, in));
}

static void
expect(const char *name, const char *field, int err)
{
	PANIC_IF(nexpects == NELEM(expects));
	expects[nexpects].name = name;
	expects[nexpects].field = field;
	expects[nexpects].err = err;
	nexpects++;
}

/* A negative case that must fail with want. */
static json_t *
neg(json_t *cases, const char *name, const char *base, const char *target,
    json_t *mut, int want)
{
	json_t *c = vec_neg_case(name, base, target, mut);

	vec_push(cases, c);
	expect(name, "error", want);
	return json_object_get(c, "input");
}

/* Checks every expectation on a built file, then forgets them. */
static void
check_expects(struct vec_ctx *vc, const json_t *file)
{
	const json_t *cases = json_object_get(file, "cases"), *c, *v;
	size_t i;

	for (i = 0; i < nexpects; i++) {
		c = vec_find_case(vc, cases, expects[i].name);
		if (c == NULL) {
			continue;
		}
		v = json_object_get(json_object_get(c, "output"),
		    expects[i].field);
		VEC_CHECK(vc, json_is_string(v) &&
			strcmp(json_string_value(v), expects[i].err == 0 ?
				"ok" : err_name(expects[i].err)) == 0,
		    "%s: want %s", expects[i].name, err_name(expects[i].err));
	}
	nexpects = 0;
}

/* out[field] of case name must be the hex or text want. */
static void
check_value(struct vec_ctx *vc, const json_t *file, const char *name,
    const char *field, const char *want)
{
	const json_t *c = vec_find_case(vc, json_object_get(file, "cases"),
	    name);
	const json_t *v = json_object_get(json_object_get(c, "output"), field);

	VEC_CHECK(vc,
	    json_is_string(v) && strcmp(json_string_value(v), want) == 0,
	    "%s.%s is not the published value", name, field);
}

#include "tests/vectors/gen_inputs.h"

static int
write_file(const char *dir, const json_t *file)
{
	const char *name = json_string_value(json_object_get(file, "file"));
	char path[4096];
	char *s;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = json_dumps(file, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s == NULL || (f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "gen_vectors: %s: %s\n", path,
		    s == NULL ? "cannot encode" : strerror(errno));
		free(s);
		return -1;
	}
	ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
	ok = fclose(f) == 0 && ok;
	free(s);
	if (!ok) {
		fprintf(stderr, "gen_vectors: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct vec_ctx vc;
	json_t *files[10];
	size_t n = 0, i;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_vectors DIR\n");
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "gen_vectors: sodium_init failed\n");
		return 1;
	}
	vec_ctx_init(&vc, NULL, NULL); /* failures go to stderr */
	n = build_all(&vc, files);
	if (vc.errors != 0) {
		fprintf(stderr, "gen_vectors: %lu cross-check(s) failed; "
				"nothing written\n",
		    vc.errors);
		rc = 1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && write_file(argv[1], files[i]) != 0) {
			rc = 1;
		}
		json_decref(files[i]);
	}
	return rc;
}
