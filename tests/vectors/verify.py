#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
"""Independent verifier of Sealpost's published test vectors.

Usage: verify.py DIR

Loads every ``*.json`` vector file in DIR (written by
tests/vectors/gen_vectors.c from the C library) and re-derives every case's
output from its recorded inputs with ``sealpost_ref``, an implementation of
docs/PROTOCOL.md in Python on the standard library and `cryptography` only
(no libsodium, no C code).  A recorded intermediate is never trusted when it
can be computed: each case's whole output object is recomputed and compared
field by field, and a field recorded but not recomputed is itself a
failure, as is an input field the verifier did not read, an unknown file,
an unknown case type or an unknown top-level key.

Prints one line per check (``ok FILE case I (NAME)`` or ``FAIL FILE case I
(NAME): field F expected E got G``; a file's common header is one check)
and ends with ``verify: N passed, M failed``.  Exits 1 on any failure, if
DIR holds no vector file, or if one of the known files is missing.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sealpost_ref as ref  # noqa: E402
from sealpost_ref import SealpostError  # noqa: E402

SUITE = "Sealpost-v1"
GENERATOR = "tests/vectors/gen_vectors.c"
SPEC_PREFIX = "docs/PROTOCOL.md#"
HEADER_KEYS = {"file", "suite", "description", "spec", "generator", "provenance", "cases"}
PROTOCOL_MD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                           "PROTOCOL.md")


class VectorError(Exception):
    """A malformed vector: a missing, mistyped or unused input field."""


# ---------------------------------------------------------------------------
# Reading inputs


class Input:
    """A case's input object; remembers which fields were read so that an
    input the verifier ignores is reported instead of silently passing."""

    def __init__(self, obj, where: str = "input"):
        if not isinstance(obj, dict):
            raise VectorError("%s is not an object" % where)
        self.obj = obj
        self.where = where
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.obj

    def raw(self, key: str):
        if key not in self.obj:
            raise VectorError("%s field %r missing" % (self.where, key))
        self.used.add(key)
        return self.obj[key]

    def hex(self, key: str, n: int | None = None) -> bytes:
        return parse_hex(self.raw(key), "%s field %r" % (self.where, key), n)

    def int(self, key: str, lo: int = 0, hi: int = 2**64) -> int:
        v = self.raw(key)
        if type(v) is not int or not lo <= v <= hi:
            raise VectorError("%s field %r: not an integer in %d..%d" % (self.where, key, lo, hi))
        return v

    def str(self, key: str) -> str:
        v = self.raw(key)
        if not isinstance(v, str):
            raise VectorError("%s field %r: not a string" % (self.where, key))
        return v

    def bool(self, key: str) -> bool:
        v = self.raw(key)
        if type(v) is not bool:
            raise VectorError("%s field %r: not a boolean" % (self.where, key))
        return v

    def list(self, key: str) -> list:
        v = self.raw(key)
        if not isinstance(v, list):
            raise VectorError("%s field %r: not a list" % (self.where, key))
        return v

    def sub(self, key: str) -> "Input":
        return Input(self.raw(key), "%s.%s" % (self.where, key))

    def check_all_used(self) -> None:
        unused = sorted(set(self.obj) - self.used)
        if unused:
            raise VectorError("%s fields not covered by the verifier: %s"
                              % (self.where, ", ".join(unused)))


def parse_hex(v, what: str, n: int | None = None) -> bytes:
    if not isinstance(v, str) or len(v) % 2 or v != v.lower():
        raise VectorError("%s: not lower-case hex" % what)
    try:
        b = bytes.fromhex(v)
    except ValueError:
        raise VectorError("%s: not lower-case hex" % what) from None
    if n is not None and len(b) != n:
        raise VectorError("%s: %d bytes, want %d" % (what, len(b), n))
    return b


def err_name(f) -> str:
    """Run f(); the name of the Sealpost error it raises, or "ERR_OK"."""
    try:
        f()
    except SealpostError as e:
        return e.name
    return "ERR_OK"


def text(b: bytes) -> str:
    """An ASCII identifier recorded as a JSON string."""
    return b.decode("ascii")


# ---------------------------------------------------------------------------
# Mutations of negative cases (vec.h: xor, set, truncate, append)


def mutate(m: Input, data: bytes) -> bytes:
    op = m.str("op")
    n = len(data)
    if op == "xor":
        off = m.int("offset", 0, n - 1)
        mask = m.int("mask", 1, 255)
        out = bytearray(data)
        out[off] ^= mask
        return bytes(out)
    if op == "set":
        off = m.int("offset", 0, n - 1)
        b = m.hex("bytes")
        if off + len(b) > n:
            raise VectorError("mutation: set runs past the end")
        return data[:off] + b + data[off + len(b):]
    if op == "truncate":
        return data[:m.int("length", 0, n)]
    if op == "append":
        return data + m.hex("bytes")
    raise VectorError("mutation: unknown op %r" % op)


class FileCtx:
    """Per-file state: cases built so far, by name, with the verifier's own
    outputs (negative cases start from those, never from recorded ones)."""

    def __init__(self, name: str):
        self.name = name
        self.inputs: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}


def negative(inp: Input, ctx: FileCtx, run) -> dict:
    """A negative case: the base case's field (its output, else its input)
    with the mutation applied, run by run(base_input, base_output,
    neg_input, bytes), which returns the name of the error (or ERR_OK)."""
    base = inp.str("base_case")
    if base not in ctx.outputs:
        raise VectorError("base case %r not found before this case" % base)
    target = inp.str("target")
    src = ctx.outputs[base] if target in ctx.outputs[base] else ctx.inputs[base]
    if target not in src:
        raise VectorError("target %r not in base case %r" % (target, base))
    data = parse_hex(src[target], "base field %r" % target)
    mut = inp.raw("mutation")
    if mut is not None:
        m = Input(mut, "input.mutation")
        data = mutate(m, data)
        m.check_all_used()
    base_in = Input(ctx.inputs[base], "base input")
    return {"input": data.hex(), "error": run(base_in, ctx.outputs[base], inp, data)}


# ---------------------------------------------------------------------------
# hkdf.json [§1.5.4]


def c_hkdf(inp: Input, ctx: FileCtx) -> dict:
    salt, ikm, info = inp.hex("salt"), inp.hex("ikm"), inp.hex("info")
    length = inp.int("length", 0, 1 << 20)
    try:
        okm = ref.hkdf(salt, ikm, info, length)
    except SealpostError as e:
        return {"error": e.name}
    return {"prk": ref.hmac_sha256(salt or ref.ZERO32, ikm).hex(), "okm": okm.hex()}


def c_hkdf_length(inp: Input, ctx: FileCtx) -> dict:
    """A length HKDF refuses (empty salt, ikm and info), and by how much it
    is over the 8160-byte limit (0 for a zero length)."""
    length = inp.int("length", 0, 1 << 20)
    return {"error": err_name(lambda: ref.hkdf(None, b"", b"", length)),
            "over_limit_by": length - 255 * 32 if length > 0 else 0}


def c_hmac(inp: Input, ctx: FileCtx) -> dict:
    return {"mac": ref.hmac_sha256(inp.hex("key"), inp.hex("message")).hex()}


# ---------------------------------------------------------------------------
# kdf.json [§4.2]


def c_kdf_rk(inp: Input, ctx: FileCtx) -> dict:
    rk, d = inp.hex("rk", 32), inp.hex("dh", 32)
    okm = ref.hkdf(rk, d, ref.LABEL_RATCHET, 96)
    rk2, ck, nhk = ref.kdf_rk(rk, d)
    assert okm == rk2 + ck + nhk
    return {"okm": okm.hex(), "rk_next": rk2.hex(), "ck": ck.hex(), "nhk": nhk.hex()}


def c_kdf_ck(inp: Input, ctx: FileCtx) -> dict:
    ck = inp.hex("ck", 32)
    chain = []
    for i in range(inp.int("steps", 1, 64)):
        ck2, mk = ref.kdf_ck(ck)
        chain.append({"n": i, "ck": ck.hex(), "mk": mk.hex(), "ck_next": ck2.hex()})
        ck = ck2
    return {"chain": chain}


def c_message_keys(inp: Input, ctx: FileCtx) -> dict:
    mk = inp.hex("mk", 32)
    okm = ref.hkdf(None, mk, ref.LABEL_MSGKEYS, 56)
    key, nonce = ref.message_keys(mk)
    return {"okm": okm.hex(), "body_key": key.hex(), "body_nonce": nonce.hex()}


# ---------------------------------------------------------------------------
# rng.json [§1.6.1]


def c_rng_stream(inp: Input, ctx: FileCtx) -> dict:
    rng = ref.TestRng(inp.hex("seed", 32))
    drawn = []
    for p in inp.list("pieces"):
        if type(p) is not int or p < 1:
            raise VectorError("rng: bad piece %r" % (p,))
        drawn.append(rng.draw(p).hex())
    return {"drawn": drawn, "stream": "".join(drawn)}


# ---------------------------------------------------------------------------
# padding.json [§5]


def c_bucket(inp: Input, ctx: FileCtx) -> dict:
    """The bucket and the padding it adds, or ERR_TOO_LONG and by how much
    the length is over the largest paddable one (2^20 - 1)."""
    n = inp.int("length", 0, 1 << 21)
    if n >= ref.PAD_MAX:
        return {"bucket": None, "error": "ERR_TOO_LONG", "over_limit_by": n - ref.PAD_MAX + 1}
    return {"bucket": ref.bucket(n), "padding_bytes": ref.bucket(n) - n}


def c_is_bucket(inp: Input, ctx: FileCtx) -> dict:
    """Whether a length is a bucket size, and bucket(length - 1) - length
    (null when length - 1 cannot be padded)."""
    n = inp.int("length", 0, 1 << 21)
    diff = ref.bucket(n - 1) - n if 0 < n <= ref.PAD_MAX else None
    return {"is_bucket": ref.is_bucket(n), "bucket_minus_length": diff}


def c_pad(inp: Input, ctx: FileCtx) -> dict:
    pt = inp.hex("plaintext")
    padded = ref.pad(pt)
    if ref.unpad(padded) != pt:
        raise VectorError("pad/unpad round trip")
    return {"bucket": len(padded), "padded": padded.hex()}


def c_padding_negative(inp: Input, ctx: FileCtx) -> dict:
    return negative(inp, ctx, lambda base, bo, neg, data: err_name(lambda: ref.unpad(data)))


# ---------------------------------------------------------------------------
# keys.json [§2, §1.5.2, §1.5.3]


def c_identity(inp: Input, ctx: FileCtx) -> dict:
    ident = ref.Identity(inp.hex("seed", 32))
    enc = ident.encode()
    if ref.Identity.decode(enc).pk != ident.pk or not ref.is_valid_identity_key(ident.pk):
        raise VectorError("identity round trip")
    if ref.x25519_base(ident.x_sk) != ident.x_pk:
        raise VectorError("x25519 form of the identity disagrees with its secret")
    return {
        "ed25519_pk": ident.pk.hex(),
        "ed25519_sk": (ident.seed + ident.pk).hex(),
        "x25519_sk": ident.x_sk.hex(),
        "x25519_pk": ident.x_pk.hex(),
        "secret_encoding": enc.hex(),
        "log_id": ref.log_id(ident.pk),
    }


def prekey_kind(inp: Input, key: str = "kind") -> str:
    k = inp.str(key)
    if k not in (ref.PREKEY_SIGNED, ref.PREKEY_LAST_RESORT):
        raise VectorError("unknown prekey kind %r" % k)
    return k


def c_prekey_signature(inp: Input, ctx: FileCtx) -> dict:
    ident = ref.Identity(inp.hex("identity_seed", 32))
    kind = prekey_kind(inp)
    key_id = inp.int("id", 0, ref.U32_MAX)
    kp = ref.KeyPair.from_sk(inp.hex("prekey_sk", 32))
    msg = ref.prekey_sig_message(kind, key_id, kp.pk)
    sig = ref.prekey_sign(ident, kind, key_id, kp.pk)
    ref.prekey_verify(ident.pk, kind, key_id, kp.pk, sig)
    return {"identity_pk": ident.pk.hex(), "prekey_pk": kp.pk.hex(),
            "signed_message": msg.hex(), "signature": sig.hex()}


def c_log_id(inp: Input, ctx: FileCtx) -> dict:
    pk = inp.hex("public_key", 32)
    return {"sha256": ref.sha256(pk).hex(), "log_id": ref.log_id(pk)}


def keys_neg_run(base: Input, bo: dict, neg: Input, data: bytes) -> str:
    """Decode a secret encoding, or verify the base case's prekey signature
    with one part replaced (optionally as the kind "verify_kind")."""
    target = neg.str("target")
    if target == "secret_encoding":
        return err_name(lambda: ref.Identity.decode(data))
    kind = prekey_kind(base)
    key_id = base.int("id", 0, ref.U32_MAX)
    ik, pk, sig = (bytes.fromhex(bo["identity_pk"]), bytes.fromhex(bo["prekey_pk"]),
                   bytes.fromhex(bo["signature"]))
    if target == "identity_pk" and len(data) == 32:
        ik = data
    elif target == "signature" and len(data) == 64:
        sig = data
    else:
        raise VectorError("keys negative: target %s, %d bytes" % (target, len(data)))
    if neg.has("verify_kind"):
        kind = prekey_kind(neg, "verify_kind")
    return err_name(lambda: ref.prekey_verify(ik, kind, key_id, pk, sig))


def c_keys_negative(inp: Input, ctx: FileCtx) -> dict:
    return negative(inp, ctx, keys_neg_run)


# ---------------------------------------------------------------------------
# fingerprint.json [§8]


def fp_out(a: str, b: str) -> dict:
    return {"local_half": a, "remote_half": b, "safety_number": a + b if a <= b else b + a}


def c_fp_raw(inp: Input, ctx: FileCtx) -> dict:
    lid, rid = inp.str("local_id").encode(), inp.str("remote_id").encode()
    it = inp.int("iterations", 1, 100000)
    lk, rk = inp.hex("local_key"), inp.hex("remote_key")
    return fp_out(ref.fingerprint_half_raw(lid, lk, it), ref.fingerprint_half_raw(rid, rk, it))


def c_fp_identity(inp: Input, ctx: FileCtx) -> dict:
    loc, rem = ref.Identity(inp.hex("local_seed", 32)), ref.Identity(inp.hex("remote_seed", 32))
    lid, rid = inp.str("local_id").encode(), inp.str("remote_id").encode()
    a, b = ref.fingerprint_half(lid, loc.pk), ref.fingerprint_half(rid, rem.pk)
    out = {"local_ik": loc.pk.hex(), "local_key": ("05" + loc.x_pk.hex()),
           "remote_ik": rem.pk.hex(), "remote_key": ("05" + rem.x_pk.hex())}
    out.update(fp_out(a, b))
    sn1 = ref.safety_number(lid, loc.pk, rid, rem.pk)
    if sn1 != out["safety_number"] or sn1 != ref.safety_number(rid, rem.pk, lid, loc.pk):
        raise VectorError("safety number is not symmetric")
    return out


def fp_neg_run(base: Input, bo: dict, neg: Input, data: bytes) -> str:
    if neg.str("target") != "local_ik":
        raise VectorError("fingerprint negative: unknown target")
    lid = base.str("local_id").encode()
    if len(data) != 32:
        return "ERR_ARG"  # the generator's harness refuses a key of another length
    return err_name(lambda: ref.fingerprint_half(lid, data))


def c_fp_negative(inp: Input, ctx: FileCtx) -> dict:
    return negative(inp, ctx, fp_neg_run)


# ---------------------------------------------------------------------------
# x3dh.json [§3, §2.4]


class X3dhSetup:
    """Identities, prekeys and the signed bundle of an x3dh case input."""

    def __init__(self, inp: Input):
        self.alice = ref.Identity(inp.hex("alice_seed", 32))
        self.bob = ref.Identity(inp.hex("bob_seed", 32))
        self.spk = ref.KeyPair.from_sk(inp.hex("spk_sk", 32))
        spk_id = inp.int("spk_id", 0, ref.U32_MAX)
        kind = inp.int("opk_kind", 0, 2)
        self.opk = None
        opk_id, opk_pk, opk_sig = 0, ref.ZERO32, bytes(64)
        if kind != 0:
            self.opk = ref.KeyPair.from_sk(inp.hex("opk_sk", 32))
            opk_id, opk_pk = inp.int("opk_id", 0, ref.U32_MAX), self.opk.pk
        if kind == 2:
            opk_sig = ref.prekey_sign(self.bob, ref.PREKEY_LAST_RESORT, opk_id, opk_pk)
        self.bundle = ref.Bundle(
            self.bob.pk, spk_id, self.spk.pk,
            ref.prekey_sign(self.bob, ref.PREKEY_SIGNED, spk_id, self.spk.pk),
            kind, opk_id, opk_pk, opk_sig)

    def respond(self, hdr: ref.X3dhHeader):
        """The responder's output for a decoded header; opk_sk is the base
        case's one-time key secret (zero if it has none) when the header
        names a one-time slot, as the generator's harness passes it."""
        opk_sk = None
        if hdr.opk_kind != 0:
            opk_sk = self.opk.sk if self.opk else ref.ZERO32
        return ref.x3dh_respond(self.bob, self.spk.sk, opk_sk, hdr)[0]


def x3dh_run(inp: Input, rng: ref.TestRng):
    """X3DH on a case's inputs with the initiator's RNG; returns the output
    record, the setup and the X3DH result.  The responder must agree."""
    x = X3dhSetup(inp)
    b = x.bundle
    before = rng.drawn
    res, hdr, ek, dhs = ref.x3dh_initiate(x.alice, b, rng)
    if rng.drawn - before != 32:
        raise VectorError("x3dh initiation drew %d bytes" % (rng.drawn - before))
    ikm = b"\xff" * 32 + b"".join(dhs)
    okm = ref.hkdf(None, ikm, ref.LABEL_X3DH, 96)
    if okm != res.sk + res.hka + res.nhkb:
        raise VectorError("x3dh output split")
    header = hdr.encode()
    if x.respond(ref.X3dhHeader.decode(header)) != res:
        raise VectorError("responder's X3DH output differs from the initiator's")
    out = {"alice_ik": x.alice.pk.hex(), "alice_x25519_sk": x.alice.x_sk.hex(),
           "bob_ik": x.bob.pk.hex(), "bob_x25519_pk": x.bob.x_pk.hex(),
           "spk_pk": b.spk.hex(), "spk_sig": b.spk_sig.hex()}
    if b.opk_kind != 0:
        out["opk_pk"] = b.opk.hex()
    if b.opk_kind == 2:
        out["opk_sig"] = b.opk_sig.hex()
    out.update({"rng_drawn": ek.sk.hex(), "ek_pk": ek.pk.hex()})
    for i, d in enumerate(dhs):
        out["dh%d" % (i + 1)] = d.hex()
    out.update({"ikm": ikm.hex(), "okm": okm.hex(), "sk": res.sk.hex(), "hka": res.hka.hex(),
                "nhkb": res.nhkb.hex(), "ad": res.ad.hex(), "header": header.hex()})
    return out, x, res


def c_x3dh(inp: Input, ctx: FileCtx) -> dict:
    return x3dh_run(inp, ref.TestRng(inp.hex("rng_seed", 32)))[0]


def x3dh_neg_run(base: Input, bo: dict, neg: Input, data: bytes) -> str:
    """Decode a header (and, with "respond": true, respond to it), or
    initiate with a replaced signature (RNG seeded with the signed prekey
    secret, as the generator's harness does)."""
    x = X3dhSetup(base)
    target = neg.str("target")
    if target == "header" and neg.has("respond") and neg.bool("respond"):
        return err_name(lambda: x.respond(ref.X3dhHeader.decode(data)))
    if target == "header":
        return err_name(lambda: ref.X3dhHeader.decode(data))
    if target in ("spk_sig", "opk_sig") and len(data) == 64:
        setattr(x.bundle, target, data)
        rng = ref.TestRng(x.spk.sk)
        name = err_name(lambda: ref.x3dh_initiate(x.alice, x.bundle, rng))
        if name != "ERR_OK" and rng.drawn:
            raise VectorError("a failed initiation drew randomness")
        return name
    raise VectorError("x3dh negative: target %s, %d bytes" % (target, len(data)))


def c_x3dh_negative(inp: Input, ctx: FileCtx) -> dict:
    return negative(inp, ctx, x3dh_neg_run)


# ---------------------------------------------------------------------------
# envelope.json [§7]


def c_envelope_seal(inp: Input, ctx: FileCtx) -> dict:
    s = ref.Identity(inp.hex("sender_seed", 32))
    r = ref.Identity(inp.hex("recipient_seed", 32))
    seed = inp.hex("rng_seed", 32)
    content = inp.hex("content")
    user = inp.str("sender_user").encode()
    device = inp.int("sender_device", 0, ref.U32_MAX)
    ctype = inp.int("content_type", 0, 255)
    rng = ref.TestRng(seed)
    env = ref.envelope_seal(s, user, device, ctype, content, r.pk, rng)
    if rng.drawn != 32:
        raise VectorError("sealing drew %d bytes" % rng.drawn)
    # Every layer again, step by step from section 7.2.
    e = ref.KeyPair.from_sk(ref.TestRng(seed).draw(32))
    dh1 = ref.dh(e.sk, r.x_pk)
    salt1 = e.pk + r.pk
    okm1 = ref.hkdf(salt1, dh1, ref.LABEL_ENV_EPH, 88)
    ad1 = b"\x01" + salt1
    c1 = ref.aead_seal(okm1[32:64], okm1[64:88], s.pk, ad1)
    dh2 = ref.dh(s.x_sk, r.x_pk)
    if dh2 != ref.dh(r.x_sk, s.x_pk):
        raise VectorError("static-static DH is not symmetric")
    okm2 = ref.hkdf(okm1[0:32], dh2, ref.LABEL_ENV_STATIC, 56)
    ad2 = ad1 + c1
    inner = ref.envelope_inner(ctype, user, device, content)
    c2 = ref.aead_seal(okm2[0:32], okm2[32:56], inner, ad2)
    if env != b"\x01" + e.pk + c1 + c2 or len(env) != ref.ENV_MIN + len(content):
        raise VectorError("envelope differs from its layers")
    o = ref.envelope_open(r, env)
    return {
        "sender_ik": s.pk.hex(), "sender_x25519_pk": s.x_pk.hex(),
        "recipient_ik": r.pk.hex(), "recipient_x25519_pk": r.x_pk.hex(),
        "rng_drawn": e.sk.hex(), "ephemeral_pk": e.pk.hex(), "dh1": dh1.hex(),
        "salt1": salt1.hex(), "okm1": okm1.hex(), "ck": okm1[0:32].hex(),
        "k1": okm1[32:64].hex(), "n1": okm1[64:88].hex(), "ad1": ad1.hex(), "c1": c1.hex(),
        "dh2": dh2.hex(), "okm2": okm2.hex(), "k2": okm2[0:32].hex(), "n2": okm2[32:56].hex(),
        "ad2": ad2.hex(), "inner": inner.hex(), "c2": c2.hex(), "envelope": env.hex(),
        "open": {"content_type": o.content_type, "sender_user": text(o.user),
                 "sender_device": o.device_id, "sender_ik": o.ik_s.hex(),
                 "content": o.content.hex()},
    }


def envelope_neg_run(base: Input, bo: dict, neg: Input, data: bytes) -> str:
    if neg.str("target") != "envelope":
        raise VectorError("envelope negative: unknown target")
    r = ref.Identity(base.hex("recipient_seed", 32))
    return err_name(lambda: ref.envelope_open(r, data))


def c_envelope_negative(inp: Input, ctx: FileCtx) -> dict:
    return negative(inp, ctx, envelope_neg_run)


# ---------------------------------------------------------------------------
# ratchet.json [§4, §5, §1.6.2]: the whole transcript is replayed from the
# recorded seeds and inputs; every recorded value is recomputed.


class Transcript:
    """Both parties' sessions and RNGs, and every message sent so far."""

    def __init__(self):
        self.rng: list[ref.TestRng] = []
        self.s: list[ref.Ratchet] = []
        self.msgs: list[tuple[str, int, bytes]] = []  # (id, sender, bytes)


PARTIES = ("alice", "bob")


def party(inp: Input, key: str) -> int:
    p = inp.str(key)
    if p not in PARTIES:
        raise VectorError("unknown party %r" % p)
    return PARTIES.index(p)


def transcript(ctx: FileCtx) -> Transcript:
    t = getattr(ctx, "rt", None)
    if t is None:
        raise VectorError("no successful setup case before this one")
    return t


def c_rt_setup(inp: Input, ctx: FileCtx) -> dict:
    if ctx.inputs:
        raise VectorError("setup must be the first case")
    t = Transcript()
    t.rng = [ref.TestRng(inp.hex("alice_rng_seed", 32)),
             ref.TestRng(inp.hex("bob_rng_seed", 32))]
    x3, x, res = x3dh_run(inp, t.rng[0])
    # Initiator [§4.3], step by step, then through the reference class.
    probe = ref.TestRng(inp.hex("alice_rng_seed", 32))
    probe.draw(32)
    dhs = ref.KeyPair.from_sk(probe.draw(32))
    d = ref.dh(dhs.sk, x.spk.pk)
    rk, cks, nhks = ref.kdf_rk(res.sk, d)
    a = ref.Ratchet.init_initiator(res, x.spk.pk, t.rng[0])
    if (a.dhs_sk, a.rk, a.cks, a.nhks, a.hks, a.nhkr) != (dhs.sk, rk, cks, nhks, res.hka,
                                                          res.nhkb):
        raise VectorError("initiator state disagrees with section 4.3")
    b = ref.Ratchet.init_responder(res, x.spk)
    t.s = [a, b]
    ctx.rt = t
    return {
        "x3dh": x3,
        "alice_init": {"rng_drawn": dhs.sk.hex(), "dhs_pk": dhs.pk.hex(), "dhr": x.spk.pk.hex(),
                       "dh": d.hex(), "rk": rk.hex(), "cks": cks.hex(), "nhks": nhks.hex(),
                       "hks": res.hka.hex(), "nhkr": res.nhkb.hex(), "flags": a.flags},
        "bob_init": {"dhs_pk": b.dhs_pk.hex(), "rk": b.rk.hex(), "nhks": b.nhks.hex(),
                     "nhkr": b.nhkr.hex(), "flags": b.flags},
    }


def rt_encrypt(t: Transcript, s: ref.Ratchet, rng: ref.TestRng, frm: int,
               inp: Input) -> dict:
    """Encrypt on s and rebuild the message from section 4.5 on the state
    before, field by field."""
    pt = inp.hex("plaintext")
    pre = s.clone()
    before = rng.drawn
    msg = s.encrypt(pt, rng)
    if rng.drawn - before != 24:
        raise VectorError("encryption drew %d bytes" % (rng.drawn - before))
    ck2, mk = ref.kdf_ck(pre.cks)
    hpt = pre.dhs_pk + ref.u32(pre.pn) + ref.u32(pre.ns)
    nonce = msg[1:25]
    had = b"\x01" + pre.ad
    eh = nonce + ref.aead_seal(pre.hks, nonce, hpt, had)
    bkey, bnonce = ref.message_keys(mk)
    padded = ref.pad(pt)
    bad = had + eh
    rebuilt = b"\x01" + eh + ref.aead_seal(bkey, bnonce, padded, bad)
    if rebuilt != msg or s.cks != ck2 or s.ns != pre.ns + 1:
        raise VectorError("message or sender state disagrees with section 4.6")
    t.msgs.append((inp.str("message_id"), frm, msg))
    return {
        "direction": "%s_to_%s" % (PARTIES[frm], PARTIES[1 - frm]),
        "sender_before": {"dhs_pk": pre.dhs_pk.hex(), "pn": pre.pn, "n": pre.ns,
                          "cks": pre.cks.hex(), "hks": pre.hks.hex()},
        "mk": mk.hex(), "cks_after": ck2.hex(), "header_plaintext": hpt.hex(),
        "header_nonce": nonce.hex(), "header_ad": had.hex(), "encrypted_header": eh.hex(),
        "body_key": bkey.hex(), "body_nonce": bnonce.hex(), "padded_plaintext": padded.hex(),
        "body_ad": bad.hex(), "message": msg.hex(),
    }


def c_rt_send(inp: Input, ctx: FileCtx) -> dict:
    t = transcript(ctx)
    frm = party(inp, "from")
    return rt_encrypt(t, t.s[frm], t.rng[frm], frm, inp)


def c_rt_send_forged(inp: Input, ctx: FileCtx) -> dict:
    """A message skip_ahead numbers ahead, from a copy of the sender (made
    through the state blob) with its own RNG: the sender does not move."""
    t = transcript(ctx)
    frm = party(inp, "from")
    k = inp.int("skip_ahead", 0, 100000)
    rng = ref.TestRng(inp.hex("rng_seed", 32))
    c = ref.Ratchet.decode(t.s[frm].encode())
    for _ in range(k):
        c.cks = ref.kdf_ck(c.cks)[0]
    c.ns = (c.ns + k) & ref.U32_MAX
    return rt_encrypt(t, c, rng, frm, inp)


def counters(s: ref.Ratchet) -> dict:
    return {"ns": s.ns, "nr": s.nr, "pn": s.pn, "step": s.step,
            "skipped_count": len(s.skipped)}


def c_rt_deliver(inp: Input, ctx: FileCtx) -> dict:
    t = transcript(ctx)
    mid = inp.str("message_id")
    found = [m for m in t.msgs if m[0] == mid]
    if not found:
        raise VectorError("deliver: no message %r" % mid)
    _, frm, msg = found[0]
    to = 1 - frm
    out: dict = {"to": PARTIES[to]}
    if inp.has("mutation"):
        m = inp.sub("mutation")
        msg = mutate(m, msg)
        m.check_all_used()
        out["message"] = msg.hex()
    s, rng = t.s[to], t.rng[to]
    out["receiver_before"] = counters(s)
    blob, drawn = s.encode(), rng.drawn
    trace: dict = {}
    try:
        s.decrypt(msg, rng, trace)
        result = "ok"
    except SealpostError as e:
        result = e.name
    out.update(trace)
    out["result"] = result
    if result != "ok":
        out["state_unchanged"] = s.encode() == blob and rng.drawn == drawn
    out["receiver_after"] = counters(s)
    return out


def c_rt_snapshot(inp: Input, ctx: FileCtx) -> dict:
    t = transcript(ctx)
    s = t.s[party(inp, "party")]
    blob = s.encode()
    if ref.Ratchet.decode(blob).encode() != blob:
        raise VectorError("state blob round trip")
    return {"flags": s.flags, "skipped_count": len(s.skipped), "state": blob.hex()}


# ---------------------------------------------------------------------------
# state.json [§6]: blobs of ratchet.json's snapshots, decoded at the layout's
# offsets by the reference decoder.

STATE_KEYS = ("dhs_sk", "dhs_pk", "dhr", "rk", "cks", "ckr", "hks", "hkr", "nhks", "nhkr")


def c_state(inp: Input, ctx: FileCtx) -> dict:
    blob = inp.hex("blob")
    if inp.has("ratchet_case"):
        snap = ALL_OUTPUTS.get("ratchet.json", {}).get(inp.str("ratchet_case"))
        if snap is None or snap.get("state") != blob.hex():
            raise VectorError("blob is not the state of ratchet.json case %r"
                              % inp.obj["ratchet_case"])
    st = ref.Ratchet.decode(blob)
    if st.encode() != blob:
        raise VectorError("state re-encoding differs")
    out = {"length": len(blob), "version": ref.STATE_VERSION, "flags": st.flags,
           "ad": st.ad.hex()}
    for k in STATE_KEYS:
        out[k] = getattr(st, k).hex()
    out.update({"ns": st.ns, "nr": st.nr, "pn": st.pn, "step": st.step,
                "count": len(st.skipped), "skipped": [e.as_dict() for e in st.skipped]})
    return out


def c_state_negative(inp: Input, ctx: FileCtx) -> dict:
    def run(base, bo, neg, data):
        if neg.str("target") != "blob":
            raise VectorError("state negative: unknown target")
        return err_name(lambda: ref.Ratchet.decode(data))
    return negative(inp, ctx, run)


# Every file's outputs as the verifier computed them, for cross-file checks.
ALL_OUTPUTS: dict[str, dict[str, dict]] = {}


# ---------------------------------------------------------------------------
# The files and their case types

FILES = {
    "hkdf.json": {"hkdf": c_hkdf, "hkdf_length": c_hkdf_length, "hmac": c_hmac},
    "kdf.json": {"kdf_rk": c_kdf_rk, "kdf_ck": c_kdf_ck, "message_keys": c_message_keys},
    "rng.json": {"stream": c_rng_stream},
    "padding.json": {"bucket": c_bucket, "is_bucket": c_is_bucket, "pad": c_pad,
                     "negative": c_padding_negative},
    "keys.json": {"identity": c_identity, "prekey_signature": c_prekey_signature,
                  "log_id": c_log_id, "negative": c_keys_negative},
    "fingerprint.json": {"raw": c_fp_raw, "identity": c_fp_identity,
                         "negative": c_fp_negative},
    "x3dh.json": {"x3dh": c_x3dh, "negative": c_x3dh_negative},
    "envelope.json": {"seal": c_envelope_seal, "negative": c_envelope_negative},
    "ratchet.json": {"setup": c_rt_setup, "send": c_rt_send, "send_forged": c_rt_send_forged,
                     "deliver": c_rt_deliver, "snapshot": c_rt_snapshot},
    "state.json": {"state": c_state, "negative": c_state_negative},
}
# Files whose cases refer to another file's cases are verified after it.
ORDER = {"ratchet.json": 0, "state.json": 1}


# ---------------------------------------------------------------------------
# Comparison and the driver


def short(v) -> str:
    s = json.dumps(v)
    return s if len(s) <= 72 else s[:34] + "..." + s[-34:]


def diff(recorded, mine, path: str) -> str | None:
    """The first difference between a recorded value and the recomputed one
    (types compared strictly: true is not 1), or None."""
    if isinstance(recorded, dict) and isinstance(mine, dict):
        for k in list(recorded) + [k for k in mine if k not in recorded]:
            p = "%s.%s" % (path, k) if path else k
            if k not in mine:
                return "field %s recorded but not re-derived by the verifier" % p
            if k not in recorded:
                return "field %s missing (verifier computes %s)" % (p, short(mine[k]))
            d = diff(recorded[k], mine[k], p)
            if d:
                return d
        return None
    if isinstance(recorded, list) and isinstance(mine, list):
        if len(recorded) != len(mine):
            return "field %s expected %d entries got %d" % (path, len(recorded), len(mine))
        for i, (a, b) in enumerate(zip(recorded, mine)):
            d = diff(a, b, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if type(recorded) is not type(mine) or recorded != mine:
        where = ""
        if isinstance(recorded, str) and isinstance(mine, str):
            at = next((i for i, (a, b) in enumerate(zip(recorded, mine)) if a != b),
                      min(len(recorded), len(mine)))
            where = " (first difference at character %d)" % at
        return "field %s expected %s got %s%s" % (path, short(recorded), short(mine), where)
    return None


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what: str) -> None:
        self.passed += 1
        print("ok %s" % what)

    def fail(self, what: str, why: str) -> None:
        self.failed += 1
        print("FAIL %s: %s" % (what, why))


def protocol_anchors() -> set[str] | None:
    try:
        with open(PROTOCOL_MD, encoding="utf-8") as f:
            body = f.read()
    except OSError:
        return None
    out = set()
    for part in body.split('<a id="')[1:]:
        out.add(part.split('"', 1)[0])
    return out


def check_header(fname: str, doc, anchors, tally: Tally) -> list | None:
    """The common file header; returns the cases list or None."""
    what = "%s header" % fname
    if not isinstance(doc, dict):
        tally.fail(what, "not a JSON object")
        return None
    problems = []
    extra = sorted(set(doc) - HEADER_KEYS)
    missing = sorted(HEADER_KEYS - set(doc))
    if extra:
        problems.append("unknown top-level keys %s" % extra)
    if missing:
        problems.append("missing top-level keys %s" % missing)
    if doc.get("file") != fname:
        problems.append("field file expected %s got %s" % (short(doc.get("file")), fname))
    if doc.get("suite") != SUITE:
        problems.append("field suite is %s" % short(doc.get("suite")))
    if doc.get("generator") != GENERATOR:
        problems.append("field generator is %s" % short(doc.get("generator")))
    for k in ("description", "provenance"):
        if not isinstance(doc.get(k), str) or not doc.get(k):
            problems.append("field %s is not a non-empty string" % k)
    spec = doc.get("spec")
    if not isinstance(spec, list) or not spec:
        problems.append("field spec is not a non-empty list")
    else:
        for s in spec:
            if not isinstance(s, str) or not s.startswith(SPEC_PREFIX):
                problems.append("spec entry %s" % short(s))
            elif anchors is not None and s[len(SPEC_PREFIX):] not in anchors:
                problems.append("spec anchor %s not in PROTOCOL.md" % s)
    if fname not in FILES:
        problems.append("unknown vector file (the verifier has no checks for it)")
    cases = doc.get("cases")
    if not isinstance(cases, list) or not cases:
        problems.append("field cases is not a non-empty list")
        cases = None
    if problems:
        tally.fail(what, "; ".join(problems))
        return None
    tally.ok(what)
    return cases


def run_case(fname: str, idx: int, case, ctx: FileCtx) -> str | None:
    """Verifies one case; returns None or the reason it failed."""
    if not isinstance(case, dict) or set(case) != {"name", "input", "output"}:
        return "case is not an object with exactly name, input and output"
    name, out = case["name"], case["output"]
    if not isinstance(name, str) or not name:
        return "case name is not a non-empty string"
    if name in ctx.inputs:
        return "duplicate case name %r" % name
    if not isinstance(out, dict):
        return "output is not an object"
    inp = Input(case["input"])
    ctype = inp.str("type")
    fn = FILES[fname].get(ctype)
    if fn is None:
        return "unknown case type %r" % ctype
    try:
        mine = fn(inp, ctx)
        inp.check_all_used()
    except SealpostError as e:
        return "unexpected %s while re-deriving the case" % e.name
    except VectorError as e:
        return str(e)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as e:
        return "malformed case: %s: %s" % (type(e).__name__, e)
    ctx.inputs[name] = case["input"]
    ctx.outputs[name] = mine
    return diff(out, mine, "")


def verify_file(path: str, anchors, tally: Tally) -> None:
    fname = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        tally.fail(fname, "cannot load: %s" % e)
        return
    verify_doc(fname, doc, anchors, tally)


def verify_doc(fname: str, doc, anchors, tally: Tally) -> None:
    """Verifies one loaded vector file."""
    cases = check_header(fname, doc, anchors, tally)
    if cases is None:
        return
    ctx = FileCtx(fname)
    ALL_OUTPUTS[fname] = ctx.outputs
    for i, case in enumerate(cases):
        label = "%s case %d" % (fname, i)
        if isinstance(case, dict) and isinstance(case.get("name"), str):
            label += " (%s)" % case["name"]
        why = run_case(fname, i, case, ctx)
        if why:
            tally.fail(label, why)
        else:
            tally.ok(label)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: verify.py DIR", file=sys.stderr)
        return 2
    d = argv[1]
    try:
        names = sorted((n for n in os.listdir(d) if n.endswith(".json")),
                       key=lambda n: (ORDER.get(n, -1), n))
    except OSError as e:
        print("verify: cannot list %s: %s" % (d, e))
        names = []
    tally = Tally()
    if not names:
        tally.fail(d, "no *.json vector file found")
    else:
        for missing in sorted(set(FILES) - set(names)):
            tally.fail(missing, "vector file missing from %s" % d)
    anchors = protocol_anchors()
    for n in names:
        verify_file(os.path.join(d, n), anchors, tally)
    print("verify: %d passed, %d failed" % (tally.passed, tally.failed))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
