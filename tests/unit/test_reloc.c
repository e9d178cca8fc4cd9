/* kernel/cell/reloc.c: the arithmetic of each x86_64 relocation type,
 * checked byte by byte in a buffer, with the overflow boundaries of the
 * 32-bit types and the promise that nothing is written on error. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cell/elf.h"
#include "kernel/cell/reloc.h"

#define FILL 0xAA
#define FIELD 8 /* where the patched field starts inside buf */

static uint8_t buf[32];

static void fill(void) { memset(buf, FILL, sizeof buf); }

/* Every byte outside [FIELD, FIELD + width) still holds FILL. */
static void assert_untouched_outside(size_t width)
{
	for (size_t i = 0; i < sizeof buf; i++)
		if (i < FIELD || i >= FIELD + width)
			ck_assert_msg(buf[i] == FILL, "byte %zu outside the %zu-byte field changed", i, width);
}

static void assert_untouched(void) { assert_untouched_outside(0); }

static uint64_t field64(void)
{
	uint64_t v;
	memcpy(&v, buf + FIELD, 8);
	return v;
}

static uint32_t field32(void)
{
	uint32_t v;
	memcpy(&v, buf + FIELD, 4);
	return v;
}

/* Applies type at buf + FIELD with the rest of buf as room. */
static err_t apply(uint32_t type, uint64_t P, uint64_t S, int64_t A, uint64_t G)
{
	return reloc_apply(type, buf + FIELD, sizeof buf - FIELD, P, S, A, G);
}

START_TEST(test_abs64_writes_s_plus_a)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_64, 0x1000, 0x123456789abcdef0ull, 0x10, 0), E_OK);
	ck_assert_uint_eq(field64(), 0x123456789abcdf00ull);
	assert_untouched_outside(8);
	static const uint8_t want[8] = { 0x00, 0xdf, 0xbc, 0x9a, 0x78, 0x56, 0x34, 0x12 };
	ck_assert_mem_eq(buf + FIELD, want, 8); /* little endian */
}
END_TEST

START_TEST(test_abs64_negative_addend_wraps)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_64, 0, 0x10, -0x20, 0), E_OK);
	ck_assert_uint_eq(field64(), (uint64_t)-0x10);
	assert_untouched_outside(8);
}
END_TEST

START_TEST(test_pc64_writes_s_plus_a_minus_p)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_PC64, 0x400000, 0x10000000, 8, 0), E_OK);
	ck_assert_uint_eq(field64(), 0x10000000 + 8 - 0x400000);
	assert_untouched_outside(8);
	fill();
	ck_assert_int_eq(apply(R_X86_64_PC64, 0x10000000, 0x400000, 0, 0), E_OK);
	ck_assert_uint_eq(field64(), (uint64_t)(0x400000 - 0x10000000LL));
	assert_untouched_outside(8);
}
END_TEST

START_TEST(test_pc64_does_not_overflow_on_far_targets)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_PC64, 0x1000, 0x7fff00000000ull, 0, 0), E_OK);
	ck_assert_uint_eq(field64(), 0x7fff00000000ull - 0x1000);
}
END_TEST

START_TEST(test_pc32_writes_low_four_bytes_of_s_plus_a_minus_p)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_PC32, 0x401000, 0x402000, -4, 0), E_OK);
	ck_assert_uint_eq(field32(), 0x1000 - 4);
	assert_untouched_outside(4);
	fill();
	ck_assert_int_eq(apply(R_X86_64_PC32, 0x402000, 0x401000, -4, 0), E_OK);
	ck_assert_uint_eq(field32(), (uint32_t)(-0x1000 - 4));
	assert_untouched_outside(4);
}
END_TEST

START_TEST(test_plt32_is_a_direct_pc_relative_call)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_PLT32, 0x10000005, 0x400100, -4, 0), E_OK);
	ck_assert_uint_eq(field32(), (uint32_t)(0x400100LL - 4 - 0x10000005LL));
	assert_untouched_outside(4);
}
END_TEST

START_TEST(test_abs32_writes_s_plus_a)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_32, 0xdead, 0x12345678, 8, 0), E_OK);
	ck_assert_uint_eq(field32(), 0x12345680);
	assert_untouched_outside(4);
}
END_TEST

START_TEST(test_abs32s_writes_s_plus_a)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_32S, 0xdead, 0x400000, 0x10, 0), E_OK);
	ck_assert_uint_eq(field32(), 0x400010);
	assert_untouched_outside(4);
	fill(); /* sign-extended negative values fit */
	ck_assert_int_eq(apply(R_X86_64_32S, 0, 0xffffffff80000000ull, 0, 0), E_OK);
	ck_assert_uint_eq(field32(), 0x80000000u);
	assert_untouched_outside(4);
}
END_TEST

/* The GOT family patches G + A - P: the distance to the slot, not to S. */
static void check_got_type(uint32_t type)
{
	fill();
	ck_assert_int_eq(apply(type, 0x10000010, 0x400000 /* S: ignored */, -4, 0x10002000), E_OK);
	ck_assert_uint_eq(field32(), 0x2000 - 0x10 - 4);
	assert_untouched_outside(4);
	ck_assert(reloc_uses_got(type));
}

START_TEST(test_gotpcrel_uses_the_slot_address)
{
	check_got_type(R_X86_64_GOTPCREL);
}
END_TEST

START_TEST(test_gotpcrelx_uses_the_slot_address)
{
	check_got_type(R_X86_64_GOTPCRELX);
}
END_TEST

START_TEST(test_rex_gotpcrelx_uses_the_slot_address)
{
	check_got_type(R_X86_64_REX_GOTPCRELX);
}
END_TEST

START_TEST(test_none_writes_nothing)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_NONE, 0x1000, 0x2000, 4, 0x3000), E_OK);
	assert_untouched();
	ck_assert_int_eq(reloc_apply(R_X86_64_NONE, buf, 0, 1, 2, 3, 4), E_OK); /* no room needed */
	assert_untouched();
	ck_assert_uint_eq(reloc_width(R_X86_64_NONE), 0);
	ck_assert(reloc_supported(R_X86_64_NONE));
}
END_TEST

/* A 32-bit type's field range [lo, hi]: the addend is chosen so that the
 * computed value (S + A, S + A - P or G + A - P) lands exactly on lo and
 * hi, which must be written, and on lo - 1 and hi + 1, which must fail and
 * write nothing. */
struct boundary_case {
	uint32_t type;
	uint64_t P, S, G;
	int64_t lo, hi; /* the field's range, as the value S + A - P (or G + A - P, or S + A) */
	bool pc_relative, got;
};

static int64_t addend_for(const struct boundary_case *c, int64_t value)
{
	uint64_t base = c->got ? c->G : c->S;
	uint64_t sub = c->pc_relative ? c->P : 0;
	return (int64_t)((uint64_t)value - base + sub);
}

static void check_boundary(const struct boundary_case *c)
{
	const char *name = reloc_type_name(c->type);
	fill();
	ck_assert_msg(apply(c->type, c->P, c->S, addend_for(c, c->hi), c->G) == E_OK, "%s at its maximum", name);
	ck_assert_uint_eq(field32(), (uint32_t)c->hi);
	assert_untouched_outside(4);
	fill();
	ck_assert_msg(apply(c->type, c->P, c->S, addend_for(c, c->lo), c->G) == E_OK, "%s at its minimum", name);
	ck_assert_uint_eq(field32(), (uint32_t)c->lo);
	assert_untouched_outside(4);
	fill();
	ck_assert_msg(apply(c->type, c->P, c->S, addend_for(c, c->hi + 1), c->G) == E_RELOC_OVERFLOW,
		      "%s one past its maximum", name);
	assert_untouched();
	fill();
	ck_assert_msg(apply(c->type, c->P, c->S, addend_for(c, c->lo - 1), c->G) == E_RELOC_OVERFLOW,
		      "%s one below its minimum", name);
	assert_untouched();
}

START_TEST(test_overflow_boundary_pc32)
{
	check_boundary(&(struct boundary_case){ .type = R_X86_64_PC32, .P = 0x10000000, .S = 0x400000,
						.lo = INT32_MIN, .hi = INT32_MAX, .pc_relative = true });
}
END_TEST

START_TEST(test_overflow_boundary_plt32)
{
	check_boundary(&(struct boundary_case){ .type = R_X86_64_PLT32, .P = 0x10000000, .S = 0x400000,
						.lo = INT32_MIN, .hi = INT32_MAX, .pc_relative = true });
}
END_TEST

START_TEST(test_overflow_boundary_abs32)
{
	check_boundary(&(struct boundary_case){ .type = R_X86_64_32, .P = 0x1234, .S = 0x400000,
						.lo = 0, .hi = UINT32_MAX });
}
END_TEST

START_TEST(test_overflow_boundary_abs32s)
{
	check_boundary(&(struct boundary_case){ .type = R_X86_64_32S, .P = 0x1234, .S = 0x400000,
						.lo = INT32_MIN, .hi = INT32_MAX });
}
END_TEST

START_TEST(test_overflow_boundary_gotpcrel_family)
{
	static const uint32_t types[] = { R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		check_boundary(&(struct boundary_case){ .type = types[i], .P = 0x10000000, .S = 0xdead0000,
							.G = 0x10008000, .lo = INT32_MIN, .hi = INT32_MAX,
							.pc_relative = true, .got = true });
}
END_TEST

/* A far-away S must not leak into the GOT types, and a far-away G must. */
START_TEST(test_gotpcrel_overflow_depends_on_the_slot_not_the_symbol)
{
	fill();
	ck_assert_int_eq(apply(R_X86_64_REX_GOTPCRELX, 0x10000000, 0x7fff00000000ull, -4, 0x10000100), E_OK);
	ck_assert_uint_eq(field32(), 0xfc);
	fill();
	ck_assert_int_eq(apply(R_X86_64_REX_GOTPCRELX, 0x10000000, 0x400000, -4, 0x7fff00000000ull), E_RELOC_OVERFLOW);
	assert_untouched();
}
END_TEST

START_TEST(test_unsupported_types_are_refused_and_write_nothing)
{
	static const uint32_t types[] = { R_X86_64_GOT32, 5 /* COPY */, 8 /* RELATIVE */, 29 /* GOTPC64 */,
					  43, 0xffffffffu };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		fill();
		ck_assert_int_eq(apply(types[i], 0x1000, 0x2000, 0, 0x3000), E_RELOC_UNSUPPORTED);
		assert_untouched();
		ck_assert(!reloc_supported(types[i]));
		ck_assert_uint_eq(reloc_width(types[i]), 0);
	}
}
END_TEST

START_TEST(test_field_past_room_is_a_range_error)
{
	static const uint32_t types[] = { R_X86_64_64,	  R_X86_64_PC64,     R_X86_64_PC32,
					  R_X86_64_PLT32, R_X86_64_32,	     R_X86_64_32S,
					  R_X86_64_GOTPCREL, R_X86_64_GOTPCRELX, R_X86_64_REX_GOTPCRELX };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		size_t w = reloc_width(types[i]);
		ck_assert(w == 4 || w == 8);
		fill();
		ck_assert_int_eq(reloc_apply(types[i], buf + FIELD, w - 1, 0x1000, 0x1010, 0, 0x1020), E_RANGE);
		assert_untouched();
		ck_assert_int_eq(reloc_apply(types[i], buf + FIELD, 0, 0x1000, 0x1010, 0, 0x1020), E_RANGE);
		assert_untouched();
		/* exactly the width is enough */
		ck_assert_int_eq(reloc_apply(types[i], buf + FIELD, w, 0x1000, 0x1010, 0, 0x1020), E_OK);
		assert_untouched_outside(w);
	}
}
END_TEST

START_TEST(test_unsupported_type_wins_over_missing_room)
{
	fill();
	ck_assert_int_eq(reloc_apply(29, buf, 0, 0, 0, 0, 0), E_RELOC_UNSUPPORTED);
	assert_untouched();
}
END_TEST

START_TEST(test_widths_and_got_use)
{
	ck_assert_uint_eq(reloc_width(R_X86_64_64), 8);
	ck_assert_uint_eq(reloc_width(R_X86_64_PC64), 8);
	ck_assert_uint_eq(reloc_width(R_X86_64_PC32), 4);
	ck_assert_uint_eq(reloc_width(R_X86_64_PLT32), 4);
	ck_assert_uint_eq(reloc_width(R_X86_64_32), 4);
	ck_assert_uint_eq(reloc_width(R_X86_64_32S), 4);
	ck_assert(!reloc_uses_got(R_X86_64_PC32));
	ck_assert(!reloc_uses_got(R_X86_64_PLT32));
	ck_assert(!reloc_uses_got(R_X86_64_64));
	ck_assert(!reloc_uses_got(R_X86_64_NONE));
}
END_TEST

START_TEST(test_type_names)
{
	ck_assert_str_eq(reloc_type_name(R_X86_64_NONE), "R_X86_64_NONE");
	ck_assert_str_eq(reloc_type_name(R_X86_64_64), "R_X86_64_64");
	ck_assert_str_eq(reloc_type_name(R_X86_64_PC32), "R_X86_64_PC32");
	ck_assert_str_eq(reloc_type_name(R_X86_64_PLT32), "R_X86_64_PLT32");
	ck_assert_str_eq(reloc_type_name(R_X86_64_32), "R_X86_64_32");
	ck_assert_str_eq(reloc_type_name(R_X86_64_32S), "R_X86_64_32S");
	ck_assert_str_eq(reloc_type_name(R_X86_64_PC64), "R_X86_64_PC64");
	ck_assert_str_eq(reloc_type_name(R_X86_64_GOTPCREL), "R_X86_64_GOTPCREL");
	ck_assert_str_eq(reloc_type_name(R_X86_64_GOTPCRELX), "R_X86_64_GOTPCRELX");
	ck_assert_str_eq(reloc_type_name(R_X86_64_REX_GOTPCRELX), "R_X86_64_REX_GOTPCRELX");
	ck_assert_str_eq(reloc_type_name(R_X86_64_GOT32), "R_X86_64_GOT32");
	ck_assert_str_eq(reloc_type_name(29), "R_X86_64_(unknown)");
	ck_assert_str_eq(reloc_type_name(0xffffffffu), "R_X86_64_(unknown)");
}
END_TEST

static Suite *reloc_suite(void)
{
	Suite *s = suite_create("reloc");
	TCase *tc = tcase_create("reloc");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_abs64_writes_s_plus_a);
	tcase_add_test(tc, test_abs64_negative_addend_wraps);
	tcase_add_test(tc, test_pc64_writes_s_plus_a_minus_p);
	tcase_add_test(tc, test_pc64_does_not_overflow_on_far_targets);
	tcase_add_test(tc, test_pc32_writes_low_four_bytes_of_s_plus_a_minus_p);
	tcase_add_test(tc, test_plt32_is_a_direct_pc_relative_call);
	tcase_add_test(tc, test_abs32_writes_s_plus_a);
	tcase_add_test(tc, test_abs32s_writes_s_plus_a);
	tcase_add_test(tc, test_gotpcrel_uses_the_slot_address);
	tcase_add_test(tc, test_gotpcrelx_uses_the_slot_address);
	tcase_add_test(tc, test_rex_gotpcrelx_uses_the_slot_address);
	tcase_add_test(tc, test_none_writes_nothing);
	tcase_add_test(tc, test_overflow_boundary_pc32);
	tcase_add_test(tc, test_overflow_boundary_plt32);
	tcase_add_test(tc, test_overflow_boundary_abs32);
	tcase_add_test(tc, test_overflow_boundary_abs32s);
	tcase_add_test(tc, test_overflow_boundary_gotpcrel_family);
	tcase_add_test(tc, test_gotpcrel_overflow_depends_on_the_slot_not_the_symbol);
	tcase_add_test(tc, test_unsupported_types_are_refused_and_write_nothing);
	tcase_add_test(tc, test_field_past_room_is_a_range_error);
	tcase_add_test(tc, test_unsupported_type_wins_over_missing_room);
	tcase_add_test(tc, test_widths_and_got_use);
	tcase_add_test(tc, test_type_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reloc_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
