/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Sealed envelope: content sealed to the recipient device's identity, with
 * the sender's user, device and identity key inside, so the relay learns no
 * sender. A static-static DH layer authenticates the sender. */
#ifndef SEALPOST_ENVELOPE_H
#define SEALPOST_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "crypto/keys.h"
#include "crypto/rng.h"

#define ENVELOPE_MAX_USER 64
#define ENVELOPE_MAX_CONTENT (1U << 21)
/* Inner fields before the content: u8 type || u8 user length || user padded
 * to ENVELOPE_MAX_USER || u32 device || u32 content length. The user name
 * is padded so the envelope size does not reveal its length. */
#define ENVELOPE_INNER_FIXED (1 + 1 + ENVELOPE_MAX_USER + 4 + 4)
/* version || ephemeral || sealed sender key and tag || inner fields || tag:
 * an envelope is exactly ENVELOPE_OVERHEAD + content length bytes. */
#define ENVELOPE_OVERHEAD                                                    \
	(1 + KEY_LEN + (KEY_LEN + 16) + ENVELOPE_INNER_FIXED + 16)
#define ENVELOPE_MAX_LEN (ENVELOPE_OVERHEAD + ENVELOPE_MAX_CONTENT)

/* Content types carried inside. */
enum envelope_content {
	ENVELOPE_RATCHET = 1, /* a ratchet message */
	ENVELOPE_PREKEY = 2,  /* an X3DH header, then a ratchet message */
};

struct envelope_sender {
	char user[ENVELOPE_MAX_USER + 1]; /* NUL-terminated */
	uint32_t device_id;
	uint8_t ik[KEY_LEN]; /* authenticated Ed25519 identity key */
};

/*
 * Seals content for the device whose identity public key is recipient_ik.
 * sender_user is 1..ENVELOPE_MAX_USER bytes without NUL; content_type is an
 * enum envelope_content. *out is a heap buffer of ENVELOPE_OVERHEAD +
 * content_len bytes (free with mem_wipe_free). 0, ERR_ARG, ERR_TOO_LONG,
 * ERR_KEY, ERR_NOMEM.
 */
WUR int envelope_seal(const struct rng *rng, const struct identity_key *sender,
    const char *sender_user, uint32_t sender_device,
    const uint8_t recipient_ik[static KEY_LEN], uint8_t content_type,
    const uint8_t *content, size_t content_len, uint8_t **out,
    size_t *out_len) NONNULL(1, 2, 3, 5, 9, 10);

/*
 * Opens an envelope sealed to self. On success fills *sender (its identity
 * key is authenticated by the static layer), *content_type and *content (a
 * heap buffer: free with mem_wipe_free(*content, *content_len)). Errors:
 * ERR_SHORT, ERR_VERSION, ERR_TOO_LONG, ERR_KEY, ERR_AUTH (either layer),
 * ERR_INVALID (inner fields), ERR_TYPE (unknown content type), ERR_NOMEM;
 * outputs are cleared on failure. The caller must still check that the
 * sender's identity key is the one its session with that sender uses.
 */
WUR int envelope_open(const struct identity_key *self, const uint8_t *env,
    size_t len, struct envelope_sender *sender, uint8_t *content_type,
    uint8_t **content, size_t *content_len) NONNULL(1, 2, 4, 5, 6, 7);

#endif
