/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* A plain main() for the fuzz targets: replays every file of the given
 * corpus folders once, so make test runs the seeds without libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

static int
replay_file(const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			unsigned char *nb = realloc(buf, cap + 65536);

			if (nb == NULL) {
				fclose(fp);
				free(buf);
				return -1;
			}
			buf = nb;
			cap += 65536;
		}
		if ((n = fread(buf + len, 1, cap - len, fp)) == 0) {
			break;
		}
		len += n;
	}
	fclose(fp);
	(void)LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	char path[4096];
	struct dirent *de;
	unsigned ok = 0, bad = 0;
	const char *name;
	DIR *d;
	int i;

	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			bad++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.') {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name);
			if (replay_file(path) == 0) {
				ok++;
			} else {
				bad++;
			}
		}
		closedir(d);
	}
	/* A crash or sanitizer report never gets here. */
	name = argc > 0 && (name = strrchr(argv[0], '/')) != NULL ? name + 1
								   : "replay";
	printf("%s: %u passed, %u failed\n", name, ok, bad);
	return bad == 0 && ok > 0 ? 0 : 1;
}
