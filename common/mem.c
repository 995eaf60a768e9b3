/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Secret-safe allocation helpers. */
#include "common/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static long fail_after = -1;
static void (*release_hook)(const void *, size_t, void *);
static void *release_arg;

void
mem_fail_after(long k)
{
	fail_after = k;
}

void
mem_set_release_hook(void (*f)(const void *p, size_t n, void *arg), void *arg)
{
	release_hook = f;
	release_arg = arg;
}

/* Returns 1 if this allocation must fail (test injection). */
static int
should_fail(void)
{
	if (fail_after < 0) {
		return 0;
	}
	if (fail_after == 0) {
		return 1;
	}
	fail_after--;
	return 0;
}

void *
mem_alloc(size_t n)
{
	if (n == 0 || should_fail()) {
		return NULL;
	}
	return malloc(n);
}

void *
mem_zalloc(size_t n)
{
	if (n == 0 || should_fail()) {
		return NULL;
	}
	return calloc(1, n);
}

void
mem_wipe_free(void *p, size_t n)
{
	if (p == NULL) {
		return;
	}
	sodium_memzero(p, n);
	if (release_hook != NULL) {
		release_hook(p, n, release_arg);
	}
	free(p);
}

void *
mem_secure_alloc(size_t n)
{
	void *p;

	if (n == 0 || should_fail()) {
		return NULL;
	}
	if ((p = sodium_malloc(n)) == NULL) {
		return NULL;
	}
	memset(p, 0, n);
	return p;
}

void
mem_secure_free(void *p, size_t n)
{
	if (p == NULL) {
		return;
	}
	sodium_memzero(p, n);
	if (release_hook != NULL) {
		release_hook(p, n, release_arg);
	}
	sodium_free(p);
}
