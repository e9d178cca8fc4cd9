/* kernel/lib: SHA-256 against the examples of FIPS 180-2 (appendix B) and
 * NIST's extra messages, fed whole and at every split, and the hex forms an
 * evolution's manifest uses. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"

static void hex_of(const void *data, size_t len, char out[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_SIZE];
	sha256(data, len, d);
	sha256_to_hex(d, out);
}

START_TEST(test_sha256_fips_180_examples)
{
	char hex[SHA256_HEX_SIZE];
	hex_of("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two_blocks, strlen(two_blocks), hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	hex_of("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *long_msg = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
			       "klmnopqrlmnopqrsmnopqrstnopqrstu";
	hex_of(long_msg, strlen(long_msg), hex);
	ck_assert_str_eq(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}
END_TEST

/* One million 'a' (FIPS 180-2 B.3), in chunks of 1000 through update. */
START_TEST(test_sha256_million_a_in_chunks)
{
	char chunk[1000];
	memset(chunk, 'a', sizeof chunk);
	struct sha256 s;
	sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		sha256_update(&s, chunk, sizeof chunk);
	uint8_t d[SHA256_SIZE];
	char hex[SHA256_HEX_SIZE];
	sha256_final(&s, d);
	sha256_to_hex(d, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
END_TEST

/* The padding's edge cases: 55, 56, 63, 64 and 65 bytes end a block at
 * every place; split into two updates at every point, the digest is the
 * one of the whole. */
START_TEST(test_sha256_every_split_equals_the_whole)
{
	uint8_t msg[200];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof msg; len++) {
		uint8_t whole[SHA256_SIZE];
		sha256(msg, len, whole);
		for (size_t cut = 0; cut <= len; cut++) {
			struct sha256 s;
			uint8_t d[SHA256_SIZE];
			sha256_init(&s);
			sha256_update(&s, msg, cut);
			sha256_update(&s, msg + cut, len - cut);
			sha256_final(&s, d);
			ck_assert_mem_eq(d, whole, SHA256_SIZE);
		}
	}
	/* 56 'a's: the length no longer fits the first block (known digest). */
	char hex[SHA256_HEX_SIZE];
	hex_of("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 56, hex);
	ck_assert_str_eq(hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
}
END_TEST

START_TEST(test_sha256_hex_round_trip_and_refusals)
{
	uint8_t d[SHA256_SIZE], back[SHA256_SIZE];
	char hex[SHA256_HEX_SIZE];
	sha256("abc", 3, d);
	sha256_to_hex(d, hex);
	ck_assert(sha256_from_hex(hex, back));
	ck_assert_mem_eq(d, back, SHA256_SIZE);
	char upper[SHA256_HEX_SIZE] = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
	ck_assert(sha256_from_hex(upper, back));
	ck_assert_mem_eq(d, back, SHA256_SIZE);
	for (size_t i = 0; i < 64; i++) {
		char bad[SHA256_HEX_SIZE];
		memcpy(bad, hex, sizeof bad);
		bad[i] = i % 2 ? 'g' : '\0';
		ck_assert_msg(!sha256_from_hex(bad, back), "a bad digit at %zu was accepted", i);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("sha256");
	tcase_add_test(tc, test_sha256_fips_180_examples);
	tcase_add_test(tc, test_sha256_million_a_in_chunks);
	tcase_add_test(tc, test_sha256_every_split_equals_the_whole);
	tcase_add_test(tc, test_sha256_hex_round_trip_and_refusals);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
