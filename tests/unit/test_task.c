/* kernel/task on the hosted HAL: lifecycle and exit values, argument
 * copies, wait queues, mutex hand-off, preemption, several CPUs, and
 * counters back where they started after many spawn/join cycles. */
#include <check.h>
#include <stdlib.h>

#include "cell.h"
#include "hal_cpu.h"
#include "hal_time.h"
#include "heap.h"
#include "mm.h"
#include "scheduler.h"
#include "sync.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>
/* 10 000 cycles natively; fewer under valgrind, which is ~50x slower. */
#define RUNNING_ON_VALGRIND_ROUNDS (RUNNING_ON_VALGRIND ? 1000 : 10000)

#define SECOND 1000000000ull


struct num {
	int64_t x;
};

/* Yields until t reaches state (preemption may interleave the tasks in any
 * order, so one yield is not enough), for at most a second. */
static bool yield_until(const struct task *t, enum task_state state)
{
	uint64_t deadline = hal_time_ns() + SECOND;
	while (task_state(t) != state && hal_time_ns() < deadline)
		task_yield();
	return task_state(t) == state;
}

static int64_t twice(struct num *n) { return 2 * n->x; }

static int64_t spawn_and_join(struct num *n)
{
	struct task_ref t;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	if (TASK_SPAWN(&o, twice, n, &t))
		return -1;
	int64_t v = 0;
	err_t e = task_join(&t, &v);
	task_ref_drop(&t);
	return e ? -2 : v;
}

START_TEST(test_join_returns_the_exit_value)
{
	struct num n = { 21 };
	ck_assert_int_eq(RUN_IN_TASK(spawn_and_join, &n), 42);
}
END_TEST

static int64_t read_later(struct num *n)
{
	task_sleep_ns(SECOND / 100);
	return n->x;
}

static int64_t argument_copy(void *unused)
{
	(void)unused;
	struct num n = { 7 };
	struct task_ref t;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	T_CHECK((TASK_SPAWN(&o, read_later, &n, &t)) == (E_OK));
	n.x = 99; /* the task has its own copy */
	int64_t v = 0;
	T_CHECK((task_join(&t, &v)) == (E_OK));
	task_ref_drop(&t);
	return v;
}

START_TEST(test_argument_is_the_tasks_own_copy)
{
	ck_assert_int_eq(RUN_IN_TASK(argument_copy, NULL), 7);
}
END_TEST

static int64_t sleeper(struct num *n)
{
	T_CHECK(task_sleep_ns((uint64_t)n->x));
	return 1;
}

static int64_t states(void *unused)
{
	(void)unused;
	struct num n = { (int64_t)(SECOND / 2) };
	struct task_ref t;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	uint64_t t0 = hal_time_ns();
	T_CHECK((TASK_SPAWN(&o, sleeper, &n, &t)) == (E_OK));
	T_CHECK(task_state(t.t) == TASK_RUNNABLE || task_state(t.t) == TASK_SLEEPING); /* a tick may run it first */
	T_CHECK(yield_until(t.t, TASK_SLEEPING)); /* it runs and goes to sleep */
	int64_t v = 0;
	T_CHECK((task_join(&t, &v)) == (E_OK));
	T_CHECK((task_state(t.t)) == (TASK_EXITED));
	T_CHECK((hal_time_ns() - t0) >= (SECOND / 2));
	task_ref_drop(&t);
	return v;
}

START_TEST(test_lifecycle_runnable_sleeping_exited)
{
	ck_assert_int_eq(RUN_IN_TASK(states, NULL), 1);
}
END_TEST

/* The task's own run-queue link: queued while runnable, on no queue once
 * it has ended. */
static int64_t leaves_queue(void *unused)
{
	(void)unused;
	struct num n = { 1 };
	struct task_ref t;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	T_CHECK(TASK_SPAWN(&o, twice, &n, &t) == E_OK);
	T_CHECK(task_rq_link(t.t)->queue != 0);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_OK);
	bool still = task_rq_link(t.t)->queue != 0;
	task_ref_drop(&t);
	return still;
}

START_TEST(test_an_ended_task_leaves_every_run_queue)
{
	ck_assert_int_eq(RUN_IN_TASK(leaves_queue, NULL), 0);
}
END_TEST

/* --- wait queues and the mutex ------------------------------------------------ */
static struct wait_queue wq;
static volatile int go, woken;

static bool go_set(void *unused)
{
	(void)unused;
	return go;
}

static int64_t waiter(struct num *n)
{
	(void)n;
	if (!wait_queue_wait_cond(&wq, go_set, NULL))
		return -1;
	__atomic_add_fetch(&woken, 1, __ATOMIC_RELAXED);
	return 0;
}

static int64_t wait_and_wake(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	go = woken = 0;
	struct task_ref t[3];
	struct num n = { 0 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	for (int i = 0; i < 3; i++)
		T_CHECK((TASK_SPAWN(&o, waiter, &n, &t[i])) == (E_OK));
	for (int i = 0; i < 3; i++)
		T_CHECK(yield_until(t[i].t, TASK_BLOCKED));
	go = 1;
	T_CHECK(wait_queue_wake_one(&wq));
	T_CHECK((wait_queue_wake_all(&wq)) == (2));
	T_CHECK(!wait_queue_wake_one(&wq));
	for (int i = 0; i < 3; i++) {
		int64_t v = -5;
		T_CHECK((task_join(&t[i], &v)) == (E_OK));
		T_CHECK((v) == (0));
		task_ref_drop(&t[i]);
	}
	return woken;
}

START_TEST(test_wait_queue_blocks_until_woken)
{
	ck_assert_int_eq(RUN_IN_TASK(wait_and_wake, NULL), 3);
}
END_TEST

/* --- queueing cannot fail ------------------------------------------------------ */
#define STARVED_TASKS 64

/* Takes every block the heap can give, largest first, so that no size
 * class has a free slot left; each block links the one taken before it. */
static void *exhaust_heap(void)
{
	void *hog = NULL;
	for (size_t size = 1UL << 20; size >= 16; size /= 2) {
		void **p;
		while ((p = kmalloc(size))) {
			*p = hog;
			hog = p;
		}
	}
	return hog;
}

static void release_heap(void *hog)
{
	while (hog) {
		void *next = *(void **)hog;
		kfree(hog);
		hog = next;
	}
}

static bool heap_is_exhausted(void)
{
	for (size_t size = 16; size <= 256; size *= 2) {
		void *p = kmalloc(size);
		if (p) {
			kfree(p);
			return false;
		}
	}
	return true;
}

static int64_t wake_many_with_no_memory(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	go = woken = 0;
	struct task_ref t[STARVED_TASKS];
	struct num n = { 0 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	for (int i = 0; i < STARVED_TASKS; i++)
		T_CHECK(TASK_SPAWN(&o, waiter, &n, &t[i]) == E_OK);
	for (int i = 0; i < STARVED_TASKS; i++)
		T_CHECK(yield_until(t[i].t, TASK_BLOCKED)); /* off every run queue */
	void *hog = exhaust_heap();
	T_CHECK(heap_is_exhausted());
	go = 1;
	T_CHECK(wait_queue_wake_all(&wq) == STARVED_TASKS); /* each one queued with no memory left */
	/* A task the run queue dropped would never run: bound the wait. */
	uint64_t deadline = hal_time_ns() + 5 * SECOND;
	while (woken < STARVED_TASKS && hal_time_ns() < deadline)
		task_yield();
	int64_t ran = woken;
	T_CHECK(heap_is_exhausted()); /* nothing was freed while they ran */
	release_heap(hog);
	for (int i = 0; i < STARVED_TASKS && ran == STARVED_TASKS; i++) {
		int64_t v = -5;
		T_CHECK(task_join(&t[i], &v) == E_OK && v == 0);
	}
	for (int i = 0; i < STARVED_TASKS && ran == STARVED_TASKS; i++)
		task_ref_drop(&t[i]);
	return ran;
}

START_TEST(test_queueing_needs_no_memory_every_woken_task_runs)
{
	ck_assert_int_eq(RUN_IN_TASK(wake_many_with_no_memory, NULL), STARVED_TASKS);
}
END_TEST

static struct mutex mtx;
static int order[4], norder;

static int64_t contender(struct num *n)
{
	if (mutex_lock(&mtx).status != MUTEX_OK)
		return -1;
	order[norder++] = (int)n->x;
	mutex_unlock(&mtx);
	return 0;
}

static int64_t handoff(void *unused)
{
	(void)unused;
	mutex_init(&mtx);
	norder = 0;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	T_CHECK(mutex_lock(&mtx).status == MUTEX_REFUSED); /* not recursive */
	struct num n = { 1 };
	struct task_ref t;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	T_CHECK((TASK_SPAWN(&o, contender, &n, &t)) == (E_OK));
	T_CHECK(yield_until(t.t, TASK_BLOCKED)); /* the contender blocks on the mutex */
	mutex_unlock(&mtx); /* handed to the contender... */
	T_CHECK(!mutex_held_by_me(&mtx));
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK); /* ...so we wait until it is done */
	order[norder++] = 0;
	mutex_unlock(&mtx);
	int64_t v;
	T_CHECK((task_join(&t, &v)) == (E_OK));
	task_ref_drop(&t);
	T_CHECK((norder) == (2));
	return order[0] * 10 + order[1];
}

START_TEST(test_mutex_hands_over_to_the_waiter)
{
	ck_assert_int_eq(RUN_IN_TASK(handoff, NULL), 10);
}
END_TEST

static int64_t refuse_under_lock(void *unused)
{
	(void)unused;
	static struct preempt_lock pl;
	wait_queue_init(&wq);
	go = 0;
	mutex_init(&mtx);
	int64_t refused = 0;
	{
		PREEMPT_GUARD(&pl);
		T_CHECK(!preempt_enabled());
		refused += !task_yield();
		refused += !task_sleep_ns(1000);
		refused += !wait_queue_wait_cond(&wq, go_set, NULL);
	}
	T_CHECK(preempt_enabled()); /* the guard released it */
	return refused;
}

START_TEST(test_no_switch_while_a_preempt_lock_is_held)
{
	ck_assert_int_eq(RUN_IN_TASK(refuse_under_lock, NULL), 3);
}
END_TEST

/* --- preemption and CPUs ----------------------------------------------------------- */
static volatile uint64_t progress[2];

/* Spins without yielding until both tasks have made progress: neither can
 * finish before the other has run, so only preemption gets both through. */
static int64_t busy(struct num *n)
{
	int me = (int)n->x;
	uint64_t deadline = hal_time_ns() + 20 * SECOND;
	while ((progress[0] < 1000 || progress[1] < 1000) && hal_time_ns() < deadline)
		progress[me]++;
	return progress[0] >= 1000 && progress[1] >= 1000;
}

static int64_t two_busy(void *unused)
{
	(void)unused;
	progress[0] = progress[1] = 0;
	struct task_ref t[2];
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	o.name = "busy";
	for (int i = 0; i < 2; i++) {
		struct num n = { i };
		T_CHECK((TASK_SPAWN(&o, busy, &n, &t[i])) == (E_OK));
	}
	int64_t both = 0;
	for (int i = 0; i < 2; i++) {
		int64_t v = 0;
		T_CHECK((task_join(&t[i], &v)) == (E_OK));
		both += v;
		task_ref_drop(&t[i]);
	}
	return both;
}

START_TEST(test_preemption_interleaves_two_busy_tasks)
{
	ck_assert_int_eq(RUN_IN_TASK(two_busy, NULL), 2);
}
END_TEST

static volatile int ran_on[TBOOT_SMP_CPUS];

static int64_t where(struct num *n)
{
	(void)n;
	ran_on[hal_cpu_id()] = 1;
	return (int64_t)hal_cpu_id();
}

static int64_t spread(void *unused)
{
	(void)unused;
	struct task_ref t[2 * TBOOT_SMP_CPUS];
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct num n = { 0 };
	for (int i = 0; i < 2 * TBOOT_SMP_CPUS; i++)
		T_CHECK((TASK_SPAWN(&o, where, &n, &t[i])) == (E_OK));
	for (int i = 0; i < 2 * TBOOT_SMP_CPUS; i++) {
		int64_t cpu = -1;
		T_CHECK((task_join(&t[i], &cpu)) == (E_OK));
		T_CHECK((cpu) == (task_cpu(t[i].t))); /* it ran where it was placed */
		task_ref_drop(&t[i]);
	}
	int64_t cpus = 0;
	for (int c = 0; c < TBOOT_SMP_CPUS; c++)
		cpus += ran_on[c];
	return cpus;
}

START_TEST(test_tasks_run_on_every_virtual_cpu)
{
	ck_assert_uint_eq(tasks_cpus(), TBOOT_SMP_CPUS);
	ck_assert_int_eq(RUN_IN_TASK(spread, NULL), TBOOT_SMP_CPUS);
}
END_TEST

/* --- no leaks ------------------------------------------------------------------------ */
struct counters {
	size_t frames, pages, blocks, alive;
};

static struct counters count(void)
{
	struct heap_stats h;
	struct task_stats t;
	heap_stats(&h);
	task_stats(&t);
	return (struct counters){ frames_free_count(), pages_free_count(), h.live_blocks, t.alive };
}

static int64_t cycles(struct num *rounds)
{
	struct num n = { 1 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	for (int64_t i = 0; i < rounds->x; i++) {
		struct task_ref t;
		if (TASK_SPAWN(&o, twice, &n, &t))
			return -1;
		int64_t v;
		if (task_join(&t, &v) || v != 2)
			return -2;
		task_ref_drop(&t);
	}
	return 0;
}

START_TEST(test_spawn_join_cycles_leave_counters_unchanged)
{
	struct num warm = { 10 }, many = { RUNNING_ON_VALGRIND_ROUNDS };
	ck_assert_int_eq(RUN_IN_TASK(cycles, &warm), 0);
	heap_trim();
	struct counters before = count();
	ck_assert_int_eq(RUN_IN_TASK(cycles, &many), 0);
	heap_trim();
	struct counters after = count();
	ck_assert_uint_eq(after.frames, before.frames);
	ck_assert_uint_eq(after.pages, before.pages);
	ck_assert_uint_eq(after.blocks, before.blocks);
	ck_assert_uint_eq(after.alive, before.alive);
}
END_TEST

static Suite *task_suite(void)
{
	Suite *s = suite_create("task");
	TCase *one = tcase_create("one cpu");
	tcase_set_timeout(one, 120);
	tcase_add_checked_fixture(one, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(one, test_join_returns_the_exit_value);
	tcase_add_test(one, test_an_ended_task_leaves_every_run_queue);
	tcase_add_test(one, test_argument_is_the_tasks_own_copy);
	tcase_add_test(one, test_lifecycle_runnable_sleeping_exited);
	tcase_add_test(one, test_wait_queue_blocks_until_woken);
	tcase_add_test(one, test_queueing_needs_no_memory_every_woken_task_runs);
	tcase_add_test(one, test_mutex_hands_over_to_the_waiter);
	tcase_add_test(one, test_no_switch_while_a_preempt_lock_is_held);
	tcase_add_test(one, test_preemption_interleaves_two_busy_tasks);
	tcase_add_test(one, test_spawn_join_cycles_leave_counters_unchanged);
	suite_add_tcase(s, one);
	TCase *smp = tcase_create("smp");
	tcase_set_timeout(smp, 120);
	tcase_add_checked_fixture(smp, tboot_setup_tasks_smp, tboot_teardown_tasks);
	tcase_add_test(smp, test_tasks_run_on_every_virtual_cpu);
	suite_add_tcase(s, smp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(task_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
