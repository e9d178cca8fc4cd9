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

/* Levels are 0..PRIO_LEVELS-1 (sched_prio.h): a priority above the top
 * waits at the top level, one below 0 at level 0; within a level, turns. */
START_TEST(test_priorities_outside_the_levels_share_the_end_levels)
{
	struct task *top = fake_task("top", 31), *above = fake_task("above", 1000);
	struct task *zero = fake_task("zero", 0), *below = fake_task("below", -5);
	prio.add(below);
	prio.add(zero);
	prio.add(top);
	prio.add(above);
	struct task *cur = prio.pick_next(0, NULL);
	ck_assert_str_eq(cur->name, "top");
	cur = prio.pick_next(0, cur);
	ck_assert_str_eq(cur->name, "above"); /* 1000 took its turn behind 31 */
	drop_task(top);
	drop_task(above);
	cur = prio.pick_next(0, NULL);
	ck_assert_str_eq(cur->name, "below"); /* -5 and 0: one level, queue order */
	ck_assert_str_eq(prio.pick_next(0, cur)->name, "zero");
	drop_task(below);
	drop_task(zero);
	ck_assert_ptr_null(prio.pick_next(0, NULL));
}
END_TEST

/* Queueing cannot fail, so a task of a CPU outside every queue is a broken
 * invariant: a panic naming it (here, outside any task: the machine stops). */
START_TEST(test_a_cpu_outside_every_queue_is_refused)
{
	struct task *t = fake_task("nowhere", 1);
	t->cpu = MAX_CPUS;
	prio.add(t);
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
	tcase_add_test(tc, test_priorities_outside_the_levels_share_the_end_levels);
	suite_add_tcase(s, tc);
	TCase *links = tcase_create("links");
	tcase_add_checked_fixture(links, setup, teardown);
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
