/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The release version every program reports with --version. */
#ifndef SEALPOST_VERSION_H
#define SEALPOST_VERSION_H

#define SEALPOST_VERSION "0.1.0"

#endif
