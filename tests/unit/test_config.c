/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Unit tests for service/config: defaults, the INI file, command-line
 * overrides, lists, every value parser, error sentences, --help and
 * friends, the usage text and a print/load round trip. */
#include "tests/unit/helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "service/config.h"

struct cfg {
	struct config_list listen;
	int64_t workers;
	int foreground;
	char *database;
	int64_t ttl;
	uint64_t max_envelope;
	uint64_t quota;
	char *level;
	struct config_list tags;
	int64_t offset;
	char *top;
};

#define F(x) offsetof(struct cfg, x)
#define DAY (24 * 3600 * 1000LL)

static const struct config_option opts[] = {
	{ "", "top", CONFIG_STRING, NULL, "NAME", "a key outside sections",
	    F(top), 0, 0 },
	{ "server", "listen", CONFIG_LIST, "tcp://127.0.0.1:7400", "URL",
	    "address to listen on", F(listen), 0, 0 },
	{ "server", "workers", CONFIG_INT, "64", NULL, "REP contexts",
	    F(workers), 1, 1024 },
	{ "server", "foreground", CONFIG_BOOL, NULL, NULL,
	    "stay in the foreground", F(foreground), 0, 0 },
	{ "store", "database", CONFIG_STRING, "/var/lib/sealpost/relay.db",
	    "FILE", "SQLite database", F(database), 0, 0 },
	{ "store", "ttl", CONFIG_DURATION, "30d", NULL, "message lifetime",
	    F(ttl), 1000, 365 * DAY },
	{ "store", "max-envelope", CONFIG_SIZE, "64KiB", NULL,
	    "largest envelope", F(max_envelope), 1024, 16 << 20 },
	{ "store", "quota", CONFIG_SIZE, NULL, NULL, "bytes per queue",
	    F(quota), 0, 0 },
	{ "log", "level", CONFIG_STRING, "info", "LEVEL", "log level",
	    F(level), 0, 0 },
	{ "log", "tags", CONFIG_LIST, NULL, "TAG", "extra tags", F(tags), 0,
	    0 },
	{ "log", "offset", CONFIG_INT, "-5", NULL, "signed, unbounded",
	    F(offset), 0, 0 },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static char dir[256];
static char path[300];
static char errpath[300];
static char errtext[2048];
static int saved_stderr = -1;

static int
make_dir(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_config.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		return -1;
	}
	snprintf(path, sizeof(path), "%s/test.conf", dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", dir);
	return 0;
}

static int
remove_dir(void **state)
{
	(void)state;
	mem_fail_after(-1);
	unlink(path);
	unlink(errpath);
	rmdir(dir);
	return 0;
}

static void
write_conf(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Sends stderr to a file until capture_end, which reads it into errtext. */
static void
capture_begin(void)
{
	int fd;

	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
}

static const char *
capture_end(void)
{
	FILE *f;
	size_t n;

	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, 2), 2);
	close(saved_stderr);
	saved_stderr = -1;
	f = fopen(errpath, "r");
	assert_non_null(f);
	n = fread(errtext, 1, sizeof(errtext) - 1, f);
	errtext[n] = '\0';
	fclose(f);
	return errtext;
}

/* config_load with a NULL-terminated argument list after "prog". */
static int
run(struct cfg *c, int *argi, const char *const *args)
{
	char *argv[32];
	int argc = 0, r, i;

	argv[argc++] = strdup("prog");
	while (args != NULL && args[argc - 1] != NULL) {
		assert_true(argc < 31);
		argv[argc] = strdup(args[argc - 1]);
		argc++;
	}
	argv[argc] = NULL;
	r = config_load(opts, NOPTS, c, argc, argv, argi);
	for (i = 0; i < argc; i++) {
		free(argv[i]);
	}
	return r;
}

/* run() for a call that must fail: every field is zeroed after it. */
static void
run_fails(const char *const *args, int want)
{
	struct cfg c;
	int argi = -1;

	memset(&c, 0x5a, sizeof(c));
	assert_err(run(&c, &argi, args), want);
	assert_null(c.database);
	assert_null(c.listen.v);
	assert_int_equal(c.listen.n, 0);
	assert_int_equal(c.workers, 0);
	config_free(opts, NOPTS, &c);
}

static void
test_defaults(void **state)
{
	struct cfg c;
	int argi = -1;

	(void)state;
	memset(&c, 0x5a, sizeof(c)); /* config_load must not trust it */
	assert_int_equal(run(&c, &argi, NULL), CONFIG_OK);
	assert_int_equal(argi, 1);
	assert_null(c.top);
	assert_int_equal(c.listen.n, 1);
	assert_string_equal(c.listen.v[0], "tcp://127.0.0.1:7400");
	assert_int_equal(c.workers, 64);
	assert_int_equal(c.foreground, 0);
	assert_string_equal(c.database, "/var/lib/sealpost/relay.db");
	assert_true(c.ttl == 30 * DAY);
	assert_true(c.max_envelope == 65536);
	assert_true(c.quota == 0);
	assert_string_equal(c.level, "info");
	assert_int_equal(c.tags.n, 0);
	assert_null(c.tags.v);
	assert_true(c.offset == -5);
	config_free(opts, NOPTS, &c);
	assert_null(c.database);
	assert_null(c.listen.v);
	config_free(opts, NOPTS, &c); /* idempotent */
}

static void
test_file(void **state)
{
	const char *args[] = { "--config", path, NULL };
	struct cfg c;
	int argi = -1;

	(void)state;
	write_conf("; a comment\n"
		   "# another\n"
		   "top = first\n"
		   "\n"
		   "[server]\n"
		   "listen = tcp://[::]:1\n"
		   "listen = ipc:///run/x.sock\n"
		   "workers = 8\n"
		   "foreground = ON\n"
		   "[store]\n"
		   "database = /srv/db ; inline comment\n"
		   "ttl = 2h\n"
		   "max-envelope = 1MiB\n"
		   "quota = 2GiB\n"
		   "[log]\n"
		   "tags = a\n"
		   "offset = -9223372036854775808\n");
	assert_int_equal(run(&c, &argi, args), CONFIG_OK);
	assert_int_equal(argi, 3);
	assert_string_equal(c.top, "first");
	/* The file's list replaces the default. */
	assert_int_equal(c.listen.n, 2);
	assert_string_equal(c.listen.v[0], "tcp://[::]:1");
	assert_string_equal(c.listen.v[1], "ipc:///run/x.sock");
	assert_int_equal(c.workers, 8);
	assert_int_equal(c.foreground, 1);
	assert_string_equal(c.database, "/srv/db");
	assert_true(c.ttl == 2 * 3600 * 1000);
	assert_true(c.max_envelope == 1 << 20);
	assert_true(c.quota == 2ULL << 30);
	assert_string_equal(c.level, "info"); /* untouched: default */
	assert_int_equal(c.tags.n, 1);
	assert_string_equal(c.tags.v[0], "a");
	assert_true(c.offset == INT64_MIN);
	config_free(opts, NOPTS, &c);
}

static void
test_cli_overrides_file(void **state)
{
	const char *args[] = { "--workers=16", "--config", path, "--database",
		"/cli/db", "--foreground=no", "--listen", "tcp://a:1",
		"--listen=tcp://b:2", "--ttl", "90s", "--workers", "32",
		"--tags=", NULL };
	struct cfg c;
	int argi = -1;

	(void)state;
	write_conf("[server]\nlisten = tcp://file:1\nlisten = tcp://file:2\n"
		   "listen = tcp://file:3\nworkers = 8\nforeground = yes\n"
		   "[store]\ndatabase = /file/db\nttl = 1d\n"
		   "[log]\nlevel = debug\n");
	assert_int_equal(run(&c, &argi, args), CONFIG_OK);
	assert_int_equal(argi, 15);
	/* The last of repeated scalars wins; CLI beats the file. */
	assert_int_equal(c.workers, 32);
	assert_string_equal(c.database, "/cli/db");
	assert_int_equal(c.foreground, 0);
	assert_true(c.ttl == 90000);
	assert_string_equal(c.level, "debug"); /* only in the file */
	/* The command line's list replaces the file's. */
	assert_int_equal(c.listen.n, 2);
	assert_string_equal(c.listen.v[0], "tcp://a:1");
	assert_string_equal(c.listen.v[1], "tcp://b:2");
	assert_int_equal(c.tags.n, 1);
	assert_string_equal(c.tags.v[0], "");
	config_free(opts, NOPTS, &c);
}

static void
test_parse_int(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_ok(config_parse_int("0", &v));
	assert_true(v == 0);
	assert_ok(config_parse_int("-17", &v));
	assert_true(v == -17);
	assert_ok(config_parse_int("9223372036854775807", &v));
	assert_true(v == INT64_MAX);
	assert_ok(config_parse_int("-9223372036854775808", &v));
	assert_true(v == INT64_MIN);
	v = 5;
	assert_err(config_parse_int("9223372036854775808", &v), ERR_INVALID);
	assert_true(v == 0);
	assert_err(config_parse_int("-9223372036854775809", &v),
	    ERR_INVALID);
	assert_err(config_parse_int("99999999999999999999999", &v),
	    ERR_INVALID);
	assert_err(config_parse_int("", &v), ERR_INVALID);
	assert_err(config_parse_int("-", &v), ERR_INVALID);
	assert_err(config_parse_int("+1", &v), ERR_INVALID);
	assert_err(config_parse_int(" 1", &v), ERR_INVALID);
	assert_err(config_parse_int("1 ", &v), ERR_INVALID);
	assert_err(config_parse_int("10x", &v), ERR_INVALID);
	assert_err(config_parse_int("0x10", &v), ERR_INVALID);
	assert_err(config_parse_int("1.5", &v), ERR_INVALID);
}

static void
test_parse_bool(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES",
		"True" };
	static const char *const no[] = { "no", "false", "off", "0", "No",
		"OFF" };
	static const char *const bad[] = { "", "y", "2", "yess", "nope",
		" yes" };
	size_t i;
	int b;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = 0;
		assert_ok(config_parse_bool(yes[i], &b));
		assert_int_equal(b, 1);
		b = 1;
		assert_ok(config_parse_bool(no[i], &b));
		assert_int_equal(b, 0);
		b = 1;
		assert_err(config_parse_bool(bad[i], &b), ERR_INVALID);
		assert_int_equal(b, 0);
	}
}

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = { { "500ms", 500 }, { "10s", 10000 }, { "15m", 900000 },
		{ "2h", 7200000 }, { "30d", 30 * DAY }, { "7", 7000 },
		{ "0", 0 }, { "0ms", 0 },
		{ "9223372036854775807ms", INT64_MAX },
		{ "106751991167d", 106751991167 * DAY } };
	static const char *const bad[] = { "", "10x", "-1s", "-5", "s",
		"1.5s", "10 s", "10S", "1w", "9223372036854775807s",
		"9223372036854775808ms", "106751991168d" };
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_ok(config_parse_duration(good[i].s, &v));
		assert_true(v == good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -1;
		if (config_parse_duration(bad[i], &v) != ERR_INVALID) {
			fail_msg("duration '%s' accepted", bad[i]);
		}
		assert_true(v == 0);
	}
}

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = { { "512", 512 }, { "512B", 512 }, { "64KiB", 65536 },
		{ "1MiB", 1 << 20 }, { "2GiB", 2ULL << 30 }, { "4k", 4096 },
		{ "4K", 4096 }, { "8M", 8 << 20 }, { "1G", 1 << 30 },
		{ "3T", 3ULL << 40 }, { "0", 0 },
		{ "18446744073709551615", UINT64_MAX } };
	static const char *const bad[] = { "", "-1", "-1KiB", "10x", "1kib",
		"1KB", "1.5M", "KiB", " 1", "18446744073709551616",
		"16777216TiB" };
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		assert_ok(config_parse_size(good[i].s, &v));
		assert_true(v == good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 1;
		if (config_parse_size(bad[i], &v) != ERR_INVALID) {
			fail_msg("size '%s' accepted", bad[i]);
		}
		assert_true(v == 0);
	}
}

static void
test_bad_values(void **state)
{
	static const char *const cases[][3] = {
		{ "--max-envelope=-1", NULL },
		{ "--max-envelope", "10x" },
		{ "--max-envelope=512" },      /* under min 1024 */
		{ "--max-envelope=17MiB" },    /* over max 16 MiB */
		{ "--quota=18446744073709551616" },
		{ "--workers=0" },	       /* min 1 */
		{ "--workers=1025" },	       /* max 1024 */
		{ "--workers=-3" },
		{ "--workers=eight" },
		{ "--ttl=10x" },
		{ "--ttl=999ms" },	       /* min 1s */
		{ "--ttl=366d" },	       /* max 365d */
		{ "--ttl=-1s" },
		{ "--foreground=maybe" },
		{ "--offset=1e3" },
	};
	struct cfg c;
	const char *err;
	size_t i;
	int argi;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_fails(cases[i], ERR_CONFIG);
	}
	/* Edges of the bounds are accepted. */
	{
		const char *args[] = { "--workers=1024", "--ttl=1s",
			"--max-envelope=16MiB", "--quota=18446744073709551615",
			NULL };
		assert_int_equal(run(&c, &argi, args), CONFIG_OK);
		assert_true(c.quota == UINT64_MAX);
		config_free(opts, NOPTS, &c);
	}
	/* The sentence names the option, the value and the range. */
	capture_begin();
	run_fails(cases[12 - 1], ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, "config: --ttl: '366d' is out of range "
				    "(1s to 365d)"));
	/* A bad value in the file names file and line. */
	write_conf("[server]\nworkers = 2\n\n[store]\nttl = soon\n");
	{
		const char *args[] = { "--config", path, NULL };
		capture_begin();
		run_fails(args, ERR_CONFIG);
		err = capture_end();
	}
	assert_non_null(strstr(err, ":5: 'soon' is not a duration"));
	assert_non_null(strstr(err, path));
}

static void
test_unknown_in_file(void **state)
{
	const char *args[] = { "--config", path, NULL };
	const char *err;
	char big[400];

	(void)state;
	write_conf("[server]\nworkers = 4\n\nlisen = tcp://x:1\n");
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, "config: "));
	assert_non_null(strstr(err, "test.conf:4: unknown key 'lisen' in "
				    "[server]"));

	/* A real key in the wrong section is unknown there. */
	write_conf("[store]\nworkers = 4\n");
	run_fails(args, ERR_CONFIG);
	write_conf("[nosuch]\nlevel = info\n");
	run_fails(args, ERR_CONFIG);
	write_conf("stray = 1\n[log]\n");
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, ":1: unknown key 'stray' before any "
				    "[section]"));
	/* Syntax errors and a scalar given twice. */
	write_conf("[log]\nlevel = info\njust some words\n");
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, ":3: syntax error"));
	/* The first error is reported, not a later one it causes. */
	write_conf("[log\nlevel = info\n");
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, ":1: syntax error"));
	assert_null(strstr(err, "unknown key"));
	/* A line too long for libinih is refused, not split. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "[log]\nlevel = ", 14);
	memcpy(big + sizeof(big) - 2, "\n", 2);
	write_conf(big);
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, ":2: line is longer than"));
	write_conf("[log]\nlevel = info\nlevel = debug\n");
	capture_begin();
	run_fails(args, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, ":3: 'level' in [log] is given a second "
				    "time"));
}

static void
test_unknown_on_cli(void **state)
{
	static const char *const cases[][3] = {
		{ "--lisen=tcp://x:1" },
		{ "--lisen", "tcp://x:1" },
		{ "-x" },
		{ "--workers" },	  /* no value */
		{ "--help=1" },
		{ "--print-config=yes" },
		{ "--" "=" },		  /* empty name */
		{ "--listen" },
	};
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_fails(cases[i], ERR_CONFIG);
	}
	capture_begin();
	run_fails(cases[0], ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, "config: unknown option '--lisen'"));
	capture_begin();
	run_fails(cases[3], ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, "option --workers needs a value"));
}

static void
test_config_file_errors(void **state)
{
	const char *missing[] = { "--config", "/nonexistent/sealpost.conf",
		NULL };
	const char *isdir[] = { "--config", dir, NULL };
	const char *novalue[] = { "--config", NULL };
	const char *twice[] = { "--config", path, "--config=/x", NULL };
	const char *err;

	(void)state;
	capture_begin();
	run_fails(missing, ERR_CONFIG);
	err = capture_end();
	assert_non_null(strstr(err, "cannot read /nonexistent/sealpost.conf:"
				    " No such file"));
	run_fails(isdir, ERR_CONFIG);
	run_fails(novalue, ERR_CONFIG);
	write_conf("[log]\n");
	run_fails(twice, ERR_CONFIG);
	if (geteuid() != 0) {
		assert_int_equal(chmod(path, 0), 0);
		twice[2] = NULL;
		run_fails(twice, ERR_CONFIG);
	}
}

static void
test_help_version_print(void **state)
{
	const char *help[] = { "--workers=3", "--help", "--lisen", NULL };
	const char *h[] = { "-h", NULL };
	const char *version[] = { "--version", NULL };
	const char *print[] = { "--print-config", "--workers=3", NULL };
	struct cfg c;
	int argi = -1;

	(void)state;
	/* --help stops at once: later mistakes do not matter. */
	assert_int_equal(run(&c, &argi, help), CONFIG_HELP);
	assert_int_equal(c.workers, 64); /* defaults, nothing applied */
	assert_string_equal(c.level, "info");
	config_free(opts, NOPTS, &c);
	assert_int_equal(run(&c, &argi, h), CONFIG_HELP);
	config_free(opts, NOPTS, &c);
	assert_int_equal(run(&c, &argi, version), CONFIG_VERSION);
	config_free(opts, NOPTS, &c);
	/* --print-config loads everything first. */
	assert_int_equal(run(&c, &argi, print), CONFIG_PRINT);
	assert_int_equal(c.workers, 3);
	assert_int_equal(argi, 3);
	config_free(opts, NOPTS, &c);
}

static void
test_argi(void **state)
{
	const char *sub[] = { "--workers", "4", "invite", "create",
		"--lisen", NULL };
	const char *dashdash[] = { "--foreground", "--", "--workers=9",
		NULL };
	const char *boolean[] = { "--foreground", "invite", NULL };
	const char *stdin_arg[] = { "-", "--workers=9", NULL };
	struct cfg c;
	int argi = -1;

	(void)state;
	assert_int_equal(run(&c, &argi, sub), CONFIG_OK);
	assert_int_equal(argi, 3);
	assert_int_equal(c.workers, 4);
	config_free(opts, NOPTS, &c);

	assert_int_equal(run(&c, &argi, dashdash), CONFIG_OK);
	assert_int_equal(argi, 3);
	assert_int_equal(c.foreground, 1);
	assert_int_equal(c.workers, 64);
	config_free(opts, NOPTS, &c);

	/* A bool alone takes no value: "invite" is the subcommand. */
	assert_int_equal(run(&c, &argi, boolean), CONFIG_OK);
	assert_int_equal(argi, 2);
	assert_int_equal(c.foreground, 1);
	config_free(opts, NOPTS, &c);

	assert_int_equal(run(&c, &argi, stdin_arg), CONFIG_OK);
	assert_int_equal(argi, 1);
	assert_int_equal(c.workers, 64);
	config_free(opts, NOPTS, &c);
}

static void
test_usage(void **state)
{
	char *text = NULL, want[128];
	size_t len = 0, i;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_usage(f, "sealpost-relay", "[COMMAND]", opts, NOPTS);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "usage: sealpost-relay [OPTION]... "
				     "[COMMAND]\n"));
	for (i = 0; i < NOPTS; i++) {
		snprintf(want, sizeof(want), "--%s", opts[i].key);
		if (strstr(text, want) == NULL) {
			fail_msg("usage lacks %s", want);
		}
		if (opts[i].def != NULL) {
			snprintf(want, sizeof(want), "[default: %s]",
			    opts[i].def);
			if (strstr(text, want) == NULL) {
				fail_msg("usage lacks %s", want);
			}
		}
		if (opts[i].help != NULL && strstr(text, opts[i].help) == NULL) {
			fail_msg("usage lacks '%s'", opts[i].help);
		}
	}
	assert_non_null(strstr(text, "--listen=URL"));
	assert_non_null(strstr(text, "(repeatable)"));
	assert_non_null(strstr(text, "--foreground[=yes|no]"));
	assert_non_null(strstr(text, "[server]\n"));
	assert_non_null(strstr(text, "[store]\n"));
	assert_non_null(strstr(text, "--config=FILE"));
	assert_non_null(strstr(text, "--help"));
	assert_non_null(strstr(text, "--version"));
	assert_non_null(strstr(text, "--print-config"));
	free(text);
}

/* config_print's output loads back to the same values. */
static void
test_print_round_trip(void **state)
{
	const char *args[] = { "--listen=tcp://a:1", "--listen=ipc:///b",
		"--ttl=1500ms", "--max-envelope=4096", "--quota=123457",
		"--foreground", "--top=t", "--tags=x", "--tags=y", NULL };
	const char *reload[] = { "--config", path, NULL };
	struct cfg a, b;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int argi;

	(void)state;
	assert_int_equal(run(&a, &argi, args), CONFIG_OK);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(f, opts, NOPTS, &a);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "top = t\n"));
	assert_true(strstr(text, "top = t\n") < strstr(text, "[server]"));
	assert_non_null(strstr(text, "ttl = 1500ms\n"));
	assert_non_null(strstr(text, "max-envelope = 4KiB\n"));
	assert_non_null(strstr(text, "quota = 123457\n"));
	assert_non_null(strstr(text, "foreground = yes\n"));
	assert_non_null(strstr(text, "offset = -5\n"));
	write_conf(text);
	free(text);

	assert_int_equal(run(&b, &argi, reload), CONFIG_OK);
	assert_int_equal(b.listen.n, a.listen.n);
	for (i = 0; i < a.listen.n; i++) {
		assert_string_equal(a.listen.v[i], b.listen.v[i]);
	}
	assert_int_equal(b.tags.n, 2);
	assert_string_equal(b.tags.v[1], "y");
	assert_true(a.workers == b.workers && a.foreground == b.foreground);
	assert_string_equal(a.database, b.database);
	assert_string_equal(a.top, b.top);
	assert_true(a.ttl == b.ttl && a.max_envelope == b.max_envelope);
	assert_true(a.quota == b.quota && a.offset == b.offset);
	assert_string_equal(a.level, b.level);
	config_free(opts, NOPTS, &a);
	config_free(opts, NOPTS, &b);

	/* Unset strings and empty lists come out as comments. */
	assert_int_equal(run(&a, &argi, NULL), CONFIG_OK);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(f, opts, NOPTS, &a);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "# top =\n"));
	assert_non_null(strstr(text, "# tags =\n"));
	assert_non_null(strstr(text, "ttl = 30d\n"));
	free(text);
	config_free(opts, NOPTS, &a);
}

/* Every allocation fails in turn: ERR_NOMEM, nothing left behind (LSan
 * checks under make check). */
static void
test_nomem(void **state)
{
	const char *args[] = { "--config", path, "--listen=tcp://c:3",
		"--database=/d", NULL };
	struct cfg c;
	int argi, r = ERR_NOMEM;
	long k;

	(void)state;
	write_conf("[server]\nlisten = tcp://a:1\nlisten = tcp://b:2\n"
		   "[log]\nlevel = debug\ntags = t\n");
	for (k = 0; r == ERR_NOMEM && k < 100; k++) {
		mem_fail_after(k);
		r = run(&c, &argi, args);
		mem_fail_after(-1);
		if (r == ERR_NOMEM) {
			assert_null(c.database);
			assert_null(c.listen.v);
		}
		config_free(opts, NOPTS, &c);
	}
	assert_int_equal(r, CONFIG_OK);
	assert_true(k > 5);
}

/* A table with a duplicate key is a programmer error: PANIC_IF aborts. */
static void
test_duplicate_key_panics(void **state)
{
	static const struct config_option dup[] = {
		{ "a", "key", CONFIG_INT, NULL, NULL, NULL, F(workers), 0, 0 },
		{ "b", "key", CONFIG_INT, NULL, NULL, NULL, F(offset), 0, 0 },
	};
	char arg0[] = "prog", *argv[] = { arg0, NULL };
	struct cfg c;
	pid_t pid;
	int status = 0, argi, fd;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		dup2(fd, 2);
		if (config_load(dup, 2, &c, 1, argv, &argi) == 0) {
			_exit(0);
		}
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, make_dir, remove_dir)

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_file),
		T(test_cli_overrides_file),
		T(test_parse_int),
		T(test_parse_bool),
		T(test_parse_duration),
		T(test_parse_size),
		T(test_bad_values),
		T(test_unknown_in_file),
		T(test_unknown_on_cli),
		T(test_config_file_errors),
		T(test_help_version_print),
		T(test_argi),
		T(test_usage),
		T(test_print_round_trip),
		T(test_nomem),
		T(test_duplicate_key_panics),
	};

	if (sodium_init() == -1) {
		fprintf(stderr, "test_config: sodium_init failed\n");
		return 1;
	}
	log_init("test_config", LOG_LEVEL_WARNING, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
