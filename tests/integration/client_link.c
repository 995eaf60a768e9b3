/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The integration test client: old key server databases from fixtures,
 * and the device-link rendezvous messages. */
#include "tests/integration/client.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/err.h"

/* Reads fixture name into a NUL-terminated heap string. */
static int
read_fixture(const char *name, char **out)
{
	char path[CLIENT_PATH_MAX];
	char *sql = NULL;
	FILE *f;
	long n;
	int r = ERR_SYS;

	*out = NULL;
	snprintf(path, sizeof(path), "tests/integration/fixtures/%s", name);
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(path, sizeof(path),
		    "%s/../../tests/integration/fixtures/%s",
		    client_bin_dir(), name);
		if ((f = fopen(path, "r")) == NULL) {
			fprintf(stderr, "fixture %s: %s\n", name,
			    strerror(errno));
			return ERR_NOT_FOUND;
		}
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0 &&
	    (sql = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(sql, 1, (size_t)n, f) == (size_t)n) {
		*out = sql;
		sql = NULL;
		r = 0;
	}
	free(sql);
	fclose(f);
	return r;
}

int
keyserver_fixture(const char *dir, const char *name)
{
	char path[CLIENT_PATH_MAX], *sql = NULL, *err = NULL;
	sqlite3 *db = NULL;
	int fd, r;

	if ((r = client_path(path, sizeof(path), dir, "keyserver.db")) != 0 ||
	    (r = read_fixture(name, &sql)) != 0) {
		return r;
	}
	/* The daemons refuse a database others may read. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		free(sql);
		return ERR_SYS;
	}
	close(fd);
	r = 0;
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "fixture %s: %s\n", name,
		    err != NULL ? err : sqlite3_errmsg(db));
		r = ERR_DB;
	}
	sqlite3_free(err);
	sqlite3_close(db);
	free(sql);
	return r;
}

/* A request of type with body w whose reply has an empty body. */
static int
call_empty(struct conn *c, uint8_t type, struct wire_writer *w)
{
	struct reply rep;
	int r;

	if ((r = conn_rpc_w(c, type, w, &rep)) == 0) {
		r = wire_end(&rep.body);
	}
	reply_free(&rep);
	return r;
}

int
conn_link_open(struct conn *c, const uint8_t slot[static PROTO_LINK_SLOT_LEN])
{
	struct wire_writer w;

	wire_writer_init(&w, 64);
	proto_link_open_encode(&w, slot);
	return call_empty(c, PROTO_LINK_OPEN, &w);
}

int
conn_link_put(struct conn *c, const uint8_t slot[static PROTO_LINK_SLOT_LEN],
    uint8_t part, const void *blob, size_t len)
{
	struct proto_link_put m;
	struct wire_writer w;

	memset(&m, 0, sizeof(m));
	memcpy(m.slot, slot, PROTO_LINK_SLOT_LEN);
	m.part = part;
	m.blob = blob;
	m.len = len;
	wire_writer_init(&w, 70000);
	proto_link_put_encode(&w, &m);
	return call_empty(c, PROTO_LINK_PUT, &w);
}

int
conn_link_get(struct conn *c, const uint8_t slot[static PROTO_LINK_SLOT_LEN],
    uint8_t part, uint32_t wait_ms, uint8_t *out, size_t *len)
{
	struct proto_link_get m;
	struct wire_writer w;
	struct reply rep;
	const uint8_t *b;
	size_t n;
	int r;

	*len = 0;
	memset(&m, 0, sizeof(m));
	memcpy(m.slot, slot, PROTO_LINK_SLOT_LEN);
	m.part = part;
	m.wait_ms = wait_ms;
	wire_writer_init(&w, 64);
	proto_link_get_encode(&w, &m);
	if ((r = conn_rpc_w(c, PROTO_LINK_GET, &w, &rep)) == 0 &&
	    (r = proto_link_blob_decode(&rep.body, &b, &n)) == 0) {
		memcpy(out, b, n);
		*len = n;
	}
	reply_free(&rep);
	return r;
}
