/* The per-test machine: a fresh memfd and arena, mm and heap on top.
 * Used as a Check checked fixture, so it runs inside each test's process. */
#include <check.h>

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
