/* kernel/lib: the printf engine (checked against glibc where the two must
 * agree) and kprintf on the console. */
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


static Suite *format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *fmt = tcase_create("format");
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
	TCase *print = tcase_create("print");
	tcase_add_test(print, test_kprintf_writes_short_output_and_returns_its_length);
	tcase_add_test(print, test_kprintf_writes_output_longer_than_its_buffer_in_full);
	suite_add_tcase(s, print);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(format_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
