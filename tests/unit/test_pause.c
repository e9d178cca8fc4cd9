/* Holding the other CPUs (task_pause.h), as a swap's stage 3 does: on 4
 * virtual CPUs, counters that tasks on CPUs 1-3 keep raising stand still
 * while they are paused and move again once released; a CPU waiting for the
 * cells lock is a safe point (the swap holds it while it pauses); a CPU
 * spinning with a spinlock held is not, and the pause times out cleanly,
 * releasing the ones that did stop. */
#include <check.h>
#include <stdlib.h>

#include "cell.h"
#include "hal_time.h"
#include "spinlock.h"
#include "task.h"
#include "task_pause.h"
#include "tboot.h"

#define WORKERS 3

static struct {
	volatile uint64_t count[WORKERS];
	volatile int stop;
	volatile int take_cells_lock; /* worker 0 takes the cells lock once */
	volatile int took_cells_lock;
	volatile int hold_spinlock;  /* worker 0 spins holding a spinlock */
	volatile int holding;        /* ... and holds it now */
	volatile int wants_cells_lock; /* worker 0 is about to wait for the cells lock */
	struct spinlock lock;
} w;

static int64_t worker(int *i)
{
	while (!__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE)) {
		if (*i == 0 && __atomic_exchange_n(&w.take_cells_lock, 0, __ATOMIC_ACQ_REL)) {
			__atomic_store_n(&w.wants_cells_lock, 1, __ATOMIC_RELEASE);
			cells_lock();
			cells_unlock();
			__atomic_store_n(&w.took_cells_lock, 1, __ATOMIC_RELEASE);
		}
		if (*i == 0 && w.hold_spinlock) {
			irq_state_t s = spin_lock_irqsave(&w.lock);
			__atomic_store_n(&w.holding, 1, __ATOMIC_RELEASE);
			while (w.hold_spinlock && !w.stop)
				__builtin_ia32_pause();
			spin_unlock_irqrestore(&w.lock, s);
		}
		__atomic_add_fetch(&w.count[*i], 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static struct task_ref workers[WORKERS];

static void start_workers(void)
{
	w = (__typeof__(w)){ 0 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	for (int i = 0; i < WORKERS; i++) {
		o.cpu = i + 1;
		int arg = i;
		T_CHECK(TASK_SPAWN(&o, worker, &arg, &workers[i]) == E_OK);
	}
}

static void stop_workers(void)
{
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < WORKERS; i++) {
		int64_t v = -1;
		T_CHECK(task_join(&workers[i], &v) == E_OK && v == 0);
		task_ref_drop(&workers[i]);
	}
}

static void wait_until_all_counted(void)
{
	uint64_t seen[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		seen[i] = w.count[i];
	for (int i = 0; i < WORKERS; i++)
		while (w.count[i] == seen[i])
			task_yield();
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = hal_time_ns() + ns;
	while (hal_time_ns() < end)
		__builtin_ia32_pause();
}

static int64_t paused_cpus_stand_still(void *unused)
{
	(void)unused;
	start_workers();
	wait_until_all_counted();
	for (int round = 0; round < 20; round++) {
		cells_lock(); /* as a swap: interrupts off, never asked to pause itself */
		err_t e = tasks_pause_others(5000000000ull);
		T_CHECK(e == E_OK);
		if (e) {
			cells_unlock();
			break;
		}
		uint64_t held[WORKERS];
		for (int i = 0; i < WORKERS; i++)
			held[i] = w.count[i];
		spin_ns(2000000);
		for (int i = 0; i < WORKERS; i++)
			T_CHECK(w.count[i] == held[i]);
		tasks_resume_others();
		cells_unlock();
		wait_until_all_counted();
	}
	stop_workers();
	return 0;
}

START_TEST(test_paused_cpus_stand_still_and_go_on_after)
{
	ck_assert_uint_eq(tasks_cpus(), 4);
	RUN_IN_TASK(paused_cpus_stand_still, NULL);
}
END_TEST

static int64_t cells_lock_waiter_is_a_safe_point(void *unused)
{
	(void)unused;
	start_workers();
	wait_until_all_counted();
	cells_lock();
	__atomic_store_n(&w.take_cells_lock, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&w.wants_cells_lock, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	spin_ns(20000000); /* worker 0 is spinning for the lock (or about to) */
	err_t e = tasks_pause_others(5000000000ull);
	T_CHECK(e == E_OK);
	if (!e)
		tasks_resume_others();
	cells_unlock();
	while (!__atomic_load_n(&w.took_cells_lock, __ATOMIC_ACQUIRE))
		task_yield();
	stop_workers();
	return 0;
}

START_TEST(test_a_cpu_waiting_for_the_cells_lock_pauses)
{
	RUN_IN_TASK(cells_lock_waiter_is_a_safe_point, NULL);
}
END_TEST

static int64_t spinlock_holder_times_out(void *unused)
{
	(void)unused;
	start_workers();
	wait_until_all_counted();
	w.hold_spinlock = 1;
	while (!__atomic_load_n(&w.holding, __ATOMIC_ACQUIRE))
		task_yield();
	cells_lock();
	err_t e = tasks_pause_others(50000000);
	T_CHECK(e == E_TIMEOUT);
	if (!e)
		tasks_resume_others();
	cells_unlock();
	/* The ones that had stopped were let go: workers 1 and 2 count on. */
	uint64_t seen1 = w.count[1], seen2 = w.count[2];
	while (w.count[1] == seen1 || w.count[2] == seen2)
		task_yield();
	w.hold_spinlock = 0;
	stop_workers();
	return 0;
}

START_TEST(test_a_cpu_holding_a_spinlock_times_the_pause_out)
{
	RUN_IN_TASK(spinlock_holder_times_out, NULL);
}
END_TEST

static Suite *pause_suite(void)
{
	Suite *s = suite_create("pause");
	TCase *tc = tcase_create("pause");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, tboot_setup_tasks_smp, tboot_teardown_tasks);
	tcase_add_test(tc, test_paused_cpus_stand_still_and_go_on_after);
	tcase_add_test(tc, test_a_cpu_waiting_for_the_cells_lock_pauses);
	tcase_add_test(tc, test_a_cpu_holding_a_spinlock_times_the_pause_out);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pause_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
