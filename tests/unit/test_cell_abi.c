/* The cells' link ABI holds no HAL name: the export table names no hal_*
 * symbol, and what cells need of the HAL is exported under the kernel's
 * names (irq.h, ktime.h, dyncall.h, console.h), each doing what the HAL
 * does: interrupt masking that nests, a clock that never goes back, and a
 * dynamic call that passes every argument type and refuses what it cannot
 * make. tests/includes/check.sh checks the objects and headers. */
#include <check.h>
#include <string.h>

#include "console.h"
#include "dyncall.h"
#include "export.h"
#include "hal_irq.h"
#include "irq.h"
#include "ktime.h"

START_TEST(test_no_export_is_named_after_the_hal)
{
	size_t n = 0;
	for (const struct export_entry *e = exports_begin(); e < exports_end(); e++, n++)
		ck_assert_msg(strncmp(e->name, "hal_", 4) && strncmp(e->name, "HAL_", 4),
			      "the nano_core exports the HAL's %s to cells", e->name);
	ck_assert_uint_eq(n, export_count());
	ck_assert_uint_gt(n, 100); /* the table was really walked */
}
END_TEST

static void assert_exported(const char *name, const void *addr, enum export_class cls)
{
	const struct export_entry *e = export_find(name);
	ck_assert_msg(e, "%s is not exported", name);
	ck_assert_msg(e->addr == addr, "%s is exported at the wrong address", name);
	ck_assert_msg(e->class == cls, "%s is exported for class %u, not %u", name, e->class, cls);
}

/* App cells may take spinlocks and read the clock; the console and the
 * dynamic call stay kernel-only, as before they had kernel names. */
START_TEST(test_the_hal_services_are_exported_under_kernel_names)
{
	assert_exported("irq_save", irq_save, EXPORT_CLASS_APP);
	assert_exported("irq_restore", irq_restore, EXPORT_CLASS_APP);
	assert_exported("time_ns", time_ns, EXPORT_CLASS_APP);
	assert_exported("time_cycles", time_cycles, EXPORT_CLASS_APP);
	assert_exported("dyncall", dyncall, EXPORT_CLASS_KERNEL);
	assert_exported("console_raw", console_raw, EXPORT_CLASS_KERNEL);
	assert_exported("console_getc", console_getc, EXPORT_CLASS_KERNEL);
}
END_TEST

START_TEST(test_irq_save_masks_interrupts_and_nests)
{
	bool was = hal_irq_enabled();
	irq_state_t outer = irq_save();
	ck_assert(!hal_irq_enabled());
	irq_state_t inner = irq_save();
	irq_restore(inner);
	ck_assert_msg(!hal_irq_enabled(), "the inner restore re-enabled interrupts");
	irq_restore(outer);
	ck_assert_int_eq(hal_irq_enabled(), was);
}
END_TEST

START_TEST(test_the_clock_never_goes_back)
{
	uint64_t t = time_ns(), c = time_cycles();
	for (int i = 0; i < 1000; i++) {
		uint64_t now = time_ns();
		ck_assert_uint_ge(now, t);
		t = now;
	}
	ck_assert_uint_ge(time_cycles(), c);
}
END_TEST

static int64_t mix(int32_t a, int64_t b, const char *s, int64_t c) { return a * 1000 + b * 10 + (s[0] - '0') + c; }
static int32_t negative(void) { return -5; }
static int calls;
static void count(void) { calls++; }

START_TEST(test_dyncall_passes_each_type_and_sign_extends_an_i32_result)
{
	enum dyn_type types[4] = { DYN_I32, DYN_I64, DYN_PTR, DYN_I64 };
	/* the i32 argument is cut to its 32 bits: 0x1_0000_0007 arrives as 7 */
	uint64_t args[4] = { 0x100000007ull, 4, (uintptr_t) "3", 100000 };
	uint64_t r = 0;
	ck_assert_int_eq(dyncall((void *)mix, DYN_I64, 4, types, args, &r), E_OK);
	ck_assert_int_eq((int64_t)r, 7000 + 40 + 3 + 100000);
	ck_assert_int_eq(dyncall((void *)negative, DYN_I32, 0, NULL, NULL, &r), E_OK);
	ck_assert_uint_eq(r, (uint64_t)-5);
	ck_assert_int_eq(dyncall((void *)count, DYN_VOID, 0, NULL, NULL, &r), E_OK);
	ck_assert_uint_eq(r, 0);
	ck_assert_int_eq(calls, 1);
}
END_TEST

/* A signature dyncall cannot make is refused before anything is called. */
START_TEST(test_dyncall_refuses_what_it_cannot_call)
{
	enum dyn_type types[DYNCALL_MAX_ARGS + 1] = { DYN_I64, DYN_I64, DYN_I64, DYN_I64, DYN_I64, DYN_I64, DYN_I64 };
	uint64_t args[DYNCALL_MAX_ARGS + 1] = { 0 }, r = 42;
	calls = 0;
	ck_assert_int_eq(dyncall((void *)count, DYN_VOID, DYNCALL_MAX_ARGS + 1, types, args, &r), E_INVAL);
	types[1] = DYN_VOID;
	ck_assert_int_eq(dyncall((void *)count, DYN_VOID, 2, types, args, &r), E_INVAL);
	types[1] = (enum dyn_type)9;
	ck_assert_int_eq(dyncall((void *)count, DYN_VOID, 2, types, args, &r), E_INVAL);
	ck_assert_int_eq(dyncall((void *)count, (enum dyn_type)9, 0, NULL, NULL, &r), E_INVAL);
	ck_assert_int_eq(calls, 0);
	ck_assert_uint_eq(r, 42);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cell_abi");
	TCase *t = tcase_create("kernel names for HAL services");
	tcase_add_test(t, test_no_export_is_named_after_the_hal);
	tcase_add_test(t, test_the_hal_services_are_exported_under_kernel_names);
	tcase_add_test(t, test_irq_save_masks_interrupts_and_nests);
	tcase_add_test(t, test_the_clock_never_goes_back);
	tcase_add_test(t, test_dyncall_passes_each_type_and_sign_extends_an_i32_result);
	tcase_add_test(t, test_dyncall_refuses_what_it_cannot_call);
	suite_add_tcase(s, t);
	SRunner *r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
