/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* Deterministic fixtures shared by the fuzz targets and the seed corpus
 * generator: fixed identities and a session pair built from fixed seeds. */
#ifndef SEALPOST_FUZZ_H
#define SEALPOST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/mem.h"
#include "crypto/keys.h"
#include "crypto/ratchet.h"
#include "crypto/rng.h"
#include "crypto/x3dh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts: a fixture that cannot be built is a bug, not an input. */
#define FUZZ_CHECK(x)                                                        \
	do {                                                                 \
		if (!(x)) {                                                  \
			abort();                                             \
		}                                                            \
	} while (0)

struct fuzz_fixture {
	struct rng_seeded rng;
	struct identity_key *alice;
	struct identity_key *bob;
	struct x25519_keypair spk;
	struct x3dh_header hdr;
	struct ratchet_session *a; /* initiator, can send */
	struct ratchet_session *b; /* responder, before any message */
};

static inline void
fuzz_seed(uint8_t seed[32], uint8_t tag)
{
	memset(seed, 0, 32);
	seed[0] = tag;
}

/* Alice (initiator) and Bob (responder) after X3DH without a one-time
 * prekey; every key comes from fixed seeds. */
static inline void
fuzz_fixture_init(struct fuzz_fixture *f)
{
	struct x3dh_bundle bundle;
	struct x3dh_output oa, ob;
	uint8_t seed[32];

	FUZZ_CHECK(sodium_init() >= 0);
	memset(f, 0, sizeof(*f));
	fuzz_seed(seed, 0xA1);
	FUZZ_CHECK(identity_from_seed(seed, &f->alice) == 0);
	fuzz_seed(seed, 0xB0);
	FUZZ_CHECK(identity_from_seed(seed, &f->bob) == 0);
	fuzz_seed(seed, 0x5E);
	rng_seeded_init(&f->rng, seed);
	x25519_keypair_generate(&f->rng.rng, &f->spk);
	memset(&bundle, 0, sizeof(bundle));
	memcpy(bundle.ik, f->bob->ed_pk, KEY_LEN);
	bundle.spk_id = 1;
	memcpy(bundle.spk, f->spk.pk, KEY_LEN);
	prekey_sign(f->bob, PREKEY_SIGNED, 1, f->spk.pk, bundle.spk_sig);
	FUZZ_CHECK(x3dh_initiate(&f->rng.rng, f->alice, &bundle, &f->hdr,
		       &oa) == 0);
	FUZZ_CHECK(x3dh_respond(f->bob, f->spk.sk, NULL, &f->hdr, &ob) == 0);
	FUZZ_CHECK(ratchet_init_initiator(&f->rng.rng, &oa, f->spk.pk,
		       &f->a) == 0);
	FUZZ_CHECK(ratchet_init_responder(&ob, &f->spk, &f->b) == 0);
	x3dh_output_wipe(&oa);
	x3dh_output_wipe(&ob);
}

static inline void
fuzz_fixture_wipe(struct fuzz_fixture *f)
{
	ratchet_free(f->a);
	ratchet_free(f->b);
	identity_free(f->alice);
	identity_free(f->bob);
	x25519_keypair_wipe(&f->spk);
	rng_seeded_wipe(&f->rng);
	memset(f, 0, sizeof(*f));
}

#endif
