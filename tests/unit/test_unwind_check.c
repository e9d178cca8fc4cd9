/* The unwinder's check of an .eh_frame (unwind_check_eh_frame, which the
 * loader runs on every cell): a copy of a real cell's section, corrupted in
 * each way the parser must notice, is rejected with a reason and the offset
 * of the bad record; no corruption of any single byte crashes it. */
#include <check.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "tboot.h"
#include "unwind.h"

static const struct cell_section *cell_eh_frame(const struct cell *c)
{
	for (size_t i = 0; i < c->n_sections; i++)
		if (!strcmp(c->sections[i].name, ".eh_frame"))
			return &c->sections[i];
	ck_abort_msg("cell %s has no .eh_frame", c->name);
	return NULL;
}

/* --- corruption ------------------------------------------------------------------ */
static uint8_t copy[4096];
static size_t copy_size;

/* unwind_c's loaded .eh_frame; it starts with a "zR" CIE whose R encoding
 * byte is at 16 and whose program starts at 17; its first FDE's CIE
 * pointer is at 0x1c. */
static void copy_unwind_c_eh_frame(void)
{
	load("unwind_a");
	const struct cell_section *s = cell_eh_frame(ns_find_cell(ns_root(), "unwind_c"));
	ck_assert_uint_le(s->size, sizeof copy);
	memcpy(copy, (const void *)s->addr, s->size);
	copy_size = s->size;
	ck_assert_mem_eq(copy + 4, "\0\0\0\0\1zR", 7);
	ck_assert_uint_eq(copy[16], 0x1b);
	ck_assert_uint_eq(copy[17], 0x0c); /* DW_CFA_def_cfa */
	uint32_t cie_ptr;
	memcpy(&cie_ptr, copy + 0x1c, 4);
	ck_assert_uint_eq(cie_ptr, 0x1c);
}

static void assert_rejected(size_t size, const char *reason_part, size_t want_off)
{
	char why[96] = "unset";
	size_t off = 12345;
	ck_assert(!unwind_check_eh_frame(copy, size, why, sizeof why, &off));
	ck_assert_msg(strstr(why, reason_part) != NULL, "reason \"%s\" lacks \"%s\"", why, reason_part);
	ck_assert_uint_eq(off, want_off);
}

START_TEST(test_check_accepts_the_intact_copy)
{
	copy_unwind_c_eh_frame();
	char why[96];
	size_t off;
	ck_assert_msg(unwind_check_eh_frame(copy, copy_size, why, sizeof why, &off), "%s", why);
}
END_TEST

START_TEST(test_check_rejects_a_length_overrunning_the_section)
{
	copy_unwind_c_eh_frame();
	uint32_t len = 0x7fffffff;
	memcpy(copy, &len, 4);
	assert_rejected(copy_size, "overruns", 0);
	len = 0xffffffff; /* 64-bit form, then a truncated extended length */
	memcpy(copy, &len, 4);
	assert_rejected(8, "truncated 64-bit", 0);
}
END_TEST

START_TEST(test_check_rejects_a_section_cut_inside_a_record)
{
	copy_unwind_c_eh_frame();
	assert_rejected(0x18 + 6, "overruns", 0x18);
	assert_rejected(0x18 + 2, "truncated record length", 0x18);
}
END_TEST

START_TEST(test_check_rejects_a_bad_cie_pointer)
{
	copy_unwind_c_eh_frame();
	uint32_t p = 0x1000;
	memcpy(copy + 0x1c, &p, 4);
	assert_rejected(copy_size, "leaves the section", 0x18);
	p = 0x14; /* back to offset 8, inside the CIE: not a record start */
	memcpy(copy + 0x1c, &p, 4);
	assert_rejected(copy_size, "", 0x18);
}
END_TEST

START_TEST(test_check_rejects_an_unsupported_pointer_encoding)
{
	copy_unwind_c_eh_frame();
	copy[16] = 0x5b; /* aligned|sdata4 */
	assert_rejected(copy_size, "FDE pointer encoding 0x5b", 0);
	copy[16] = 0x0f;
	assert_rejected(copy_size, "FDE pointer encoding", 0);
}
END_TEST

START_TEST(test_check_rejects_an_unknown_cfa_opcode)
{
	copy_unwind_c_eh_frame();
	copy[17] = 0x3f;
	assert_rejected(copy_size, "unknown CFA opcode 0x3f", 0);
}
END_TEST

START_TEST(test_check_rejects_an_unknown_augmentation)
{
	copy_unwind_c_eh_frame();
	copy[10] = 'Q';
	assert_rejected(copy_size, "augmentation", 0);
}
END_TEST

/* Every single-byte corruption and every truncation is rejected or
 * accepted, never crashes or hangs (the checker only reads the copy). */
START_TEST(test_check_survives_every_byte_corruption)
{
	copy_unwind_c_eh_frame();
	uint8_t orig[sizeof copy];
	memcpy(orig, copy, copy_size);
	const uint8_t vals[] = { 0x00, 0xff, 0x80, 0x7f, 0x3f, 0x0f, 0x2f, 0x16 };
	char why[96];
	size_t off;
	for (size_t i = 0; i < copy_size; i++) {
		for (size_t v = 0; v < sizeof vals; v++) {
			copy[i] = vals[v];
			(void)unwind_check_eh_frame(copy, copy_size, why, sizeof why, &off);
			ck_assert_uint_le(off, copy_size);
		}
		copy[i] = orig[i];
		(void)unwind_check_eh_frame(copy, i, why, sizeof why, &off);
	}
}
END_TEST

static Suite *unwind_check_suite(void)
{
	Suite *s = suite_create("unwind_check");
	TCase *p = tcase_create("corruption");
	tcase_add_checked_fixture(p, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(p, test_check_accepts_the_intact_copy);
	tcase_add_test(p, test_check_rejects_a_length_overrunning_the_section);
	tcase_add_test(p, test_check_rejects_a_section_cut_inside_a_record);
	tcase_add_test(p, test_check_rejects_a_bad_cie_pointer);
	tcase_add_test(p, test_check_rejects_an_unsupported_pointer_encoding);
	tcase_add_test(p, test_check_rejects_an_unknown_cfa_opcode);
	tcase_add_test(p, test_check_rejects_an_unknown_augmentation);
	tcase_add_test(p, test_check_survives_every_byte_corruption);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(unwind_check_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
