/* The sched_prio cell's policy, driven directly through its exports (the
 * functions of scheduler.h) on tasks made for the test: the highest
 * priority is picked first, equals take turns, lower ones wait. A policy
 * that picks the front of the queue (round robin) fails here. The cell is
 * loaded into a machine with no running scheduler, so nothing else picks. */
#include <check.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "panic.h"
#include "kernel/task/task_internal.h"
#include "scheduler.h"
#include "tboot.h"

static struct {
	void (*add)(struct task *t);
	void (*remove)(struct task *t);
	struct task *(*pick_next)(unsigned cpu, struct task *current);
	const char *(*policy)(void);
} prio;

/* The function c itself exports as name. */
static uintptr_t export_of(const struct cell *c, const char *name)
{
	for (size_t i = 0; i < c->n_symbols; i++)
		if (c->symbols[i].is_func && !strcmp(c->symbols[i].name, name))
			return c->symbols[i].addr;
	ck_abort_msg("%s exports no function %s", c->name, name);
	return 0;
}

static void setup(void)
{
	tboot_setup_cells();
	const struct cell *c = load("sched_prio");
	prio.add = (void (*)(struct task *))export_of(c, "sched_add");
	prio.remove = (void (*)(struct task *))export_of(c, "sched_remove");
	prio.pick_next = (struct task * (*)(unsigned, struct task *)) export_of(c, "sched_pick_next");
	prio.policy = (const char *(*)(void))export_of(c, "sched_policy");
}

static void teardown(void)
{
	unload_all();
	tboot_teardown_cells();
}

/* A runnable task on CPU 0 as the scheduler sees it: nothing runs it. */
static struct task *fake_task(const char *name, int priority)
{
	struct task *t = kzalloc(sizeof *t);
	ck_assert_ptr_nonnull(t);
	strlcpy(t->name, name, sizeof t->name);
	t->priority = priority;
	t->state = TASK_RUNNABLE;
	return t;
}

static void drop_task(struct task *t)
{
	t->state = TASK_EXITED;
	prio.remove(t);
	kfree(t);
}

START_TEST(test_highest_priority_is_picked_first)
{
	ck_assert_str_eq(prio.policy(), "priority");
	struct task *low = fake_task("low", 1), *mid = fake_task("mid", 5), *high = fake_task("high", 10);
	prio.add(low); /* queued lowest first: the front of the queue is the wrong answer */
	prio.add(mid);
	prio.add(high);
	ck_assert_str_eq(prio.pick_next(0, NULL)->name, "high");
	ck_assert_str_eq(prio.pick_next(0, high)->name, "high"); /* it stays ahead of all lower ones */
	drop_task(high);
	ck_assert_str_eq(prio.pick_next(0, NULL)->name, "mid");
	ck_assert_str_eq(prio.pick_next(0, mid)->name, "mid");
	drop_task(mid);
	ck_assert_str_eq(prio.pick_next(0, NULL)->name, "low");
	drop_task(low);
	ck_assert_ptr_null(prio.pick_next(0, NULL));
}
END_TEST

START_TEST(test_equal_priorities_take_turns_above_lower_ones)
{
	struct task *low = fake_task("low", 1), *a = fake_task("a", 7), *b = fake_task("b", 7);
	prio.add(low);
	prio.add(a);
	prio.add(b);
	prio.add(a); /* announced twice, queued once */
	struct task *cur = prio.pick_next(0, NULL);
	ck_assert_str_eq(cur->name, "a");
	const char *want[] = { "b", "a", "b", "a" };
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		cur = prio.pick_next(0, cur);
		ck_assert_str_eq(cur->name, want[i]);
	}
	drop_task(a);
	drop_task(b);
	ck_assert_str_eq(prio.pick_next(0, NULL)->name, "low");
	drop_task(low);
}
END_TEST

START_TEST(test_each_cpu_picks_from_its_own_queue)
{
	struct task *zero = fake_task("zero", 1), *one = fake_task("one", 10);
	one->cpu = 1;
	prio.add(zero);
	prio.add(one);
	ck_assert_str_eq(prio.pick_next(0, NULL)->name, "zero");
	ck_assert_str_eq(prio.pick_next(1, NULL)->name, "one");
	drop_task(zero);
	drop_task(one);
	ck_assert_ptr_null(prio.pick_next(0, NULL));
	ck_assert_ptr_null(prio.pick_next(1, NULL));
}
END_TEST

/* The runqueue cell links a task's own rq_link: no allocation, so nothing
 * to fail, and a second link of the same task would corrupt the queue. It
 * is refused with a panic (here, outside any task: the machine stops). */
START_TEST(test_a_task_is_never_linked_twice)
{
	void (*push)(unsigned, struct task *, int) = (void *)ns_resolve(ns_root(), "rq_push_back")->addr;
	size_t (*len)(unsigned) = (void *)ns_resolve(ns_root(), "rq_len")->addr;
	struct task *t = fake_task("twice", 1);
	push(0, t, 1);
	ck_assert_uint_eq(len(0), 1);
	push(1, t, 1); /* already on cpu 0's queue */
	ck_abort_msg("a task was linked on two run queues");
}
END_TEST

START_TEST(test_a_cpu_outside_every_queue_is_refused)
{
	void (*push)(unsigned, struct task *, int) = (void *)ns_resolve(ns_root(), "rq_push_back")->addr;
	push(MAX_CPUS, fake_task("nowhere", 1), 1);
	ck_abort_msg("a task was queued on cpu %d", MAX_CPUS);
}
END_TEST

static Suite *sched_prio_suite(void)
{
	Suite *s = suite_create("sched_prio");
	TCase *tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_highest_priority_is_picked_first);
	tcase_add_test(tc, test_equal_priorities_take_turns_above_lower_ones);
	tcase_add_test(tc, test_each_cpu_picks_from_its_own_queue);
	suite_add_tcase(s, tc);
	TCase *links = tcase_create("links");
	tcase_add_checked_fixture(links, setup, teardown);
	tcase_add_exit_test(links, test_a_task_is_never_linked_twice, PANIC_EXIT_STATUS);
	tcase_add_exit_test(links, test_a_cpu_outside_every_queue_is_refused, PANIC_EXIT_STATUS);
	suite_add_tcase(s, links);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(sched_prio_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
