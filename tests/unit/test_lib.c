/* Unit tests for kernel/lib: mem and str functions, integer parsing, the
 * printf engine (checked against glibc's where the two must agree), kprintf
 * on the console, and the string-keyed hash map on the kernel heap. */
#include <check.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "heap.h"
#include "klib.h"
#include "tboot.h"

/* Called through volatile pointers: a hosted compiler would otherwise fold or
 * inline these as builtins, and the tests would check gcc, not kernel/lib. */
static void *(*volatile t_memcpy)(void *restrict, const void *restrict, size_t) = memcpy;
static void *(*volatile t_memmove)(void *, const void *, size_t) = memmove;
static void *(*volatile t_memset)(void *, int, size_t) = memset;
static int (*volatile t_memcmp)(const void *, const void *, size_t) = memcmp;
static void *(*volatile t_memchr)(const void *, int, size_t) = memchr;
static size_t (*volatile t_strlen)(const char *) = strlen;
static size_t (*volatile t_strnlen)(const char *, size_t) = strnlen;
static int (*volatile t_strcmp)(const char *, const char *) = strcmp;
static int (*volatile t_strncmp)(const char *, const char *, size_t) = strncmp;
static char *(*volatile t_strchr)(const char *, int) = strchr;
static char *(*volatile t_strrchr)(const char *, int) = strrchr;

#define GUARD 0xA5

/* Byte-at-a-time reference for the word-at-a-time copies. */
static void ref_move(unsigned char *buf, size_t dst, size_t src, size_t n)
{
	unsigned char tmp[256];

	for (size_t i = 0; i < n; i++)
		tmp[i] = buf[src + i];
	for (size_t i = 0; i < n; i++)
		buf[dst + i] = tmp[i];
}

static void fill_pattern(unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char)(i * 7 + 1);
}

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

/* ---- formatting ---- */

#define FMT_EQ(want, ...)                                                   \
	do {                                                                \
		char fbuf_[256];                                            \
		int flen_ = ksnprintf(fbuf_, sizeof(fbuf_), __VA_ARGS__);  \
		ck_assert_str_eq(fbuf_, want);                              \
		ck_assert_int_eq(flen_, (int)t_strlen(want));               \
	} while (0)

START_TEST(test_format_prints_every_conversion)
{
	FMT_EQ("-12", "%d", -12);
	FMT_EQ("34", "%i", 34);
	FMT_EQ("4294967295", "%u", 4294967295u);
	FMT_EQ("deadbeef", "%x", 0xdeadbeefu);
	FMT_EQ("DEADBEEF", "%X", 0xdeadbeefu);
	FMT_EQ("777", "%o", 0777u);
	FMT_EQ("0x1234", "%p", (void *)0x1234);
	FMT_EQ("str", "%s", "str");
	FMT_EQ("c", "%c", 'c');
	FMT_EQ("100%", "%d%%", 100);
	FMT_EQ("plain text", "plain text");
	FMT_EQ("", "%s", "");
	FMT_EQ("a1b2c", "a%db%dc", 1, 2);
}
END_TEST

START_TEST(test_format_applies_flags_width_and_precision)
{
	FMT_EQ("   42", "%5d", 42);
	FMT_EQ("42   |", "%-5d|", 42);
	FMT_EQ("00042", "%05d", 42);
	FMT_EQ("-0042", "%05d", -42);
	FMT_EQ("+42", "%+d", 42);
	FMT_EQ(" 42", "% d", 42);
	FMT_EQ("00042", "%.5d", 42);
	FMT_EQ("  00042", "%7.5d", 42);
	FMT_EQ("", "%.0d", 0);
	FMT_EQ("   ", "%3.0u", 0u);
	FMT_EQ("0x2a", "%#x", 42);
	FMT_EQ("0X2A", "%#X", 42);
	FMT_EQ("0", "%#x", 0);
	FMT_EQ("052", "%#o", 42);
	FMT_EQ("0", "%#o", 0);
	FMT_EQ("0", "%#.0o", 0);
	FMT_EQ("0x0002a", "%#07x", 42);
	FMT_EQ("  abc", "%5s", "abc");
	FMT_EQ("abc  |", "%-5s|", "abc");
	FMT_EQ("ab", "%.2s", "abc");
	FMT_EQ("   ab", "%5.2s", "abc");
	FMT_EQ("    x", "%5c", 'x');
	FMT_EQ("x    |", "%-5c|", 'x');
}
END_TEST

START_TEST(test_format_takes_width_and_precision_from_star)
{
	FMT_EQ("   42", "%*d", 5, 42);
	FMT_EQ("42   |", "%*d|", -5, 42); /* negative width means '-' */
	FMT_EQ("00042", "%.*d", 5, 42);
	FMT_EQ("42", "%.*d", -1, 42); /* negative precision means none */
	FMT_EQ("  00042", "%*.*d", 7, 5, 42);
	FMT_EQ("ab", "%.*s", 2, "abcdef");
	FMT_EQ("   ab", "%*.*s", 5, 2, "abcdef");
}
END_TEST

START_TEST(test_format_prints_negative_numbers_and_extremes)
{
	FMT_EQ("-1", "%d", -1);
	FMT_EQ("-2147483648", "%d", INT_MIN);
	FMT_EQ("2147483647", "%d", INT_MAX);
	FMT_EQ("-9223372036854775808", "%lld", (long long)INT64_MIN);
	FMT_EQ("-9223372036854775808", "%ld", (long)INT64_MIN);
	FMT_EQ("-9223372036854775808", "%jd", INTMAX_MIN);
	FMT_EQ("9223372036854775807", "%lld", (long long)INT64_MAX);
	FMT_EQ("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
	FMT_EQ("ffffffffffffffff", "%lx", (unsigned long)UINT64_MAX);
	FMT_EQ("1777777777777777777777", "%llo", (unsigned long long)UINT64_MAX);
	FMT_EQ("   -9223372036854775808", "%23lld", (long long)INT64_MIN);
	FMT_EQ("-009223372036854775808", "%022lld", (long long)INT64_MIN);
	FMT_EQ("ffffffff", "%x", -1);
}
END_TEST

START_TEST(test_format_honours_length_modifiers)
{
	FMT_EQ("-1", "%hhd", 255);
	FMT_EQ("255", "%hhu", -1);
	FMT_EQ("ff", "%hhx", 0x1ff);
	FMT_EQ("-1", "%hd", 65535);
	FMT_EQ("1", "%hu", 65537);
	FMT_EQ("18446744073709551615", "%zu", SIZE_MAX);
	FMT_EQ("-5", "%zd", (ptrdiff_t)-5);
	FMT_EQ("-7", "%td", (ptrdiff_t)-7);
	FMT_EQ("fffffffffffffff9", "%tx", (ptrdiff_t)-7);
	FMT_EQ("18446744073709551615", "%ju", UINTMAX_MAX);
	FMT_EQ("123456789abcdef", "%llx", 0x123456789abcdefULL);
}
END_TEST

START_TEST(test_format_pointer_is_hex_with_0x_and_null_is_nil)
{
	FMT_EQ("0xdeadbeef", "%p", (void *)0xdeadbeefUL);
	FMT_EQ("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	FMT_EQ("(nil)", "%p", NULL);
	FMT_EQ("      0x10", "%10p", (void *)0x10);
	FMT_EQ("0x10      |", "%-10p|", (void *)0x10);
	FMT_EQ("     (nil)", "%10p", NULL);
}
END_TEST

START_TEST(test_format_precision_bounds_reads_of_unterminated_strings)
{
	char raw[3] = { 'x', 'y', 'z' };

	FMT_EQ("xyz", "%.3s", raw);
	FMT_EQ("xy", "%.*s", 2, raw);
}
END_TEST

START_TEST(test_format_char_nul_is_written_and_counted)
{
	char buf[8];

	t_memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "a%cb", 0), 3);
	ck_assert_mem_eq(buf, "a\0b\0", 4);
}
END_TEST

START_TEST(test_format_truncates_to_cap_and_returns_full_length)
{
	static const char want[] = "hello 12345 world";
	char buf[32];

	for (size_t cap = 1; cap <= sizeof(want) + 2; cap++) {
		size_t kept = cap - 1 < t_strlen(want) ? cap - 1 : t_strlen(want);

		t_memset(buf, GUARD, sizeof(buf));
		ck_assert_int_eq(ksnprintf(buf, cap, "hello %d %s", 12345, "world"),
				 (int)t_strlen(want));
		ck_assert_mem_eq(buf, want, kept);
		ck_assert_int_eq(buf[kept], '\0');
		for (size_t i = kept + 1; i < sizeof(buf); i++)
			ck_assert_msg((unsigned char)buf[i] == GUARD, "cap %zu wrote byte %zu", cap, i);
	}
}
END_TEST

START_TEST(test_format_with_zero_cap_only_measures)
{
	char c = 'X';

	ck_assert_int_eq(ksnprintf(NULL, 0, "%d-%s", -123, "abc"), 8);
	ck_assert_int_eq(ksnprintf(&c, 0, "%s", "abc"), 3);
	ck_assert_int_eq(c, 'X');
}
END_TEST

START_TEST(test_format_counts_padding_beyond_the_buffer)
{
	char buf[4];

	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%1000d", 7), 1000);
	ck_assert_str_eq(buf, "   ");
	ck_assert_int_eq(ksnprintf(buf, sizeof(buf), "%-1000d", 7), 1000);
	ck_assert_str_eq(buf, "7  ");
}
END_TEST

static int call_kvsnprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

START_TEST(test_kvsnprintf_consumes_a_va_list)
{
	char buf[64];

	ck_assert_int_eq(call_kvsnprintf(buf, sizeof(buf), "%s=%lld (%*d)", "x", -5LL, 4, 9), 11);
	ck_assert_str_eq(buf, "x=-5 (   9)");
}
END_TEST

/* gcc warns about the specs below because their meaning is easy to miss, but
 * C defines each one, so the engine must honour them. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

START_TEST(test_format_resolves_conflicting_flags_as_c_does)
{
	FMT_EQ("+42", "%+ d", 42);     /* '+' wins over ' ' */
	FMT_EQ("  042", "%05.3d", 42); /* a precision disables '0' */
	FMT_EQ("42   ", "%-05d", 42);  /* '-' disables '0' */
	FMT_EQ("  abc", "%05s", "abc"); /* '0' pads strings with spaces */
	FMT_EQ("%", "%5%");
}
END_TEST

START_TEST(test_format_null_string_prints_null_marker)
{
	const char *nothing = NULL;

	FMT_EQ("(null)", "%s", nothing);
	FMT_EQ("  (null)", "%8s", nothing);
}
END_TEST

/* The checks below build their formats at run time, on purpose. */

START_TEST(test_format_prints_unknown_or_unfinished_specs_verbatim)
{
	const char *fmts[] = { "a%yb", "100%", "%-5", "%l" };
	const char *want[] = { "a%yb", "100%", "%-5", "%l" };

	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		char buf[32];

		ck_assert_int_eq(ksnprintf(buf, sizeof(buf), fmts[i]), (int)t_strlen(want[i]));
		ck_assert_str_eq(buf, want[i]);
	}
}
END_TEST

/* Every combination of flags, width and precision for the integer
 * conversions must print what glibc prints: C defines the result exactly. */
static void check_against_libc(const char *fmt, long long sv, unsigned long long uv, bool is_signed)
{
	char got[128], want[128];
	int gn, wn;

	if (is_signed) {
		gn = ksnprintf(got, sizeof(got), fmt, sv);
		wn = snprintf(want, sizeof(want), fmt, sv);
	} else {
		gn = ksnprintf(got, sizeof(got), fmt, uv);
		wn = snprintf(want, sizeof(want), fmt, uv);
	}
	ck_assert_msg(gn == wn && t_strcmp(got, want) == 0, "fmt \"%s\": got \"%s\" (%d), libc \"%s\" (%d)",
		      fmt, got, gn, want, wn);
}

START_TEST(test_format_integers_match_libc_for_all_flag_combinations)
{
	static const char *flag_sets[] = { "", "-", "+", " ", "#", "0", "-0", "+0", " 0", "#0", "-#", "+ ", "-+0#" };
	static const char *widths[] = { "", "1", "5", "22" };
	static const char *precs[] = { "", ".", ".0", ".1", ".4", ".21" };
	static const char convs[] = "diuxXo";
	static const long long svals[] = { 0, 1, -1, 42, -42, 1000000007, LLONG_MIN, LLONG_MAX };
	char fmt[32];

	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++)
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++)
				for (size_t c = 0; convs[c]; c++)
					for (size_t v = 0; v < sizeof(svals) / sizeof(svals[0]); v++) {
						bool is_signed = convs[c] == 'd' || convs[c] == 'i';

						snprintf(fmt, sizeof(fmt), "[%%%s%s%sll%c]", flag_sets[f], widths[w],
							 precs[p], convs[c]);
						check_against_libc(fmt, svals[v], (unsigned long long)svals[v],
								   is_signed);
					}
}
END_TEST

START_TEST(test_format_strings_and_chars_match_libc_for_all_flag_combinations)
{
	static const char *specs[] = { "%s", "%-s", "%7s", "%-7s", "%.2s", "%7.2s", "%-7.2s", "%.0s",
				       "%07s", "%.10s", "%1s" };
	static const char *strs[] = { "", "a", "hello" };
	static const char *cspecs[] = { "%c", "%3c", "%-3c", "%03c" };

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
		for (size_t j = 0; j < sizeof(strs) / sizeof(strs[0]); j++) {
			char got[64], want[64];
			int gn = ksnprintf(got, sizeof(got), specs[i], strs[j]);
			int wn = snprintf(want, sizeof(want), specs[i], strs[j]);

			ck_assert_msg(gn == wn && t_strcmp(got, want) == 0, "\"%s\" of \"%s\": got \"%s\", libc \"%s\"",
				      specs[i], strs[j], got, want);
		}
	for (size_t i = 0; i < sizeof(cspecs) / sizeof(cspecs[0]); i++) {
		char got[16], want[16];

		ck_assert_int_eq(ksnprintf(got, sizeof(got), cspecs[i], 'q'), snprintf(want, sizeof(want), cspecs[i], 'q'));
		ck_assert_str_eq(got, want);
	}
}
END_TEST

#pragma GCC diagnostic pop

/* ---- kprintf ---- */

/* Runs kprintf with stdout redirected to a temporary file and returns what
 * reached it; the console HAL writes to stdout in the hosted build. */
static size_t capture_kprintf(char *out, size_t cap, int *ret, const char *fmt, const char *arg)
{
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	*ret = kprintf(fmt, arg);
	fflush(stdout);
	ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, cap, tmp);
	fclose(tmp);
	return n;
}

START_TEST(test_kprintf_writes_short_output_and_returns_its_length)
{
	char out[64];
	int ret;
	size_t n = capture_kprintf(out, sizeof(out), &ret, "cell %s loaded\n", "shell");

	ck_assert_uint_eq(n, 18);
	ck_assert_int_eq(ret, 18);
	ck_assert_mem_eq(out, "cell shell loaded\n", 18);
}
END_TEST

START_TEST(test_kprintf_writes_output_longer_than_its_buffer_in_full)
{
	enum { LEN = 5000 };
	static char arg[LEN + 1], out[2 * LEN + 64], want[2 * LEN + 64];
	int ret, wn;
	size_t n;

	for (size_t i = 0; i < LEN; i++)
		arg[i] = (char)('a' + i % 26);
	arg[LEN] = '\0';
	/* Padding and text both cross the internal buffer's boundaries. */
	n = capture_kprintf(out, sizeof(out), &ret, "<%1200s>", "x");
	ck_assert_uint_eq(n, 1202);
	ck_assert_int_eq(ret, 1202);
	ck_assert_int_eq(out[0], '<');
	for (size_t i = 1; i < 1200; i++)
		ck_assert_int_eq(out[i], ' ');
	ck_assert_mem_eq(out + 1200, "x>", 2);

	n = capture_kprintf(out, sizeof(out), &ret, "head %s tail\n", arg);
	wn = snprintf(want, sizeof(want), "head %s tail\n", arg);
	ck_assert_int_eq(ret, wn);
	ck_assert_uint_eq(n, (size_t)wn);
	ck_assert_mem_eq(out, want, n);
}
END_TEST

/* ---- hash map ---- */

#define NKEYS 10000
#define HMAP_TEST_MIN_CAP 8 /* hmap.c's first table size */
static char keys[NKEYS][16];

static void make_keys(void)
{
	for (int i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "key%d", i);
}

static void *val(uintptr_t i)
{
	return (void *)(i + 1); /* never NULL, so a miss cannot pass for a hit */
}

/* Picks n keys whose home slot in a table of cap slots is the same, so they
 * share one probe chain. */
static void colliding_keys(const char *out[], size_t n, size_t cap)
{
	size_t found = 0;
	uint64_t home = hash_str(keys[0]) & (cap - 1);

	for (int i = 0; i < NKEYS && found < n; i++) {
		if ((hash_str(keys[i]) & (cap - 1)) == home)
			out[found++] = keys[i];
	}
	ck_assert_uint_eq(found, n);
}

START_TEST(test_hash_str_is_fnv1a_64)
{
	ck_assert_uint_eq(hash_str(""), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash_str("a"), 0xaf63dc4c8601ec8cULL);
	ck_assert_uint_eq(hash_str("foobar"), 0x85944171f73967e8ULL);
	/* Bytes hash as unsigned, whatever the signedness of char. */
	ck_assert_uint_eq(hash_str("\xe9t\xe9"), 0x8072001b9fe5a1fbULL);
}
END_TEST

START_TEST(test_hmap_empty_map_finds_nothing_and_allocates_nothing)
{
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	void *v;

	hmap_init(&m);
	ck_assert_ptr_null(hmap_get(&m, "a"));
	ck_assert(!hmap_contains(&m, "a"));
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	hmap_iter_init(&it, &m);
	ck_assert(!hmap_iter_next(&it, &k, &v));
	ck_assert_uint_eq(hmap_count(&m), 0);
	ck_assert_uint_eq(m.cap, 0);
	ck_assert_ptr_null(m.slots);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_then_get_by_equal_string)
{
	struct hmap m;
	char lookup[8];

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "alpha", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "beta", NULL), E_OK);
	/* A different pointer to the same text finds the entry. */
	snprintf(lookup, sizeof(lookup), "alpha");
	ck_assert_ptr_eq(hmap_get(&m, lookup), val(1));
	/* A NULL value is stored and told apart from absence by contains. */
	ck_assert_ptr_null(hmap_get(&m, "beta"));
	ck_assert(hmap_contains(&m, "beta"));
	ck_assert(!hmap_contains(&m, "gamma"));
	ck_assert(!hmap_contains(&m, "alph"));
	ck_assert_uint_eq(hmap_count(&m), 2);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_duplicate_insert_is_refused_and_changes_nothing)
{
	struct hmap m;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "k", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "k", val(2)), E_EXISTS);
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(1));
	ck_assert_uint_eq(hmap_count(&m), 1);
	ck_assert_uint_eq(m.used, 1);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_put_inserts_or_replaces_and_returns_old_value)
{
	struct hmap m;
	char key2[4] = "k";
	void *old = val(99);
	const char *k;
	struct hmap_iter it;

	hmap_init(&m);
	ck_assert_int_eq(hmap_put(&m, "k", val(1), &old), E_OK);
	ck_assert_ptr_null(old);
	ck_assert_int_eq(hmap_put(&m, key2, val(2), &old), E_OK);
	ck_assert_ptr_eq(old, val(1));
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(2));
	ck_assert_uint_eq(hmap_count(&m), 1);
	/* The replacing key pointer is the one kept. */
	hmap_iter_init(&it, &m);
	ck_assert(hmap_iter_next(&it, &k, NULL));
	ck_assert_ptr_eq(k, key2);
	ck_assert_int_eq(hmap_put(&m, "k", val(3), NULL), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "k"), val(3));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_remove_returns_value_and_forgets_key)
{
	struct hmap m;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "a", val(1)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, "b", val(2)), E_OK);
	ck_assert_ptr_eq(hmap_remove(&m, "a"), val(1));
	ck_assert(!hmap_contains(&m, "a"));
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	ck_assert_ptr_eq(hmap_get(&m, "b"), val(2));
	ck_assert_uint_eq(hmap_count(&m), 1);
	/* A removed key may be inserted again. */
	ck_assert_int_eq(hmap_insert(&m, "a", val(3)), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "a"), val(3));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_remove_keeps_later_keys_on_the_chain_reachable)
{
	struct hmap m;
	const char *chain[4];

	hmap_init(&m);
	colliding_keys(chain, 4, HMAP_TEST_MIN_CAP);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(hmap_insert(&m, chain[i], val((uintptr_t)i)), E_OK);
	ck_assert_uint_eq(m.cap, HMAP_TEST_MIN_CAP);
	ck_assert_ptr_eq(hmap_remove(&m, chain[1]), val(1));
	ck_assert_ptr_eq(hmap_get(&m, chain[0]), val(0));
	ck_assert_ptr_eq(hmap_get(&m, chain[2]), val(2));
	ck_assert_ptr_eq(hmap_get(&m, chain[3]), val(3));
	ck_assert(!hmap_contains(&m, chain[1]));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_reuses_the_tombstone_on_its_chain)
{
	struct hmap m;
	const char *chain[3];

	hmap_init(&m);
	colliding_keys(chain, 3, HMAP_TEST_MIN_CAP);
	ck_assert_int_eq(hmap_insert(&m, chain[0], val(0)), E_OK);
	ck_assert_int_eq(hmap_insert(&m, chain[1], val(1)), E_OK);
	ck_assert_uint_eq(m.cap, HMAP_TEST_MIN_CAP);
	ck_assert_ptr_eq(hmap_remove(&m, chain[0]), val(0));
	ck_assert_uint_eq(m.used, 2); /* the tombstone still counts */
	ck_assert_uint_eq(m.count, 1);
	ck_assert_int_eq(hmap_insert(&m, chain[2], val(2)), E_OK);
	ck_assert_uint_eq(m.used, 2);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_ptr_eq(hmap_get(&m, chain[1]), val(1));
	ck_assert_ptr_eq(hmap_get(&m, chain[2]), val(2));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_grows_past_thousands_of_keys_keeping_every_entry)
{
	struct hmap m;

	hmap_init(&m);
	for (int i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
		/* Load stays at or under 3/4 after every insert. */
		ck_assert_uint_le(m.used * 4, m.cap * 3);
	}
	ck_assert_uint_eq(hmap_count(&m), NKEYS);
	ck_assert_uint_eq(m.cap & (m.cap - 1), 0);
	for (int i = 0; i < NKEYS; i++)
		ck_assert_ptr_eq(hmap_get(&m, keys[i]), val((uintptr_t)i));
	ck_assert(!hmap_contains(&m, "key10000"));
	/* Remove the odd keys, then check both halves. */
	for (int i = 1; i < NKEYS; i += 2)
		ck_assert_ptr_eq(hmap_remove(&m, keys[i]), val((uintptr_t)i));
	ck_assert_uint_eq(hmap_count(&m), NKEYS / 2);
	for (int i = 0; i < NKEYS; i++) {
		if (i % 2)
			ck_assert(!hmap_contains(&m, keys[i]));
		else
			ck_assert_ptr_eq(hmap_get(&m, keys[i]), val((uintptr_t)i));
	}
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_insert_remove_churn_does_not_grow_the_table)
{
	struct hmap m;
	size_t cap;

	hmap_init(&m);
	ck_assert_int_eq(hmap_insert(&m, "resident", val(0)), E_OK);
	cap = m.cap;
	for (int i = 0; i < NKEYS; i++) {
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
		ck_assert_ptr_eq(hmap_remove(&m, keys[i]), val((uintptr_t)i));
	}
	/* Tombstones are cleared by rebuilding in place, not by doubling. */
	ck_assert_uint_eq(m.cap, cap);
	ck_assert_uint_lt(m.used, m.cap);
	ck_assert_uint_eq(hmap_count(&m), 1);
	ck_assert_ptr_eq(hmap_get(&m, "resident"), val(0));
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_iteration_visits_each_live_key_once)
{
	enum { N = 1000 };
	static unsigned char seen[N];
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	void *v;
	size_t visits = 0;

	hmap_init(&m);
	t_memset(seen, 0, sizeof(seen));
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	for (int i = 0; i < N; i += 3)
		ck_assert_ptr_nonnull(hmap_remove(&m, keys[i]));
	hmap_iter_init(&it, &m);
	while (hmap_iter_next(&it, &k, &v)) {
		uintptr_t i = (uintptr_t)v - 1;

		ck_assert_uint_lt(i, N);
		ck_assert_ptr_eq(k, keys[i]);
		ck_assert_msg(i % 3 != 0, "removed key %s visited", k);
		ck_assert_int_eq(seen[i], 0);
		seen[i] = 1;
		visits++;
	}
	ck_assert_uint_eq(visits, hmap_count(&m));
	ck_assert(!hmap_iter_next(&it, &k, &v)); /* stays at the end */
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_removing_the_current_entry_while_iterating_is_safe)
{
	struct hmap m;
	struct hmap_iter it;
	const char *k;
	size_t visits = 0;

	hmap_init(&m);
	for (int i = 0; i < 500; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	hmap_iter_init(&it, &m);
	while (hmap_iter_next(&it, &k, NULL)) {
		ck_assert_ptr_nonnull(hmap_remove(&m, k));
		visits++;
	}
	ck_assert_uint_eq(visits, 500);
	ck_assert_uint_eq(hmap_count(&m), 0);
	hmap_destroy(&m);
}
END_TEST

START_TEST(test_hmap_destroy_frees_the_table_and_leaves_a_usable_map)
{
	struct heap_stats before, after;
	struct hmap m;

	heap_stats(&before);
	hmap_init(&m);
	for (int i = 0; i < 2000; i++)
		ck_assert_int_eq(hmap_insert(&m, keys[i], val((uintptr_t)i)), E_OK);
	hmap_destroy(&m);
	heap_stats(&after);
	ck_assert_uint_eq(after.live_blocks, before.live_blocks);
	ck_assert_uint_eq(after.live_bytes, before.live_bytes);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(m.cap, 0);
	ck_assert_uint_eq(hmap_count(&m), 0);
	/* Destroyed means empty, not broken: it can be used again. */
	ck_assert_int_eq(hmap_insert(&m, "again", val(7)), E_OK);
	ck_assert_ptr_eq(hmap_get(&m, "again"), val(7));
	hmap_destroy(&m);
}
END_TEST

static void hmap_setup(void)
{
	tboot_setup();
	make_keys();
}

static Suite *lib_suite(void)
{
	Suite *s = suite_create("lib");
	TCase *mem = tcase_create("mem");
	TCase *str = tcase_create("str");
	TCase *fmt = tcase_create("format");
	TCase *print = tcase_create("print");
	TCase *map = tcase_create("hmap");

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

	tcase_add_test(fmt, test_format_prints_every_conversion);
	tcase_add_test(fmt, test_format_applies_flags_width_and_precision);
	tcase_add_test(fmt, test_format_takes_width_and_precision_from_star);
	tcase_add_test(fmt, test_format_prints_negative_numbers_and_extremes);
	tcase_add_test(fmt, test_format_honours_length_modifiers);
	tcase_add_test(fmt, test_format_pointer_is_hex_with_0x_and_null_is_nil);
	tcase_add_test(fmt, test_format_null_string_prints_null_marker);
	tcase_add_test(fmt, test_format_precision_bounds_reads_of_unterminated_strings);
	tcase_add_test(fmt, test_format_char_nul_is_written_and_counted);
	tcase_add_test(fmt, test_format_truncates_to_cap_and_returns_full_length);
	tcase_add_test(fmt, test_format_with_zero_cap_only_measures);
	tcase_add_test(fmt, test_format_counts_padding_beyond_the_buffer);
	tcase_add_test(fmt, test_kvsnprintf_consumes_a_va_list);
	tcase_add_test(fmt, test_format_resolves_conflicting_flags_as_c_does);
	tcase_add_test(fmt, test_format_prints_unknown_or_unfinished_specs_verbatim);
	tcase_add_test(fmt, test_format_integers_match_libc_for_all_flag_combinations);
	tcase_add_test(fmt, test_format_strings_and_chars_match_libc_for_all_flag_combinations);
	suite_add_tcase(s, fmt);

	tcase_add_test(print, test_kprintf_writes_short_output_and_returns_its_length);
	tcase_add_test(print, test_kprintf_writes_output_longer_than_its_buffer_in_full);
	suite_add_tcase(s, print);

	tcase_add_checked_fixture(map, hmap_setup, tboot_teardown);
	tcase_add_test(map, test_hash_str_is_fnv1a_64);
	tcase_add_test(map, test_hmap_empty_map_finds_nothing_and_allocates_nothing);
	tcase_add_test(map, test_hmap_insert_then_get_by_equal_string);
	tcase_add_test(map, test_hmap_duplicate_insert_is_refused_and_changes_nothing);
	tcase_add_test(map, test_hmap_put_inserts_or_replaces_and_returns_old_value);
	tcase_add_test(map, test_hmap_remove_returns_value_and_forgets_key);
	tcase_add_test(map, test_hmap_remove_keeps_later_keys_on_the_chain_reachable);
	tcase_add_test(map, test_hmap_insert_reuses_the_tombstone_on_its_chain);
	tcase_add_test(map, test_hmap_grows_past_thousands_of_keys_keeping_every_entry);
	tcase_add_test(map, test_hmap_insert_remove_churn_does_not_grow_the_table);
	tcase_add_test(map, test_hmap_iteration_visits_each_live_key_once);
	tcase_add_test(map, test_hmap_removing_the_current_entry_while_iterating_is_safe);
	tcase_add_test(map, test_hmap_destroy_frees_the_table_and_leaves_a_usable_map);
	tcase_set_timeout(map, 60);
	suite_add_tcase(s, map);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(lib_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
