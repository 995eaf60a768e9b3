/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Memory that may hold secrets: wipe-before-free, guarded allocations for
 * long-lived keys, and hooks that let tests fail allocations and observe
 * released memory. */
#ifndef SEALPOST_MEM_H
#define SEALPOST_MEM_H

#include <stddef.h>

#include "common/compat.h"

/* malloc(n) through the failure hook. Returns NULL on failure or n == 0. */
WUR void *mem_alloc(size_t n);

/* calloc(1, n) through the failure hook. */
WUR void *mem_zalloc(size_t n);

/* Wipes n bytes at p, then frees p. p == NULL is a no-op. Use for every
 * heap buffer that ever held key material or plaintext. */
void mem_wipe_free(void *p, size_t n);

/* Guarded allocation (sodium_malloc: guard pages, canary, mlock) for
 * long-lived keys. Returns NULL on failure. The memory is zero-filled. */
WUR void *mem_secure_alloc(size_t n);

/* Wipes n bytes at p, then releases it with sodium_free. NULL is a no-op. */
void mem_secure_free(void *p, size_t n);

/*
 * Test hooks. Not thread safe: set them before any thread starts.
 *
 * mem_fail_after(k): the next k allocations succeed, every later one fails,
 * until mem_fail_after(-1) turns failure injection off again.
 *
 * mem_set_release_hook(f, arg): f(p, n, arg) is called by mem_wipe_free and
 * mem_secure_free after the wipe and before the memory is released, so a
 * test can check that what is released is all zero. NULL removes the hook.
 */
void mem_fail_after(long k);
void mem_set_release_hook(void (*f)(const void *p, size_t n, void *arg),
    void *arg);

#endif
