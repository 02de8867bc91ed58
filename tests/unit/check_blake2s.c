/*
 * Known answers for the BLAKE2s glue: Hash, Mac, Hmac and Kdf1/2/3.
 *
 * Sources, all independent of this code:
 *  - BLAKE2s-256 of "" and "abc": RFC 7693 Appendix B (abc) and the
 *    BLAKE2 reference KAT (empty input);
 *  - keyed BLAKE2s, key 00..1f, empty input: the BLAKE2 reference KAT
 *    (blake2s-kat.txt, first keyed entry);
 *  - HMAC-BLAKE2s and HKDF: python3's hashlib.blake2s with hmac
 *    (digestmod=hashlib.blake2s), by tests/unit/wg_kat.py
 *    ("python3 tests/unit/wg_kat.py" prints these #defines);
 *  - WireGuard's initial chaining key and hash: wg_kat.py, and they
 *    equal the constants hard-coded in boringtun's noise/handshake.rs
 *    (INITIAL_CHAIN_KEY, INITIAL_CHAIN_HASH).
 */
#include "autoconf.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blake2.h>
#include <sodium.h>

#include "crypto/blake2s_glue.h"
#include "crypto/noise.h"
#include "crypto/wg_handshake.h"
#include "tests/unit/wgtest.h"

#define B2S_EMPTY \
	"69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9"
#define B2S_ABC \
	"508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982"
#define B2S_KEYED_EMPTY \
	"48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49"

/* From: python3 tests/unit/wg_kat.py */
#define HMAC1 \
	"f93215bb90d4af4c3061cd932fb169fb8bb8a91d0b4022baea1271e1323cd9a0"
#define HMAC2 \
	"e2641d24dfa8dd89e8cb77f1cdc77d8c006e5bebdfc4d6a3a3a6f8d5b7586fb0"
#define HMAC3 \
	"c1b751501db12b753069a918627b623179be55c8cc7ca5c4e14bdf32274ac656"
#define HMAC4 \
	"690ee478866a3698f0ed2e87e8b25fcb63e56f6c2e6baa69acec75b6d645d1ae"
/* HKDF: ck = Hash(construction), in = 00..1f */
#define KDF_T1 \
	"6ff66e10ab4a55ac8144a867fcd9f8ee64d4bd6239223338cb3437cf085ab031"
#define KDF_T2 \
	"203b22d63d63e35cebb9e40210cf8c1d7f90879428a4c766cda9ef34bb299398"
#define KDF_T3 \
	"35a7b2fc3e4f59db341dbe588e3b75897980c463d5bbb855f8ed8134ff40133a"
#define KDF_EMPTY_T1 \
	"bd968725a9177942a8c2e4253d1dde31cf7b19ec001b4a3a3d141cd9d998d3ba"
#define KDF_EMPTY_T2 \
	"aab5462b323780fa615bf80ffe469510239ff361575a663968e686a7ae41d693"
#define WG_CK0 \
	"60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36"
#define WG_H0 \
	"2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3"

static void
seq(uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)i;
}

START_TEST(test_hash)
{
	uint8_t	out[WG_HASH_LEN];

	wg_hash(out, NULL, 0);
	assert_hex(out, sizeof(out), B2S_EMPTY, "blake2s(\"\")");
	wg_hash(out, (const uint8_t *)"abc", 3);
	assert_hex(out, sizeof(out), B2S_ABC, "blake2s(abc)");
	/* Hash(a || b) is one hash over the concatenation. */
	wg_hash2(out, (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2);
	assert_hex(out, sizeof(out), B2S_ABC, "blake2s(a || bc)");
	wg_hash2(out, (const uint8_t *)"abc", 3, NULL, 0);
	assert_hex(out, sizeof(out), B2S_ABC, "blake2s(abc || empty)");
}
END_TEST

START_TEST(test_keyed)
{
	uint8_t	key[32], full[32], mac[WG_MAC_LEN], ref[WG_MAC_LEN];

	seq(key, sizeof(key));
	/* wg_mac is BLAKE2s-128, so check the 256-bit KAT through libb2 and
	 * the 128-bit output against the same computation. */
	ck_assert_int_eq(blake2s(full, NULL, key, 32, 0, 32), 0);
	assert_hex(full, sizeof(full), B2S_KEYED_EMPTY, "keyed blake2s");
	wg_mac(mac, key, 32, NULL, 0);
	ck_assert_int_eq(blake2s(ref, NULL, key, 16, 0, 32), 0);
	ck_assert_mem_eq(mac, ref, sizeof(mac));
	/* The 128-bit output is not a truncation (outlen is a parameter). */
	ck_assert_mem_ne(mac, full, sizeof(mac));
	/* The 16-byte key (mac2) */
	wg_mac(mac, key, 16, (const uint8_t *)"abc", 3);
	ck_assert_int_eq(blake2s(ref, "abc", key, 16, 3, 16), 0);
	ck_assert_mem_eq(mac, ref, sizeof(mac));
}
END_TEST

START_TEST(test_hmac)
{
	uint8_t	out[WG_HASH_LEN], key[100], msg[200];
	const char *fox = "The quick brown fox jumps over the lazy dog";

	wg_hmac(out, (const uint8_t *)"key", 3, (const uint8_t *)fox,
	    strlen(fox));
	assert_hex(out, sizeof(out), HMAC1, "hmac 1");
	seq(key, sizeof(key));
	seq(msg, sizeof(msg));
	wg_hmac(out, key, 32, NULL, 0);
	assert_hex(out, sizeof(out), HMAC2, "hmac 2 (empty input)");
	wg_hmac(out, key, 100, (const uint8_t *)"abc", 3);
	assert_hex(out, sizeof(out), HMAC3, "hmac 3 (key > block)");
	wg_hmac(out, key, 64, msg, sizeof(msg));
	assert_hex(out, sizeof(out), HMAC4, "hmac 4 (key = block)");
}
END_TEST

START_TEST(test_kdf)
{
	uint8_t	ck[WG_HASH_LEN], in[32], a[32], b[32], c[32];
	const char *name = WG_CONSTRUCTION;

	wg_hash(ck, (const uint8_t *)name, strlen(name));
	seq(in, sizeof(in));

	wg_kdf3(a, b, c, ck, in, sizeof(in));
	assert_hex(a, 32, KDF_T1, "kdf3 t1");
	assert_hex(b, 32, KDF_T2, "kdf3 t2");
	assert_hex(c, 32, KDF_T3, "kdf3 t3");
	/* Fewer outputs are prefixes of more. */
	memset(a, 0, 32);
	memset(b, 0, 32);
	wg_kdf2(a, b, ck, in, sizeof(in));
	assert_hex(a, 32, KDF_T1, "kdf2 t1");
	assert_hex(b, 32, KDF_T2, "kdf2 t2");
	memset(a, 0, 32);
	wg_kdf1(a, ck, in, sizeof(in));
	assert_hex(a, 32, KDF_T1, "kdf1 t1");
	/* Only the third wanted (the psk step never skips the second, but
	 * the interface allows it). */
	memset(a, 0, 32);
	memset(c, 0, 32);
	wg_kdf(a, NULL, c, ck, in, sizeof(in));
	assert_hex(c, 32, KDF_T3, "kdf t3 without t2");
	/* Empty input: Noise's Split. */
	wg_kdf2(a, b, ck, NULL, 0);
	assert_hex(a, 32, KDF_EMPTY_T1, "split t1");
	assert_hex(b, 32, KDF_EMPTY_T2, "split t2");
}
END_TEST

START_TEST(test_kdf_alias)
{
	uint8_t	ck[WG_HASH_LEN], in[32], k[32];

	/* The handshake writes the new chaining key over the old one and
	 * sometimes over the input. */
	wg_hash(ck, (const uint8_t *)WG_CONSTRUCTION,
	    strlen(WG_CONSTRUCTION));
	seq(in, sizeof(in));
	wg_kdf2(ck, k, ck, in, sizeof(in));
	assert_hex(ck, 32, KDF_T1, "aliased ck");
	assert_hex(k, 32, KDF_T2, "aliased k");

	wg_hash(ck, (const uint8_t *)WG_CONSTRUCTION,
	    strlen(WG_CONSTRUCTION));
	wg_kdf3(in, k, ck, ck, in, sizeof(in));
	assert_hex(in, 32, KDF_T1, "aliased in");
	assert_hex(k, 32, KDF_T2, "aliased t2");
	assert_hex(ck, 32, KDF_T3, "aliased t3 over ck");
}
END_TEST

START_TEST(test_wg_initial)
{
	struct noise_protocol	p;

	wg_protocol_init(&p);
	assert_hex(p.ck0, 32, WG_CK0, "Ci = Hash(Construction)");
	assert_hex(p.h0, 32, WG_H0, "Hi = Hash(Ci || Identifier)");
	ck_assert_int_eq(p.psk2, 1);
}
END_TEST

static Suite *
blake2s_suite(void)
{
	Suite	*s = suite_create("blake2s");
	TCase	*tc = tcase_create("kat");

	tcase_add_test(tc, test_hash);
	tcase_add_test(tc, test_keyed);
	tcase_add_test(tc, test_hmac);
	tcase_add_test(tc, test_kdf);
	tcase_add_test(tc, test_kdf_alias);
	tcase_add_test(tc, test_wg_initial);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	sr = srunner_create(blake2s_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
