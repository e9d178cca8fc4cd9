/* Timed waits (wait_queue_wait_until, docs/tasks.md "Waiting with a
 * deadline"): a timeout that leaves the waiter on no list, a wake-up
 * before the deadline, a deadline already past, the refusals, a kill in a
 * timed wait, and wakers racing deadlines on every CPU. Tasks reach the
 * task floor's internals (the lists a waiter sits on) to check that it left
 * them. Deadlines here are bounds against a hang or orders of events; no
 * test asserts how long anything took. */
#include <check.h>
#include <stdlib.h>
#include <valgrind/valgrind.h>

#include "compiler.h"
#include "hal_time.h"
#include "kernel/task/task_internal.h"
#include "task.h"
#include "cell_support.h"
#include "tboot.h"

#define MS 1000000ull
#define SECOND 1000000000ull

static struct wait_queue wq;

static bool is_false(void *unused)
{
	(void)unused;
	return false;
}

static bool flag_set(void *flag) { return __atomic_load_n((volatile int *)flag, __ATOMIC_ACQUIRE) != 0; }

/* On neither its queue nor its CPU's sleepers. */
static bool on_no_list(const struct task *t)
{
	return list_empty(&t->wait_link) && list_empty(&t->sleep_link) && t->waiting_on == NULL;
}

struct nothing {
	int unused;
};

static struct task_ref spawn_on(int64_t (*fn)(struct nothing *), int cpu)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = cpu;
	struct nothing n = { 0 };
	struct task_ref r = { NULL };
	T_CHECK(task_spawn_raw(&o, (task_entry_fn)fn, &n, sizeof n, &r) == E_OK); /* fn's type: the parameter's */
	return r;
}

static bool yield_until(const struct task *t, enum task_state state)
{
	uint64_t bound = hal_time_ns() + 30 * SECOND; /* against a hang: valgrind runs CPUs one at a time */
	while (task_state(t) != state && hal_time_ns() < bound)
		(void)task_yield();
	return task_state(t) == state;
}

/* --- nobody wakes ---------------------------------------------------------------- */
static int64_t time_out(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	uint64_t deadline = hal_time_ns() + 20 * MS;
	T_CHECK(wait_queue_wait_until(&wq, is_false, NULL, deadline) == WAIT_TIMEOUT);
	T_CHECK(hal_time_ns() >= deadline); /* never early */
	T_CHECK(on_no_list(task_current()));
	T_CHECK(!wait_queue_wake_one(&wq)); /* it left the queue */
	/* and the sleepers: the next sleep's tick does not meet a stale link */
	T_CHECK(task_sleep_ns(15 * MS));
	return 0;
}

START_TEST(test_a_wait_nobody_wakes_times_out_and_leaves_the_queue)
{
	ck_assert_int_eq(RUN_IN_TASK(time_out, NULL), 0);
}
END_TEST

/* --- woken in time --------------------------------------------------------------- */
static volatile int go;
static volatile int outcome;

static int64_t wait_long(struct nothing *unused)
{
	(void)unused;
	outcome = wait_queue_wait_until(&wq, flag_set, (void *)&go, hal_time_ns() + 60 * SECOND);
	T_CHECK(on_no_list(task_current()));
	return 0;
}

static int64_t wake_in_time(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	go = 0;
	outcome = -1;
	struct task_ref w = spawn_on(wait_long, 0);
	T_CHECK(yield_until(w.t, TASK_BLOCKED));
	T_CHECK(list_contains(&cpu_get(0)->sleepers, &w.t->sleep_link)); /* timed: on both lists */
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	T_CHECK(wait_queue_wake_one(&wq));
	int64_t v = -1;
	T_CHECK(task_join(&w, &v) == E_OK);
	T_CHECK(!list_contains(&cpu_get(0)->sleepers, &w.t->sleep_link));
	task_ref_drop(&w);
	T_CHECK(!wait_queue_wake_one(&wq));
	return outcome;
}

START_TEST(test_a_wait_woken_before_its_deadline_is_done)
{
	ck_assert_int_eq(RUN_IN_TASK(wake_in_time, NULL), WAIT_DONE);
}
END_TEST

/* --- a wake_one is not spent on a waiter its deadline woke ------------------------- */
static volatile int outcome_b;

static int64_t wait_short(struct nothing *unused)
{
	(void)unused;
	outcome = wait_queue_wait_until(&wq, is_false, NULL, hal_time_ns() + 50 * MS);
	return 0;
}

static int64_t wait_forever(struct nothing *unused)
{
	(void)unused;
	outcome_b = wait_queue_wait_until(&wq, flag_set, (void *)&go, WAIT_FOREVER);
	return 0;
}

/* One CPU: b (no deadline), then a (a deadline soon) wait, a first in the
 * queue. With preemption off the tick still wakes a at its deadline but
 * cannot run it, so a is runnable yet on the queue when wake_one comes: it
 * must wake b. Tried again if a's deadline passed before preemption was
 * off (a slow host: valgrind), which only the test's timing decides. */
static int64_t wake_one_skips_the_timed_out(void *unused)
{
	(void)unused;
	for (int attempt = 0; attempt < 50; attempt++) {
		wait_queue_init(&wq);
		go = 0;
		outcome = outcome_b = -1;
		struct task_ref a = spawn_on(wait_short, 0);
		T_CHECK(yield_until(a.t, TASK_BLOCKED));
		struct task_ref b = spawn_on(wait_forever, 0);
		preempt_disable();
		bool a_waits = task_state(a.t) == TASK_BLOCKED;
		preempt_enable();
		T_CHECK(yield_until(b.t, TASK_BLOCKED));
		preempt_disable();
		a_waits = a_waits && task_state(a.t) == TASK_BLOCKED;
		uint64_t bound = hal_time_ns() + 30 * SECOND;
		while (a_waits && task_state(a.t) != TASK_RUNNABLE && hal_time_ns() < bound)
			;
		enum task_state a_state = task_state(a.t);
		bool a_queued = !list_empty(&a.t->wait_link);
		__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
		bool woke = wait_queue_wake_one(&wq);
		enum task_state b_state = task_state(b.t);
		preempt_enable();
		int64_t v;
		if (!a_waits) { /* a timed out and left before the scene was set: b still waits */
			T_CHECK(!a_queued && woke);
			T_CHECK(task_join(&a, &v) == E_OK && task_join(&b, &v) == E_OK);
			task_ref_drop(&a);
			task_ref_drop(&b);
			continue;
		}
		T_CHECK(a_state == TASK_RUNNABLE); /* woken by the tick, not run yet */
		T_CHECK(a_queued);
		T_CHECK(woke);
		T_CHECK(b_state == TASK_RUNNABLE);
		T_CHECK(task_join(&a, &v) == E_OK);
		T_CHECK(task_join(&b, &v) == E_OK);
		task_ref_drop(&a);
		task_ref_drop(&b);
		T_CHECK(outcome == WAIT_TIMEOUT);
		T_CHECK(!wait_queue_wake_one(&wq));
		return outcome_b;
	}
	T_CHECK(!"the scene was never set");
	return -1;
}

START_TEST(test_a_wake_one_wakes_a_waiter_its_deadline_did_not)
{
	ck_assert_int_eq(RUN_IN_TASK(wake_one_skips_the_timed_out, NULL), WAIT_DONE);
}
END_TEST

/* --- a deadline already past, and the refusals ------------------------------------ */
static int checks;

static bool count_then(void *answer)
{
	checks++;
	return *(bool *)answer;
}

static int64_t past_deadline(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	bool no = false, yes = true;
	checks = 0;
	T_CHECK(wait_queue_wait_until(&wq, count_then, &no, 0) == WAIT_TIMEOUT);
	T_CHECK(checks == 1);
	T_CHECK(wait_queue_wait_until(&wq, count_then, &yes, hal_time_ns()) == WAIT_DONE);
	T_CHECK(checks == 2);
	T_CHECK(on_no_list(task_current()));
	return 0;
}

START_TEST(test_a_deadline_already_past_checks_the_condition_once)
{
	ck_assert_int_eq(RUN_IN_TASK(past_deadline, NULL), 0);
}
END_TEST

static int64_t refused(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	bool yes = true;
	preempt_disable();
	enum wait_status no_switch = wait_queue_wait_until(&wq, is_false, NULL, hal_time_ns() + 60 * SECOND);
	enum wait_status forever = wait_queue_wait_until(&wq, is_false, NULL, WAIT_FOREVER);
	enum wait_status holds = wait_queue_wait_until(&wq, count_then, &yes, WAIT_FOREVER);
	preempt_enable();
	T_CHECK(no_switch == WAIT_REFUSED);
	T_CHECK(forever == WAIT_REFUSED);
	T_CHECK(holds == WAIT_DONE); /* nothing to wait for: no switch needed */
	T_CHECK(on_no_list(task_current()));
	return 0;
}

START_TEST(test_a_timed_wait_is_refused_without_preemption_or_in_idle)
{
	ck_assert_int_eq(RUN_IN_TASK(refused, NULL), 0);
	wait_queue_init(&wq); /* the test's own context is CPU 0's idle task */
	ck_assert_int_eq(wait_queue_wait_until(&wq, is_false, NULL, hal_time_ns() + 60 * SECOND), WAIT_REFUSED);
}
END_TEST

/* --- a kill in a timed wait -------------------------------------------------------- */
static volatile int cleanups;
static volatile bool left_both;

static void note_unwound(int *unused)
{
	(void)unused;
	left_both = on_no_list(task_current());
	cleanups++;
}

static int64_t wait_to_be_killed(struct nothing *unused)
{
	(void)unused;
	int guard CLEANUP(note_unwound) = 0;
	(void)guard;
	enum wait_status st = wait_queue_wait_until(&wq, is_false, NULL, hal_time_ns() + 60 * SECOND);
	(void)st;
	return 1; /* not reached: the kill unwinds it from the wait */
}

static int64_t kill_in_wait(void *cpu)
{
	wait_queue_init(&wq);
	cleanups = 0;
	left_both = false;
	struct task_ref w = spawn_on(wait_to_be_killed, (int)(intptr_t)cpu);
	T_CHECK(yield_until(w.t, TASK_BLOCKED));
	T_CHECK(task_kill(&w) == E_OK);
	int64_t v = 0;
	T_CHECK(task_join(&w, &v) == E_FAILED);
	T_CHECK(task_state(w.t) == TASK_KILLED);
	T_CHECK(cleanups == 1);
	T_CHECK(left_both);
	T_CHECK(on_no_list(w.t));
	T_CHECK(!list_contains(&cpu_get((unsigned)w.t->cpu)->sleepers, &w.t->sleep_link));
	task_ref_drop(&w);
	T_CHECK(!wait_queue_wake_one(&wq));
	return 0;
}

START_TEST(test_a_kill_unwinds_a_timed_waiter_off_both_lists)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_in_wait, (void *)0), 0);
}
END_TEST

START_TEST(test_a_kill_from_another_cpu_unwinds_a_timed_waiter)
{
	ck_assert_int_eq(RUN_IN_TASK(kill_in_wait, (void *)2), 0);
}
END_TEST

/* --- task_ending ----------------------------------------------------------------------- */
enum ending_how { ENDING_PANICS, ENDING_KILLED, ENDING_KILLS_ITSELF, ENDING_RESTARTS };
struct ending_arg {
	enum ending_how how;
};
/* task_ending() as seen: at the start of each run, in the cleanup, after a
 * self-kill that cannot be carried out yet, and in the release */
static volatile int ending_at_start[3], ending_in_cleanup, ending_pending, ending_in_release, ending_runs;

static void note_ending(int *unused)
{
	(void)unused;
	ending_in_cleanup = task_ending();
}

static void release_ending(struct ending_arg *a)
{
	(void)a;
	ending_in_release = task_ending();
}

static int64_t ending_main(struct ending_arg *a)
{
	int run = ending_runs++;
	ending_at_start[run] = task_ending();
	int guard CLEANUP(note_ending) = 0;
	(void)guard;
	switch (a->how) {
	case ENDING_PANICS:
		task_panic("ending");
	case ENDING_KILLED:
		T_CHECK(wait_queue_wait_cond(&wq, is_false, NULL)); /* not reached: killed in it */
		return -1;
	case ENDING_KILLS_ITSELF: {
		struct task_ref me = task_current_ref();
		preempt_disable(); /* the kill cannot be carried out here: it waits */
		T_CHECK(task_kill(&me) == E_OK);
		ending_pending = task_ending();
		preempt_enable();
		task_ref_drop(&me);
		(void)task_yield(); /* a kill point */
		return -1;
	}
	default:
		if (run == 0)
			task_panic("restart me");
		return 0;
	}
}

static int64_t ending(void *unused)
{
	(void)unused;
	wait_queue_init(&wq);
	int64_t seen = 0;
	T_CHECK(!task_ending());
	for (int how = ENDING_PANICS; how <= ENDING_RESTARTS; how++) {
		ending_runs = ending_in_cleanup = ending_pending = ending_in_release = 0;
		ending_at_start[0] = ending_at_start[1] = -1;
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.cpu = 0;
		o.restartable = how == ENDING_RESTARTS;
		struct ending_arg a = { (enum ending_how)how };
		struct task_ref t;
		T_CHECK(TASK_SPAWN_OWNING(&o, ending_main, release_ending, &a, &t) == E_OK);
		if (how == ENDING_KILLED) {
			T_CHECK(yield_until(t.t, TASK_BLOCKED));
			T_CHECK(task_kill(&t) == E_OK);
		}
		int64_t v;
		T_CHECK(task_join(&t, &v) == (how == ENDING_RESTARTS ? E_OK : E_FAILED));
		task_ref_drop(&t);
		T_CHECK(ending_at_start[0] == 0);
		/* unwinding; but the restarted task's last run returns: its cleanup runs in a task not ending */
		T_CHECK(ending_in_cleanup == (how != ENDING_RESTARTS));
		if (how == ENDING_KILLS_ITSELF)
			T_CHECK(ending_pending == 1);
		if (how == ENDING_RESTARTS) {
			T_CHECK(ending_runs == 2 && ending_at_start[1] == 0); /* a restart is a fresh start */
			T_CHECK(ending_in_release == 0);                   /* it returned: nothing is dying */
		} else {
			T_CHECK(ending_in_release == 1);
		}
		seen++;
	}
	return seen;
}

START_TEST(test_task_ending_is_true_while_unwinding_or_a_kill_is_pending)
{
	ck_assert(!task_ending()); /* the test's own context: an idle task */
	ck_assert_int_eq(RUN_IN_TASK(ending, NULL), 4);
}
END_TEST

/* --- wakers racing deadlines ------------------------------------------------------- */
#define WAITERS 4
#define DEADLINE_KINDS 4

/* One waiter's semaphore: posts made, posts taken (only by cond, under
 * its queue's lock), and what its waits returned. */
static struct racer {
	struct wait_queue wq;
	int posted, taken;
	int outcomes[3];
	int early; /* timeouts seen before their deadline */
	struct task_ref waker;
} racers[WAITERS];
static int posts_each;

static bool take_one(void *p)
{
	struct racer *r = p;
	if (__atomic_load_n(&r->posted, __ATOMIC_ACQUIRE) == r->taken)
		return false;
	__atomic_store_n(&r->taken, r->taken + 1, __ATOMIC_RELEASE);
	return true;
}

/* Deadlines by round: past, within a tick, a few ticks, and none (a lost
 * wake-up there would hang the waiter: the test's timeout fails it). */
static uint64_t deadline_for(int round)
{
	switch (round % DEADLINE_KINDS) {
	case 0:
		return 0;
	case 1:
		return hal_time_ns() + 1 * MS;
	case 2:
		return hal_time_ns() + 25 * MS;
	default:
		return WAIT_FOREVER;
	}
}

/* A task's argument is its own copy: the racer is named, not copied. */
struct racer_arg {
	struct racer *r;
};

static int64_t race_waiter(struct racer_arg *a)
{
	struct racer *r = a->r;
	for (int round = 0; r->outcomes[WAIT_DONE] < posts_each; round++) {
		uint64_t deadline = deadline_for(round);
		enum wait_status st = wait_queue_wait_until(&r->wq, take_one, r, deadline);
		T_CHECK(st == WAIT_DONE || st == WAIT_TIMEOUT);
		if (st == WAIT_TIMEOUT && hal_time_ns() < deadline)
			r->early++;
		r->outcomes[st]++;
	}
	T_CHECK(on_no_list(task_current()));
	return 0;
}

/* Posts one at a time, each after the last was taken and a varied delay,
 * so the waiter is mostly blocked when the post comes, its deadline often
 * passing near it (a 1 ms sleep ends at the same tick a short deadline does). */
static int64_t race_waker(struct racer_arg *a)
{
	struct racer *r = a->r;
	unsigned spin = (unsigned)(r - racers) * 7919u + 1;
	for (int i = 0; i < posts_each; i++) {
		while (__atomic_load_n(&r->taken, __ATOMIC_ACQUIRE) != i)
			(void)task_yield();
		spin = spin * 1103515245u + 12345u;
		switch ((spin >> 16) % 4) {
		case 0:
			break;
		case 1:
			for (volatile unsigned k = (spin >> 4) % 4000; k; k--)
				;
			break;
		case 2:
			(void)task_sleep_ns(1 * MS);
			break;
		default:
			(void)task_yield();
		}
		__atomic_add_fetch(&r->posted, 1, __ATOMIC_RELEASE);
		if (i % 2)
			(void)wait_queue_wake_one(&r->wq);
		else
			(void)wait_queue_wake_all(&r->wq);
	}
	return 0;
}

static int64_t race(void *unused)
{
	(void)unused;
	struct task_ref waiters[WAITERS];
	for (int i = 0; i < WAITERS; i++) {
		racers[i] = (struct racer){ 0 };
		wait_queue_init(&racers[i].wq);
	}
	struct task_options o = TASK_OPTIONS_DEFAULT;
	for (int i = 0; i < WAITERS; i++) {
		struct racer_arg a = { &racers[i] };
		o.cpu = i % TBOOT_SMP_CPUS;
		T_CHECK((TASK_SPAWN(&o, race_waiter, &a, &waiters[i])) == E_OK);
		o.cpu = (i + 1) % TBOOT_SMP_CPUS; /* the waker on another CPU */
		T_CHECK((TASK_SPAWN(&o, race_waker, &a, &racers[i].waker)) == E_OK);
	}
	int64_t timeouts = 0;
	for (int i = 0; i < WAITERS; i++) {
		int64_t v = -1;
		T_CHECK(task_join(&racers[i].waker, &v) == E_OK && v == 0);
		T_CHECK(task_join(&waiters[i], &v) == E_OK && v == 0);
		task_ref_drop(&racers[i].waker);
		task_ref_drop(&waiters[i]);
		struct racer *r = &racers[i];
		T_CHECK(r->outcomes[WAIT_DONE] == posts_each && r->taken == posts_each && r->posted == posts_each);
		T_CHECK(r->outcomes[WAIT_REFUSED] == 0);
		T_CHECK(r->early == 0);
		T_CHECK(!wait_queue_wake_one(&r->wq));
		timeouts += r->outcomes[WAIT_TIMEOUT];
	}
	return timeouts;
}

START_TEST(test_wakers_racing_deadlines_lose_no_wake_and_wake_no_task_twice)
{
	posts_each = RUNNING_ON_VALGRIND ? 24 : 400; /* valgrind runs the CPUs one at a time */
	int64_t timeouts = RUN_IN_TASK(race, NULL);
	ck_assert_int_gt(timeouts, 0); /* the deadlines did race: the past ones at least */
}
END_TEST

static Suite *wait_suite(void)
{
	Suite *s = suite_create("wait");
	TCase *one = tcase_create("one cpu");
	tcase_set_timeout(one, 60);
	tcase_add_checked_fixture(one, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(one, test_a_wait_nobody_wakes_times_out_and_leaves_the_queue);
	tcase_add_test(one, test_a_wait_woken_before_its_deadline_is_done);
	tcase_add_test(one, test_a_wake_one_wakes_a_waiter_its_deadline_did_not);
	tcase_add_test(one, test_a_deadline_already_past_checks_the_condition_once);
	tcase_add_test(one, test_a_timed_wait_is_refused_without_preemption_or_in_idle);
	tcase_add_test(one, test_a_kill_unwinds_a_timed_waiter_off_both_lists);
	tcase_add_test(one, test_task_ending_is_true_while_unwinding_or_a_kill_is_pending);
	suite_add_tcase(s, one);
	TCase *smp = tcase_create("smp");
	tcase_set_timeout(smp, 240);
	tcase_add_checked_fixture(smp, tboot_setup_tasks_smp, tboot_teardown_tasks);
	tcase_add_test(smp, test_a_kill_from_another_cpu_unwinds_a_timed_waiter);
	tcase_add_test(smp, test_wakers_racing_deadlines_lose_no_wake_and_wake_no_task_twice);
	suite_add_tcase(s, smp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(wait_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
