/* Text patching (cell_text_patch, mp_patch_code): a loaded cell's code is
 * rewritten while it is loaded and has run, through a temporary
 * non-executable alias, and the new code runs (under valgrind too: the
 * patch tells the HAL, which discards valgrind's translations). Ranges
 * outside one loaded cell's text are refused with nothing written, and the
 * text stays unwritable: W^X holds before, during and after. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "mm.h"
#include "mm_code.h"
#include "tboot.h"

/* patchme_value is "movl $IMM, %eax; ret": the immediate is at offset 1. */
#define IMM_OFFSET 1

static int (*patchme(void))(void)
{
	return (int (*)(void))sym_addr("patchme_value");
}

static void set_imm(int32_t v)
{
	struct cell_diag d;
	uint8_t *dst = (uint8_t *)sym_addr("patchme_value") + IMM_OFFSET;
	err_t e = cell_text_patch(dst, &v, sizeof v, &d);
	ck_assert_msg(e == E_OK, "patch: %s", diag_line(&d));
}

START_TEST(test_patch_rewrites_a_loaded_cells_constant)
{
	struct world before = world_now();
	load("patchme");
	struct world loaded = world_now();
	ck_assert_int_eq(patchme()(), 7);
	ck_assert_int_eq(patchme()(), 7); /* run twice: translated and cached */
	set_imm(42);
	ck_assert_int_eq(patchme()(), 42);
	set_imm(-5);
	ck_assert_int_eq(patchme()(), -5);
	set_imm(7);
	ck_assert_int_eq(patchme()(), 7);
	assert_world_is(loaded, "the patch's alias is gone, nothing leaked");
	struct mm_audit a;
	ck_assert_int_eq(mm_audit(&a, false), E_OK);
	ck_assert_uint_eq(a.wx_pages, 0);
	ck_assert_uint_eq(a.alias_pages, 0);
	unload("patchme");
	assert_world_is(before, "unloaded");
}
END_TEST

/* Refused ranges: each leaves every byte of the text as it was. */
START_TEST(test_patch_refuses_ranges_outside_one_cells_text)
{
	struct cell *c = load("patchme");
	load("chain_c");
	uint8_t *fn = (uint8_t *)sym_addr("patchme_value");
	uint8_t before[8];
	memcpy(before, fn, sizeof before);
	uint8_t junk[16] = { 0xcc };
	struct cell_diag d;
	size_t text = mp_size(&c->text.m);
	ck_assert_int_eq(cell_text_patch(fn, junk, 0, &d), E_INVAL);
	/* data of a loaded cell */
	ck_assert_int_eq(cell_text_patch((void *)sym_addr("chain_c_calls"), junk, 4, &d), E_RANGE);
	ck_assert_str_eq(d.cell, "chain_c");
	/* the nano_core's own code (a builtin cell) */
	ck_assert_int_eq(cell_text_patch((void *)(uintptr_t)&cell_text_patch, junk, 1, &d), E_RANGE);
	ck_assert_str_eq(d.cell, "nano_core_cell");
	ck_assert_msg(strstr(diag_line(&d), "is not in the text of a loaded cell") != NULL, "diag: %s", diag_line(&d));
	/* no cell at all: the heap */
	void *heap = kmalloc(16);
	ck_assert_int_eq(cell_text_patch(heap, junk, 1, &d), E_RANGE);
	ck_assert_str_eq(d.cell, "");
	kfree(heap);
	/* running past the end of the cell's text */
	ck_assert_int_eq(cell_text_patch(fn, junk, text + 1, &d), E_RANGE);
	ck_assert_msg(strstr(diag_line(&d), "cell patchme, section .text.patchme_value, offset 0x0") != NULL,
		      "diag: %s", diag_line(&d));
	ck_assert_msg(strstr(diag_line(&d), "run past the cell's text") != NULL, "diag: %s", diag_line(&d));
	ck_assert_int_eq(mp_patch_code(&c->text, text - 1, junk, 2), E_RANGE);
	ck_assert_int_eq(memcmp(fn, before, sizeof before), 0);
	ck_assert_int_eq(patchme()(), 7);
	unload("chain_c");
	unload("patchme");
}
END_TEST

/* Only the live mapping of a cell's text may be patched or change its
 * rights: a struct made up to name the same frames (another generation, as
 * a stale copy has after a remap) is refused, nothing is written, and the
 * code still runs. */
START_TEST(test_a_made_up_mapping_cannot_patch_or_remap_live_code)
{
	struct cell *c = load("patchme");
	size_t off = sym_addr("patchme_value") + IMM_OFFSET - mp_start(&c->text.m);
	struct mapped_pages_rx forged = c->text;
	forged.m.gen ^= 0x5a5a;
	int32_t v = 42;
	ck_assert_int_eq(mp_patch_code(&forged, off, &v, sizeof v), E_STALE);
	struct mapped_pages_rw rw;
	ck_assert_int_eq(mp_remap_rx_to_rw(&forged, &rw), E_STALE);
	ck_assert_uint_eq(forged.m.pages.count, c->text.m.pages.count); /* a refused remap leaves it as it was */
	ck_assert_int_eq(patchme()(), 7);
	ck_assert_int_eq(mp_patch_code(&c->text, off, &v, sizeof v), E_OK); /* the live one may */
	ck_assert_int_eq(patchme()(), 42);
	unload("patchme");
}
END_TEST

/* After a patch the text is as unwritable as before it. */
START_TEST(test_text_stays_unwritable_after_a_patch)
{
	load("patchme");
	set_imm(9);
	ck_assert_int_eq(patchme()(), 9);
	*(volatile uint8_t *)sym_addr("patchme_value") = 0xc3;
	ck_abort_msg("the write to the cell's text did not fault");
}
END_TEST

static Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tc = tcase_create("patch");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(tc, test_patch_rewrites_a_loaded_cells_constant);
	tcase_add_test(tc, test_patch_refuses_ranges_outside_one_cells_text);
	tcase_add_test(tc, test_a_made_up_mapping_cannot_patch_or_remap_live_code);
	tcase_add_test_raise_signal(tc, test_text_stays_unwritable_after_a_patch, SIGSEGV);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(patch_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
