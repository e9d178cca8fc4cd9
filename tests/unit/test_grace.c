/* Grace periods (kernel/lib/grace.c) and the preconditions of the cell
 * system's concurrency rule (docs/concurrency.md): grace_wait returns only
 * after a read section that began before it ended; the cells lock nests on
 * its CPU and is counted as a held spinlock; every asserted precondition
 * stops the machine when broken. */
#include <check.h>
#include <stdlib.h>

#include "cell.h"
#include "grace.h"
#include "hal_irq.h"
#include "panic.h"
#include "spinlock.h"
#include "task.h"
#include "tboot.h"

static struct grace g;
static int reader_in, release_reader, reader_left, writer_waiting, writer_returned, left_when_returned;

struct none {
	int unused;
};

static int64_t reader(struct none *n)
{
	(void)n;
	struct grace_read r = grace_read_lock(&g);
	__atomic_store_n(&reader_in, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&release_reader, __ATOMIC_SEQ_CST))
		__builtin_ia32_pause();
	__atomic_store_n(&reader_left, 1, __ATOMIC_SEQ_CST);
	grace_read_unlock(&g, r);
	return 0;
}

static int64_t writer(struct none *n)
{
	(void)n;
	while (!__atomic_load_n(&reader_in, __ATOMIC_SEQ_CST))
		__builtin_ia32_pause();
	__atomic_store_n(&writer_waiting, 1, __ATOMIC_SEQ_CST);
	grace_wait(&g);
	__atomic_store_n(&left_when_returned, __atomic_load_n(&reader_left, __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
	__atomic_store_n(&writer_returned, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int64_t race(void *unused)
{
	(void)unused;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct none n = { 0 };
	struct task_ref r, w;
	o.cpu = 1;
	T_CHECK(TASK_SPAWN(&o, reader, &n, &r) == E_OK);
	o.cpu = 2;
	T_CHECK(TASK_SPAWN(&o, writer, &n, &w) == E_OK);
	while (!__atomic_load_n(&writer_waiting, __ATOMIC_SEQ_CST))
		task_yield();
	for (int i = 0; i < 100000; i++) /* the writer has every chance to return early */
		__builtin_ia32_pause();
	T_CHECK(!__atomic_load_n(&writer_returned, __ATOMIC_SEQ_CST));
	__atomic_store_n(&release_reader, 1, __ATOMIC_SEQ_CST);
	int64_t v;
	T_CHECK(task_join(&r, &v) == E_OK);
	T_CHECK(task_join(&w, &v) == E_OK);
	task_ref_drop(&r);
	task_ref_drop(&w);
	return 0;
}

START_TEST(test_grace_wait_returns_only_after_an_earlier_reader_left)
{
	RUN_IN_TASK(race, NULL);
	ck_assert_int_eq(writer_returned, 1);
	ck_assert_int_eq(left_when_returned, 1);
	ck_assert(!grace_reading(&g));
}
END_TEST

START_TEST(test_read_sections_nest_and_disable_interrupts)
{
	struct grace d = { 0 };
	ck_assert(hal_irq_enabled());
	struct grace_read a = grace_read_lock(&d);
	struct grace_read b = grace_read_lock(&d);
	ck_assert(grace_reading(&d) && !hal_irq_enabled());
	grace_read_unlock(&d, b);
	ck_assert(grace_reading(&d));
	grace_read_unlock(&d, a);
	ck_assert(!grace_reading(&d) && hal_irq_enabled());
	grace_wait(&d); /* no reader: returns */
}
END_TEST

START_TEST(test_the_cells_lock_nests_on_its_cpu_and_counts_as_a_spinlock)
{
	ck_assert(!cells_locked());
	cells_lock();
	cells_lock();
	ck_assert(cells_locked() && !hal_irq_enabled());
	ck_assert_uint_eq(spin_held(), 1);
	cells_unlock();
	ck_assert(cells_locked());
	cells_unlock();
	ck_assert(!cells_locked() && hal_irq_enabled());
	ck_assert_uint_eq(spin_held(), 0);
	{
		CELLS_READ_GUARD();
		ck_assert(cell_section_at((uintptr_t)&g) == NULL); /* a lookup in a read section is fine */
	}
}
END_TEST

/* Each broken precondition is a panic; outside a task it stops the machine. */
START_TEST(test_a_lookup_outside_a_read_section_and_the_lock_panics)
{
	(void)cell_section_at((uintptr_t)&g);
}
END_TEST

START_TEST(test_grace_wait_inside_its_own_read_section_panics)
{
	struct grace_read r = grace_read_lock(&g);
	grace_wait(&g);
	grace_read_unlock(&g, r);
}
END_TEST

START_TEST(test_taking_the_cells_lock_inside_a_cells_read_section_panics)
{
	CELLS_READ_GUARD();
	cells_lock();
}
END_TEST

START_TEST(test_unlocking_a_cells_lock_not_held_panics)
{
	cells_unlock();
}
END_TEST

static void setup_smp(void)
{
	tboot_setup_tasks_smp();
	g = (struct grace){ 0 };
}

static Suite *grace_suite(void)
{
	Suite *s = suite_create("grace");
	TCase *wait = tcase_create("grace periods");
	tcase_add_checked_fixture(wait, setup_smp, tboot_teardown_tasks);
	tcase_add_test(wait, test_grace_wait_returns_only_after_an_earlier_reader_left);
	suite_add_tcase(s, wait);
	TCase *rule = tcase_create("preconditions");
	tcase_add_checked_fixture(rule, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(rule, test_read_sections_nest_and_disable_interrupts);
	tcase_add_test(rule, test_the_cells_lock_nests_on_its_cpu_and_counts_as_a_spinlock);
	tcase_add_exit_test(rule, test_a_lookup_outside_a_read_section_and_the_lock_panics, PANIC_EXIT_STATUS);
	tcase_add_exit_test(rule, test_grace_wait_inside_its_own_read_section_panics, PANIC_EXIT_STATUS);
	tcase_add_exit_test(rule, test_taking_the_cells_lock_inside_a_cells_read_section_panics, PANIC_EXIT_STATUS);
	tcase_add_exit_test(rule, test_unlocking_a_cells_lock_not_held_panics, PANIC_EXIT_STATUS);
	suite_add_tcase(s, rule);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(grace_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
