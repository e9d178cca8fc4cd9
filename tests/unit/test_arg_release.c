/* A task that owns its argument (task_options.arg_release, TASK_SPAWN_OWNING;
 * docs/tasks.md "A task that owns its argument"): the release runs exactly
 * once, in the ending task, before a joiner returns, whichever way the task
 * ends for good (return, failure, kill, shutdown), never at a restart (then
 * with the pristine copy), never after a failed spawn; a release that
 * faults or panics ends the task and the machine goes on. */
#include <check.h>
#include <stdlib.h>

#include "fault.h"
#include "hal_time.h"
#include "hosted.h"
#include "kernel/task/task_internal.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>

#define MS 1000000ull
#define SECOND 1000000000ull

enum how { RETURN, PANIC, BLOCK, RESTART_TWICE, CLEANUP_FAULTS }; /* the run */
enum release_how { RELEASE_OK, RELEASE_SLEEPS, RELEASE_PANICS, RELEASE_FAULTS };

/* What the argument "owns": a slot that the release marks. */
struct owned {
	enum how how;
	int slot;
	int value; /* changed by each run in its own copy; the pristine copy keeps it */
	enum release_how release;
};

#define SLOTS 8
static volatile int released[SLOTS], released_value[SLOTS], released_by[SLOTS], runs[SLOTS];
static volatile bool released_preemptible[SLOTS], release_done[SLOTS], released_on_own_stack[SLOTS];
static struct wait_queue never;
static volatile int *volatile bad_address = (volatile int *)16; /* unmapped: a page fault */

static void reset(void)
{
	for (int i = 0; i < SLOTS; i++) {
		released[i] = runs[i] = 0;
		released_value[i] = released_by[i] = -1;
		released_preemptible[i] = release_done[i] = released_on_own_stack[i] = false;
	}
	wait_queue_init(&never);
}

static bool is_false(void *unused)
{
	(void)unused;
	return false;
}

static void release_owned(struct owned *o)
{
	released[o->slot]++;
	released_value[o->slot] = o->value;
	released_by[o->slot] = (int)task_id(task_current());
	released_preemptible[o->slot] = preempt_enabled();
	struct task *me = task_current();
	uintptr_t here = (uintptr_t)&me, lo = mp_start(&me->stack.m);
	released_on_own_stack[o->slot] = here >= lo && here < lo + mp_size(&me->stack.m);
	if (o->release == RELEASE_SLEEPS)
		(void)task_sleep_ns(20 * MS); /* a release may block; the joiner still waits for it */
	if (o->release == RELEASE_PANICS)
		task_panic("the release broke");
	if (o->release == RELEASE_FAULTS)
		*bad_address = 1;
	release_done[o->slot] = true;
}

static void fault_in_cleanup(int *unused)
{
	(void)unused;
	*bad_address = 1;
}

static int64_t owner_main(struct owned *o)
{
	int run = ++runs[o->slot];
	T_CHECK(released[o->slot] == 0); /* not at a restart */
	o->value = 1000 + run;           /* the run's own copy */
	switch (o->how) {
	case PANIC:
		task_panic("the owner broke");
	case BLOCK:
		T_CHECK(wait_queue_wait_cond(&never, is_false, NULL)); /* not reached: killed in it */
		return -1;
	case CLEANUP_FAULTS: {
		int guard CLEANUP(fault_in_cleanup) = 0;
		(void)guard;
		task_panic("the owner broke, and so does its cleanup");
	}
	case RESTART_TWICE:
		if (run < 3)
			task_panic(run == 1 ? "first run broke" : "second run broke");
		return run;
	default:
		return 42;
	}
}

static struct task_ref spawn_owned(enum how how, enum release_how rh, int slot, int value, bool restartable)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	o.restartable = restartable;
	o.name = "owner";
	struct owned arg = { how, slot, value, rh };
	struct task_ref r = { NULL };
	T_CHECK(TASK_SPAWN_OWNING(&o, owner_main, release_owned, &arg, &r) == E_OK);
	return r;
}

/* Joins t: what join says, and the release's count at that moment. */
struct joined {
	err_t e;
	int64_t value;
	enum task_state state;
	int released;
	bool done;
};

static struct joined join_owned(struct task_ref *t, int slot)
{
	struct joined j = { .value = -99 };
	j.e = task_join(t, &j.value);
	j.released = released[slot];
	j.done = release_done[slot];
	j.state = task_state(t->t);
	T_CHECK(released_by[slot] == (int)task_id(t->t)); /* in the ending task */
	T_CHECK(released_preemptible[slot]);
	T_CHECK(released_on_own_stack[slot]);
	task_ref_drop(t);
	return j;
}

/* --- each way to end --------------------------------------------------------------- */
static int64_t ends(void *unused)
{
	(void)unused;
	reset();
	struct task_ref a = spawn_owned(RETURN, RELEASE_OK, 0, 7, false);
	struct joined j = join_owned(&a, 0);
	T_CHECK(j.e == E_OK && j.value == 42 && j.state == TASK_EXITED && j.released == 1 && j.done);
	T_CHECK(released_value[0] == 1001); /* not restartable: its own copy, as the run left it */

	struct task_ref b = spawn_owned(PANIC, RELEASE_OK, 1, 7, false);
	j = join_owned(&b, 1);
	T_CHECK(j.e == E_FAILED && j.state == TASK_FAILED && j.released == 1 && j.done);

	struct task_ref c = spawn_owned(BLOCK, RELEASE_OK, 2, 7, false);
	T_CHECK(runs[2] == 0);
	while (task_state(c.t) != TASK_BLOCKED)
		(void)task_yield();
	T_CHECK(released[2] == 0);
	T_CHECK(task_kill(&c) == E_OK);
	j = join_owned(&c, 2);
	T_CHECK(j.e == E_FAILED && j.state == TASK_KILLED && j.released == 1 && j.done);

	struct task_ref d = spawn_owned(RETURN, RELEASE_SLEEPS, 3, 7, false);
	j = join_owned(&d, 3);
	T_CHECK(j.e == E_OK && j.released == 1 && j.done); /* join waited for the sleeping release */
	for (int i = 0; i < 4; i++)
		T_CHECK(released[i] == 1);
	return 0;
}

START_TEST(test_the_release_runs_once_however_the_task_ends_before_join_returns)
{
	ck_assert_int_eq(RUN_IN_TASK(ends, NULL), 0);
}
END_TEST

/* --- restarts ----------------------------------------------------------------------- */
static int64_t restarts(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn_owned(RESTART_TWICE, RELEASE_OK, 4, 7, true);
	struct joined j = join_owned(&t, 4);
	T_CHECK(j.e == E_OK && j.value == 3 && j.released == 1 && j.done);
	T_CHECK(runs[4] == 3);
	T_CHECK(released_value[4] == 7); /* the pristine copy, not a run's */
	return 0;
}

START_TEST(test_a_restart_keeps_the_argument_and_the_end_releases_the_pristine_copy)
{
	ck_assert_int_eq(RUN_IN_TASK(restarts, NULL), 0);
}
END_TEST

/* --- a failed spawn ----------------------------------------------------------------- */
static void release_nothing(void *unused)
{
	(void)unused;
	released[5]++;
}

START_TEST(test_a_failed_spawn_does_not_release)
{
	reset();
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.stack_bytes = TASK_STACK_MAX * 2;
	struct owned arg = { RETURN, 5, 7, RELEASE_OK };
	struct task_ref r = { NULL };
	ck_assert_int_eq(TASK_SPAWN_OWNING(&o, owner_main, release_owned, &arg, &r), E_TOOBIG);
	ck_assert_ptr_null(r.t);
	o = TASK_OPTIONS_DEFAULT;
	o.arg_release = release_nothing;
	ck_assert_int_eq(task_spawn_raw(&o, (task_entry_fn)owner_main, NULL, 0, &r), E_INVAL); /* nothing to own */
	ck_assert_int_eq(released[5], 0);
	ck_assert_int_eq(runs[5], 0);
}
END_TEST

/* --- a release that breaks ---------------------------------------------------------- */
static int64_t broken_releases(void *unused)
{
	(void)unused;
	reset();
	size_t faults = fault_log_count();
	struct task_ref a = spawn_owned(RETURN, RELEASE_PANICS, 0, 7, true);
	struct joined j = join_owned(&a, 0);
	T_CHECK(j.e == E_FAILED && j.state == TASK_FAILED && j.released == 1 && !j.done);
	T_CHECK(runs[0] == 1); /* restartable, but a fault in the release never restarts it */

	/* a machine fault cannot run clean under memcheck (docs/faults.md): a panic there */
	enum release_how breaks = RUNNING_ON_VALGRIND ? RELEASE_PANICS : RELEASE_FAULTS;
	struct task_ref b = spawn_owned(RETURN, breaks, 1, 7, false);
	j = join_owned(&b, 1);
	T_CHECK(j.e == E_FAILED && j.state == TASK_FAILED && j.released == 1 && !j.done);

	/* killed, so unwinding when the release faults: as a fault in a cleanup */
	struct task_ref c = spawn_owned(BLOCK, breaks, 2, 7, false);
	while (task_state(c.t) != TASK_BLOCKED)
		(void)task_yield();
	T_CHECK(task_kill(&c) == E_OK);
	j = join_owned(&c, 2);
	T_CHECK(j.e == E_FAILED && j.state == TASK_KILLED && j.released == 1 && !j.done);

	/* and the machine goes on: a task that owns its argument still ends well */
	struct task_ref d = spawn_owned(RETURN, RELEASE_OK, 3, 7, false);
	j = join_owned(&d, 3);
	T_CHECK(j.e == E_OK && j.released == 1 && j.done);
	return (int64_t)(fault_log_count() - faults);
}

START_TEST(test_a_release_that_faults_or_panics_ends_its_task_and_nothing_else)
{
	/* the three in the releases, and the kill */
	ck_assert_int_eq(RUN_IN_TASK(broken_releases, NULL), 4);
}
END_TEST

/* --- the end on a CPU's emergency stack ------------------------------------------------ */
/* A machine fault in a cleanup ends the task from the CPU's emergency
 * stack; its release (which may block: it sleeps) runs on its own stack. */
static int64_t ends_on_the_emergency_stack(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn_owned(CLEANUP_FAULTS, RELEASE_SLEEPS, 0, 7, false);
	struct joined j = join_owned(&t, 0);
	T_CHECK(j.e == E_FAILED && j.state == TASK_FAILED && j.released == 1 && j.done);
	struct task_ref u = spawn_owned(CLEANUP_FAULTS, RELEASE_FAULTS, 1, 7, false);
	j = join_owned(&u, 1);
	T_CHECK(j.e == E_FAILED && j.state == TASK_FAILED && j.released == 1 && !j.done);
	struct task_ref v = spawn_owned(RETURN, RELEASE_OK, 2, 7, false);
	j = join_owned(&v, 2);
	T_CHECK(j.e == E_OK && j.released == 1 && j.done);
	return 0;
}

START_TEST(test_a_task_ending_on_the_emergency_stack_releases_on_its_own)
{
	if (RUNNING_ON_VALGRIND)
		return; /* a machine fault cannot run clean under memcheck (docs/faults.md) */
	ck_assert_int_eq(RUN_IN_TASK(ends_on_the_emergency_stack, NULL), 0);
}
END_TEST

/* --- shutdown ------------------------------------------------------------------------ */
static int64_t block_forever(struct owned *o)
{
	runs[o->slot]++;
	if (o->how == RETURN)
		(void)task_sleep_ns(3600 * SECOND);
	else
		T_CHECK(wait_queue_wait_cond(&never, is_false, NULL)); /* not reached: killed in it */
	return 0;
}

static bool both_started(void *unused)
{
	(void)unused;
	return runs[6] && runs[7];
}

START_TEST(test_shutdown_releases_the_argument_of_a_task_still_alive)
{
	reset();
	ck_assert_int_eq(tasks_init(2, "sched_rr", TBOOT_TICK_HZ), E_OK);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct owned blocked = { BLOCK, 6, 7, RELEASE_OK }, sleeping = { RETURN, 7, 7, RELEASE_SLEEPS };
	struct task_ref a, b;
	o.cpu = 1;
	ck_assert_int_eq(TASK_SPAWN_OWNING(&o, block_forever, release_owned, &blocked, &a), E_OK);
	o.restartable = true;
	ck_assert_int_eq(TASK_SPAWN_OWNING(&o, block_forever, release_owned, &sleeping, &b), E_OK);
	task_ref_drop(&a);
	task_ref_drop(&b);
	sched_idle_until(both_started, NULL);
	ck_assert_int_eq(released[6] + released[7], 0);
	ck_assert(tasks_fini());
	ck_assert_int_eq(released[6], 1);
	ck_assert_int_eq(released[7], 1);
	ck_assert(release_done[6] && release_done[7]);
}
END_TEST

static void setup_faults(void)
{
	tboot_setup_tasks();
	hosted_fault_init();
	fault_init();
}

static void setup_no_tasks(void)
{
	tboot_setup_cells();
	hosted_cpu_init(2);
	hosted_signals_init();
}

static Suite *release_suite(void)
{
	Suite *s = suite_create("arg_release");
	TCase *t = tcase_create("tasks");
	tcase_set_timeout(t, 60);
	tcase_add_checked_fixture(t, setup_faults, tboot_teardown_tasks);
	tcase_add_test(t, test_the_release_runs_once_however_the_task_ends_before_join_returns);
	tcase_add_test(t, test_a_restart_keeps_the_argument_and_the_end_releases_the_pristine_copy);
	tcase_add_test(t, test_a_failed_spawn_does_not_release);
	tcase_add_test(t, test_a_release_that_faults_or_panics_ends_its_task_and_nothing_else);
	tcase_add_test(t, test_a_task_ending_on_the_emergency_stack_releases_on_its_own);
	suite_add_tcase(s, t);
	TCase *fini = tcase_create("shutdown");
	tcase_set_timeout(fini, 60);
	tcase_add_checked_fixture(fini, setup_no_tasks, tboot_teardown_cells);
	tcase_add_test(fini, test_shutdown_releases_the_argument_of_a_task_still_alive);
	suite_add_tcase(s, fini);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(release_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
