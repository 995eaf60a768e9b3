/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* How the client prints: peer text made harmless for the terminal, times,
 * fingerprints, and JSON lines for scripts. */
#include <sodium.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "client-cli/cli.h"
#include "common/err.h"

void
cli_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void
cli_key_id(const uint8_t pk[static KEY_LEN], char out[static 20])
{
	char id[17];
	size_t i, j = 0;

	key_log_id(pk, id);
	for (i = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0) {
			out[j++] = ' ';
		}
		out[j++] = id[i];
	}
	out[j] = '\0';
}

/* Length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const uint8_t *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t v, min;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, v = p[0] & 0x1fU, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, v = p[0] & 0x0fU, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, v = p[0] & 0x07U, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n) {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			return 0;
		}
		v = v << 6 | (p[i] & 0x3fU);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
		return 0;
	}
	*cp = v;
	return len;
}

void
cli_put_text(FILE *f, const uint8_t *p, size_t n, int indent)
{
	uint32_t cp = 0;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_len(p + i, n - i, &cp);
		if (k == 1 && cp == '\n') {
			fprintf(f, "\n%*s", indent, "");
		} else if (k == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f ||
		    (cp >= 0x80 && cp < 0xa0)) {
			/* SECURITY: no escape sequence from a peer reaches
			 * the terminal. */
			for (k = k == 0 ? 1 : k; k > 0; k--, i++) {
				fprintf(f, "\\x%02x", p[i]);
			}
			continue;
		} else {
			fwrite(p + i, 1, k, f);
		}
		i += k;
	}
}

void
cli_time_local(int64_t ms, char out[static 32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(out, 32, "%lld", (long long)ms);
	}
}

void
cli_time_iso(int64_t ms, char out[static 32])
{
	time_t t = (time_t)(ms / 1000);
	char base[24];
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, 32, "%lld", (long long)ms);
		return;
	}
	snprintf(out, 32, "%s.%03dZ", base, (int)(ms % 1000 + 1000) % 1000);
}

json_t *
cli_json_text(const uint8_t *p, size_t n)
{
	/* jansson validates the UTF-8 itself: NULL if it is not. */
	return json_stringn((const char *)p, n);
}

void
cli_json_emit(json_t *o)
{
	if (o == NULL) {
		return;
	}
	json_dumpf(o, stdout, JSON_COMPACT | JSON_ENSURE_ASCII);
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
}

/* The JSON object of message m. */
static json_t *
message_json(const struct cli_message *m, int trust)
{
	char id[2 * CLI_MSG_ID_LEN + 1], t[32];
	json_t *o = json_object(), *text;
	char *b64;
	size_t b64n;

	cli_hex(m->id, sizeof(m->id), id);
	cli_time_iso(m->time_ms, t);
	json_object_set_new(o, "type", json_string("message"));
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "direction",
	    json_string(m->direction == CLI_MSG_IN ? "in" : "out"));
	json_object_set_new(o, "peer", json_string(m->peer_user));
	if (m->direction == CLI_MSG_IN) {
		json_object_set_new(o, "device",
		    json_integer(m->peer_device));
		json_object_set_new(o, "trust",
		    json_string(trust == CLI_TRUST_VERIFIED ? "verified"
			    : trust == CLI_TRUST_CHANGED  ? "changed"
							  : "unverified"));
	}
	json_object_set_new(o, "time", json_string(t));
	json_object_set_new(o, "time_ms", json_integer(m->time_ms));
	if ((text = cli_json_text(m->body, m->body_len)) != NULL) {
		json_object_set_new(o, "text", text);
	} else {
		b64n = sodium_base64_ENCODED_LEN(m->body_len,
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = malloc(b64n)) != NULL) {
			sodium_bin2base64(b64, b64n, m->body, m->body_len,
			    sodium_base64_VARIANT_ORIGINAL);
			json_object_set_new(o, "body_base64",
			    json_string(b64));
			sodium_memzero(b64, b64n);
			free(b64);
		}
	}
	return o;
}

void
cli_show_message(const struct cli_ctx *c, const struct cli_message *m,
    int trust)
{
	char t[32];

	if (c->opt.json) {
		cli_json_emit(message_json(m, trust));
		return;
	}
	cli_time_local(m->time_ms, t);
	if (m->direction == CLI_MSG_IN) {
		printf("%s  %s%s/%u: ", t,
		    trust == CLI_TRUST_CHANGED ? "[identity changed] " : "",
		    m->peer_user, m->peer_device);
	} else {
		printf("%s  you -> %s: ", t, m->peer_user);
	}
	cli_put_text(stdout, m->body, m->body_len, 4);
	fputc('\n', stdout);
	fflush(stdout);
}

void
cli_notice(const struct cli_ctx *c, const char *kind, json_t *o,
    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!c->opt.json) {
		fprintf(stderr, CLI_PROG ": %s\n", text);
		json_decref(o);
		return;
	}
	if (o == NULL) {
		o = json_object();
	}
	json_object_set_new(o, "type", json_string("notice"));
	json_object_set_new(o, "kind", json_string(kind));
	json_object_set_new(o, "text", json_string(text));
	cli_json_emit(o);
}

int
cli_report(const struct cli_ctx *c, int r)
{
	const char *d = cli_err_detail();
	int code = cli_err_exit(r);
	char text[600];
	json_t *o;

	if (r == 0) {
		return 0;
	}
	snprintf(text, sizeof(text), "%s", d != NULL ? d : err_str(r));
	fprintf(stderr, CLI_PROG ": %s\n", text);
	if (c->opt.json) {
		o = json_object();
		json_object_set_new(o, "type", json_string("error"));
		json_object_set_new(o, "class",
		    json_string(cli_exit_name(code)));
		json_object_set_new(o, "code",
		    json_string(err_name(cli_err_code(r))));
		json_object_set_new(o, "message", json_string(text));
		json_object_set_new(o, "exit", json_integer(code));
		cli_json_emit(o);
	}
	return code;
}
