/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Sealpost developers */
/* The inputs of every vector file, and the published values they must
 * reproduce. Part of gen_vectors.c (the Makefile builds the generator from
 * that one file), included once after its helpers. */
#ifndef SEALPOST_GEN_INPUTS_H
#define SEALPOST_GEN_INPUTS_H

static json_t *
hkdf_in(const char *ikm, const char *salt, const char *info, long long L)
{
	json_t *in = input("hkdf");

	vec_put_str(in, "ikm", ikm);
	vec_put_str(in, "salt", salt);
	vec_put_str(in, "info", info);
	vec_put_int(in, "length", L);
	return in;
}

/* Hex of the bytes from, from + 1, ..., n of them. */
static json_t *
counting(unsigned from, size_t n)
{
	uint8_t b[256];
	size_t i;

	for (i = 0; i < n; i++) {
		b[i] = (uint8_t)(from + i);
	}
	return vec_hex(b, n);
}

/* Published outputs: RFC 5869 appendix A and RFC 4231 section 4. */
static const struct published rfc_values[] = {
	{ "rfc5869_a1", "prk",
	    "077709362c2e32df0ddc3f0dc47bba63"
	    "90b6c73bb50f9c3122ec844ad7c2b3e5" },
	{ "rfc5869_a1", "okm",
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	    "34007208d5b887185865" },
	{ "rfc5869_a2", "prk",
	    "06a6b88c5853361a06104c9ceb35b45c"
	    "ef760014904671014a193f40c15fc244" },
	{ "rfc5869_a2", "okm",
	    "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	    "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	    "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
	{ "rfc5869_a3", "prk",
	    "19ef24a32c717b167f33a91d6f648bdf"
	    "96596776afdb6377ac434c1c293ccb04" },
	{ "rfc5869_a3", "okm",
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	    "9d201395faa4b61a96c8" },
	{ "rfc4231_case1", "mac",
	    "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7" },
	{ "rfc4231_case2", "mac",
	    "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843" },
	{ "length_zero", "error", "ERR_ARG" },
	{ "length_8161", "error", "ERR_ARG" },
	{ NULL, NULL, NULL },
};

static void
check_published(struct vec_ctx *vc, const json_t *f, const struct published *p)
{
	for (; p->name != NULL; p++) {
		check_value(vc, f, p->name, p->field, p->want);
	}
}

static json_t *
hkdf_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *in, *f;
	uint8_t mk[32];
	char label[65];

	in = hkdf_in("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42);
	add(c, "rfc5869_a1", in);
	in = hkdf_in("", "", "", 82);
	vec_put(in, "ikm", counting(0x00, 80));
	vec_put(in, "salt", counting(0x60, 80));
	vec_put(in, "info", counting(0xb0, 80));
	add(c, "rfc5869_a2", in);
	add(c, "rfc5869_a3", hkdf_in("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
				     "0b0b0b", "", "", 42));
	seed_of(mk, "hkdf mk");
	sodium_bin2hex(label, sizeof(label), mk, 32);
	in = hkdf_in(label, "", "", 56);
	put_text(in, "info", LABEL_MESSAGE_KEYS);
	add(c, "absent_salt", in);
	in = hkdf_in(label, "", "", 56);
	put_text(in, "info", LABEL_MESSAGE_KEYS);
	vec_put(in, "salt", vec_hex((const uint8_t[32]) { 0 }, 32));
	add(c, "zero_salt", in);
	in = input("hkdf_length");
	vec_put_int(in, "length", 0);
	add(c, "length_zero", in);
	in = input("hkdf_length");
	vec_put_int(in, "length", 8161);
	add(c, "length_8161", in);
	in = input("hmac");
	vec_put_str(in, "key", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
	put_text(in, "message", "Hi There");
	add(c, "rfc4231_case1", in);
	in = input("hmac");
	put_text(in, "key", "Jefe");
	put_text(in, "message", "what do ya want for nothing?");
	add(c, "rfc4231_case2", in);
	in = input("hmac");
	vec_put_str(in, "key", label);
	vec_put_str(in, "message", "01");
	add(c, "kdf_ck_message_key", in);
	in = input("hmac");
	vec_put_str(in, "key", label);
	vec_put_str(in, "message", "02");
	add(c, "kdf_ck_chain_key", in);
	f = vec_build_hkdf(vc, c);
	json_decref(c);
	check_published(vc, f, rfc_values);
	check_value(vc, f, "zero_salt", "okm",
	    json_string_value(json_object_get(json_object_get(vec_find_case(vc,
		json_object_get(f, "cases"), "absent_salt"), "output"),
		"okm")));
	return f;
}

static json_t *
kdf_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *in, *f;
	static const char *const rk_names[] = { "kdf_rk_1", "kdf_rk_2",
		"kdf_rk_3" };
	char label[32];
	size_t i;

	for (i = 0; i < 3; i++) {
		in = input("kdf_rk");
		snprintf(label, sizeof(label), "kdf rk %zu", i);
		put_seed(in, "rk", label);
		snprintf(label, sizeof(label), "kdf dh %zu", i);
		put_seed(in, "dh", label);
		add(c, rk_names[i], in);
	}
	in = input("kdf_ck");
	put_seed(in, "ck", "kdf ck");
	vec_put_int(in, "steps", 6);
	add(c, "kdf_ck_chain", in);
	in = input("kdf_ck");
	vec_put(in, "ck", vec_hex((const uint8_t[32]) { 0 }, 32));
	vec_put_int(in, "steps", 3);
	add(c, "kdf_ck_zero", in);
	in = input("message_keys");
	put_seed(in, "mk", "kdf mk");
	add(c, "message_keys_1", in);
	in = input("message_keys");
	vec_put(in, "mk", vec_hex((const uint8_t[32]) { 0 }, 32));
	add(c, "message_keys_zero", in);
	f = vec_build_kdf(vc, c);
	json_decref(c);
	return f;
}

static json_t *
rng_in(const uint8_t seed[static 32], const size_t *pieces, size_t n)
{
	json_t *in = input("stream"), *a = vec_arr();
	size_t i;

	vec_put(in, "seed", vec_hex(seed, 32));
	for (i = 0; i < n; i++) {
		vec_push(a, json_integer((json_int_t)pieces[i]));
	}
	vec_put(in, "pieces", a);
	return in;
}

static json_t *
rng_file(struct vec_ctx *vc)
{
	static const uint8_t zero[32];
	static const size_t p32[] = { 32 }, p10[] = { 10, 70 }, p80[] = { 80 },
			    pblk[] = { 1, 63, 1, 64, 65, 6 }, p200[] = { 200 };
	uint8_t count[32], s[32];
	json_t *c = vec_arr(), *f;
	size_t i;

	for (i = 0; i < 32; i++) {
		count[i] = (uint8_t)i;
	}
	seed_of(s, "rng");
	add(c, "zero_seed", rng_in(zero, p32, 1));
	add(c, "pieces_10_70", rng_in(count, p10, 2));
	add(c, "pieces_80", rng_in(count, p80, 1));
	add(c, "block_boundaries", rng_in(s, pblk, NELEM(pblk)));
	add(c, "four_blocks", rng_in(s, p200, 1));
	f = vec_build_rng(vc, c);
	json_decref(c);
	check_value(vc, f, "zero_seed", "stream",
	    "76b8e0ada0f13d90405d6ae55386bd28"
	    "bdd219b8a08ded1aa836efcc8b770dc7");
	return f;
}

static const uint8_t small_order[32] = { 1 }; /* the neutral element */

static json_t *
keys_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *in, *f;

	in = input("identity");
	put_seed(in, "seed", "alice identity");
	add(c, "identity_alice", in);
	in = input("identity");
	put_seed(in, "seed", "bob identity");
	add(c, "identity_bob", in);
	in = input("identity");
	vec_put_str(in, "seed", "9d61b19deffd5a60ba844af492ec2cc44449c5697b3"
	    "26919703bac031cae7f60");
	add(c, "identity_rfc8032_test1", in);
	in = input("prekey_signature");
	put_seed(in, "identity_seed", "bob identity");
	vec_put_str(in, "kind", "signed");
	vec_put_int(in, "id", 1);
	put_seed(in, "prekey_sk", "bob signed prekey");
	add(c, "signed_prekey", in);
	in = input("prekey_signature");
	put_seed(in, "identity_seed", "bob identity");
	vec_put_str(in, "kind", "last_resort");
	vec_put_int(in, "id", 4000000000LL);
	put_seed(in, "prekey_sk", "bob last resort prekey");
	add(c, "last_resort_prekey", in);
	in = input("log_id");
	vec_put_str(in, "public_key", "d75a980182b10ab7d54bfed3c964073a0ee172"
	    "f3daa62325af021a68f707511a");
	add(c, "log_id_rfc8032_test1", in);
	neg(c, "secret_truncated", "identity_alice", "secret_encoding",
	    vec_mut_truncate(32), ERR_SHORT);
	neg(c, "secret_empty", "identity_alice", "secret_encoding",
	    vec_mut_truncate(0), ERR_SHORT);
	neg(c, "secret_bad_version", "identity_alice", "secret_encoding",
	    vec_mut_xor(0, 0x03), ERR_VERSION);
	neg(c, "secret_trailing_byte", "identity_alice", "secret_encoding",
	    vec_mut_append((const uint8_t[1]) { 0 }, 1), ERR_TRAILING);
	neg(c, "signature_flipped_bit", "signed_prekey", "signature",
	    vec_mut_xor(0, 0x01), ERR_AUTH);
	neg(c, "signature_s_not_reduced", "signed_prekey", "signature",
	    vec_mut_xor(63, 0x10), ERR_AUTH);
	neg(c, "identity_small_order", "signed_prekey", "identity_pk",
	    vec_mut_set(0, small_order, 32), ERR_KEY);
	in = neg(c, "signed_as_last_resort", "signed_prekey", "signature",
	    NULL, ERR_AUTH);
	vec_put_str(in, "verify_kind", "last_resort");
	in = neg(c, "last_resort_as_signed", "last_resort_prekey",
	    "signature", NULL, ERR_AUTH);
	vec_put_str(in, "verify_kind", "signed");
	f = vec_build_keys(vc, c);
	json_decref(c);
	check_expects(vc, f);
	check_value(vc, f, "identity_rfc8032_test1", "ed25519_pk",
	    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68"
	    "f707511a");
	return f;
}

/* X3DH inputs; kind 0 has no one-time fields. */
static json_t *
x3dh_in(const char *type, long long spk_id, int kind, long long opk_id,
    const char *opk_label)
{
	json_t *in = input(type);

	put_seed(in, "alice_seed", "alice identity");
	put_seed(in, "bob_seed", "bob identity");
	vec_put_int(in, "spk_id", spk_id);
	put_seed(in, "spk_sk", "bob signed prekey");
	vec_put_int(in, "opk_kind", kind);
	if (kind != 0) {
		vec_put_int(in, "opk_id", opk_id);
		put_seed(in, "opk_sk", opk_label);
	}
	return in;
}

static json_t *
x3dh_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *in, *f;
	static const uint8_t one[4] = { 0, 0, 0, 1 }, three = 3;

	in = x3dh_in("x3dh", 1, 1, 101, "bob one-time prekey 101");
	put_seed(in, "rng_seed", "x3dh rng one-time");
	add(c, "one_time_prekey", in);
	in = x3dh_in("x3dh", 1, 0, 0, NULL);
	put_seed(in, "rng_seed", "x3dh rng none");
	add(c, "no_one_time_prekey", in);
	in = x3dh_in("x3dh", 2, 2, 4000000000LL, "bob last resort prekey");
	put_seed(in, "rng_seed", "x3dh rng last resort");
	add(c, "last_resort_prekey", in);
	neg(c, "header_bad_version", "one_time_prekey", "header",
	    vec_mut_xor(0, 0x03), ERR_VERSION);
	neg(c, "header_truncated", "one_time_prekey", "header",
	    vec_mut_truncate(73), ERR_SHORT);
	neg(c, "header_small_order_ik", "one_time_prekey", "header",
	    vec_mut_set(1, small_order, 32), ERR_KEY);
	neg(c, "header_unknown_kind", "one_time_prekey", "header",
	    vec_mut_set(69, &three, 1), ERR_INVALID);
	neg(c, "header_kind_none_with_id", "no_one_time_prekey", "header",
	    vec_mut_set(70, one, 4), ERR_INVALID);
	in = neg(c, "header_small_order_ek", "one_time_prekey", "header",
	    vec_mut_set(33, (const uint8_t[32]) { 0 }, 32), ERR_KEY);
	vec_put_bool(in, "respond", 1);
	neg(c, "bundle_bad_spk_sig", "one_time_prekey", "spk_sig",
	    vec_mut_xor(10, 0x40), ERR_AUTH);
	neg(c, "bundle_bad_last_resort_sig", "last_resort_prekey", "opk_sig",
	    vec_mut_xor(33, 0x01), ERR_AUTH);
	f = vec_build_x3dh(vc, c);
	json_decref(c);
	check_expects(vc, f);
	return f;
}

static json_t *
seal_in(const char *user, long long device, int type, json_t *content,
    const char *rng)
{
	json_t *in = input("seal");

	put_seed(in, "sender_seed", "alice identity");
	vec_put_str(in, "sender_user", user);
	vec_put_int(in, "sender_device", device);
	put_seed(in, "recipient_seed", "bob identity");
	vec_put_int(in, "content_type", type);
	vec_put(in, "content", content);
	put_seed(in, "rng_seed", rng);
	return in;
}

static json_t *
envelope_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *f;
	char user[65];

	memset(user, 'm', 64);
	user[64] = '\0';
	add(c, "ratchet_content", seal_in("alice", 1, 1, counting(0, 161),
				      "envelope rng 1"));
	add(c, "prekey_content_longest_user", seal_in(user, 4294967295LL, 2,
						  counting(0x40, 10),
						  "envelope rng 2"));
	add(c, "empty_content", seal_in("a", 0, 1, vec_hex(NULL, 0),
				    "envelope rng 3"));
	neg(c, "bad_version", "ratchet_content", "envelope",
	    vec_mut_xor(0, 0x03), ERR_VERSION);
	neg(c, "empty", "ratchet_content", "envelope", vec_mut_truncate(0),
	    ERR_SHORT);
	neg(c, "truncated", "ratchet_content", "envelope",
	    vec_mut_truncate(170), ERR_SHORT);
	neg(c, "small_order_ephemeral", "ratchet_content", "envelope",
	    vec_mut_set(1, (const uint8_t[32]) { 0 }, 32), ERR_KEY);
	neg(c, "layer1_flipped_bit", "ratchet_content", "envelope",
	    vec_mut_xor(40, 0x01), ERR_AUTH);
	neg(c, "layer2_flipped_bit", "ratchet_content", "envelope",
	    vec_mut_xor(90, 0x80), ERR_AUTH);
	neg(c, "layer2_tag_flipped_bit", "empty_content", "envelope",
	    vec_mut_xor(170, 0x01), ERR_AUTH);
	f = vec_build_envelope(vc, c);
	json_decref(c);
	check_expects(vc, f);
	return f;
}

static json_t *
fp_raw_in(int iterations)
{
	json_t *in = input("raw");

	vec_put_str(in, "local_id", "+14152222222");
	vec_put_str(in, "local_key", "0506863bc66d02b40d27b8d49ca7c09e9239236"
	    "f9d7d25d6fcca5ce13c7064d868");
	vec_put_str(in, "remote_id", "+14153333333");
	vec_put_str(in, "remote_key", "05f781b6fb32fed9ba1cf2de978d4d5da28dc3"
	    "4046ae814402b5c0dbd96fda907b");
	vec_put_int(in, "iterations", iterations);
	return in;
}

static json_t *
fp_id_in(const char *lid, const char *lseed, const char *rid,
    const char *rseed)
{
	json_t *in = input("identity");

	vec_put_str(in, "local_id", lid);
	put_seed(in, "local_seed", lseed);
	vec_put_str(in, "remote_id", rid);
	put_seed(in, "remote_seed", rseed);
	return in;
}

static json_t *
fingerprint_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *f;

	add(c, "libsignal_published", fp_raw_in(5200));
	add(c, "libsignal_keys_one_iteration", fp_raw_in(1));
	add(c, "alice_and_bob", fp_id_in("alice", "alice identity", "bob",
				    "bob identity"));
	add(c, "bob_and_alice", fp_id_in("bob", "bob identity", "alice",
				    "alice identity"));
	neg(c, "small_order_identity", "alice_and_bob", "local_ik",
	    vec_mut_set(0, small_order, 32), ERR_KEY);
	f = vec_build_fingerprint(vc, c);
	json_decref(c);
	check_expects(vc, f);
	check_value(vc, f, "libsignal_published", "safety_number",
	    "300354477692869396892869876765458257569162576843440918079131");
	check_value(vc, f, "bob_and_alice", "safety_number",
	    json_string_value(json_object_get(json_object_get(vec_find_case(vc,
		json_object_get(f, "cases"), "alice_and_bob"), "output"),
		"safety_number")));
	return f;
}

static json_t *
padding_file(struct vec_ctx *vc)
{
	static const long long lens[] = { 0, 1, 62, 63, 64, 126, 127, 128, 255,
		256, 511, 512, 1023, 1024, 2047, 2048, 4095, 4096, 8191, 8192,
		16382, 16383, 16384, 16385, 17407, 17408, 20479, 20480,
		20481, 32767, 32768, 32769, 65535, 65536, 100000, 1032191,
		1032192, 1048574, 1048575, 1048576 };
	static const long long blens[] = { 0, 1, 63, 64, 65, 96, 128, 16384,
		16385, 17408, 18432, 20480, 24576, 32768, 33792, 34816, 49152,
		1032192, 1040384, 1048576 };
	static const uint8_t zeros[64], m81 = 0x81, z = 0, one = 1;
	json_t *c = vec_arr(), *in, *f;
	char name[32];
	size_t i;

	for (i = 0; i < NELEM(lens); i++) {
		in = input("bucket");
		vec_put_int(in, "length", lens[i]);
		snprintf(name, sizeof(name), "bucket_%lld", lens[i]);
		add(c, name, in);
	}
	for (i = 0; i < NELEM(blens); i++) {
		in = input("is_bucket");
		vec_put_int(in, "length", blens[i]);
		snprintf(name, sizeof(name), "is_bucket_%lld", blens[i]);
		add(c, name, in);
	}
	in = input("pad");
	vec_put(in, "plaintext", vec_hex(NULL, 0));
	add(c, "pad_empty", in);
	in = input("pad");
	put_text(in, "plaintext", "abc");
	add(c, "pad_abc", in);
	in = input("pad");
	vec_put(in, "plaintext", counting(0x41, 63));
	add(c, "pad_63_bytes", in);
	in = input("pad");
	vec_put(in, "plaintext", counting(0x41, 64));
	add(c, "pad_64_bytes", in);
	in = input("pad");
	vec_put_str(in, "plaintext", "8000");
	add(c, "pad_plaintext_ending_in_marker_and_zero", in);
	neg(c, "reject_last_nonzero_not_marker", "pad_abc", "padded",
	    vec_mut_set(3, &m81, 1), ERR_INVALID);
	neg(c, "reject_all_zero", "pad_abc", "padded", vec_mut_set(3, &z, 1),
	    ERR_INVALID);
	neg(c, "reject_nonzero_after_marker", "pad_abc", "padded",
	    vec_mut_set(63, &one, 1), ERR_INVALID);
	neg(c, "reject_length_not_a_bucket", "pad_abc", "padded",
	    vec_mut_truncate(63), ERR_INVALID);
	neg(c, "reject_empty", "pad_abc", "padded", vec_mut_truncate(0),
	    ERR_INVALID);
	neg(c, "reject_not_canonical", "pad_abc", "padded",
	    vec_mut_append(zeros, 64), ERR_INVALID);
	f = vec_build_padding(vc, c);
	json_decref(c);
	check_expects(vc, f);
	return f;
}

/* One event of the ratchet script. */
struct ev {
	const char *type; /* send, deliver, send_forged or snapshot */
	const char *id;   /* message id, or the party of a snapshot */
	const char *text; /* send: the plaintext */
	int err;          /* deliver: the expected error */
	char op;          /* deliver: 'x' xor, 't' truncate, or none */
	unsigned at, mask;
	const char *name; /* default: type_id */
};

static const char long_text[] =
    "b4: a longer message, padded to the 256-byte bucket. The quick brown "
    "fox jumps over the lazy dog; pack my box with five dozen liquor jugs; "
    "sphinx of black quartz, judge my vow.";

static const struct ev script[] = {
	{ "snapshot", "alice", 0, 0, 0, 0, 0, "snapshot_alice_initial" },
	{ "snapshot", "bob", 0, 0, 0, 0, 0, "snapshot_bob_initial" },
	{ "send", "a1", "a1: Hello Bob! Chain A1 opens.", 0, 0, 0, 0, 0 },
	{ "send", "a2", "a2: delivered after a3", 0, 0, 0, 0, 0 },
	{ "send", "a3", "a3: delivered before a2", 0, 0, 0, 0, 0 },
	{ "send", "a4", "a4: delivered from an older chain", 0, 0, 0, 0, 0 },
	{ "send", "a5", "a5: never delivered; its key is dropped", 0, 0, 0, 0,
	    0 },
	{ "deliver", "a1", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a3", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a3", 0, ERR_REPLAY, 0, 0, 0, "replay_a3_current_chain" },
	{ "deliver", "a2", 0, 0, 0, 0, 0, 0 },
	{ "snapshot", "bob", 0, 0, 0, 0, 0, "snapshot_bob_after_a2" },
	{ "send", "b1", "b1: Bob's first reply, chain B1", 0, 0, 0, 0, 0 },
	{ "send", "b2", "b2: delivered before b1", 0, 0, 0, 0, 0 },
	{ "deliver", "b2", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "b1", 0, 0, 0, 0, 0, 0 },
	{ "send", "a6", "a6: chain A2, delivered after a7", 0, 0, 0, 0, 0 },
	{ "send", "a7", "a7: opens chain A2 at Bob", 0, 0, 0, 0, 0 },
	{ "deliver", "a7", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a4", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a4", 0, ERR_REPLAY, 0, 0, 0, "replay_a4_skipped_chain" },
	{ "snapshot", "bob", 0, 0, 0, 0, 0, "snapshot_bob_skipped_keys" },
	{ "send", "b3", "b3: chain B2", 0, 0, 0, 0, 0 },
	{ "deliver", "a6", 0, 0, 0, 0, 0, 0 },
	{ "send", "b4", long_text, 0, 0, 0, 0, 0 },
	{ "deliver", "b3", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "b4", 0, 0, 0, 0, 0, 0 },
	{ "send", "a8", "a8: chain A3", 0, 0, 0, 0, 0 },
	{ "send", "a9", "a9: arrives after four corrupted copies", 0, 0, 0, 0,
	    0 },
	{ "deliver", "a8", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a9", 0, ERR_AUTH, 'x', 40, 0x01,
	    "a9_header_flipped_bit" },
	{ "deliver", "a9", 0, ERR_AUTH, 'x', 120, 0x80,
	    "a9_body_flipped_bit" },
	{ "deliver", "a9", 0, ERR_VERSION, 'x', 0, 0x03, "a9_bad_version" },
	{ "deliver", "a9", 0, ERR_INVALID, 't', 160, 0, "a9_not_a_bucket" },
	{ "deliver", "a9", 0, 0, 0, 0, 0, 0 },
	{ "send_forged", "f1", "f1: 1001 numbers ahead of Bob", 0, 0, 1001, 0,
	    0 },
	{ "deliver", "f1", 0, ERR_SKIP, 0, 0, 0, "f1_beyond_skip_bound" },
	{ "send", "b5", "b5: chain B3", 0, 0, 0, 0, 0 },
	{ "deliver", "b5", 0, 0, 0, 0, 0, 0 },
	{ "send", "a10", "a10: chain A4, delivered from an older chain", 0, 0,
	    0, 0, 0 },
	{ "send", "a11", "a11: opens chain A4 at Bob", 0, 0, 0, 0, 0 },
	{ "deliver", "a11", 0, 0, 0, 0, 0, 0 },
	{ "send", "b6", "b6: chain B4", 0, 0, 0, 0, 0 },
	{ "deliver", "b6", 0, 0, 0, 0, 0, 0 },
	{ "send", "a12", "", 0, 0, 0, 0, 0 },
	{ "deliver", "a12", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a10", 0, 0, 0, 0, 0, 0 },
	{ "send", "b7", "b7: chain B5", 0, 0, 0, 0, 0 },
	{ "deliver", "b7", 0, 0, 0, 0, 0, 0 },
	{ "send", "a13", "a13: chain A6; Bob's sixth step drops a5's key", 0,
	    0, 0, 0, 0 },
	{ "deliver", "a13", 0, 0, 0, 0, 0, 0 },
	{ "deliver", "a5", 0, ERR_AUTH, 0, 0, 0, "a5_key_dropped" },
	{ "send", "b8", "b8: chain B6", 0, 0, 0, 0, 0 },
	{ "deliver", "b8", 0, 0, 0, 0, 0, 0 },
	{ "snapshot", "alice", 0, 0, 0, 0, 0, "snapshot_alice_final" },
	{ "snapshot", "bob", 0, 0, 0, 0, 0, "snapshot_bob_final" },
};

static json_t *
ratchet_setup_in(void)
{
	json_t *in = x3dh_in("setup", 1, 1, 102, "bob one-time prekey 102");

	put_seed(in, "alice_rng_seed", "alice ratchet rng");
	put_seed(in, "bob_rng_seed", "bob ratchet rng");
	return in;
}

static json_t *
event_in(const struct ev *e, char *name, size_t cap)
{
	json_t *in = input(e->type);

	snprintf(name, cap, "%s_%s", e->type, e->id);
	if (e->name != NULL) {
		snprintf(name, cap, "%s", e->name);
	}
	if (strcmp(e->type, "snapshot") == 0) {
		vec_put_str(in, "party", e->id);
		return in;
	}
	if (strcmp(e->type, "deliver") != 0) {
		vec_put_str(in, "from", e->id[0] == 'b' ? "bob" : "alice");
	}
	vec_put_str(in, "message_id", e->id);
	if (strcmp(e->type, "send_forged") == 0) {
		vec_put_int(in, "skip_ahead", e->at);
		put_seed(in, "rng_seed", "forged message rng");
	}
	if (e->text != NULL) {
		put_text(in, "plaintext", e->text);
	}
	if (e->op == 'x') {
		vec_put(in, "mutation", vec_mut_xor(e->at, e->mask));
	} else if (e->op == 't') {
		vec_put(in, "mutation", vec_mut_truncate(e->at));
	}
	return in;
}

/* The last case added to c. */
static const json_t *
in_name(const json_t *c)
{
	return json_array_get(c, json_array_size(c) - 1);
}

static json_t *
ratchet_file(struct vec_ctx *vc)
{
	json_t *c = vec_arr(), *f;
	char name[64];
	size_t i;

	add(c, "setup", ratchet_setup_in());
	for (i = 0; i < NELEM(script); i++) {
		json_t *in = event_in(&script[i], name, sizeof(name));

		add(c, name, in);
		if (strcmp(script[i].type, "deliver") == 0) {
			expect(json_string_value(json_object_get(in_name(c),
				   "name")),
			    "result", script[i].err);
		}
	}
	f = vec_build_ratchet(vc, c);
	check_expects(vc, f);
	json_decref(c);
	return f;
}

static void
state_in(struct vec_ctx *vc, json_t *c, const json_t *ratchet,
    const char *snap)
{
	const json_t *s = vec_find_case(vc, json_object_get(ratchet, "cases"),
	    snap);
	json_t *in = input("state");

	vec_put_str(in, "ratchet_case", snap);
	vec_put(in, "blob", json_deep_copy(json_object_get(json_object_get(s,
	    "output"), "state")));
	add(c, snap + strlen("snapshot_"), in);
}

static json_t *
state_file(struct vec_ctx *vc, const json_t *ratchet)
{
	static const uint8_t z32[32], f03 = 0x03, f1f = 0x1f, one = 1,
				      big[2] = { 0x07, 0xd1 },
				      step[4] = { 0xff, 0xff, 0xff, 0xff };
	json_t *c = vec_arr(), *f;

	state_in(vc, c, ratchet, "snapshot_alice_initial");
	state_in(vc, c, ratchet, "snapshot_bob_initial");
	state_in(vc, c, ratchet, "snapshot_bob_skipped_keys");
	state_in(vc, c, ratchet, "snapshot_alice_final");
	neg(c, "empty", "bob_skipped_keys", "blob", vec_mut_truncate(0),
	    ERR_SHORT);
	neg(c, "bad_version", "bob_skipped_keys", "blob", vec_mut_xor(0, 3),
	    ERR_VERSION);
	neg(c, "unknown_flags", "bob_skipped_keys", "blob",
	    vec_mut_set(1, &f03, 1), ERR_INVALID);
	neg(c, "flags_without_keys", "bob_initial", "blob",
	    vec_mut_set(1, &f1f, 1), ERR_INVALID);
	neg(c, "absent_key_not_zero", "alice_initial", "blob",
	    vec_mut_set(226, &one, 1), ERR_INVALID);
	neg(c, "present_key_zero", "bob_skipped_keys", "blob",
	    vec_mut_set(226, z32, 32), ERR_INVALID);
	neg(c, "key_pair_mismatch", "bob_skipped_keys", "blob",
	    vec_mut_xor(98, 0x01), ERR_INVALID);
	neg(c, "truncated_in_fields", "alice_initial", "blob",
	    vec_mut_truncate(400), ERR_SHORT);
	neg(c, "truncated_in_entry", "bob_skipped_keys", "blob",
	    vec_mut_truncate(404 + 72 + 40), ERR_SHORT);
	neg(c, "too_many_entries", "bob_skipped_keys", "blob",
	    vec_mut_set(402, big, 2), ERR_INVALID);
	neg(c, "entry_step_ahead", "bob_skipped_keys", "blob",
	    vec_mut_set(404 + 36, step, 4), ERR_INVALID);
	neg(c, "trailing_byte", "alice_final", "blob",
	    vec_mut_append(z32, 1), ERR_TRAILING);
	f = vec_build_state(vc, c);
	json_decref(c);
	check_expects(vc, f);
	return f;
}

/* Builds every file into files; returns how many. */
static size_t
build_all(struct vec_ctx *vc, json_t **files)
{
	size_t n = 0;

	files[n++] = hkdf_file(vc);
	files[n++] = kdf_file(vc);
	files[n++] = rng_file(vc);
	files[n++] = keys_file(vc);
	files[n++] = x3dh_file(vc);
	files[n++] = ratchet_file(vc);
	files[n++] = padding_file(vc);
	files[n++] = envelope_file(vc);
	files[n++] = fingerprint_file(vc);
	files[n++] = state_file(vc, files[5]);
	return n;
}

#endif
