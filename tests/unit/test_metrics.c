/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for service/metrics: exposition format, duplicate
 * registration, scrape-time gauges and exact sums under concurrency. */
#include "tests/unit/helpers.h"

#include <pthread.h>
#include <stdlib.h>

#include "service/metrics.h"

static int
count_substr(const char *hay, const char *needle)
{
	int n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

static char *
render(struct metrics *m)
{
	char *out = NULL;
	size_t len = 0;

	assert_ok(metrics_render(m, &out, &len));
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	return out;
}

static int64_t
stock_fn(void *arg)
{
	return *(int64_t *)arg;
}

static void
test_render_format(void **state)
{
	struct metrics *m = metrics_new();
	struct metric *ok, *bad, *g, *plain;
	int64_t stock = 42;
	char *txt;

	(void)state;
	assert_non_null(m);
	ok = metrics_counter(m, "sp_claims_total",
	    "type=\"claim\",result=\"ok\"", "Prekey claims.");
	bad = metrics_counter(m, "sp_claims_total",
	    "type=\"claim\",result=\"err\"", "Prekey claims.");
	g = metrics_gauge(m, "sp_queue_depth", NULL, "Queue\\depth\nnow.");
	plain = metrics_counter(m, "sp_plain_total", NULL, "Plain.");
	assert_non_null(ok);
	assert_non_null(bad);
	assert_non_null(g);
	assert_non_null(plain);
	assert_non_null(metrics_gauge_fn(m, "sp_prekey_stock", "dev=\"1\"",
	    "Stock.", stock_fn, &stock));
	metric_add(ok, 3);
	metric_add(ok, 4);
	metric_add(bad, 1);
	metric_set(g, -5);
	metric_gauge_add(g, 2);
	txt = render(m);
	assert_string_equal(txt,
	    "# HELP sp_claims_total Prekey claims.\n"
	    "# TYPE sp_claims_total counter\n"
	    "sp_claims_total{type=\"claim\",result=\"ok\"} 7\n"
	    "sp_claims_total{type=\"claim\",result=\"err\"} 1\n"
	    "# HELP sp_queue_depth Queue\\\\depth\\nnow.\n"
	    "# TYPE sp_queue_depth gauge\n"
	    "sp_queue_depth -3\n"
	    "# HELP sp_plain_total Plain.\n"
	    "# TYPE sp_plain_total counter\n"
	    "sp_plain_total 0\n"
	    "# HELP sp_prekey_stock Stock.\n"
	    "# TYPE sp_prekey_stock gauge\n"
	    "sp_prekey_stock{dev=\"1\"} 42\n");
	free(txt);

	/* Counters only go up; gauge_fn is read at scrape time. */
	metric_add(ok, 1);
	stock = 7;
	txt = render(m);
	assert_non_null(strstr(txt,
	    "sp_claims_total{type=\"claim\",result=\"ok\"} 8\n"));
	assert_non_null(strstr(txt, "sp_prekey_stock{dev=\"1\"} 7\n"));
	assert_int_equal(count_substr(txt, "# TYPE sp_claims_total"), 1);
	assert_int_equal(count_substr(txt, "# HELP sp_claims_total"), 1);
	free(txt);
	assert_int_equal(metric_value(ok), 8);
	assert_int_equal(metric_value(g), -3);
	metrics_free(m);
}

static void
test_duplicate_and_invalid(void **state)
{
	struct metrics *m = metrics_new();
	struct metric *a, *b;
	char *txt;

	(void)state;
	assert_non_null(m);
	a = metrics_counter(m, "sp_x_total", "k=\"v\"", "X.");
	b = metrics_counter(m, "sp_x_total", "k=\"v\"", "Other help.");
	assert_ptr_equal(a, b);
	assert_ptr_equal(metrics_gauge(m, "sp_g", NULL, "G."),
	    metrics_gauge(m, "sp_g", NULL, "G."));
	/* Another kind under the same name is refused. */
	assert_null(metrics_gauge(m, "sp_x_total", "k=\"w\"", "X."));
	assert_null(metrics_counter(m, "sp_g", NULL, "G."));
	/* Invalid names and labels. */
	assert_null(metrics_counter(m, "", NULL, "E."));
	assert_null(metrics_counter(m, "9abc", NULL, "E."));
	assert_null(metrics_counter(m, "a-b", NULL, "E."));
	assert_null(metrics_counter(m, "ok_name", "a=\"1\"\n", "E."));
	assert_null(metrics_counter(m, "ok_name", "", "E."));
	/* NULL metrics are no-ops. */
	metric_add(NULL, 1);
	metric_set(NULL, 1);
	txt = render(m);
	assert_int_equal(count_substr(txt, "# HELP sp_x_total X.\n"), 1);
	assert_int_equal(count_substr(txt, "sp_x_total{"), 1);
	assert_null(strstr(txt, "ok_name"));
	free(txt);
	metrics_free(m);
	metrics_free(NULL);
}

static void
test_empty_render(void **state)
{
	struct metrics *m = metrics_new();
	char *txt;

	(void)state;
	assert_non_null(m);
	txt = render(m);
	assert_string_equal(txt, "");
	free(txt);
	metrics_free(m);
}

#define NTHREADS 8
#define NINCR 100000

struct incr_arg {
	struct metric *c;
	struct metric *g;
};

static void *
incr_main(void *p)
{
	struct incr_arg *a = p;
	int i;

	for (i = 0; i < NINCR; i++) {
		metric_add(a->c, 1);
		metric_gauge_add(a->g, (i % 2) ? -1 : 2);
	}
	return NULL;
}

static void
test_concurrent_sum(void **state)
{
	struct metrics *m = metrics_new();
	struct incr_arg a;
	pthread_t t[NTHREADS];
	char want[64];
	char *txt;
	int i;

	(void)state;
	assert_non_null(m);
	a.c = metrics_counter(m, "sp_hits_total", NULL, "Hits.");
	a.g = metrics_gauge(m, "sp_level", NULL, "Level.");
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, incr_main, &a),
		    0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
	}
	assert_int_equal(metric_value(a.c), (int64_t)NTHREADS * NINCR);
	assert_int_equal(metric_value(a.g), (int64_t)NTHREADS * NINCR / 2);
	txt = render(m);
	snprintf(want, sizeof(want), "sp_hits_total %d\n", NTHREADS * NINCR);
	assert_non_null(strstr(txt, want));
	free(txt);
	metrics_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_format),
		cmocka_unit_test(test_duplicate_and_invalid),
		cmocka_unit_test(test_empty_render),
		cmocka_unit_test(test_concurrent_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
