/* kernel/fault on the hosted HAL: the per-CPU count of held spinlocks, the
 * rule that tells a recoverable fault from one that must stop the machine
 * (and that stop, with its exit status), and the fault log's recovery
 * chains: recurrence counts only the same task, the same pc, the same
 * loaded instance of the cell. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>

#include "cell.h"
#include "fault.h"
#include "hal_irq.h"
#include "hosted.h"
#include "kernel/task/task_internal.h"
#include "panic.h"
#include "spinlock.h"
#include "sync.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>


static struct spinlock lock_a, lock_b;

/* --- the count of held spinlocks --------------------------------------------- */

START_TEST(test_spin_count_follows_nested_locks_and_guards)
{
	ck_assert_uint_eq(spin_held(), 0);
	irq_state_t a = spin_lock_irqsave(&lock_a);
	ck_assert_uint_eq(spin_held(), 1);
	irq_state_t b = spin_lock_irqsave(&lock_b);
	ck_assert_uint_eq(spin_held(), 2);
	spin_unlock_irqrestore(&lock_b, b);
	ck_assert_uint_eq(spin_held(), 1);
	spin_unlock_irqrestore(&lock_a, a);
	ck_assert_uint_eq(spin_held(), 0);
	{
		SPIN_GUARD(&lock_a);
		ck_assert_uint_eq(spin_held(), 1);
	}
	ck_assert_uint_eq(spin_held(), 0);
	irq_state_t s = spin_lock_irqsave(&lock_a);
	spin_unlock_irqs_off(&lock_a);
	ck_assert_uint_eq(spin_held(), 0);
	ck_assert(!hal_irq_enabled()); /* released, but interrupts still off */
	hal_irq_restore(s);
	ck_assert(hal_irq_enabled());
}
END_TEST

static struct mutex handed;
static volatile unsigned held_after_block = 99;

struct nothing {
	int unused;
};

static int64_t block_on_mutex(struct nothing *unused)
{
	(void)unused;
	T_CHECK(mutex_lock(&handed).status == MUTEX_OK); /* blocks in a wait queue: its lock dropped, irqs off, switch */
	held_after_block = spin_held();
	mutex_unlock(&handed);
	return 0;
}

/* A task that blocks releases its wait queue's spinlock on the way to the
 * switch: the count must drop with it, or every later fault on that CPU
 * would look unrecoverable. */
static int64_t hand_over_a_mutex(void *unused)
{
	(void)unused;
	mutex_init(&handed);
	T_CHECK(mutex_lock(&handed).status == MUTEX_OK);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	struct task_ref t;
	struct nothing arg = { 0 };
	T_CHECK(TASK_SPAWN(&o, block_on_mutex, &arg, &t) == E_OK);
	while (task_state(t.t) != TASK_BLOCKED)
		(void)task_yield();
	mutex_unlock(&handed);
	int64_t v = -1;
	T_CHECK(task_join(&t, &v) == E_OK);
	task_ref_drop(&t);
	T_CHECK(spin_held() == 0);
	return 0;
}

START_TEST(test_blocking_in_a_wait_queue_leaves_no_spinlock_counted)
{
	RUN_IN_TASK(hand_over_a_mutex, NULL);
	ck_assert_uint_eq(held_after_block, 0);
	ck_assert_uint_eq(spin_held(), 0);
}
END_TEST

/* --- which faults are recoverable ------------------------------------------- */

START_TEST(test_recoverable_only_with_nothing_held_and_everything_enabled)
{
	char why[160];
	ck_assert(!fault_unrecoverable(true, why, sizeof why));
	irq_state_t s = spin_lock_irqsave(&lock_a);
	ck_assert(fault_unrecoverable(true, why, sizeof why));
	ck_assert_str_eq(why, "cpu 0 holds 1 spinlock, which unwinding would leave taken");
	spin_unlock_irqrestore(&lock_a, s);
	ck_assert(fault_unrecoverable(false, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "interrupts were disabled"));
	preempt_disable();
	ck_assert(fault_unrecoverable(true, why, sizeof why));
	ck_assert_ptr_nonnull(strstr(why, "preemption was disabled"));
	preempt_enable();
	ck_assert(!fault_unrecoverable(true, why, sizeof why));
}
END_TEST

static int64_t panic_holding_a_spinlock(void *unused)
{
	(void)unused;
	irq_state_t s = spin_lock_irqsave(&lock_a);
	panic("broken on purpose with a spinlock held");
	spin_unlock_irqrestore(&lock_a, s);
}

/* Exit test: the machine stops with FAULT_EXIT_UNRECOVERABLE, it does not
 * unwind the task (which would leave lock_a taken). */
START_TEST(test_panic_holding_a_spinlock_stops_the_machine)
{
	tboot_run_in_task(panic_holding_a_spinlock, NULL);
	ck_abort_msg("the machine went on after the panic");
}
END_TEST

static int64_t panic_without_preemption(void *unused)
{
	(void)unused;
	preempt_disable();
	task_panic("broken on purpose with preemption disabled");
}

START_TEST(test_panic_with_preemption_disabled_stops_the_machine)
{
	tboot_run_in_task(panic_without_preemption, NULL);
	ck_abort_msg("the machine went on after the panic");
}
END_TEST

static int64_t panic_holding_nothing(struct nothing *unused)
{
	(void)unused;
	panic("broken on purpose, nothing held");
}

static bool has_failed(void *t) { return task_state(t) == TASK_FAILED; }

/* The same panic with nothing held is an ordinary failure of the task. */
START_TEST(test_panic_holding_nothing_fails_only_the_task)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	struct task_ref t;
	struct nothing arg = { 0 };
	ck_assert_int_eq(TASK_SPAWN(&o, panic_holding_nothing, &arg, &t), E_OK);
	int64_t v = 0;
	sched_idle_until(has_failed, t.t);
	ck_assert_int_eq(task_join(&t, &v), E_FAILED);
	task_ref_drop(&t);
	ck_assert_uint_eq(fault_log_count(), 1);
	ck_assert_uint_eq(spin_held(), 0);
}
END_TEST

static int64_t fault_holding_a_spinlock(void *unused)
{
	(void)unused;
	irq_state_t s = spin_lock_irqsave(&lock_a);
	int v = *(volatile int *)(uintptr_t)unused; /* null */
	spin_unlock_irqrestore(&lock_a, s);
	return v;
}

/* No lock, but interrupts off: the HAL reports the state at the fault. */
static int64_t fault_with_interrupts_disabled(void *unused)
{
	hal_irq_state_t s = hal_irq_save();
	int v = *(volatile int *)(uintptr_t)unused; /* null */
	hal_irq_restore(s);
	return v;
}

static void setup_faults(void)
{
	tboot_setup_tasks();
	hosted_fault_init();
	fault_init();
}

/* A machine fault cannot run clean under memcheck (docs/faults.md): there
 * the test only checks that nothing runs past the stop. */
START_TEST(test_machine_fault_holding_a_spinlock_stops_the_machine)
{
	if (RUNNING_ON_VALGRIND)
		exit(FAULT_EXIT_UNRECOVERABLE);
	tboot_run_in_task(fault_holding_a_spinlock, NULL);
	ck_abort_msg("the machine went on after the fault");
}
END_TEST

START_TEST(test_machine_fault_with_interrupts_disabled_stops_the_machine)
{
	if (RUNNING_ON_VALGRIND)
		exit(FAULT_EXIT_UNRECOVERABLE);
	tboot_run_in_task(fault_with_interrupts_disabled, NULL);
	ck_abort_msg("the machine went on after the fault");
}
END_TEST

/* The tick carries out a kill only where the unwinder can start: in kernel
 * or cell code, not inside a host library call (hosted: the console's
 * write), where the unwind would fail and skip every cleanup. */
START_TEST(test_a_kill_is_not_diverted_from_code_without_unwind_info)
{
	struct hal_regs r = { 0 };
	r.rip = (uintptr_t)&kprintf + 1;
	ck_assert(task_kill_can_divert(&r));
	/* a libc function this executable does not call, so not its own PLT stub */
	void *libc_fn = dlsym(RTLD_DEFAULT, "getpgrp");
	ck_assert_ptr_nonnull(libc_fn);
	r.rip = (uintptr_t)libc_fn + 1;
	ck_assert(!task_kill_can_divert(&r));
}
END_TEST

/* --- recovery chains in the log ------------------------------------------- */

static uintptr_t the_pc;
static unsigned recur[4];

static int64_t record_twice(void *unused)
{
	(void)unused;
	recur[0] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, the_pc, 0, NULL)->recurrence;
	recur[1] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, the_pc, 0, NULL)->recurrence;
	return 0;
}

START_TEST(test_recurrence_counts_the_same_task_only)
{
	the_pc = (uintptr_t)&record_twice;
	for (int i = 0; i < 5; i++) {
		RUN_IN_TASK(record_twice, NULL);
		ck_assert_uint_eq(recur[0], 0); /* earlier tasks' records are not this chain */
		ck_assert_uint_eq(recur[1], 1);
	}
	ck_assert_uint_eq(fault_log_count(), 10);
}
END_TEST

static int64_t kill_then_fault(void *unused)
{
	(void)unused;
	recur[0] = fault_record(FAULT_KILL, MACHINE_FAULT_OTHER, the_pc, 0, "killed")->recurrence;
	recur[1] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, the_pc, 0, NULL)->recurrence;
	recur[2] = fault_record(FAULT_PANIC, MACHINE_FAULT_OTHER, the_pc + 1, 0, NULL)->recurrence;
	return 0;
}

START_TEST(test_kills_and_other_pcs_are_not_recurrences)
{
	the_pc = (uintptr_t)&kill_then_fault;
	RUN_IN_TASK(kill_then_fault, NULL);
	ck_assert_uint_eq(recur[0], 0);
	ck_assert_uint_eq(recur[1], 0);
	ck_assert_uint_eq(recur[2], 0);
}
END_TEST

static struct cell *load_faulty(void)
{
	struct cell *c = NULL;
	struct cell_diag d;
	T_CHECK(cell_load(ns_root(), "faulty", &c, &d) == E_OK);
	return c;
}

/* In one task (a chain that would count): two faults in a loaded cell, then
 * the cell is unloaded and loaded again; a fault at the old pc is not held
 * against the new load, wherever it landed. */
static int64_t fault_across_a_reload(void *unused)
{
	(void)unused;
	struct cell *c = load_faulty();
	if (!c)
		return -1;
	const struct cell_symbol *s = ns_resolve(ns_root(), "fault_null");
	T_CHECK(s != NULL);
	if (!s)
		return -1;
	uintptr_t pc = s->addr + 7;
	recur[0] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	recur[1] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	struct cell_diag d;
	T_CHECK(cell_unload(c, &d) == E_OK);
	if (!(c = load_faulty()))
		return -1;
	recur[2] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	recur[3] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	T_CHECK(cell_unload(c, &d) == E_OK);
	return 0;
}

START_TEST(test_unloading_a_cell_forgets_its_faults)
{
	RUN_IN_TASK(fault_across_a_reload, NULL);
	ck_assert_uint_eq(recur[0], 0);
	ck_assert_uint_eq(recur[1], 1);
	ck_assert_uint_eq(recur[2], 0);
	ck_assert_uint_eq(recur[3], 1);
}
END_TEST

static Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *locks = tcase_create("held spinlocks");
	tcase_add_checked_fixture(locks, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(locks, test_spin_count_follows_nested_locks_and_guards);
	tcase_add_test(locks, test_blocking_in_a_wait_queue_leaves_no_spinlock_counted);
	tcase_add_test(locks, test_recoverable_only_with_nothing_held_and_everything_enabled);
	suite_add_tcase(s, locks);
	TCase *stop = tcase_create("stopping the machine");
	tcase_set_timeout(stop, 30);
	tcase_add_checked_fixture(stop, setup_faults, tboot_teardown_tasks);
	tcase_add_exit_test(stop, test_panic_holding_a_spinlock_stops_the_machine, FAULT_EXIT_UNRECOVERABLE);
	tcase_add_exit_test(stop, test_panic_with_preemption_disabled_stops_the_machine, FAULT_EXIT_UNRECOVERABLE);
	tcase_add_exit_test(stop, test_machine_fault_holding_a_spinlock_stops_the_machine, FAULT_EXIT_UNRECOVERABLE);
	tcase_add_exit_test(stop, test_machine_fault_with_interrupts_disabled_stops_the_machine,
			    FAULT_EXIT_UNRECOVERABLE);
	tcase_add_test(stop, test_panic_holding_nothing_fails_only_the_task);
	tcase_add_test(stop, test_a_kill_is_not_diverted_from_code_without_unwind_info);
	suite_add_tcase(s, stop);
	TCase *chains = tcase_create("recovery chains");
	tcase_add_checked_fixture(chains, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(chains, test_recurrence_counts_the_same_task_only);
	tcase_add_test(chains, test_kills_and_other_pcs_are_not_recurrences);
	tcase_add_test(chains, test_unloading_a_cell_forgets_its_faults);
	suite_add_tcase(s, chains);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(fault_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
