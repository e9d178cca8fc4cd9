/* Mutex misuse and the guarantees around it, on the hosted HAL: mutex_init
 * of a held mutex and mark-consistent by a non-holder are refused;
 * hand-over is FIFO; the fault record names every mutex a killed task held,
 * also when a cleanup's fault abandons its unwind; stage 3's check finds
 * other tasks using a region. Owner-died semantics: test_mutex.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/private/task_fail.h"
#include "mutex_test.h"

/* mutex_init of a mutex the caller holds would point its held_link at
 * itself while the task's list still links it, and the end of the run
 * would loop on it for good: it panics instead, naming the mutex, and the
 * task fails (the end of its run still finds the mutex
 * on its list and releases it as owner died). */
static int64_t init_what_i_hold(struct nothing *unused)
{
	(void)unused;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	mutex_init(&mtx);
	return 0;
}

static int64_t reinit_held(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn(init_what_i_hold, "reinits", false);
	unsigned id = task_id(t.t);
	join(&t, E_FAILED);
	const struct fault_record *r = record_of(id);
	T_CHECK(r && r->kind == FAULT_PANIC && strstr(r->detail, "mutex_init of mutex ") &&
		strstr(r->detail, "which the calling task") && r->mutexes == 1);
	return lock_status(NULL);
}

START_TEST(test_mutex_init_of_a_mutex_the_caller_holds_fails_the_task)
{
	ck_assert_int_eq(RUN_IN_TASK(reinit_held, NULL), MUTEX_OWNER_DIED);
}
END_TEST

static int64_t mark_what_others_hold(struct nothing *unused)
{
	(void)unused;
	return mutex_mark_consistent(&mtx);
}

/* Only the holder told OWNER_DIED may declare the data repaired. */
static int64_t mark_by_non_owner(void *unused)
{
	(void)unused;
	reset();
	struct task_ref owner = spawn(lock_and_return, "returns", false);
	join(&owner, E_OK);
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OWNER_DIED);
	struct task_ref other = spawn(mark_what_others_hold, "marker", false);
	int64_t e = join(&other, E_OK);
	T_CHECK(mutex_mark_consistent(&mtx) == E_OK); /* still owner died: the other's mark did nothing */
	mutex_unlock(&mtx);
	T_CHECK(lock_status(NULL) == MUTEX_OK);
	return e;
}

START_TEST(test_mark_consistent_by_a_task_that_does_not_hold_it_is_refused)
{
	ck_assert_int_eq(RUN_IN_TASK(mark_by_non_owner, NULL), E_INVAL);
}
END_TEST

static int order[3];
static volatile int order_n;
static struct nothing_index {
	int i;
} fifo_args[3];

static int64_t lock_and_note(struct nothing_index *a)
{
	struct mutex_result r = mutex_lock(&mtx);
	if (!mutex_result_held(r))
		return -1;
	order[order_n++] = a->i;
	mutex_unlock(&mtx);
	return 0;
}

/* Three waiters queued in order get the mutex in that order. */
static int64_t fifo_handover(void *unused)
{
	(void)unused;
	reset();
	order_n = 0;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	struct task_ref w[3];
	for (int i = 0; i < 3; i++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.cpu = 0;
		o.name = "fifo";
		fifo_args[i].i = i;
		T_CHECK(task_spawn_raw(&o, (task_entry_fn)lock_and_note, &fifo_args[i], sizeof fifo_args[i], &w[i]) ==
			E_OK);
		T_CHECK(yield_until(w[i].t, TASK_BLOCKED)); /* queued before the next one */
	}
	mutex_unlock(&mtx);
	for (int i = 0; i < 3; i++)
		T_CHECK(join(&w[i], E_OK) == 0);
	T_CHECK(order_n == 3);
	return order[0] * 100 + order[1] * 10 + order[2];
}

START_TEST(test_the_handover_is_fifo)
{
	ck_assert_int_eq(RUN_IN_TASK(fifo_handover, NULL), 12); /* 0, 1, 2 */
}
END_TEST

static const struct fault_record *found_kill;
static void pick_kill(const struct fault_record *r, void *unused)
{
	(void)unused;
	if (r->task_id == wanted_id && r->kind == FAULT_KILL)
		found_kill = r;
}
static const struct fault_record *kill_record_of(unsigned id)
{
	found_kill = NULL;
	wanted_id = id;
	fault_log_for_each(pick_kill, NULL);
	return found_kill;
}

static void panic_in_cleanup(int *unused)
{
	(void)unused;
	task_panic("deliberate, in a cleanup");
}

/* Holds mtx plainly; its cleanup panics while the kill unwinds it. */
static int64_t hold_with_a_panicking_cleanup(struct nothing *unused)
{
	(void)unused;
	int cleanup CLEANUP(panic_in_cleanup) = 0;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	holding = 1;
	(void)!wait_queue_wait_cond(&never, is_false, NULL);
	return cleanup;
}

/* A fault in a cleanup abandons the unwind (fault_abandon): the record of
 * the kill still names the mutex its end releases. */
static int64_t abandon_holding(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn(hold_with_a_panicking_cleanup, "abandoned", false);
	T_CHECK(yield_until(t.t, TASK_BLOCKED) && holding);
	unsigned id = task_id(t.t);
	T_CHECK(task_kill(&t) == E_OK);
	join(&t, E_FAILED);
	const struct fault_record *kill = kill_record_of(id); /* not the cleanup's panic, the newest */
	T_CHECK(kill && kill->action == ACTION_UNWIND_FAILED && kill->mutexes == 1 &&
		strstr(kill->mutex_names, "outside every cell"));
	return lock_status(NULL);
}

START_TEST(test_an_abandoned_unwind_names_the_mutex_its_task_held)
{
	ck_assert_int_eq(RUN_IN_TASK(abandon_holding, NULL), MUTEX_OWNER_DIED);
}
END_TEST

static int64_t hold_two_and_block(struct nothing *unused)
{
	(void)unused;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	T_CHECK(mutex_lock(&mtx2).status == MUTEX_OK);
	holding = 1;
	(void)!wait_queue_wait_cond(&never, is_false, NULL);
	return 0;
}

/* Both mutexes of a killed task are counted and named, oldest first. */
static int64_t kill_holding_two(void *unused)
{
	(void)unused;
	reset();
	mutex_init(&mtx2);
	struct task_ref t = spawn(hold_two_and_block, "holds_two", false);
	T_CHECK(yield_until(t.t, TASK_BLOCKED) && holding);
	unsigned id = task_id(t.t);
	T_CHECK(task_kill(&t) == E_OK);
	join(&t, E_FAILED);
	const struct fault_record *r = record_of(id);
	char want[FAULT_WHERE_MAX];
	snprintf(want, sizeof want, "%#lx (outside every cell), %#lx (outside every cell)", (unsigned long)&mtx,
		 (unsigned long)&mtx2);
	T_CHECK(r && r->mutexes == 2 && strcmp(r->mutex_names, want) == 0);
	T_CHECK(lock_status(NULL) == MUTEX_OWNER_DIED);
	struct mutex_result r2 = mutex_lock(&mtx2);
	if (mutex_result_held(r2))
		mutex_unlock(&mtx2);
	return r2.status;
}

START_TEST(test_a_killed_task_holding_two_mutexes_names_both)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_holding_two, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* Stage 3's check (task_region_in_use): another task waiting on a queue
 * in the region, or holding a mutex there, is found and named; the
 * caller's own mutex is not in the way, nor is anything outside. */
static int64_t region_users(void *unused)
{
	(void)unused;
	reset();
	struct task *me = task_current();
	uintptr_t lo = (uintptr_t)&mtx, hi = lo + sizeof mtx;
	struct task_region_use use;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	T_CHECK(!task_region_in_use(me, lo, hi, &use)); /* our own */
	struct task_ref w = spawn(lock_status, "waiter", false);
	T_CHECK(yield_until(w.t, TASK_BLOCKED));
	T_CHECK(task_region_in_use(me, lo, hi, &use) && use.waits && use.task_id == task_id(w.t) &&
		use.addr == (uintptr_t)&mtx.waiters && strcmp(use.task, "waiter") == 0);
	mutex_unlock(&mtx); /* to the waiter, which returns */
	join(&w, E_OK);
	struct task_ref h = spawn(hold_and_block, "holder", false);
	T_CHECK(yield_until(h.t, TASK_BLOCKED) && holding);
	T_CHECK(task_region_in_use(me, lo, hi, &use) && !use.waits && use.task_id == task_id(h.t) && use.addr == lo);
	T_CHECK(!task_region_in_use(me, 0x1000, 0x2000, &use));
	T_CHECK(task_kill(&h) == E_OK);
	join(&h, E_FAILED);
	T_CHECK(!task_region_in_use(me, lo, hi, &use)); /* released at its end */
	return 0;
}

START_TEST(test_stage_3_finds_other_tasks_using_the_region)
{
	ck_assert_int_eq(RUN_IN_TASK(region_users, NULL), 0);
}
END_TEST

/* mutex_init of a mutex another task holds would cut it from that task's
 * list under it (its end would loop): the initialising task fails, naming
 * the holder, and the holder's end still releases the mutex. */
static int64_t init_what_another_holds(struct nothing *unused)
{
	(void)unused;
	mutex_init(&mtx);
	return 0;
}

static int64_t reinit_held_by_another(void *unused)
{
	(void)unused;
	reset();
	struct task_ref h = spawn(hold_and_block, "holder", false);
	T_CHECK(yield_until(h.t, TASK_BLOCKED) && holding);
	struct task_ref t = spawn(init_what_another_holds, "reinits", false);
	unsigned id = task_id(t.t);
	join(&t, E_FAILED);
	const struct fault_record *r = record_of(id);
	T_CHECK(r && r->kind == FAULT_PANIC && strstr(r->detail, "mutex_init of mutex ") &&
		strstr(r->detail, "(holder) holds"));
	T_CHECK(task_kill(&h) == E_OK);
	join(&h, E_FAILED); /* ends: its list still links the mutex, released as owner died */
	return lock_status(NULL);
}

START_TEST(test_mutex_init_of_a_mutex_another_task_holds_fails_the_initialiser)
{
	ck_assert_int_eq(RUN_IN_TASK(reinit_held_by_another, NULL), MUTEX_OWNER_DIED);
}
END_TEST

static Suite *mutex_misuse_suite(void)
{
	Suite *s = suite_create("mutex misuse");
	TCase *tc = tcase_create("misuse");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(tc, test_mutex_init_of_a_mutex_the_caller_holds_fails_the_task);
	tcase_add_test(tc, test_mutex_init_of_a_mutex_another_task_holds_fails_the_initialiser);
	tcase_add_test(tc, test_mark_consistent_by_a_task_that_does_not_hold_it_is_refused);
	tcase_add_test(tc, test_the_handover_is_fifo);
	tcase_add_test(tc, test_an_abandoned_unwind_names_the_mutex_its_task_held);
	tcase_add_test(tc, test_a_killed_task_holding_two_mutexes_names_both);
	tcase_add_test(tc, test_stage_3_finds_other_tasks_using_the_region);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mutex_misuse_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
