/* kernel/task's start and end of the machine on the hosted HAL: every CPU
 * is up with its idle task (id 0) when tasks_init returns, the boot CPU's
 * idle loop sees a task end while a CPU-bound task runs, and tasks_fini
 * ends the tasks still alive in every state (their cleanups run), stops
 * every CPU and leaves the counters where they were before tasks_init. */
#include <check.h>
#include <stdlib.h>

#include "cell.h"
#include "hal_time.h"
#include "heap.h"
#include "hosted.h"
#include "mm.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>

#define CPUS TBOOT_SMP_CPUS

static void setup(void)
{
	tboot_setup_cells();
	hosted_cpu_init(CPUS);
	hosted_signals_init();
}

static void teardown(void) { tboot_teardown_cells(); }

struct counters {
	size_t frames, pages, blocks, alive;
};

static struct counters count(void)
{
	struct heap_stats h;
	struct task_stats t;
	heap_trim();
	heap_stats(&h);
	task_stats(&t);
	return (struct counters){ frames_free_count(), pages_free_count(), h.live_blocks, t.alive };
}

static void assert_counters_eq(struct counters a, struct counters b)
{
	ck_assert_uint_eq(a.frames, b.frames);
	ck_assert_uint_eq(a.pages, b.pages);
	ck_assert_uint_eq(a.blocks, b.blocks);
	ck_assert_uint_eq(a.alive, b.alive);
}

static bool ended(void *t)
{
	enum task_state s = task_state(t);
	return s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED;
}

/* --- ids and CPUs at boot ----------------------------------------------------------- */
struct seen {
	unsigned n, idle, idle_first, cpu_mask, max_id;
};

static void look(const struct task *t, void *arg)
{
	struct seen *s = arg;
	if (task_is_idle(t)) {
		s->idle++;
		s->idle_first += s->n == s->idle - 1; /* no other task listed before it */
		s->cpu_mask |= 1u << task_cpu(t);
		s->max_id = task_id(t) > s->max_id ? task_id(t) : s->max_id;
	}
	s->n++;
}

struct num {
	int64_t x;
};

static int64_t seven(struct num *unused)
{
	(void)unused;
	return 7;
}

START_TEST(test_every_idle_task_is_registered_at_boot_with_id_0)
{
	ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
	struct seen s = { 0 };
	task_for_each(look, &s);
	ck_assert_uint_eq(s.n, CPUS);
	ck_assert_uint_eq(s.idle, CPUS);
	ck_assert_uint_eq(s.idle_first, CPUS);
	ck_assert_uint_eq(s.cpu_mask, (1u << CPUS) - 1);
	ck_assert_uint_eq(s.max_id, 0);
	/* the first task is 1 whatever the number of CPUs */
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct num n = { 0 };
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, seven, &n, &t), E_OK);
	ck_assert_uint_eq(task_id(t.t), 1);
	sched_idle_until(ended, t.t);
	task_ref_drop(&t);
	ck_assert(tasks_fini());
}
END_TEST

/* Boot and shut down at once, again and again: no CPU is still coming up
 * (allocating, registering its idle task) when the memory goes. */
START_TEST(test_immediate_shutdown_after_boot_leaves_nothing)
{
	ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
	ck_assert(tasks_fini());
	struct counters before = count();
	for (int i = 0; i < (RUNNING_ON_VALGRIND ? 5 : 50); i++) {
		ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
		ck_assert_uint_eq(tasks_cpus(), CPUS);
		ck_assert(tasks_fini());
	}
	assert_counters_eq(count(), before);
}
END_TEST

/* --- the boot CPU's idle loop --------------------------------------------------------- */
static volatile int release_busy;

/* Runnable until released (or, if the idle loop never looks, for 20 s:
 * then the test fails on its state instead of hanging). */
static int64_t busy_until_released(struct num *unused)
{
	(void)unused;
	uint64_t deadline = hal_time_ns() + 20000000000ull;
	while (!__atomic_load_n(&release_busy, __ATOMIC_ACQUIRE) && hal_time_ns() < deadline)
		;
	return 1;
}

START_TEST(test_idle_loop_sees_a_task_end_while_another_spins)
{
	ck_assert_int_eq(tasks_init(1, "sched_rr", TBOOT_TICK_HZ), E_OK);
	release_busy = 0;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	struct num n = { 0 };
	struct task_ref busy, quick;
	preempt_disable(); /* a tick would run busy before quick is spawned */
	ck_assert_int_eq(TASK_SPAWN(&o, busy_until_released, &n, &busy), E_OK);
	ck_assert_int_eq(TASK_SPAWN(&o, seven, &n, &quick), E_OK);
	preempt_enable();
	sched_idle_until(ended, quick.t); /* never returned while busy was runnable */
	ck_assert_int_eq(task_state(busy.t), TASK_RUNNABLE);
	int64_t v = 0;
	ck_assert_int_eq(task_join(&quick, &v), E_OK);
	ck_assert_int_eq(v, 7);
	__atomic_store_n(&release_busy, 1, __ATOMIC_RELEASE);
	sched_idle_until(ended, busy.t);
	ck_assert_int_eq(task_join(&busy, &v), E_OK);
	task_ref_drop(&busy);
	task_ref_drop(&quick);
	ck_assert(tasks_fini());
}
END_TEST

/* --- shutdown with live tasks ----------------------------------------------------------- */
enum mode { SPIN, SLEEP, BLOCK, MODES };
static volatile int cleanups[MODES], started[MODES];
static struct wait_queue never;

struct how {
	enum mode mode;
	volatile int spins;
};

static void count_cleanup(enum mode *m) { __atomic_add_fetch(&cleanups[*m], 1, __ATOMIC_RELAXED); }

static bool nobody(void *unused)
{
	(void)unused;
	return false;
}

static int64_t live_forever(struct how *h)
{
	enum mode m __attribute__((cleanup(count_cleanup))) = h->mode;
	void *held KFREE = kmalloc(64);
	__atomic_add_fetch(&started[m], 1, __ATOMIC_RELEASE);
	for (;;) {
		if (m == SLEEP)
			(void)task_sleep_ns(1000000);
		else if (m == BLOCK)
			(void)!wait_queue_wait_cond(&never, nobody, NULL);
		else
			h->spins++; /* through a pointer, a store may fault: the loop is in the cleanups' range */
	}
	return held != NULL;
}

static bool all_started(void *expected)
{
	const int *n = expected;
	for (int m = 0; m < MODES; m++)
		if (__atomic_load_n(&started[m], __ATOMIC_ACQUIRE) < n[m])
			return false;
	return true;
}

START_TEST(test_shutdown_ends_live_tasks_in_every_state_and_stops_every_cpu)
{
	ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
	ck_assert(tasks_fini());
	struct counters before = count();
	ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
	wait_queue_init(&never);
	int per_mode = CPUS;
	int expected[MODES] = { [SPIN] = per_mode, [SLEEP] = per_mode, [BLOCK] = per_mode };
	for (int m = 0; m < MODES; m++) {
		cleanups[m] = started[m] = 0;
		for (int i = 0; i < expected[m]; i++) {
			struct task_options o = TASK_OPTIONS_DEFAULT;
			/* CPU 0 stays free of spinners: the test's idle loop runs there */
			o.cpu = m == SPIN ? 1 + i % (CPUS - 1) : i % CPUS;
			struct how h = { (enum mode)m, 0 };
			struct task_ref t;
			ck_assert_int_eq(TASK_SPAWN(&o, live_forever, &h, &t), E_OK);
			task_ref_drop(&t); /* the task keeps its own reference while it lives */
		}
	}
	sched_idle_until(all_started, expected);
	ck_assert(tasks_fini());
	ck_assert_int_eq(cleanups[SPIN], per_mode);
	ck_assert_int_eq(cleanups[SLEEP], per_mode);
	ck_assert_int_eq(cleanups[BLOCK], per_mode);
	assert_counters_eq(count(), before);
}
END_TEST

/* A task that cannot be killed (it spins with preemption disabled) makes
 * tasks_fini give up after its bound, with the CPUs still running and
 * nothing freed; once the task ends, a second tasks_fini completes. */
static volatile int let_go, holding;

static int64_t unkillable(struct num *unused)
{
	(void)unused;
	preempt_disable();
	__atomic_store_n(&holding, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&let_go, __ATOMIC_ACQUIRE))
		;
	preempt_enable();
	return 0;
}

static bool is_holding(void *unused)
{
	(void)unused;
	return __atomic_load_n(&holding, __ATOMIC_ACQUIRE);
}

START_TEST(test_shutdown_gives_up_on_a_task_that_cannot_end)
{
	ck_assert_int_eq(tasks_init(CPUS, "sched_rr", TBOOT_TICK_HZ), E_OK);
	let_go = holding = 0;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 1;
	struct num n = { 0 };
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, unkillable, &n, &t), E_OK);
	sched_idle_until(is_holding, NULL);
	ck_assert(!tasks_fini());
	ck_assert_uint_eq(tasks_cpus(), CPUS); /* nothing was stopped or freed */
	ck_assert_int_eq(task_state(t.t), TASK_RUNNABLE);
	__atomic_store_n(&let_go, 1, __ATOMIC_RELEASE);
	sched_idle_until(ended, t.t);
	ck_assert_int_eq(task_state(t.t), TASK_EXITED);
	task_ref_drop(&t);
	ck_assert(tasks_fini());
}
END_TEST

/* --- a kill that arrives while the task runs code without unwind information --- */
/* Spins until no_fde_leave is set; no CFI, so no FDE covers it (as for
 * the host C library a task may be inside when the tick comes). */
volatile int no_fde_leave;
void spin_without_fde(void);
__asm__(".text\n.globl spin_without_fde\n.type spin_without_fde, @function\nspin_without_fde:\n"
	"1: cmpl $0, no_fde_leave(%rip)\n je 1b\n ret\n.size spin_without_fde, . - spin_without_fde\n");

static volatile int inside, kill_cleanups;

static void count_kill_cleanup(int *unused)
{
	(void)unused;
	__atomic_add_fetch(&kill_cleanups, 1, __ATOMIC_RELAXED);
}

static int64_t spin_outside_then_inside(struct num *unused)
{
	int held __attribute__((cleanup(count_kill_cleanup))) = 1;
	(void)unused;
	__atomic_store_n(&inside, 1, __ATOMIC_RELEASE);
	spin_without_fde();
	for (;;)
		task_yield(); /* the kill takes effect here, at a call site */
	return held;
}

static bool is_inside(void *unused)
{
	(void)unused;
	return __atomic_load_n(&inside, __ATOMIC_ACQUIRE);
}

static bool after_50ms(void *deadline) { return hal_time_ns() >= *(uint64_t *)deadline; }

/* The ticks that come while the task is in spin_without_fde must not
 * divert it there (the unwind would fail and skip every cleanup); the kill
 * takes effect once it is back in code the unwinder knows. */
START_TEST(test_kill_waits_for_code_with_unwind_information)
{
	ck_assert_int_eq(tasks_init(2, "sched_rr", TBOOT_TICK_HZ), E_OK);
	no_fde_leave = inside = kill_cleanups = 0;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 1;
	struct num n = { 0 };
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, spin_outside_then_inside, &n, &t), E_OK);
	sched_idle_until(is_inside, NULL);
	ck_assert_int_eq(task_kill(&t), E_OK);
	uint64_t deadline = hal_time_ns() + 50000000; /* five ticks of CPU 1 */
	sched_idle_until(after_50ms, &deadline);
	ck_assert_int_eq(task_state(t.t), TASK_RUNNABLE);
	__atomic_store_n(&no_fde_leave, 1, __ATOMIC_RELEASE);
	sched_idle_until(ended, t.t);
	ck_assert_int_eq(task_state(t.t), TASK_KILLED);
	ck_assert_int_eq(kill_cleanups, 1);
	task_ref_drop(&t);
	ck_assert(tasks_fini());
}
END_TEST

/* A kill that lands while its target runs, just before it goes to sleep
 * (nothing to cancel yet: it is not on the sleep list), is not lost: the
 * sleep takes it at once. Lost, it would end only after its hour-long
 * sleep, and the test case's timeout fails the test. The target holds
 * preemption off until the kill is in, so no tick delivers it earlier. */
static volatile int slept_through, kill_ready, kill_sent;

static int64_t sleeps_after_the_kill(struct num *n)
{
	(void)n;
	preempt_disable();
	__atomic_store_n(&kill_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&kill_sent, __ATOMIC_ACQUIRE))
		;
	preempt_enable();
	(void)task_sleep_ns(3600 * 1000000000ull);
	slept_through = 1;
	return 0;
}

static bool is_kill_ready(void *unused)
{
	(void)unused;
	return __atomic_load_n(&kill_ready, __ATOMIC_ACQUIRE);
}

START_TEST(test_a_kill_just_before_a_sleep_is_not_lost)
{
	ck_assert_int_eq(tasks_init(2, "sched_rr", TBOOT_TICK_HZ), E_OK);
	slept_through = kill_ready = kill_sent = 0;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 1;
	struct num n = { 0 };
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, sleeps_after_the_kill, &n, &t), E_OK);
	sched_idle_until(is_kill_ready, NULL);
	ck_assert_int_eq(task_kill(&t), E_OK);
	__atomic_store_n(&kill_sent, 1, __ATOMIC_RELEASE);
	sched_idle_until(ended, t.t);
	ck_assert_int_eq(task_state(t.t), TASK_KILLED);
	ck_assert_int_eq(slept_through, 0);
	task_ref_drop(&t);
	ck_assert(tasks_fini());
}
END_TEST

/* Kills racing wake-ups: a task blocks on a wait queue on the heap, the
 * test context wakes it and frees the queue at once, while a kill for it is
 * under way. task_kill reaches the queue only through the task's wait_lock
 * while the task is in it, so it never touches a freed queue (memcheck would
 * say so), and every task ends, killed or exited. */
struct blocker {
	struct wait_queue *wq;
	volatile int woken;
};

static bool is_woken(void *p) { return ((struct blocker *)p)->woken; }

static int64_t blocks_once(struct blocker **b)
{
	return wait_queue_wait_cond((*b)->wq, is_woken, *b) ? 0 : 1;
}

static bool is_blocked(void *t) { return task_state(t) == TASK_BLOCKED || ended(t); }

START_TEST(test_kills_racing_wakeups_of_freed_queues)
{
	ck_assert_int_eq(tasks_init(2, "sched_rr", TBOOT_TICK_HZ), E_OK);
	unsigned killed = 0, exited = 0;
	for (unsigned round = 0; round < 300; round++) {
		struct blocker *b = kzalloc(sizeof *b);
		b->wq = kzalloc(sizeof *b->wq);
		wait_queue_init(b->wq);
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.cpu = 1;
		struct task_ref t;
		ck_assert_int_eq(TASK_SPAWN(&o, blocks_once, &b, &t), E_OK);
		sched_idle_until(is_blocked, t.t);
		irq_state_t s = spin_lock_irqsave(&b->wq->lock);
		b->woken = 1;
		spin_unlock_irqrestore(&b->wq->lock, s);
		if (round % 2)
			(void)!task_kill(&t);
		wait_queue_wake_all(b->wq);
		if (!(round % 2))
			(void)!task_kill(&t);
		sched_idle_until(ended, t.t);
		kfree(b->wq); /* the task has left it: nothing may touch it now */
		kfree(b);
		killed += task_state(t.t) == TASK_KILLED;
		exited += task_state(t.t) == TASK_EXITED;
		task_ref_drop(&t);
	}
	ck_assert_int_eq(killed + exited, 300);
	ck_assert(tasks_fini());
}
END_TEST

static Suite *shutdown_suite(void)
{
	Suite *s = suite_create("shutdown");
	TCase *c = tcase_create("boot and shutdown");
	tcase_set_timeout(c, 60);
	tcase_add_checked_fixture(c, setup, teardown);
	tcase_add_test(c, test_every_idle_task_is_registered_at_boot_with_id_0);
	tcase_add_test(c, test_immediate_shutdown_after_boot_leaves_nothing);
	tcase_add_test(c, test_idle_loop_sees_a_task_end_while_another_spins);
	tcase_add_test(c, test_shutdown_ends_live_tasks_in_every_state_and_stops_every_cpu);
	tcase_add_test(c, test_shutdown_gives_up_on_a_task_that_cannot_end);
	tcase_add_test(c, test_kill_waits_for_code_with_unwind_information);
	tcase_add_test(c, test_a_kill_just_before_a_sleep_is_not_lost);
	tcase_add_test(c, test_kills_racing_wakeups_of_freed_queues);
	suite_add_tcase(s, c);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(shutdown_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
