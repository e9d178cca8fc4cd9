/* The per-test machine: a fresh memfd and arena, mm and heap on top, and
 * optionally the cell system with the build's cell images. Used as Check
 * checked fixtures, so they run inside each test's process. */
#include <check.h>

#include "cell.h"
#include "heap.h"
#include "hosted.h"
#include "mm.h"
#include "tboot.h"

struct hal_boot_info tboot_info;

void tboot_setup(void)
{
	tboot_info = (struct hal_boot_info){ 0 };
	ck_assert(hosted_mem_init(TBOOT_MEMORY, &tboot_info));
	ck_assert_int_eq(mm_init(&tboot_info), E_OK);
	ck_assert_int_eq(heap_init(), E_OK);
}

void tboot_teardown(void)
{
	mm_fini();
	hosted_mem_fini();
}

void tboot_setup_cells(void)
{
	tboot_setup();
	ck_assert(hosted_cells_load(THESEUS_CELL_DIR, &tboot_info));
	hosted_kernel_image(&tboot_info);
	ck_assert_int_eq(cells_init(&tboot_info), E_OK);
}

void tboot_teardown_cells(void)
{
	cells_fini();
	hosted_kernel_image_fini(&tboot_info);
	hosted_cells_fini(&tboot_info);
	tboot_teardown();
}
