/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* sealpost selftest: the crypto code checked against the published
 * vectors built into the program. */
#include <string.h>

#include "client-cli/cli_cmd.h"
#include "client-cli/cli_selftest.h"
#include "common/err.h"

static int selftest_main(int argc, char **argv, struct cli_opts *o);

const struct cli_cmd cli_cmd_selftest = {
	"selftest",
	selftest_main,
	"check this program's cryptography against the test vectors",
	"usage: " CLI_PROG " selftest [OPTIONS]\n"
	"\n"
	"Checks the cryptographic code this " CLI_PROG " runs on (its protocol\n"
	"implementation and the installed libsodium) against the project's\n"
	"published test vectors, which are built into the program: every\n"
	"recorded value is computed again from the recorded inputs. Prints\n"
	"the number of values checked per file, and each value that does not\n"
	"match (file, case and field; at most 20 per file). Needs no network\n"
	"or home directory and changes nothing. Exit status 7 if anything\n"
	"does not match: then this installation does not compute what the\n"
	"protocol specifies and must not be used; report the output.\n",
};

struct out {
	int json;
	json_t *files;
};

static void
report(const char *file, const char *what, int ok, void *arg)
{
	struct out *o = arg;

	if (o->json) {
		json_array_append_new(o->files,
		    json_pack("{s:s,s:s,s:b}", "file", file, "result", what,
			"ok", ok));
		return;
	}
	printf("%-4s %-18s %s\n", ok ? "ok" : "FAIL", file, what);
}

int
selftest_main(int argc, char **argv, struct cli_opts *opts)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct out o;
	size_t passed = 0, failed = 0;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (ch == CLI_OPT_HELP) {
			return cli_help(&cli_cmd_selftest);
		}
		if (!cli_common_opt(ch, optarg, opts)) {
			return cli_usage_error(&cli_cmd_selftest, NULL);
		}
	}
	if (optind != argc) {
		return cli_usage_error(&cli_cmd_selftest, "no arguments");
	}
	cli_apply_opts(opts);
	memset(&o, 0, sizeof(o));
	o.json = opts->json;
	o.files = json_array();
	r = cli_selftest_run(report, &o, &passed, &failed);
	if (o.json) {
		cli_json_emit(json_pack("{s:s,s:b,s:I,s:I,s:O}", "type",
		    "selftest", "ok", r == 0, "passed", (json_int_t)passed,
		    "failed", (json_int_t)failed, "files", o.files));
	} else {
		printf("%s: %zu values checked, %zu failed\n",
		    r == 0 ? "selftest passed" : "SELFTEST FAILED", passed,
		    failed);
	}
	json_decref(o.files);
	return r == 0 ? CLI_EXIT_OK : CLI_EXIT_CRYPTO;
}
