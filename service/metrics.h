/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* A tiny Prometheus registry: counters, gauges and scrape-time gauges,
 * rendered in the text exposition format (version 0.0.4). */
#ifndef SEALPOST_METRICS_H
#define SEALPOST_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"

struct metrics;
struct metric;

/* Longest metric name and label text accepted at registration. */
#define METRICS_NAME_MAX 128
#define METRICS_LABELS_MAX 512

/*
 * Returns a new empty registry, or NULL when out of memory. Free it with
 * metrics_free() after every user of its metrics has stopped.
 */
WUR struct metrics *metrics_new(void);

/* Frees the registry and every metric in it; NULL is a no-op. Not safe
 * against concurrent use of the registry or its metrics. */
void metrics_free(struct metrics *m);

/*
 * Registers (or finds) the counter name{labels}.
 * name: [a-zA-Z_:][a-zA-Z0-9_:]*, at most METRICS_NAME_MAX bytes.
 * labels: NULL, or preformatted label pairs without braces, e.g.
 *   "type=\"claim\",result=\"ok\"" (at most METRICS_LABELS_MAX bytes;
 *   the caller is responsible for escaping label values).
 * help: one line of text (backslash and newline are escaped on output);
 *   only the first registration of a name sets it.
 * Registering the same name and labels again returns the same metric.
 * Returns NULL when out of memory, when name or labels are invalid, or
 * when name is already registered as another kind (logged). The metric
 * lives as long as the registry. Thread safe (a mutex): meant for
 * start-up, not the hot path.
 */
WUR struct metric *metrics_counter(struct metrics *m, const char *name,
    const char *labels, const char *help) NONNULL(1, 2, 4);

/* The same for a gauge (a value that goes up and down). */
WUR struct metric *metrics_gauge(struct metrics *m, const char *name,
    const char *labels, const char *help) NONNULL(1, 2, 4);

/*
 * The same for a gauge whose value fn(arg) computes at scrape time (stock
 * of prekeys, queue depth). fn runs inside metrics_render() with the
 * registry lock held, on the scraping thread: it must not register
 * metrics, and arg must stay valid until metrics_free(). Registering the
 * same name and labels again returns the existing metric and keeps the
 * first fn.
 */
WUR struct metric *metrics_gauge_fn(struct metrics *m, const char *name,
    const char *labels, const char *help, int64_t (*fn)(void *arg),
    void *arg) NONNULL(1, 2, 4, 5);

/*
 * Hot-path updates: lock-free (C11 atomics, relaxed), safe from any
 * thread. A NULL metric is a no-op, so a failed registration only loses
 * the number. Using a counter function on a gauge or the reverse, or
 * metric_set() on a gauge_fn metric, is misuse (PANIC).
 */
/* Adds n to a counter (counters never go down). */
void metric_add(struct metric *c, uint64_t n);
/* Sets a gauge to v. */
void metric_set(struct metric *g, int64_t v);
/* Adds delta (which may be negative) to a gauge. */
void metric_gauge_add(struct metric *g, int64_t delta);
/* Current value (a counter's value is converted with saturation);
 * for a gauge_fn metric, calls fn. For tests and health checks. */
int64_t metric_value(struct metric *x);

/*
 * Renders the registry in the Prometheus text format: per name, in
 * registration order, one "# HELP" and one "# TYPE" line, then one sample
 * line per label set. On success *out is a NUL-terminated heap string
 * (free it with free()) and *len its length without the NUL; returns 0,
 * or ERR_NOMEM with *out = NULL and *len = 0. Thread safe.
 */
WUR int metrics_render(struct metrics *m, char **out, size_t *len)
    NONNULL(1, 2, 3);

#endif
