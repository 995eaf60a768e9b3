/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The Double Ratchet with header encryption (Signal's specification,
 * section 4), XChaCha20-Poly1305 for headers and bodies, padded bodies. */
#ifndef SEALPOST_RATCHET_H
#define SEALPOST_RATCHET_H

#include <stddef.h>
#include <stdint.h>

#include "common/compat.h"
#include "crypto/keys.h"
#include "crypto/pad.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

/* Most message keys one message may skip in one chain (the rest of the
 * previous chain and the start of a new one count separately); a message
 * further ahead is refused with ERR_SKIP before any work is done. */
#define RATCHET_MAX_SKIP 1000
/* Skipped message keys kept in all; past it the oldest are dropped. */
#define RATCHET_MAX_SKIPPED 2000
/* A skipped key is dropped once the receiving ratchet has stepped this many
 * times after its chain. */
#define RATCHET_MAX_SKIP_STEPS 5

#define RATCHET_HEADER_LEN 40     /* dh || u32 pn || u32 n */
#define RATCHET_ENC_HEADER_LEN 80 /* nonce(24) || ciphertext(40) || tag(16) */
#define RATCHET_OVERHEAD (1 + RATCHET_ENC_HEADER_LEN + 16)
#define RATCHET_MAX_PLAINTEXT (PAD_MAX - 1)
#define RATCHET_MAX_MESSAGE (RATCHET_OVERHEAD + PAD_MAX)

/* One session's state, in guarded memory. Not thread safe: one thread at a
 * time per session. */
struct ratchet_session;

/* Initiator (Alice) after x3dh_initiate: responder_spk is the responder's
 * signed prekey, its first ratchet key. Uses rng for the first ratchet
 * key. 0, ERR_KEY (small-order spk) or ERR_NOMEM; *out NULL on failure. */
WUR int ratchet_init_initiator(const struct rng *rng,
    const struct x3dh_output *x, const uint8_t responder_spk[static KEY_LEN],
    struct ratchet_session **out) NONNULL(1, 2, 3, 4);

/* Responder (Bob) after x3dh_respond: spk is his signed prekey pair. */
WUR int ratchet_init_responder(const struct x3dh_output *x,
    const struct x25519_keypair *spk, struct ratchet_session **out)
    NONNULL(1, 2, 3);

/* Wipes and frees; NULL is a no-op. */
void ratchet_free(struct ratchet_session *s);

/* 1 if the session has a sending chain (the responder has none until the
 * first message arrives), else 0. */
int ratchet_can_send(const struct ratchet_session *s) NONNULL(1);

/* The session's associated data: initiator IK || responder IK. */
const uint8_t *ratchet_ad(const struct ratchet_session *s) NONNULL(1);

/* Number of skipped message keys held. */
size_t ratchet_skipped_count(const struct ratchet_session *s) NONNULL(1);

/*
 * Pads and encrypts len bytes (at most RATCHET_MAX_PLAINTEXT). *out gets a
 * heap message (free with mem_wipe_free(*out, *out_len)). The state
 * advances only on success. ERR_STATE if the session cannot send yet,
 * ERR_TOO_LONG, ERR_NOMEM.
 */
WUR int ratchet_encrypt(struct ratchet_session *s, const struct rng *rng,
    const uint8_t *pt, size_t len, uint8_t **out, size_t *out_len)
    NONNULL(1, 2, 5, 6);

/*
 * Decrypts one message. *pt gets a heap buffer (free with mem_wipe_free(*pt,
 * *pt_len)). rng is used only when an authenticated message starts a new DH
 * ratchet step. The state changes only on success. Errors: ERR_SHORT,
 * ERR_TOO_LONG, ERR_VERSION, ERR_INVALID (framing: the body is not a padding
 * bucket plus tag); ERR_AUTH (no header key fits, or a bad tag or padding:
 * the caller learns no more); ERR_REPLAY (the header authenticates but the
 * key was used or dropped); ERR_SKIP (too far ahead); ERR_INVALID (message
 * number 2^32-1); ERR_KEY (the sender's ratchet key is of small order);
 * ERR_NOMEM.
 */
WUR int ratchet_decrypt(struct ratchet_session *s, const struct rng *rng,
    const uint8_t *msg, size_t len, uint8_t **pt, size_t *pt_len)
    NONNULL(1, 2, 3, 5, 6);

/* Serialises the whole state (format in docs/PROTOCOL.md). The blob holds
 * secrets: free it with mem_wipe_free. */
WUR int ratchet_encode(const struct ratchet_session *s, uint8_t **out,
    size_t *out_len) NONNULL(1, 2, 3);

/* Restores a state. ERR_SHORT, ERR_TRAILING, ERR_VERSION, ERR_INVALID
 * (flags, counts, non-canonical absent fields, key pair mismatch), ERR_NOMEM. */
WUR int ratchet_decode(const uint8_t *p, size_t len,
    struct ratchet_session **out) NONNULL(1, 3);

#endif
