/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The only place where compiler extensions are named. */
#ifndef SEALPOST_COMPAT_H
#define SEALPOST_COMPAT_H

#if defined(__GNUC__) || defined(__clang__)
#define WUR __attribute__((warn_unused_result))
#define NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))
#else
#define WUR
#define NONNULL(...)
#define PRINTF_LIKE(f, a)
#define NORETURN
#define UNUSED
#endif

#endif
