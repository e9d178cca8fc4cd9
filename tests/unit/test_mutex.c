/* Robust mutexes on the hosted HAL: a task whose run ends holding a mutex
 * (killed, failed and restarted, or returning), or whose cleanup releases
 * it while the task unwinds, leaves it marked owner died; the next locker
 * (a queued waiter included) is told so, and mark-consistent makes it
 * ordinary again; unlocked unrepaired it is not recoverable (POSIX). The
 * fault log counts and names what was released. Misuse, hand-over order
 * and stage 3's check: test_mutex_misuse.c. */
#include <check.h>
#include <valgrind/valgrind.h>
#include <stdlib.h>

#include "mutex_test.h"

/* Waits for mtx; returns the status it got, repairing when told to. */
static int64_t lock_and_repair(struct nothing *unused)
{
	(void)unused;
	struct mutex_result r = mutex_lock(&mtx);
	if (r.status == MUTEX_OWNER_DIED)
		T_CHECK(mutex_mark_consistent(&mtx) == E_OK);
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	return r.status;
}


/* --- a killed owner ---------------------------------------------------------- */

static int64_t kill_the_owner(void *unused)
{
	(void)unused;
	reset();
	struct task_ref owner = spawn(hold_and_block, "owner", false);
	T_CHECK(yield_until(owner.t, TASK_BLOCKED) && holding);
	struct task_ref waiter = spawn(lock_and_repair, "waiter", false);
	T_CHECK(yield_until(waiter.t, TASK_BLOCKED)); /* queued behind the owner */
	unsigned owner_id = task_id(owner.t);
	T_CHECK(task_kill(&owner) == E_OK);
	join(&owner, E_FAILED);
	const struct fault_record *r = record_of(owner_id);
	T_CHECK(r && r->kind == FAULT_KILL && r->mutexes == 1);
	T_CHECK(r && strstr(r->mutex_names, "outside every cell")); /* mtx lives in this test, no cell */
	int64_t waited = join(&waiter, E_OK);
	T_CHECK(waited == MUTEX_OWNER_DIED);
	T_CHECK(lock_status(NULL) == MUTEX_OK); /* repaired by the waiter */
	return waited;
}

START_TEST(test_a_killed_owner_hands_its_waiter_owner_died)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_the_owner, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* No waiter: the mutex is free, and the next locker is told. */
static int64_t kill_the_owner_then_lock(void *unused)
{
	(void)unused;
	reset();
	struct task_ref owner = spawn(hold_and_block, "owner", false);
	T_CHECK(yield_until(owner.t, TASK_BLOCKED) && holding);
	T_CHECK(task_kill(&owner) == E_OK);
	join(&owner, E_FAILED);
	T_CHECK(!mutex_held_by_me(&mtx));
	struct mutex_result r = mutex_lock(&mtx);
	T_CHECK(mutex_result_held(r));
	T_CHECK(mutex_mark_consistent(&mtx) == E_OK);
	T_CHECK(mutex_mark_consistent(&mtx) == E_INVAL); /* consistent already */
	mutex_unlock(&mtx);
	struct mutex_result after = mutex_lock(&mtx);
	T_CHECK(after.status == MUTEX_OK);
	mutex_unlock(&mtx);
	return r.status;
}

/* The same with the owner, the waiter and the test on different CPUs: the
 * release at the owner's end hands the mutex across CPUs. */
START_TEST(test_a_killed_owner_hands_its_waiter_owner_died_across_cpus)
{
	spread = true;
	/* Under valgrind the vCPUs take turns (about 2 s a round): fewer rounds. */
	int rounds = RUNNING_ON_VALGRIND ? 3 : 20;
	for (int i = 0; i < rounds; i++)
		ck_assert_int_eq(RUN_IN_TASK(kill_the_owner, NULL), MUTEX_OWNER_DIED);
}
END_TEST

START_TEST(test_the_next_locker_after_a_killed_owner_is_told)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_the_owner_then_lock, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* --- a normal return holding it ---------------------------------------------- */

static int64_t return_holding(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn(lock_and_return, "returns", false);
	T_CHECK(join(&t, E_OK) == 5);
	T_CHECK(fault_log_count() == 0); /* a return is no fault */
	struct mutex_result r = mutex_lock(&mtx);
	if (r.status == MUTEX_OWNER_DIED)
		T_CHECK(mutex_mark_consistent(&mtx) == E_OK);
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	return r.status;
}

START_TEST(test_an_owner_that_returns_holding_it_leaves_it_owner_died)
{
	ck_assert_int_eq(RUN_IN_TASK(return_holding, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* --- a restarted task and its own stale lock ---------------------------------- */

static int64_t lock_then_panic_once(struct nothing *unused)
{
	(void)unused;
	struct mutex_result r = mutex_lock(&mtx);
	if (++runs == 1)
		task_panic("deliberate, holding the mutex");
	/* the second run: its first run's lock was released as owner died */
	if (r.status == MUTEX_OWNER_DIED)
		T_CHECK(mutex_mark_consistent(&mtx) == E_OK);
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	return r.status;
}

static int64_t restart_finds_stale_lock(void *unused)
{
	(void)unused;
	reset();
	struct task_ref t = spawn(lock_then_panic_once, "restarts", true);
	unsigned id = task_id(t.t);
	int64_t status = join(&t, E_OK);
	T_CHECK(runs == 2);
	const struct fault_record *r = record_of(id);
	T_CHECK(r && r->kind == FAULT_PANIC && r->action == ACTION_RESTARTED && r->mutexes == 1);
	T_CHECK(lock_status(NULL) == MUTEX_OK);
	return status;
}

START_TEST(test_a_restarted_task_finds_its_own_stale_lock_owner_died)
{
	ck_assert_int_eq(RUN_IN_TASK(restart_finds_stale_lock, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* --- not repaired: not recoverable -------------------------------------------- */

static int64_t unlock_unrepaired(void *unused)
{
	(void)unused;
	reset();
	struct task_ref owner = spawn(lock_and_return, "returns", false);
	join(&owner, E_OK);
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OWNER_DIED);
	struct task_ref waiter = spawn(lock_status, "waiter", false);
	T_CHECK(yield_until(waiter.t, TASK_BLOCKED));
	mutex_unlock(&mtx); /* unrepaired: nobody can trust the data any more */
	T_CHECK(join(&waiter, E_OK) == MUTEX_NOT_RECOVERABLE); /* the queued waiter is told, not left waiting */
	struct mutex_result r = mutex_lock(&mtx);
	T_CHECK(!mutex_held_by_me(&mtx));
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	mutex_init(&mtx); /* a fresh start is the only way back */
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	mutex_unlock(&mtx);
	return r.status;
}

START_TEST(test_unlocked_unrepaired_it_is_not_recoverable)
{
	ck_assert_int_eq(RUN_IN_TASK(unlock_unrepaired, NULL), MUTEX_NOT_RECOVERABLE);
}
END_TEST

/* --- handed over but never used ------------------------------------------------ */

/* The waiter is handed the mutex but killed before it runs: it never
 * returned from mutex_lock, so what the mutex guards is as its previous
 * owner left it, and the mutex stays consistent. */
static int64_t kill_after_handover(void *unused)
{
	(void)unused;
	reset();
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	struct task_ref waiter = spawn(lock_status, "waiter", false);
	T_CHECK(yield_until(waiter.t, TASK_BLOCKED));
	preempt_disable(); /* the waiter must not run between the two */
	mutex_unlock(&mtx);
	T_CHECK(!mutex_held_by_me(&mtx)); /* handed to the waiter */
	unsigned id = task_id(waiter.t);
	T_CHECK(task_kill(&waiter) == E_OK);
	preempt_enable();
	join(&waiter, E_FAILED);
	const struct fault_record *rec = record_of(id);
	T_CHECK(rec && rec->kind == FAULT_KILL);
	T_CHECK(rec && rec->mutexes == 0 && rec->mutex_names[0] == '\0'); /* released unmarked: not named */
	struct mutex_result r = mutex_lock(&mtx);
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	return r.status;
}

START_TEST(test_a_waiter_killed_after_the_handover_leaves_it_consistent)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_after_handover, NULL), MUTEX_OK);
}
END_TEST

/* --- released by a cleanup while unwinding ------------------------------------- */

static volatile int status_seen = -1;

/* Takes mtx with a guard and blocks for good: a kill unwinds it, and the
 * guard's cleanup releases mtx before the task ends. */
static int64_t guard_and_block(struct nothing *unused)
{
	(void)unused;
	MUTEX_GUARD(g, &mtx);
	status_seen = g.status;
	holding = 1;
	(void)!wait_queue_wait_cond(&never, is_false, NULL);
	return 0;
}

static int64_t kill_a_guard_holder(void *unused)
{
	(void)unused;
	struct task_ref t = spawn(guard_and_block, "guarded", false);
	T_CHECK(yield_until(t.t, TASK_BLOCKED) && holding);
	unsigned id = task_id(t.t);
	T_CHECK(task_kill(&t) == E_OK);
	join(&t, E_FAILED);
	const struct fault_record *r = record_of(id);
	/* released by its cleanup while its owner died mid critical section: named */
	T_CHECK(r && r->cleanups >= 1 && r->mutexes == 1 && strstr(r->mutex_names, "outside every cell"));
	struct mutex_result after = mutex_lock(&mtx);
	if (after.status == MUTEX_OWNER_DIED)
		T_CHECK(mutex_mark_consistent(&mtx) == E_OK);
	if (mutex_result_held(after))
		mutex_unlock(&mtx);
	return after.status;
}

static int64_t guard_released_by_unwinding(void *unused)
{
	(void)unused;
	reset();
	int64_t after = kill_a_guard_holder(NULL);
	T_CHECK(status_seen == MUTEX_OK);
	return after;
}

/* A cleanup releases the mutex it guards while its task unwinds: the
 * owner died in the critical section (a kill, here), what the mutex
 * guards may be half changed, so the next locker is told (POSIX
 * EOWNERDEAD; Rust poisons a mutex released by a panicking thread). */
START_TEST(test_a_guard_released_by_unwinding_marks_it_owner_died)
{
	ck_assert_int_eq(RUN_IN_TASK(guard_released_by_unwinding, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* A cleanup that takes a mutex itself while its task unwinds, and
 * releases it, finished its own critical section: no owner died. */
static void lock_in_cleanup(int *unused)
{
	(void)unused;
	struct mutex_result r = mutex_lock(&mtx);
	status_seen = r.status;
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
}

static int64_t block_with_a_locking_cleanup(struct nothing *unused)
{
	(void)unused;
	int cleanup CLEANUP(lock_in_cleanup) = 0;
	holding = 1;
	(void)!wait_queue_wait_cond(&never, is_false, NULL);
	return cleanup;
}

static int64_t cleanup_takes_its_own(void *unused)
{
	(void)unused;
	reset();
	status_seen = -1;
	struct task_ref t = spawn(block_with_a_locking_cleanup, "cleanup_locks", false);
	T_CHECK(yield_until(t.t, TASK_BLOCKED) && holding);
	unsigned id = task_id(t.t);
	T_CHECK(task_kill(&t) == E_OK);
	join(&t, E_FAILED);
	T_CHECK(status_seen == MUTEX_OK);
	const struct fault_record *r = record_of(id);
	T_CHECK(r && r->cleanups >= 1 && r->mutexes == 0 && r->mutex_names[0] == '\0');
	return lock_status(NULL);
}

START_TEST(test_a_cleanup_that_takes_and_releases_a_mutex_leaves_it_consistent)
{
	ck_assert_int_eq(RUN_IN_TASK(cleanup_takes_its_own, NULL), MUTEX_OK);
}
END_TEST

static int64_t unrepaired_guard_released_by_unwinding(void *unused)
{
	(void)unused;
	reset();
	struct task_ref first = spawn(lock_and_return, "returns", false);
	join(&first, E_OK); /* mtx: owner died */
	int64_t after = kill_a_guard_holder(NULL);
	T_CHECK(status_seen == MUTEX_OWNER_DIED); /* the guard holder was told, and died before repairing */
	return after;
}

/* Told OWNER_DIED, killed before repairing: the guard's release while its
 * task unwinds is a second death, not a decision to give up, so the next
 * locker may still repair (not MUTEX_NOT_RECOVERABLE). */
START_TEST(test_an_unrepaired_guard_released_by_unwinding_passes_owner_died_on)
{
	ck_assert_int_eq(RUN_IN_TASK(unrepaired_guard_released_by_unwinding, NULL), MUTEX_OWNER_DIED);
}
END_TEST

/* --- misuse ------------------------------------------------------------------ */

static int64_t unlock_what_others_hold(struct nothing *unused)
{
	(void)unused;
	mutex_unlock(&mtx);
	return 0;
}

static int64_t foreign_unlock(void *unused)
{
	(void)unused;
	reset();
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	T_CHECK(mutex_lock(&mtx).status == MUTEX_REFUSED); /* not recursive */
	struct task_ref t = spawn(unlock_what_others_hold, "thief", false);
	join(&t, E_FAILED); /* a broken invariant of that task: it fails */
	bool mine = mutex_held_by_me(&mtx);
	T_CHECK(mutex_mark_consistent(&mtx) == E_INVAL); /* not owner-died */
	mutex_unlock(&mtx);
	return mine;
}

START_TEST(test_unlocking_a_mutex_held_by_another_fails_that_task)
{
	ck_assert_int_eq(RUN_IN_TASK(foreign_unlock, NULL), 1);
}
END_TEST

static Suite *mutex_suite(void)
{
	Suite *s = suite_create("mutex");
	TCase *tc = tcase_create("owner died");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(tc, test_a_killed_owner_hands_its_waiter_owner_died);
	tcase_add_test(tc, test_the_next_locker_after_a_killed_owner_is_told);
	tcase_add_test(tc, test_an_owner_that_returns_holding_it_leaves_it_owner_died);
	tcase_add_test(tc, test_a_restarted_task_finds_its_own_stale_lock_owner_died);
	tcase_add_test(tc, test_unlocked_unrepaired_it_is_not_recoverable);
	tcase_add_test(tc, test_a_waiter_killed_after_the_handover_leaves_it_consistent);
	tcase_add_test(tc, test_a_guard_released_by_unwinding_marks_it_owner_died);
	tcase_add_test(tc, test_a_cleanup_that_takes_and_releases_a_mutex_leaves_it_consistent);
	tcase_add_test(tc, test_an_unrepaired_guard_released_by_unwinding_passes_owner_died_on);
	tcase_add_test(tc, test_unlocking_a_mutex_held_by_another_fails_that_task);
	suite_add_tcase(s, tc);
	TCase *smp = tcase_create("smp");
	tcase_set_timeout(smp, 60);
	tcase_add_checked_fixture(smp, tboot_setup_tasks_smp, tboot_teardown_tasks);
	tcase_add_test(smp, test_a_killed_owner_hands_its_waiter_owner_died_across_cpus);
	suite_add_tcase(s, smp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mutex_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
