/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Suite v1 version bytes, KDF info strings and signature domain tags, as
 * named in docs/PROTOCOL.md. Strings are used without a terminating NUL. */
#ifndef SEALPOST_LABELS_H
#define SEALPOST_LABELS_H

#define SUITE_VERSION 0x01

#define LABEL_X3DH "Sealpost-v1 X3DH"
#define LABEL_RATCHET_RK "Sealpost-v1 Ratchet"
#define LABEL_MESSAGE_KEYS "Sealpost-v1 MessageKeys"
#define LABEL_ENVELOPE_EPH "Sealpost-v1 Envelope Ephemeral"
#define LABEL_ENVELOPE_STATIC "Sealpost-v1 Envelope Static"
#define LABEL_SIG_SIGNED_PREKEY "Sealpost-v1 SignedPrekey"
#define LABEL_SIG_LAST_RESORT "Sealpost-v1 LastResortPrekey"

/* sizeof on a string literal counts the NUL. */
#define LABEL_LEN(l) (sizeof(l) - 1)

#endif
