/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Option tables: defaults, the INI file (libinih) and the command line. */
#include "service/config.h"

#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"

/* Where an option's current value came from. */
enum source {
	SRC_DEFAULT,
	SRC_FILE,
	SRC_CLI
};

struct loader {
	const struct config_option *opts;
	size_t n;
	void *cfg;
	unsigned char *src; /* enum source of each option */
	const char *file;   /* --config FILE, or NULL */
	int print;          /* --print-config seen */
	FILE *f;            /* the file being parsed */
	int lineno;         /* lines read so far, as libinih counts them */
	int err;            /* first error found while parsing, */
	int err_line;       /* ... its line */
	char why[256];      /* ... and its sentence */
};

struct unit {
	const char *name;
	uint64_t mult;
};

static const struct unit duration_units[] = {
	{ "", 1000 },
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24 * 60 * 60 * 1000 },
};

static const struct unit size_units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "k", 1ULL << 10 },
	{ "K", 1ULL << 10 },
	{ "KiB", 1ULL << 10 },
	{ "M", 1ULL << 20 },
	{ "MiB", 1ULL << 20 },
	{ "G", 1ULL << 30 },
	{ "GiB", 1ULL << 30 },
	{ "T", 1ULL << 40 },
	{ "TiB", 1ULL << 40 },
};

#define NUNITS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const reserved[] = { "config", "help", "version",
	"print-config" };

/* ------------------------------------------------------------------ */
/* Value parsers. */

/* Reads the decimal digits at *s into *v and moves *s past them. */
static int
digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0, d;

	if (*p < '0' || *p > '9') {
		return ERR_INVALID;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		d = (uint64_t)(*p - '0');
		if (x > (UINT64_MAX - d) / 10) {
			return ERR_INVALID;
		}
		x = x * 10 + d;
	}
	*s = p;
	*v = x;
	return 0;
}

/* Digits and a unit from tab, multiplied, at most max. */
static int
number_with_unit(const char *s, const struct unit *tab, size_t n,
    uint64_t max, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	*out = 0;
	if (digits(&s, &x) != 0) {
		return ERR_INVALID;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(s, tab[i].name) == 0) {
			if (x > max / tab[i].mult) {
				return ERR_INVALID;
			}
			*out = x * tab[i].mult;
			return 0;
		}
	}
	return ERR_INVALID;
}

int
config_parse_int(const char *s, int64_t *out)
{
	uint64_t x = 0;
	int neg = *s == '-';

	*out = 0;
	if (neg) {
		s++;
	}
	if (digits(&s, &x) != 0 || *s != '\0') {
		return ERR_INVALID;
	}
	if (neg && x > (uint64_t)INT64_MAX + 1) {
		return ERR_INVALID;
	}
	if (!neg && x > (uint64_t)INT64_MAX) {
		return ERR_INVALID;
	}
	if (neg) {
		/* -(x - 1) - 1 stays in range for x == 2^63. */
		*out = -(int64_t)(x - 1) - 1;
	} else {
		*out = (int64_t)x;
	}
	return 0;
}

int
config_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	*out = 0;
	for (i = 0; i < NUNITS(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			return 0;
		}
	}
	return ERR_INVALID;
}

int
config_parse_duration(const char *s, int64_t *out)
{
	uint64_t ms = 0;
	int r;

	r = number_with_unit(s, duration_units, NUNITS(duration_units),
	    (uint64_t)INT64_MAX, &ms);
	*out = (int64_t)ms;
	return r;
}

int
config_parse_size(const char *s, uint64_t *out)
{
	return number_with_unit(s, size_units, NUNITS(size_units), UINT64_MAX,
	    out);
}

/* ------------------------------------------------------------------ */
/* Value formatting, the inverse of the parsers. */

static void
fmt_duration(char *buf, size_t cap, int64_t ms)
{
	size_t i;

	/* Largest unit first: d, h, m, s. */
	for (i = NUNITS(duration_units) - 1; i >= 2; i--) {
		if (ms != 0 && ms % (int64_t)duration_units[i].mult == 0) {
			snprintf(buf, cap, "%" PRId64 "%s",
			    ms / (int64_t)duration_units[i].mult,
			    duration_units[i].name);
			return;
		}
	}
	if (ms == 0) {
		snprintf(buf, cap, "0");
	} else {
		snprintf(buf, cap, "%" PRId64 "ms", ms);
	}
}

static void
fmt_size(char *buf, size_t cap, uint64_t v)
{
	static const struct unit u[] = { { "TiB", 1ULL << 40 },
		{ "GiB", 1ULL << 30 }, { "MiB", 1ULL << 20 },
		{ "KiB", 1ULL << 10 } };
	size_t i;

	for (i = 0; i < NUNITS(u); i++) {
		if (v != 0 && v % u[i].mult == 0) {
			snprintf(buf, cap, "%" PRIu64 "%s", v / u[i].mult,
			    u[i].name);
			return;
		}
	}
	snprintf(buf, cap, "%" PRIu64, v);
}

/* A number of o's type in its own syntax. */
static void
fmt_number(char *buf, size_t cap, const struct config_option *o,
    int64_t v)
{
	if (o->type == CONFIG_DURATION) {
		fmt_duration(buf, cap, v);
	} else if (o->type == CONFIG_SIZE) {
		fmt_size(buf, cap, (uint64_t)v);
	} else {
		snprintf(buf, cap, "%" PRId64, v);
	}
}

/* ------------------------------------------------------------------ */
/* Fields of the caller's struct. */

static void *
field(void *cfg, const struct config_option *o)
{
	return (char *)cfg + o->offset;
}

static const void *
cfield(const void *cfg, const struct config_option *o)
{
	return (const char *)cfg + o->offset;
}

static void
list_clear(struct config_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static char *
dup_str(const char *s)
{
	size_t len = strlen(s) + 1;
	char *d;

	if ((d = mem_alloc(len)) != NULL) {
		memcpy(d, s, len);
	}
	return d;
}

static int
list_add(struct config_list *l, const char *s)
{
	char **v, *d;

	if ((d = dup_str(s)) == NULL) {
		return ERR_NOMEM;
	}
	if ((v = mem_alloc((l->n + 1) * sizeof(*v))) == NULL) {
		free(d);
		return ERR_NOMEM;
	}
	if (l->n > 0) {
		memcpy(v, l->v, l->n * sizeof(*v));
	}
	v[l->n] = d;
	free(l->v);
	l->v = v;
	l->n++;
	return 0;
}

/* Sets every field opts names to zero, NULL or the empty list, without
 * freeing: cfg may be uninitialised. */
static void
zero_fields(const struct config_option *opts, size_t n, void *cfg)
{
	static const struct config_list empty;
	char **s;
	struct config_list *l;
	int *b;
	int64_t *v;
	size_t i;

	for (i = 0; i < n; i++) {
		switch (opts[i].type) {
		case CONFIG_STRING:
			s = field(cfg, &opts[i]);
			*s = NULL;
			break;
		case CONFIG_LIST:
			l = field(cfg, &opts[i]);
			*l = empty;
			break;
		case CONFIG_BOOL:
			b = field(cfg, &opts[i]);
			*b = 0;
			break;
		default: /* int64_t, or uint64_t of the same size */
			v = field(cfg, &opts[i]);
			*v = 0;
			break;
		}
	}
}

void
config_free(const struct config_option *opts, size_t n, void *cfg)
{
	char **s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (opts[i].type == CONFIG_STRING) {
			s = field(cfg, &opts[i]);
			free(*s);
		} else if (opts[i].type == CONFIG_LIST) {
			list_clear(field(cfg, &opts[i]));
		}
	}
	zero_fields(opts, n, cfg);
}

/* Parses a number of o's type into its field, checking its bounds. */
static int
set_number(const struct config_option *o, void *p, const char *val,
    char *why, size_t cap)
{
	const char *what;
	char lo[32], hi[32];
	int64_t v = 0;
	uint64_t u = 0;
	int r, out;

	if (o->type == CONFIG_INT) {
		r = config_parse_int(val, &v);
		what = "an integer";
	} else if (o->type == CONFIG_DURATION) {
		r = config_parse_duration(val, &v);
		what = "a duration (e.g. 500ms, 10s, 15m, 2h, 30d)";
	} else {
		r = config_parse_size(val, &u);
		what = "a size (e.g. 512, 64KiB, 1MiB, 2GiB)";
		/* Sizes past INT64_MAX only pass unbounded options. */
		v = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
	}
	if (r != 0) {
		snprintf(why, cap, "'%s' is not %s", val, what);
		return ERR_CONFIG;
	}
	out = (o->min != 0 || o->max != 0) &&
	    (v < o->min || v > o->max || u > (uint64_t)INT64_MAX);
	if (out) {
		fmt_number(lo, sizeof(lo), o, o->min);
		fmt_number(hi, sizeof(hi), o, o->max);
		snprintf(why, cap, "'%s' is out of range (%s to %s)", val, lo,
		    hi);
		return ERR_CONFIG;
	}
	if (o->type == CONFIG_SIZE) {
		memcpy(p, &u, sizeof(u));
	} else {
		memcpy(p, &v, sizeof(v));
	}
	return 0;
}

/* Sets option i from the text val, which came from src. Returns 0,
 * ERR_NOMEM, or ERR_CONFIG with the reason in why. */
static int
set_value(struct loader *ld, size_t i, const char *val, enum source src,
    char *why, size_t cap)
{
	const struct config_option *o = &ld->opts[i];
	void *p = field(ld->cfg, o);
	char **s = p, *d;
	int b = 0;

	switch (o->type) {
	case CONFIG_STRING:
		if ((d = dup_str(val)) == NULL) {
			return ERR_NOMEM;
		}
		free(*s);
		*s = d;
		break;
	case CONFIG_LIST:
		/* The first value from a later source replaces the list. */
		if (ld->src[i] != src) {
			list_clear(p);
		}
		ld->src[i] = (unsigned char)src;
		return list_add(p, val);
	case CONFIG_BOOL:
		if (config_parse_bool(val, &b) != 0) {
			snprintf(why, cap,
			    "'%s' is not a boolean (yes/no, true/false, "
			    "on/off, 1/0)",
			    val);
			return ERR_CONFIG;
		}
		memcpy(p, &b, sizeof(b));
		break;
	default:
		return set_number(o, p, val, why, cap);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Loading. */

/* A table that contradicts itself is a bug: fail at the first load. */
static void
validate(const struct config_option *opts, size_t n)
{
	const struct config_option *o;
	size_t i, j;

	for (i = 0; i < n; i++) {
		o = &opts[i];
		PANIC_IF(o->section == NULL || o->key == NULL);
		PANIC_IF(o->key[0] == '\0' || strchr(o->key, '=') != NULL);
		PANIC_IF((unsigned)o->type > (unsigned)CONFIG_SIZE);
		PANIC_IF(o->min > o->max);
		PANIC_IF(o->type == CONFIG_SIZE && o->min < 0);
		for (j = 0; j < NUNITS(reserved); j++) {
			PANIC_IF(strcmp(o->key, reserved[j]) == 0);
		}
		for (j = 0; j < i; j++) {
			PANIC_IF(strcmp(opts[j].key, o->key) == 0);
		}
	}
}

static int
apply_defaults(struct loader *ld)
{
	char why[256];
	size_t i;
	int r;

	for (i = 0; i < ld->n; i++) {
		if (ld->opts[i].def == NULL) {
			continue;
		}
		r = set_value(ld, i, ld->opts[i].def, SRC_DEFAULT, why,
		    sizeof(why));
		/* A default that does not parse is a bug in the table. */
		PANIC_IF(r == ERR_CONFIG);
		if (r != 0) {
			return r;
		}
	}
	return 0;
}

/* libinih's handler: 1 to go on, 0 for an error on the current line. */
static int
on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	const struct config_option *o;
	size_t i;
	int r;

	if (ld->err != 0) {
		return 1; /* the first error is the one reported */
	}
	ld->err_line = ld->lineno;
	for (i = 0; i < ld->n; i++) {
		o = &ld->opts[i];
		if (strcmp(o->section, section) == 0 &&
		    strcmp(o->key, name) == 0) {
			break;
		}
	}
	if (i == ld->n) {
		snprintf(ld->why, sizeof(ld->why), "unknown key '%s' %s%s%s",
		    name, section[0] != '\0' ? "in [" : "before any [section]",
		    section, section[0] != '\0' ? "]" : "");
		ld->err = ERR_CONFIG;
		return 0;
	}
	if (o->type != CONFIG_LIST && ld->src[i] == SRC_FILE) {
		snprintf(ld->why, sizeof(ld->why),
		    "'%s'%s%s%s is given a second time", name,
		    section[0] != '\0' ? " in [" : "", section,
		    section[0] != '\0' ? "]" : "");
		ld->err = ERR_CONFIG;
		return 0;
	}
	r = set_value(ld, i, value, SRC_FILE, ld->why, sizeof(ld->why));
	if (r != 0) {
		ld->err = r;
		if (r == ERR_NOMEM) {
			snprintf(ld->why, sizeof(ld->why), "out of memory");
		}
		return 0;
	}
	ld->src[i] = SRC_FILE;
	return 1;
}

/*
 * libinih's fgets-style reader. It counts lines the way libinih does (one
 * per call), so a handler error knows its line, and it refuses a line too
 * long for libinih's buffer instead of letting it be split in two.
 */
static char *
read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t len;

	if (fgets(str, num, ld->f) == NULL) {
		return NULL;
	}
	ld->lineno++;
	len = strlen(str);
	if (len > 0 && str[len - 1] != '\n' && !feof(ld->f)) {
		if (ld->err == 0) {
			ld->err = ERR_CONFIG;
			ld->err_line = ld->lineno;
			snprintf(ld->why, sizeof(ld->why),
			    "line is longer than %d characters", num - 2);
		}
		return NULL;
	}
	return str;
}

static int
load_file(struct loader *ld)
{
	struct stat sb;
	int line;

	if ((ld->f = fopen(ld->file, "r")) == NULL) {
		log_err("config: cannot read %s: %s", ld->file,
		    strerror(errno));
		return ERR_CONFIG;
	}
	if (fstat(fileno(ld->f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		log_err("config: %s is not a regular file", ld->file);
		fclose(ld->f);
		return ERR_CONFIG;
	}
	line = ini_parse_stream(read_line, ld, on_ini, ld);
	if (line == 0 && ferror(ld->f)) {
		line = -1;
	}
	fclose(ld->f);
	ld->f = NULL;
	if (ld->err != 0 && (line <= 0 || ld->err_line <= line)) {
		log_err("config: %s:%d: %s", ld->file, ld->err_line, ld->why);
		return ld->err;
	}
	if (line == 0) {
		return 0;
	}
	if (line < 0) {
		log_err("config: cannot read %s", ld->file);
		return line == -2 ? ERR_NOMEM : ERR_CONFIG;
	}
	log_err("config: %s:%d: syntax error: want 'key = value' or "
		"'[section]'",
	    ld->file, line);
	return ERR_CONFIG;
}

/* The option whose key is name[0..len), or ld->n. */
static size_t
find_key(const struct loader *ld, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ld->n; i++) {
		if (strlen(ld->opts[i].key) == len &&
		    strncmp(ld->opts[i].key, name, len) == 0) {
			return i;
		}
	}
	return ld->n;
}

static int
is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(name, word, len) == 0;
}

/* The built-in options: 0 and *handled = 1 if name is one (a positive
 * CONFIG_* to stop), else 0 and *handled = 0. */
static int
builtin(struct loader *ld, const char *name, size_t len, const char *val,
    int apply, int *handled)
{
	*handled = 1;
	if (is(name, len, "config")) {
		if (!apply && ld->file != NULL) {
			log_err("config: --config is given twice");
			return ERR_CONFIG;
		}
		ld->file = val;
		return 0;
	}
	if (val != NULL &&
	    (is(name, len, "help") || is(name, len, "version") ||
		is(name, len, "print-config"))) {
		log_err("config: option --%.*s takes no value", (int)len, name);
		return ERR_CONFIG;
	}
	if (is(name, len, "help")) {
		return CONFIG_HELP;
	}
	if (is(name, len, "version")) {
		return CONFIG_VERSION;
	}
	if (is(name, len, "print-config")) {
		ld->print = 1;
		return 0;
	}
	*handled = 0;
	return 0;
}

/* Handles the option at argv[*i] ("--" + name[0..len), then "=val" if
 * val is not NULL) and moves *i past it and its value. */
static int
one_option(struct loader *ld, int argc, char **argv, int *i,
    const char *name, size_t len, const char *val, int apply)
{
	const struct config_option *o;
	char why[256];
	size_t k;
	int r, handled = 0;

	k = find_key(ld, name, len);
	if (k < ld->n && ld->opts[k].type == CONFIG_BOOL && val == NULL) {
		val = "yes";
	} else if (val == NULL && (k < ld->n || is(name, len, "config"))) {
		if (*i + 1 >= argc) {
			log_err("config: option --%.*s needs a value", (int)len,
			    name);
			return ERR_CONFIG;
		}
		val = argv[++*i];
	}
	(*i)++;
	if ((r = builtin(ld, name, len, val, apply, &handled)) != 0 ||
	    handled) {
		return r;
	}
	if (k == ld->n) {
		log_err("config: unknown option '--%.*s'", (int)len, name);
		return ERR_CONFIG;
	}
	if (!apply) {
		return 0;
	}
	o = &ld->opts[k];
	if ((r = set_value(ld, k, val, SRC_CLI, why, sizeof(why))) ==
	    ERR_CONFIG) {
		log_err("config: --%s: %s", o->key, why);
	} else if (r != 0) {
		log_err_r(r, "config: --%s", o->key);
	}
	ld->src[k] = SRC_CLI;
	return r;
}

/* One pass over argv: the first (apply = 0) checks every name and finds
 * the built-ins, the second sets values, after the file's. */
static int
scan_args(struct loader *ld, int argc, char **argv, int apply, int *argi)
{
	const char *a, *eq;
	size_t len;
	int i = 1, r;

	while (i < argc) {
		a = argv[i];
		if (a[0] != '-' || a[1] == '\0') {
			break;
		}
		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(a, "-h") == 0) {
			*argi = i + 1;
			return CONFIG_HELP;
		}
		if (a[1] != '-') {
			log_err("config: unknown option '%s'", a);
			return ERR_CONFIG;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		r = one_option(ld, argc, argv, &i, a, len,
		    eq != NULL ? eq + 1 : NULL, apply);
		if (r != 0) {
			*argi = i;
			return r;
		}
	}
	*argi = i;
	return 0;
}

int
config_load(const struct config_option *opts, size_t n, void *cfg,
    int argc, char **argv, int *argi)
{
	struct loader ld;
	int r = ERR_INTERNAL;

	*argi = argc;
	validate(opts, n);
	memset(&ld, 0, sizeof(ld));
	ld.opts = opts;
	ld.n = n;
	ld.cfg = cfg;
	/* cfg may be uninitialised: zero, never free, what it holds. */
	zero_fields(opts, n, cfg);
	if ((ld.src = mem_zalloc(n + 1)) == NULL) {
		r = ERR_NOMEM;
		log_err_r(r, "config");
		goto out;
	}
	if ((r = apply_defaults(&ld)) != 0) {
		log_err_r(r, "config: defaults");
		goto out;
	}
	if ((r = scan_args(&ld, argc, argv, 0, argi)) != 0 ||
	    (ld.file != NULL && (r = load_file(&ld)) != 0) ||
	    (r = scan_args(&ld, argc, argv, 1, argi)) != 0) {
		goto out;
	}
	r = ld.print ? CONFIG_PRINT : CONFIG_OK;
out:
	free(ld.src);
	if (r < 0) {
		config_free(opts, n, cfg);
	}
	return r;
}

/* ------------------------------------------------------------------ */
/* Output. */

/* 1 if no option before i is in opts[i]'s section. */
static int
first_of_section(const struct config_option *opts, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++) {
		if (strcmp(opts[j].section, opts[i].section) == 0) {
			return 0;
		}
	}
	return 1;
}

static void
print_option(FILE *f, const struct config_option *o, const void *cfg)
{
	const void *p = cfield(cfg, o);
	const struct config_list *l = p;
	char *const *s = p;
	char buf[32];
	int64_t v = 0;
	int b = 0;
	size_t i;

	switch (o->type) {
	case CONFIG_STRING:
		if (*s == NULL) {
			fprintf(f, "# %s =\n", o->key);
		} else {
			fprintf(f, "%s = %s\n", o->key, *s);
		}
		return;
	case CONFIG_LIST:
		if (l->n == 0) {
			fprintf(f, "# %s =\n", o->key);
		}
		for (i = 0; i < l->n; i++) {
			fprintf(f, "%s = %s\n", o->key, l->v[i]);
		}
		return;
	case CONFIG_BOOL:
		memcpy(&b, p, sizeof(b));
		fprintf(f, "%s = %s\n", o->key, b ? "yes" : "no");
		return;
	default:
		memcpy(&v, p, sizeof(v)); /* a SIZE's bits, as fmt_number */
		fmt_number(buf, sizeof(buf), o, v);
		fprintf(f, "%s = %s\n", o->key, buf);
		return;
	}
}

void
config_print(FILE *f, const struct config_option *opts, size_t n,
    const void *cfg)
{
	size_t i, j;

	/* Keys of section "" must come before any [section] line. */
	for (i = 0; i < n; i++) {
		if (opts[i].section[0] == '\0') {
			print_option(f, &opts[i], cfg);
		}
	}
	for (i = 0; i < n; i++) {
		if (opts[i].section[0] == '\0' || !first_of_section(opts, i)) {
			continue;
		}
		fprintf(f, "\n[%s]\n", opts[i].section);
		for (j = i; j < n; j++) {
			if (strcmp(opts[j].section, opts[i].section) == 0) {
				print_option(f, &opts[j], cfg);
			}
		}
	}
}

/* "  --key=ARG" padded to a column, then help and default. */
static void
usage_line(FILE *f, const char *key, const char *arg, int opt_arg,
    const char *help, const char *def)
{
	char left[128];
	int w;

	if (arg == NULL) {
		snprintf(left, sizeof(left), "  --%s", key);
	} else {
		snprintf(left, sizeof(left), "  --%s%s=%s%s", key,
		    opt_arg ? "[" : "", arg, opt_arg ? "]" : "");
	}
	w = (int)strlen(left);
	fprintf(f, "%s%*s", left, w < 28 ? 28 - w : 0, "");
	if (w >= 28) {
		fprintf(f, "\n%28s", "");
	}
	fprintf(f, "%s", help != NULL ? help : "");
	if (def != NULL) {
		fprintf(f, " [default: %s]", def);
	}
	fprintf(f, "\n");
}

static void
usage_option(FILE *f, const struct config_option *o)
{
	static const char *const args[] = { "STRING", "STRING", "N",
		"yes|no", "DURATION", "SIZE" };
	static const char *const zero[] = { NULL, NULL, "0", "no", "0",
		"0" };
	char help[256];

	snprintf(help, sizeof(help), "%s%s", o->help != NULL ? o->help : "",
	    o->type == CONFIG_LIST ? " (repeatable)" : "");
	usage_line(f, o->key, o->arg != NULL ? o->arg : args[o->type],
	    o->type == CONFIG_BOOL, help,
	    o->def != NULL ? o->def : zero[o->type]);
}

void
config_usage(FILE *f, const char *prog, const char *synopsis,
    const struct config_option *opts, size_t n)
{
	size_t i, j;

	fprintf(f, "usage: %s [OPTION]...%s%s\n\nOptions:\n", prog,
	    synopsis != NULL ? " " : "", synopsis != NULL ? synopsis : "");
	usage_line(f, "config", "FILE", 0,
	    "read settings from an INI file; options given here override it",
	    NULL);
	usage_line(f, "print-config", NULL, 0,
	    "print the effective configuration as INI and exit", NULL);
	usage_line(f, "help", NULL, 0, "show this help and exit", NULL);
	usage_line(f, "version", NULL, 0, "show the version and exit", NULL);
	for (i = 0; i < n; i++) {
		if (!first_of_section(opts, i)) {
			continue;
		}
		if (opts[i].section[0] != '\0') {
			fprintf(f, "\n[%s]\n", opts[i].section);
		} else {
			fprintf(f, "\nOutside any [section]:\n");
		}
		for (j = i; j < n; j++) {
			if (strcmp(opts[j].section, opts[i].section) == 0) {
				usage_option(f, &opts[j]);
			}
		}
	}
}
