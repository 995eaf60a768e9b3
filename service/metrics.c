/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Prometheus registry: families (one per name) holding label sets; values
 * are C11 atomics so updates never take the registration lock. */
#include "service/metrics.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"
#include "common/mem.h"

enum kind {
	KIND_COUNTER,
	KIND_GAUGE,
	KIND_GAUGE_FN,
};

struct metric {
	struct metric *next;
	enum kind kind;
	char *labels; /* NULL: no labels */
	atomic_uint_least64_t count;
	atomic_int_least64_t gauge;
	int64_t (*fn)(void *);
	void *arg;
};

struct family {
	struct family *next;
	char *name;
	char *help;
	enum kind kind; /* KIND_GAUGE_FN renders as a gauge */
	struct metric *first;
	struct metric *last;
};

struct metrics {
	pthread_mutex_t lock;
	struct family *first;
	struct family *last;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m;

	if ((m = mem_zalloc(sizeof(*m))) == NULL) {
		return NULL;
	}
	if (pthread_mutex_init(&m->lock, NULL) != 0) {
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	struct family *f, *fnext;
	struct metric *x, *xnext;

	if (m == NULL) {
		return;
	}
	for (f = m->first; f != NULL; f = fnext) {
		fnext = f->next;
		for (x = f->first; x != NULL; x = xnext) {
			xnext = x->next;
			free(x->labels);
			free(x);
		}
		free(f->name);
		free(f->help);
		free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static char *
dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d;

	if ((d = mem_alloc(n)) != NULL) {
		memcpy(d, s, n);
	}
	return d;
}

static int
valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > METRICS_NAME_MAX) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == ':';

		if (!alpha && !(i > 0 && c >= '0' && c <= '9')) {
			return 0;
		}
	}
	return 1;
}

/* Labels are preformatted by the caller; refuse what would break the line
 * structure of the exposition format. */
static int
valid_labels(const char *labels)
{
	size_t n;

	if (labels == NULL) {
		return 1;
	}
	n = strlen(labels);
	return n > 0 && n <= METRICS_LABELS_MAX &&
	    strpbrk(labels, "\n{}") == NULL;
}

static int
same_labels(const char *a, const char *b)
{
	if (a == NULL || b == NULL) {
		return a == b;
	}
	return strcmp(a, b) == 0;
}

static struct family *
find_family(struct metrics *m, const char *name)
{
	struct family *f;

	for (f = m->first; f != NULL; f = f->next) {
		if (strcmp(f->name, name) == 0) {
			return f;
		}
	}
	return NULL;
}

static struct family *
add_family(struct metrics *m, const char *name, const char *help,
    enum kind kind)
{
	struct family *f;

	if ((f = mem_zalloc(sizeof(*f))) == NULL) {
		return NULL;
	}
	f->kind = kind;
	if ((f->name = dup_str(name)) == NULL ||
	    (f->help = dup_str(help)) == NULL) {
		free(f->name);
		free(f);
		return NULL;
	}
	if (m->last != NULL) {
		m->last->next = f;
	} else {
		m->first = f;
	}
	m->last = f;
	return f;
}

static struct metric *
add_metric(struct family *f, const char *labels, enum kind kind)
{
	struct metric *x;

	if ((x = mem_zalloc(sizeof(*x))) == NULL) {
		return NULL;
	}
	x->kind = kind;
	atomic_init(&x->count, 0);
	atomic_init(&x->gauge, 0);
	if (labels != NULL && (x->labels = dup_str(labels)) == NULL) {
		free(x);
		return NULL;
	}
	if (f->last != NULL) {
		f->last->next = x;
	} else {
		f->first = x;
	}
	f->last = x;
	return x;
}

/* Gauges and scrape-time gauges may share a name: both render as gauge. */
static int
compatible(enum kind a, enum kind b)
{
	return a == b || (a != KIND_COUNTER && b != KIND_COUNTER);
}

static struct metric *
reg(struct metrics *m, const char *name, const char *labels,
    const char *help, enum kind kind, int64_t (*fn)(void *), void *arg)
{
	struct family *f;
	struct metric *x = NULL;

	if (!valid_name(name) || !valid_labels(labels)) {
		log_err("invalid metric %s", name);
		return NULL;
	}
	pthread_mutex_lock(&m->lock);
	if ((f = find_family(m, name)) == NULL) {
		f = add_family(m, name, help, kind);
	} else if (!compatible(f->kind, kind)) {
		log_err("metric %s registered with another type", name);
		goto out;
	}
	if (f == NULL) {
		goto out;
	}
	for (x = f->first; x != NULL; x = x->next) {
		if (same_labels(x->labels, labels)) {
			if (x->kind != kind) {
				log_err("metric %s registered twice with "
				    "another type", name);
				x = NULL;
			}
			goto out;
		}
	}
	if ((x = add_metric(f, labels, kind)) != NULL) {
		x->fn = fn;
		x->arg = arg;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return x;
}

struct metric *
metrics_counter(struct metrics *m, const char *name, const char *labels,
    const char *help)
{
	return reg(m, name, labels, help, KIND_COUNTER, NULL, NULL);
}

struct metric *
metrics_gauge(struct metrics *m, const char *name, const char *labels,
    const char *help)
{
	return reg(m, name, labels, help, KIND_GAUGE, NULL, NULL);
}

struct metric *
metrics_gauge_fn(struct metrics *m, const char *name, const char *labels,
    const char *help, int64_t (*fn)(void *arg), void *arg)
{
	return reg(m, name, labels, help, KIND_GAUGE_FN, fn, arg);
}

void
metric_add(struct metric *c, uint64_t n)
{
	if (c == NULL) {
		return;
	}
	PANIC_IF(c->kind != KIND_COUNTER);
	atomic_fetch_add_explicit(&c->count, n, memory_order_relaxed);
}

void
metric_set(struct metric *g, int64_t v)
{
	if (g == NULL) {
		return;
	}
	PANIC_IF(g->kind != KIND_GAUGE);
	atomic_store_explicit(&g->gauge, v, memory_order_relaxed);
}

void
metric_gauge_add(struct metric *g, int64_t delta)
{
	if (g == NULL) {
		return;
	}
	PANIC_IF(g->kind != KIND_GAUGE);
	atomic_fetch_add_explicit(&g->gauge, delta, memory_order_relaxed);
}

int64_t
metric_value(struct metric *x)
{
	uint64_t c;

	if (x == NULL) {
		return 0;
	}
	switch (x->kind) {
	case KIND_COUNTER:
		c = atomic_load_explicit(&x->count, memory_order_relaxed);
		return c > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)c;
	case KIND_GAUGE:
		return atomic_load_explicit(&x->gauge, memory_order_relaxed);
	case KIND_GAUGE_FN:
		return x->fn(x->arg);
	}
	return 0;
}

/* A growing output buffer with a sticky error. */
struct sbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;
};

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->err != 0) {
		return;
	}
	if (n >= b->cap - b->len) {
		ncap = b->cap > 0 ? b->cap : 1024;
		while (n >= ncap - b->len) {
			ncap *= 2;
		}
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* HELP text escapes backslash and newline (exposition format 0.0.4). */
static void
sb_help(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\') {
			sb_str(b, "\\\\");
		} else if (*s == '\n') {
			sb_str(b, "\\n");
		} else {
			sb_put(b, s, 1);
		}
	}
}

static void
render_sample(struct sbuf *b, const char *name, struct metric *x)
{
	char num[32];

	sb_str(b, name);
	if (x->labels != NULL) {
		sb_str(b, "{");
		sb_str(b, x->labels);
		sb_str(b, "}");
	}
	if (x->kind == KIND_COUNTER) {
		snprintf(num, sizeof(num), " %" PRIu64 "\n",
		    (uint64_t)atomic_load_explicit(&x->count,
			memory_order_relaxed));
	} else {
		snprintf(num, sizeof(num), " %" PRId64 "\n",
		    metric_value(x));
	}
	sb_str(b, num);
}

int
metrics_render(struct metrics *m, char **out, size_t *len)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	struct family *f;
	struct metric *x;

	*out = NULL;
	*len = 0;
	sb_put(&b, "", 0);
	pthread_mutex_lock(&m->lock);
	for (f = m->first; f != NULL; f = f->next) {
		sb_str(&b, "# HELP ");
		sb_str(&b, f->name);
		sb_str(&b, " ");
		sb_help(&b, f->help);
		sb_str(&b, "\n# TYPE ");
		sb_str(&b, f->name);
		sb_str(&b, f->kind == KIND_COUNTER ? " counter\n" :
						     " gauge\n");
		for (x = f->first; x != NULL; x = x->next) {
			render_sample(&b, f->name, x);
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (b.err != 0 || b.p == NULL) {
		free(b.p);
		return ERR_NOMEM;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
