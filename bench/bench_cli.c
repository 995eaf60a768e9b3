/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* What a person waits for at the terminal: the sealpost commands run as
 * processes against a real key server and relay on 127.0.0.1. */

/*
 * Output: one JSON object per line on stdout and nothing else; errors go
 * to stderr and exit 1.
 *
 *   cli_baseline  transport, median_ms and p90_ms of `sealpost --version`
 *                 (process start, libsodium, no home): the floor.
 *   cli_send      transport, median_ms/p90_ms of one `sealpost send` of a
 *                 100-byte text on an established session (the store
 *                 opened, both connections signed in, fan-out to one
 *                 device, the outbox committed with synchronous=FULL,
 *                 SEND, marked sent); ratio = median / baseline median.
 *   cli_receive   transport, batch = messages queued before the run;
 *                 median_ms of the `sealpost receive` that fetches,
 *                 checks, decrypts, stores, shows and acknowledges them
 *                 all, and msgs_per_s = batch / median.
 *
 * Method: a key server (open registration) and a relay, each on a tcp://
 * and a tls+tcp:// listener (a certificate made by
 * tests/integration/gen_cert.sh); alice and bob set up once per
 * transport and exchange one message first, so sessions exist. Medians
 * over 21 runs (receives: 7; SEALPOST_BENCH_QUICK=1: 3). The clients'
 * notices go to DIR/cli.log. SEALPOST_BIN locates the programs (default
 * build/bin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "common/err.h"
#include "tests/integration/client.h"

#define ROUNDS 21      /* sends and baselines */
#define RECV_ROUNDS 7  /* receives of BATCH messages */
#define BATCH 100
#define OUT_MAX (64 * 1024)

struct env {
	struct harness *h;
	char log[CLIENT_PATH_MAX];
	char alice[CLIENT_PATH_MAX], bob[CLIENT_PATH_MAX];
	const char *ks, *relay;
	int rounds, recv_rounds;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char *cli_log;

/* Runs sealpost with args (NULL-terminated, at most 10) and returns the
 * wall time in ms; dies on a non-zero exit. */
static double
run(const char *home, const char *const *args)
{
	const char *argv[16];
	static char out[OUT_MAX];
	uint64_t t0;
	size_t n = 0, i;
	int status = -1;

	if (home != NULL) {
		argv[n++] = "--home";
		argv[n++] = home;
	}
	for (i = 0; args[i] != NULL && n < 15; i++) {
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	t0 = bench_now_ns();
	bench_check(client_run("sealpost", argv, cli_log, out, sizeof(out), 0,
			&status),
	    "run sealpost");
	if (status != 0) {
		fprintf(stderr, "bench_cli: sealpost %s exited %d\n", args[0],
		    status);
		exit(1);
	}
	return (double)(bench_now_ns() - t0) / 1e6;
}

static void
print(const char *bench, const char *transport, double *v, int n,
    double base, size_t batch)
{
	double med, p90;

	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	med = v[n / 2];
	p90 = v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1];
	printf("{\"bench\":\"%s\",\"transport\":\"%s\",\"rounds\":%d,"
	       "\"median_ms\":%.2f,\"p90_ms\":%.2f",
	    bench, transport, n, med, p90);
	if (base > 0) {
		printf(",\"ratio\":%.1f", med / base);
	}
	if (batch > 0) {
		printf(",\"batch\":%zu,\"msgs_per_s\":%.0f", batch,
		    (double)batch / (med / 1e3));
	}
	printf("}\n");
	fflush(stdout);
}

/* alice and bob, set up against ks and relay, one message each way. */
static void
setup_users(struct env *e, const char *tag)
{
	char name[64];

	snprintf(name, sizeof(name), "alice-%s", tag);
	bench_check(client_path(e->alice, sizeof(e->alice), e->h->dir, name),
	    "path");
	snprintf(name, sizeof(name), "bob-%s", tag);
	bench_check(client_path(e->bob, sizeof(e->bob), e->h->dir, name),
	    "path");
	snprintf(name, sizeof(name), "a%s", tag);
	run(e->alice, (const char *const[]) { "init", "--user", name,
			  "--keyserver", e->ks, "--relay", e->relay, NULL });
	snprintf(name, sizeof(name), "b%s", tag);
	run(e->bob, (const char *const[]) { "init", "--user", name,
			"--keyserver", e->ks, "--relay", e->relay, NULL });
	run(e->alice, (const char *const[]) { "send", name, "hello", NULL });
	run(e->bob, (const char *const[]) { "receive", NULL });
}

static void
measure(struct env *e, const char *tag)
{
	static const char text[] = "0123456789012345678901234567890123456789"
				   "0123456789012345678901234567890123456789"
				   "01234567890123456789";
	double base[ROUNDS], send[ROUNDS], recv[RECV_ROUNDS], b;
	char bob[64];
	int i, k;

	setup_users(e, tag);
	snprintf(bob, sizeof(bob), "b%s", tag);
	for (i = 0; i < e->rounds; i++) {
		base[i] = run(NULL, (const char *const[]) { "--version", NULL });
	}
	qsort(base, (size_t)e->rounds, sizeof(base[0]), cmp_double);
	b = base[e->rounds / 2];
	print("cli_baseline", tag, base, e->rounds, 0, 0);
	for (i = 0; i < e->rounds; i++) {
		send[i] = run(e->alice,
		    (const char *const[]) { "send", bob, text, NULL });
	}
	print("cli_send", tag, send, e->rounds, b, 0);
	run(e->bob, (const char *const[]) { "receive", NULL });
	for (i = 0; i < e->recv_rounds; i++) {
		for (k = 0; k < BATCH; k++) {
			run(e->alice,
			    (const char *const[]) { "send", bob, text, NULL });
		}
		recv[i] = run(e->bob, (const char *const[]) { "receive", NULL });
	}
	print("cli_receive", tag, recv, e->recv_rounds, b, BATCH);
}

int
main(void)
{
	char cert[CLIENT_PATH_MAX], key[CLIENT_PATH_MAX];
	char tls_ks[CLIENT_PATH_MAX], tls_relay[CLIENT_PATH_MAX];
	const char *q = getenv("SEALPOST_BENCH_QUICK");
	struct env e;

	bench_name = "bench_cli";
	memset(&e, 0, sizeof(e));
	e.rounds = q != NULL && *q == '1' ? 3 : ROUNDS;
	e.recv_rounds = q != NULL && *q == '1' ? 3 : RECV_ROUNDS;
	bench_check(harness_new(&e.h), "harness");
	bench_check(client_path(e.log, sizeof(e.log), e.h->dir, "cli.log"),
	    "path");
	cli_log = e.log;
	bench_check(client_gen_certs(e.h->dir), "gen_cert.sh");
	bench_check(client_path(cert, sizeof(cert), e.h->dir, "server.pem"),
	    "path");
	bench_check(client_path(key, sizeof(key), e.h->dir, "server.key"),
	    "path");
	bench_check(keyserver_start(&e.h->ks, e.h->dir,
			(const char *const[]) { "--registration", "open",
			    "--listen", "tls+tcp://127.0.0.1:0", "--tls-cert",
			    cert, "--tls-key", key, NULL }),
	    "key server");
	bench_check(harness_relay(e.h,
			(const char *const[]) { "--listen",
			    "tls+tcp://127.0.0.1:0", "--tls-cert", cert,
			    "--tls-key", key, NULL }),
	    "relay");
	e.ks = e.h->ks.url;
	e.relay = e.h->relay.url;
	measure(&e, "tcp");
	/* The TLS listeners are the second ones: their ports come from the
	 * ready files. */
	bench_check(daemon_url(&e.h->ks, 1, tls_ks, sizeof(tls_ks)), "url");
	bench_check(daemon_url(&e.h->relay, 1, tls_relay, sizeof(tls_relay)),
	    "url");
	e.ks = tls_ks;
	e.relay = tls_relay;
	measure(&e, "tls");
	return harness_free(e.h) == 0 ? 0 : 1;
}
