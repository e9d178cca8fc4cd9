/* kernel/lib: the mem and str functions and integer parsing, each against
 * its C-library semantics, including edge cases (overlap, n = 0, truncation). */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heap.h"
#include "klib.h"
#include "lib_support.h"
#include "tboot.h"

/* ---- memory functions ---- */

START_TEST(test_memcpy_copies_every_alignment_and_length_exactly)
{
	unsigned char src[96], dst[96], want[96];

	fill_pattern(src, sizeof(src));
	for (size_t so = 0; so < 9; so++)
		for (size_t d_o = 0; d_o < 9; d_o++)
			for (size_t n = 0; n <= 70; n++) {
				for (size_t i = 0; i < sizeof(dst); i++)
					dst[i] = want[i] = GUARD;
				for (size_t i = 0; i < n; i++)
					want[d_o + i] = src[so + i];
				ck_assert_ptr_eq(t_memcpy(dst + d_o, src + so, n), dst + d_o);
				ck_assert_mem_eq(dst, want, sizeof(dst));
			}
}
END_TEST

START_TEST(test_memmove_overlapping_forward_copies_from_the_end)
{
	unsigned char buf[32];

	t_memcpy(buf, "0123456789abcdefghijklmnopqrstu", 32);
	/* dst above src: a naive forward copy would smear "0123". */
	ck_assert_ptr_eq(t_memmove(buf + 3, buf, 20), buf + 3);
	ck_assert_mem_eq(buf, "0120123456789abcdefghijnopqrstu", 32);
}
END_TEST

START_TEST(test_memmove_overlapping_backward_copies_from_the_start)
{
	unsigned char buf[32];

	t_memcpy(buf, "0123456789abcdefghijklmnopqrstu", 32);
	ck_assert_ptr_eq(t_memmove(buf, buf + 3, 20), buf);
	ck_assert_mem_eq(buf, "3456789abcdefghijklmklmnopqrstu", 32);
}
END_TEST

START_TEST(test_memmove_matches_reference_for_all_offsets)
{
	unsigned char buf[128], want[128];

	for (size_t src = 0; src < 20; src++)
		for (size_t dst = 0; dst < 20; dst++)
			for (size_t n = 0; n <= 40; n++) {
				fill_pattern(buf, sizeof(buf));
				fill_pattern(want, sizeof(want));
				ref_move(want, dst, src, n);
				t_memmove(buf + dst, buf + src, n);
				ck_assert_mem_eq(buf, want, sizeof(buf));
			}
}
END_TEST

START_TEST(test_mem_functions_with_zero_length_touch_nothing)
{
	unsigned char a[4] = { 1, 2, 3, 4 }, b[4] = { 9, 9, 9, 9 };

	t_memcpy(a, b, 0);
	t_memmove(a, b, 0);
	t_memset(a, 0, 0);
	ck_assert_mem_eq(a, "\x01\x02\x03\x04", 4);
	ck_assert_int_eq(t_memcmp(a, b, 0), 0);
	ck_assert_ptr_null(t_memchr(a, 1, 0));
}
END_TEST

START_TEST(test_memset_fills_exactly_its_range_with_the_low_byte)
{
	unsigned char buf[96], want[96];

	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n <= 70; n++) {
			for (size_t i = 0; i < sizeof(buf); i++)
				buf[i] = want[i] = GUARD;
			for (size_t i = 0; i < n; i++)
				want[off + i] = 0x42;
			/* Only the low byte of c counts. */
			ck_assert_ptr_eq(t_memset(buf + off, 0x142, n), buf + off);
			ck_assert_mem_eq(buf, want, sizeof(buf));
		}
}
END_TEST

START_TEST(test_memcmp_compares_bytes_as_unsigned)
{
	ck_assert_int_gt(t_memcmp("\x80", "\x7f", 1), 0);
	ck_assert_int_lt(t_memcmp("\x7f", "\x80", 1), 0);
	ck_assert_int_lt(t_memcmp("abc", "abd", 3), 0);
	ck_assert_int_eq(t_memcmp("abX", "abY", 2), 0);
	/* Bytes past a NUL still count: memcmp is not strcmp. */
	ck_assert_int_lt(t_memcmp("a\0b", "a\0c", 3), 0);
}
END_TEST

START_TEST(test_memchr_finds_first_match_within_n_only)
{
	const char *s = "abcabc";

	ck_assert_ptr_eq(t_memchr(s, 'c', 6), s + 2);
	ck_assert_ptr_null(t_memchr(s, 'c', 2));
	ck_assert_ptr_eq(t_memchr(s, '\0', 7), s + 6);
}
END_TEST

START_TEST(test_memchr_converts_c_to_unsigned_char)
{
	const char *s = "x\xffy";

	ck_assert_ptr_eq(t_memchr(s, 0xff, 3), s + 1);
	ck_assert_ptr_eq(t_memchr(s, -1, 3), s + 1);
	ck_assert_ptr_eq(t_memchr(s, 0x100 + 'y', 3), s + 2);
}
END_TEST

/* ---- string functions ---- */

START_TEST(test_strlen_and_strnlen_count_to_terminator_or_limit)
{
	ck_assert_uint_eq(t_strlen(""), 0);
	ck_assert_uint_eq(t_strlen("hello"), 5);
	ck_assert_uint_eq(t_strnlen("hello", 3), 3);
	ck_assert_uint_eq(t_strnlen("hello", 5), 5);
	ck_assert_uint_eq(t_strnlen("hello", 99), 5);
	ck_assert_uint_eq(t_strnlen("hello", 0), 0);
}
END_TEST

START_TEST(test_strnlen_reads_no_further_than_max)
{
	char unterminated[3] = { 'a', 'b', 'c' };

	ck_assert_uint_eq(t_strnlen(unterminated, sizeof(unterminated)), 3);
}
END_TEST

START_TEST(test_strcmp_orders_by_unsigned_bytes_and_length)
{
	ck_assert_int_eq(t_strcmp("abc", "abc"), 0);
	ck_assert_int_eq(t_strcmp("", ""), 0);
	ck_assert_int_lt(t_strcmp("abc", "abd"), 0);
	ck_assert_int_gt(t_strcmp("abd", "abc"), 0);
	ck_assert_int_lt(t_strcmp("ab", "abc"), 0);
	ck_assert_int_gt(t_strcmp("abc", "ab"), 0);
	ck_assert_int_gt(t_strcmp("\x80", "a"), 0);
}
END_TEST

START_TEST(test_strncmp_stops_at_n_or_terminator)
{
	ck_assert_int_eq(t_strncmp("abcX", "abcY", 3), 0);
	ck_assert_int_lt(t_strncmp("abcX", "abcY", 4), 0);
	ck_assert_int_eq(t_strncmp("abc", "xyz", 0), 0);
	ck_assert_int_lt(t_strncmp("ab", "abc", 5), 0);
	/* Equal strings stop at the terminator even when n is larger. */
	ck_assert_int_eq(t_strncmp("ab\0X", "ab\0Y", 4), 0);
	ck_assert_int_gt(t_strncmp("\xff", "\x01", 1), 0);
}
END_TEST

START_TEST(test_strchr_finds_first_match_or_the_terminator)
{
	const char *s = "hello";

	ck_assert_ptr_eq(t_strchr(s, 'l'), s + 2);
	ck_assert_ptr_eq(t_strchr(s, 'h'), s);
	ck_assert_ptr_null(t_strchr(s, 'z'));
	ck_assert_ptr_eq(t_strchr(s, '\0'), s + 5);
	/* c is converted to char, so a byte above 0x7f is found either way. */
	ck_assert_ptr_eq(t_strchr("a\xe9", 0xe9), t_strchr("a\xe9", (char)0xe9));
	ck_assert_ptr_nonnull(t_strchr("a\xe9", 0xe9));
}
END_TEST

START_TEST(test_strrchr_finds_last_match_or_the_terminator)
{
	const char *s = "hello";

	ck_assert_ptr_eq(t_strrchr(s, 'l'), s + 3);
	ck_assert_ptr_eq(t_strrchr(s, 'o'), s + 4);
	ck_assert_ptr_null(t_strrchr(s, 'z'));
	ck_assert_ptr_eq(t_strrchr(s, '\0'), s + 5);
	ck_assert_ptr_null(t_strrchr("", 'a'));
}
END_TEST

START_TEST(test_strlcpy_truncates_terminates_and_returns_source_length)
{
	char buf[8];

	t_memset(buf, 'X', sizeof(buf));
	ck_assert_uint_eq(strlcpy(buf, "abc", sizeof(buf)), 3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(buf[4], 'X'); /* nothing written past the terminator */

	ck_assert_uint_eq(strlcpy(buf, "0123456789", sizeof(buf)), 10);
	ck_assert_str_eq(buf, "0123456");

	ck_assert_uint_eq(strlcpy(buf, "0123456", sizeof(buf)), 7); /* exact fit */
	ck_assert_str_eq(buf, "0123456");

	ck_assert_uint_eq(strlcpy(buf, "abc", 1), 3);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_strlcpy_with_zero_cap_writes_nothing)
{
	char c = 'X';

	ck_assert_uint_eq(strlcpy(&c, "abc", 0), 3);
	ck_assert_int_eq(c, 'X');
	ck_assert_uint_eq(strlcpy(NULL, "hello", 0), 5);
}
END_TEST

START_TEST(test_str_starts_with_matches_prefixes_only)
{
	ck_assert(str_starts_with("hello", "he"));
	ck_assert(str_starts_with("hello", "hello"));
	ck_assert(str_starts_with("hello", ""));
	ck_assert(str_starts_with("", ""));
	ck_assert(!str_starts_with("he", "hello"));
	ck_assert(!str_starts_with("hello", "hE"));
	ck_assert(!str_starts_with("", "a"));
}
END_TEST

/* ---- integer parsing ---- */

START_TEST(test_str_to_u64_parses_decimal_and_hex)
{
	uint64_t v;

	ck_assert(str_to_u64("0", &v) && v == 0);
	ck_assert(str_to_u64("42", &v) && v == 42);
	ck_assert(str_to_u64("007", &v) && v == 7); /* not octal */
	ck_assert(str_to_u64("+5", &v) && v == 5);
	ck_assert(str_to_u64("0x1f", &v) && v == 0x1f);
	ck_assert(str_to_u64("0XAbC", &v) && v == 0xabc);
	ck_assert(str_to_u64("18446744073709551615", &v) && v == UINT64_MAX);
	ck_assert(str_to_u64("0xffffffffffffffff", &v) && v == UINT64_MAX);
	ck_assert(str_to_u64("0x0000000000000000001", &v) && v == 1);
}
END_TEST

START_TEST(test_str_to_u64_rejects_junk_empty_sign_and_overflow)
{
	static const char *bad[] = {
		"", "0x", "0X", "x1", "12a", "1 ", " 1", "-1", "-0", "+", "++1", "0x-1",
		"0xg", "1.5", "18446744073709551616", "99999999999999999999",
		"0x10000000000000000",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 12345;

		ck_assert_msg(!str_to_u64(bad[i], &v), "accepted \"%s\"", bad[i]);
		ck_assert_msg(v == 12345, "\"%s\" changed *out on failure", bad[i]);
	}
}
END_TEST

START_TEST(test_str_to_i64_accepts_the_full_signed_range)
{
	int64_t v;

	ck_assert(str_to_i64("-42", &v) && v == -42);
	ck_assert(str_to_i64("+42", &v) && v == 42);
	ck_assert(str_to_i64("-0", &v) && v == 0);
	ck_assert(str_to_i64("-0x10", &v) && v == -16);
	ck_assert(str_to_i64("9223372036854775807", &v) && v == INT64_MAX);
	ck_assert(str_to_i64("-9223372036854775808", &v) && v == INT64_MIN);
	ck_assert(str_to_i64("0x7fffffffffffffff", &v) && v == INT64_MAX);
	ck_assert(str_to_i64("-0x8000000000000000", &v) && v == INT64_MIN);
}
END_TEST

START_TEST(test_str_to_i64_rejects_junk_and_overflow)
{
	static const char *bad[] = {
		"", "-", "+", "--1", "+-1", "-+1", "- 1", "1-", "0x", "-0x", "abc", "12abc",
		"9223372036854775808", "-9223372036854775809", "0x8000000000000000",
		"-0x8000000000000001", "18446744073709551615",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 12345;

		ck_assert_msg(!str_to_i64(bad[i], &v), "accepted \"%s\"", bad[i]);
		ck_assert_msg(v == 12345, "\"%s\" changed *out on failure", bad[i]);
	}
}
END_TEST


static Suite *string_suite(void)
{
	Suite *s = suite_create("string");
	TCase *mem = tcase_create("mem");
	tcase_add_test(mem, test_memcpy_copies_every_alignment_and_length_exactly);
	tcase_add_test(mem, test_memmove_overlapping_forward_copies_from_the_end);
	tcase_add_test(mem, test_memmove_overlapping_backward_copies_from_the_start);
	tcase_add_test(mem, test_memmove_matches_reference_for_all_offsets);
	tcase_add_test(mem, test_mem_functions_with_zero_length_touch_nothing);
	tcase_add_test(mem, test_memset_fills_exactly_its_range_with_the_low_byte);
	tcase_add_test(mem, test_memcmp_compares_bytes_as_unsigned);
	tcase_add_test(mem, test_memchr_finds_first_match_within_n_only);
	tcase_add_test(mem, test_memchr_converts_c_to_unsigned_char);
	suite_add_tcase(s, mem);
	TCase *str = tcase_create("str");
	tcase_add_test(str, test_strlen_and_strnlen_count_to_terminator_or_limit);
	tcase_add_test(str, test_strnlen_reads_no_further_than_max);
	tcase_add_test(str, test_strcmp_orders_by_unsigned_bytes_and_length);
	tcase_add_test(str, test_strncmp_stops_at_n_or_terminator);
	tcase_add_test(str, test_strchr_finds_first_match_or_the_terminator);
	tcase_add_test(str, test_strrchr_finds_last_match_or_the_terminator);
	tcase_add_test(str, test_strlcpy_truncates_terminates_and_returns_source_length);
	tcase_add_test(str, test_strlcpy_with_zero_cap_writes_nothing);
	tcase_add_test(str, test_str_starts_with_matches_prefixes_only);
	tcase_add_test(str, test_str_to_u64_parses_decimal_and_hex);
	tcase_add_test(str, test_str_to_u64_rejects_junk_empty_sign_and_overflow);
	tcase_add_test(str, test_str_to_i64_accepts_the_full_signed_range);
	tcase_add_test(str, test_str_to_i64_rejects_junk_and_overflow);
	suite_add_tcase(s, str);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(string_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
