/* kernel/lib/runtime.c: the calls compilers emit on their own. 128-bit
 * division against a bit-by-bit long division (this binary's own `/` on
 * __int128 would call the functions under test), its sign rules; popcount,
 * clrsb, 128-bit shifts and the 128-bit multiply with overflow check against
 * simple loops; each exported under its ABI name; abort and a zero divisor
 * failing only their task. */
#include <check.h>
#include <limits.h>
#include <string.h>

#include "cell.h"
#include "export.h"
#include "fault.h"
#include "kernel/lib/runtime.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>
/* Random cases: fewer under valgrind, which is ~50x slower (Check's timeout). */
#define ROUNDS(n) (RUNNING_ON_VALGRIND ? (n) / 50 : (n))

typedef rt_u128 u128;
typedef rt_i128 i128;
#define U128(hi, lo) ((u128)(hi) << 64 | (u128)(lo))

/* Restoring division, one bit at a time: shifts, compares and subtractions only. */
static u128 ref_udivmod(u128 a, u128 b, u128 *rem)
{
	u128 q = 0, r = 0;
	for (int i = 127; i >= 0; i--) {
		r = r << 1 | ((a >> i) & 1);
		if (r >= b) {
			r -= b;
			q |= (u128)1 << i;
		}
	}
	*rem = r;
	return q;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A value of about `bits` significant bits (1..128), so that every path
 * (one-word and two-word divisors, short and long dividends) is taken. */
static u128 random_bits(uint64_t *s, unsigned bits)
{
	u128 v = U128(xorshift(s), xorshift(s));
	return bits >= 128 ? v : v & (((u128)1 << bits) - 1);
}

static void check_udiv(u128 a, u128 b)
{
	u128 want_r, got_r;
	u128 want_q = ref_udivmod(a, b, &want_r);
	u128 got_q = rt_udivmodti4(a, b, &got_r);
	ck_assert_msg(got_q == want_q && got_r == want_r, "%016lx%016lx / %016lx%016lx",
		      (unsigned long)(a >> 64), (unsigned long)a, (unsigned long)(b >> 64), (unsigned long)b);
	ck_assert(rt_udivti3(a, b) == want_q);
	ck_assert(rt_umodti3(a, b) == want_r);
	ck_assert(rt_udivmodti4(a, b, NULL) == want_q);
}

START_TEST(test_unsigned_division_matches_long_division)
{
	static const u128 edge[] = {
		1, 2, 3, 7, 10, UINT64_MAX, U128(1, 0), U128(1, 1), U128(UINT64_MAX, 0), U128(0x8000000000000000ul, 0),
		U128(UINT64_MAX, UINT64_MAX), U128(UINT64_MAX, UINT64_MAX) - 1, U128(0x7fffffffffffffff, UINT64_MAX),
		U128(1, UINT64_MAX), U128(0x100000000ul, 0), U128(0xffffffff00000000ul, 1),
	};
	for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
		check_udiv(0, edge[i]);
		for (size_t j = 0; j < sizeof edge / sizeof *edge; j++)
			check_udiv(edge[i], edge[j]);
	}
	uint64_t s = 0x9e3779b97f4a7c15ul;
	for (int n = 0; n < ROUNDS(20000); n++) {
		u128 b = random_bits(&s, 1 + (unsigned)(xorshift(&s) % 128));
		if (b)
			check_udiv(random_bits(&s, 1 + (unsigned)(xorshift(&s) % 128)), b);
	}
	/* and two values worked out by hand (Python's big integers) */
	ck_assert(rt_udivti3(U128(0x0123456789abcdef, 0xfedcba9876543211), 10) ==
		  U128(0x001d208a5a912e31, 0x997c790f3f086b68));
	ck_assert(rt_umodti3(U128(0x0123456789abcdef, 0xfedcba9876543211), 10) == 1);
}
END_TEST

START_TEST(test_signed_division_truncates_toward_zero)
{
	const i128 min = (i128)((u128)1 << 127), max = (i128)(((u128)1 << 127) - 1);
	static const struct {
		i128 a, b, q, r;
	} cases[] = {
		{ 7, 2, 3, 1 }, { -7, 2, -3, -1 }, { 7, -2, -3, 1 }, { -7, -2, 3, -1 },
		{ 0, -5, 0, 0 }, { -1, 1, -1, 0 }, { 6, -3, -2, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		i128 r;
		ck_assert(rt_divti3(cases[i].a, cases[i].b) == cases[i].q);
		ck_assert(rt_modti3(cases[i].a, cases[i].b) == cases[i].r);
		ck_assert(rt_divmodti4(cases[i].a, cases[i].b, &r) == cases[i].q);
		ck_assert(r == cases[i].r);
	}
	ck_assert(rt_divti3(min, -1) == min); /* wraps, as libgcc's */
	ck_assert(rt_modti3(min, -1) == 0);
	ck_assert(rt_divti3(min, 1) == min);
	ck_assert(rt_divti3(min, max) == -1);
	ck_assert(rt_modti3(min, max) == -1);
	ck_assert(rt_divti3(max, min) == 0);
	ck_assert(rt_modti3(max, min) == max);
	ck_assert(rt_divti3(-(i128)U128(3, 0), 3) == -(i128)U128(1, 0));
	/* Every sign combination of random operands: |q| and |r| are the unsigned results. */
	uint64_t s = 12345;
	for (int n = 0; n < ROUNDS(5000); n++) {
		i128 a = (i128)random_bits(&s, 1 + (unsigned)(xorshift(&s) % 127));
		i128 b = (i128)random_bits(&s, 1 + (unsigned)(xorshift(&s) % 127));
		if (!b)
			continue;
		u128 ur, uq = ref_udivmod((u128)a, (u128)b, &ur);
		for (int sign = 0; sign < 4; sign++) {
			i128 x = sign & 1 ? -a : a, y = sign & 2 ? -b : b, r;
			i128 q = rt_divmodti4(x, y, &r);
			ck_assert(q == ((sign == 1 || sign == 2) ? -(i128)uq : (i128)uq));
			ck_assert(r == (sign & 1 ? -(i128)ur : (i128)ur));
		}
	}
}
END_TEST

START_TEST(test_popcount_counts_set_bits)
{
	uint64_t s = 777;
	ck_assert_int_eq(rt_popcountdi2(0), 0);
	ck_assert_int_eq(rt_popcountdi2(~0ul), 64);
	ck_assert_int_eq(rt_popcountdi2(0x8000000000000001ul), 2);
	for (int n = 0; n < ROUNDS(10000); n++) {
		uint64_t x = xorshift(&s) >> (n % 64), y = x;
		int bits = 0;
		for (; y; y >>= 1)
			bits += (int)(y & 1);
		ck_assert_int_eq(rt_popcountdi2(x), bits);
	}
}
END_TEST

/* Bit i of x, from its 64-bit halves (no 128-bit shift). */
static int bit128(u128 x, int i)
{
	uint64_t half = i >= 64 ? (uint64_t)(x >> 64) : (uint64_t)x;
	return (int)((half >> (i & 63)) & 1);
}

static u128 with_bit(u128 x, int i, int v)
{
	u128 one = i >= 64 ? U128(1ul << (i - 64), 0) : U128(0, 1ul << i);
	return v ? x | one : x & ~one;
}

START_TEST(test_clrsb_counts_the_bits_that_copy_the_sign)
{
	static const struct {
		long x;
		int want;
	} cases[] = { { 0, 63 }, { -1, 63 }, { 1, 62 }, { -2, 62 }, { LONG_MAX, 0 }, { LONG_MIN, 0 },
		      { 0x4000000000000000l, 0 }, { 0x2000000000000000l, 1 }, { -0x4000000000000000l, 1 } };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		ck_assert_msg(rt_clrsbdi2(cases[i].x) == cases[i].want, "clrsb(%lx) = %d, want %d",
			      (unsigned long)cases[i].x, rt_clrsbdi2(cases[i].x), cases[i].want);
	uint64_t s = 4242;
	for (int n = 0; n < ROUNDS(10000); n++) {
		long x = (long)(xorshift(&s) >> (n % 64));
		x = n & 1 ? ~x : x;
		int want = 0; /* the bits below the sign that equal it, from the top */
		for (int i = 62; i >= 0 && ((x >> i) & 1) == ((x >> 63) & 1); i--)
			want++;
		ck_assert_msg(rt_clrsbdi2(x) == want, "clrsb(%lx)", (unsigned long)x);
	}
}
END_TEST

/* Every bit of a shifted value against where it came from, built bit by bit. */
static void check_shifts(u128 a, int b)
{
	u128 shl = 0, lshr = 0, ashr = 0;
	int sign = bit128(a, 127);
	for (int i = 0; i < 128; i++) {
		shl = with_bit(shl, i, i >= b ? bit128(a, i - b) : 0);
		lshr = with_bit(lshr, i, i + b < 128 ? bit128(a, i + b) : 0);
		ashr = with_bit(ashr, i, i + b < 128 ? bit128(a, i + b) : sign);
	}
	ck_assert_msg(rt_ashlti3(a, b) == shl && rt_lshrti3(a, b) == lshr && (u128)rt_ashrti3((i128)a, b) == ashr,
		      "%016lx%016lx shifted by %d", (unsigned long)(a >> 64), (unsigned long)a, b);
}

START_TEST(test_128_bit_shifts_move_every_bit)
{
	uint64_t s = 99;
	static const u128 edge[] = { 0, 1, U128(0x8000000000000000ul, 0), U128(UINT64_MAX, UINT64_MAX),
				     U128(0x7fffffffffffffff, UINT64_MAX), U128(1, 0), U128(0, 0x8000000000000000ul) };
	for (int b = 0; b < 128; b++) {
		for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
			check_shifts(edge[i], b);
		for (int n = 0; n < ROUNDS(100); n++)
			check_shifts(U128(xorshift(&s), xorshift(&s)), b);
	}
}
END_TEST

/* Shift-and-add into 256 bits (hi:lo), then whether it fits in __int128. */
static i128 ref_mul_overflow(i128 a, i128 b, int *overflow)
{
	int neg = (a < 0) != (b < 0);
	u128 ua = a < 0 ? -(u128)a : (u128)a, ub = b < 0 ? -(u128)b : (u128)b;
	u128 lo = 0, hi = 0, add_lo = ua, add_hi = 0; /* ua << i, in 256 bits */
	for (int i = 0; i < 128; i++) {
		if (bit128(ub, i)) {
			u128 before = lo;
			lo += add_lo;
			hi += add_hi + (lo < before);
		}
		add_hi = add_hi << 1 | (u128)bit128(add_lo, 127);
		add_lo = with_bit(add_lo << 1, 0, 0);
	}
	u128 limit = U128(0x8000000000000000ul, 0) - (neg ? 0 : 1);
	*overflow = hi || lo > limit;
	return (i128)(neg ? -lo : lo);
}

static void check_muloti4(i128 a, i128 b)
{
	int want_o, got_o = 7;
	i128 want = ref_mul_overflow(a, b, &want_o), got = rt_muloti4(a, b, &got_o);
	ck_assert_msg(got == want && got_o == want_o, "%016lx%016lx * %016lx%016lx: overflow %d, want %d",
		      (unsigned long)((u128)a >> 64), (unsigned long)a, (unsigned long)((u128)b >> 64),
		      (unsigned long)b, got_o, want_o);
	i128 gcc; /* and gcc's own inline expansion agrees */
	ck_assert(__builtin_mul_overflow(a, b, &gcc) == want_o && gcc == want);
}

START_TEST(test_128_bit_multiply_reports_overflow)
{
	const i128 min = (i128)U128(0x8000000000000000ul, 0), max = (i128)(U128(0x8000000000000000ul, 0) - 1);
	static const struct {
		i128 a, b;
		int overflow;
	} cases[] = {
		{ 0, 0, 0 }, { 3, -5, 0 }, { -1, -1, 0 }, { (i128)U128(1, 0), (i128)U128(1, 0), 1 },
		{ (i128)U128(0x4000000000000000ul, 0), 2, 1 }, { (i128)U128(0x4000000000000000ul, 0), -2, 0 },
		{ (i128)U128(0x4000000000000000ul, 0), 1, 0 }, { -1, (i128)U128(0x8000000000000000ul, 0), 1 },
		{ 1, (i128)U128(0x8000000000000000ul, 0), 0 }, { (i128)UINT64_MAX, (i128)UINT64_MAX, 1 },
		{ (i128)1 << 63, (i128)1 << 63, 0 }, { (i128)1 << 63, (i128)1 << 64, 1 },
		{ -((i128)1 << 63), (i128)1 << 64, 0 }, { (i128)U128(0x7fffffffffffffff, 0), 3, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int o = 7;
		i128 r = rt_muloti4(cases[i].a, cases[i].b, &o);
		ck_assert_msg(o == cases[i].overflow, "case %zu: overflow %d", i, o);
		ck_assert((u128)r == (u128)cases[i].a * (u128)cases[i].b); /* wrapped */
		check_muloti4(cases[i].a, cases[i].b);
	}
	int o;
	ck_assert(rt_muloti4(min, 1, &o) == min && !o);
	ck_assert(rt_muloti4(min, -1, &o) == min && o);
	ck_assert(rt_muloti4(max, -1, &o) == -max && !o);
	uint64_t s = 31337;
	for (int n = 0; n < ROUNDS(20000); n++) {
		i128 a = (i128)random_bits(&s, 1 + (unsigned)(xorshift(&s) % 128));
		i128 b = (i128)random_bits(&s, 1 + (unsigned)(xorshift(&s) % 128));
		check_muloti4(n & 1 ? -a : a, n & 2 ? -b : b);
	}
}
END_TEST

/* Each helper is exported under the name the compilers call, for app cells. */
START_TEST(test_every_helper_is_exported_under_its_abi_name)
{
	static const struct {
		const char *name;
		const void *fn;
	} helpers[] = {
		{ "abort", (const void *)rt_abort }, { "__divti3", (const void *)rt_divti3 },
		{ "__modti3", (const void *)rt_modti3 }, { "__divmodti4", (const void *)rt_divmodti4 },
		{ "__udivti3", (const void *)rt_udivti3 }, { "__umodti3", (const void *)rt_umodti3 },
		{ "__udivmodti4", (const void *)rt_udivmodti4 }, { "__popcountdi2", (const void *)rt_popcountdi2 },
		{ "__clrsbdi2", (const void *)rt_clrsbdi2 }, { "__ashlti3", (const void *)rt_ashlti3 },
		{ "__lshrti3", (const void *)rt_lshrti3 }, { "__ashrti3", (const void *)rt_ashrti3 },
		{ "__muloti4", (const void *)rt_muloti4 },
	};
	for (size_t i = 0; i < sizeof helpers / sizeof *helpers; i++) {
		const struct export_entry *e = export_find(helpers[i].name);
		ck_assert_msg(e, "%s is not exported", helpers[i].name);
		ck_assert_msg(e->addr == helpers[i].fn, "%s is exported at the wrong address", helpers[i].name);
		ck_assert_uint_eq(e->class, EXPORT_CLASS_APP);
	}
}
END_TEST

/* --- abort and a zero divisor end only their task -------------------------- */
static void last_record(const struct fault_record *r, void *arg) { *(const struct fault_record **)arg = r; }

static int64_t calls_abort(void *unused)
{
	rt_abort();
}

static int64_t divides_by_zero(void *unused)
{
	volatile u128 zero = 0;
	return (int64_t)rt_udivti3(1, zero);
}

struct failing {
	int64_t (*fn)(void *);
	err_t joined;
	enum task_state state;
	char detail[96];
	char where[FAULT_WHERE_MAX];
};

static int64_t spawn_failing(struct failing *f)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct task_ref t;
	char none = 0;
	if (task_spawn_raw(&o, f->fn, &none, 1, &t))
		return -1;
	int64_t v;
	f->joined = task_join(&t, &v);
	f->state = task_state(t.t);
	task_ref_drop(&t);
	const struct fault_record *r = NULL;
	fault_log_for_each(last_record, &r);
	if (r) {
		memcpy(f->detail, r->detail, sizeof f->detail);
		memcpy(f->where, r->where, sizeof f->where);
	}
	return 0;
}

static void check_fails_its_task(int64_t (*fn)(void *), const char *detail, const char *where)
{
	struct failing f = { .fn = fn };
	ck_assert_int_eq(tboot_run_in_task((int64_t(*)(void *))spawn_failing, &f), 0);
	ck_assert_int_eq(f.joined, E_FAILED);
	ck_assert_int_eq(f.state, TASK_FAILED);
	ck_assert_msg(strstr(f.detail, detail), "fault record '%s', expected '%s'", f.detail, detail);
	ck_assert_msg(!strncmp(f.where, where, strlen(where)), "fault at '%s', expected '%s...'", f.where, where);
}

START_TEST(test_abort_fails_the_calling_task)
{
	/* the panic's pc is in rt_abort, exported as abort: the log names its
	 * section and the export */
	check_fails_its_task(calls_abort, "abort() called from 0x", "nano_core_lib:.text.rt_abort+0x");
	/* in __udivti3, or the __udivmodti4 it inlines */
	check_fails_its_task(divides_by_zero, "128-bit division by zero", "nano_core_lib:.text.rt_udiv");
	/* and the machine goes on: a task still runs */
	check_fails_its_task(calls_abort, "abort() called from 0x", "nano_core_lib:.text.rt_abort+0x");
}
END_TEST

/* --- the helpers as sections of the nano_core's builtin cells ------------- */

/* Each export lies in a section of a builtin cell, found by address, and
 * is the symbol an address there is described by: rt_abort is exported as
 * abort, and a pc inside it is described by its section and the export's
 * name, not as "outside every cell". */
START_TEST(test_a_pc_in_a_helper_exported_under_another_name_is_in_its_section)
{
	char where[FAULT_WHERE_MAX];
	fault_describe_addr((uintptr_t)rt_abort + 5, where, sizeof where);
	ck_assert_str_eq(where, "nano_core_lib:.text.rt_abort+0x5 (abort+0x5)");
	fault_describe_addr((uintptr_t)rt_clrsbdi2 + 1, where, sizeof where);
	ck_assert_str_eq(where, "nano_core_lib:.text.rt_clrsbdi2+0x1 (__clrsbdi2+0x1)");
	size_t sized = 0;
	CELLS_READ_GUARD();
	for (const struct export_entry *e = exports_begin(); e < exports_end(); e++) {
		const struct cell_section *sec = cell_section_at((uintptr_t)e->addr);
		ck_assert_msg(sec, "export %s (%p) lies in no section", e->name, e->addr);
		ck_assert_msg(sec->cell->builtin, "export %s in %s", e->name, sec->cell->name);
		const struct cell_symbol *y = cell_symbol_at((uintptr_t)e->addr);
		ck_assert_msg(y && !strcmp(y->name, e->name), "export %s is described as %s", e->name,
			      y ? y->name : "nothing");
		sized += y->size > 0;
	}
	ck_assert_uint_eq(sized, export_count());
}
END_TEST

int main(void)
{
	Suite *s = suite_create("runtime");
	TCase *arith = tcase_create("arithmetic");
	tcase_add_test(arith, test_unsigned_division_matches_long_division);
	tcase_add_test(arith, test_signed_division_truncates_toward_zero);
	tcase_add_test(arith, test_popcount_counts_set_bits);
	tcase_add_test(arith, test_clrsb_counts_the_bits_that_copy_the_sign);
	tcase_add_test(arith, test_128_bit_shifts_move_every_bit);
	tcase_add_test(arith, test_128_bit_multiply_reports_overflow);
	tcase_add_test(arith, test_every_helper_is_exported_under_its_abi_name);
	suite_add_tcase(s, arith);
	TCase *cells = tcase_create("nano_core cells");
	tcase_add_checked_fixture(cells, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(cells, test_a_pc_in_a_helper_exported_under_another_name_is_in_its_section);
	suite_add_tcase(s, cells);
	TCase *tasks = tcase_create("tasks");
	tcase_add_checked_fixture(tasks, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(tasks, test_abort_fails_the_calling_task);
	suite_add_tcase(s, tasks);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
