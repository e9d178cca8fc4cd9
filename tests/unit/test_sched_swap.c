/* The schedulers swapped for each other (docs/tasks.md, "Swapping the
 * scheduler live"): sched_rr and sched_prio keep their own run queues, so a
 * swap between them must name the new cell's transfer function, which
 * re-links every queued task into the new queues in the new policy's order.
 * The machine runs on one CPU with sched_rr bound to the nano_core's import
 * table (so a swap has its four import slots to rewrite); the tasks made for
 * the test belong to CPUs 2 and 3, which are not running, so nothing picks
 * them but the test, through the loaded scheduler's own exports. The live
 * case, with real tasks and the shell, is the prio_demo scenario
 * (tests/pty/sched_swap.txt). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "cell_swap.h"
#include "heap.h"
#include "kernel/task/task_internal.h"
#include "sched_prio/sched_prio.h"
#include "sched_rr/sched_rr.h"
#include "scheduler.h"
#include "swap.h"
#include "tboot.h"

/* The functions of whichever scheduler cell is loaded now. */
static void sched_add(struct task *t) { ((void (*)(struct task *))sym_addr("sched_add"))(t); }
static void sched_remove(struct task *t) { ((void (*)(struct task *))sym_addr("sched_remove"))(t); }
static struct task *pick(unsigned cpu, struct task *current)
{
	return ((struct task * (*)(unsigned, struct task *)) sym_addr("sched_pick_next"))(cpu, current);
}
static const char *policy(void) { return ((const char *(*)(void))sym_addr("sched_policy"))(); }

#define TASKS 6
static struct task *tasks[TASKS];
static size_t n_tasks;

/* A runnable task of cpu as the scheduler sees it, queued: nothing runs it. */
static struct task *queued(const char *name, unsigned cpu, int priority)
{
	struct task *t = kzalloc(sizeof *t);
	ck_assert_ptr_nonnull(t);
	strlcpy(t->name, name, sizeof t->name);
	t->cpu = (int)cpu;
	t->priority = priority;
	t->state = TASK_RUNNABLE;
	sched_add(t);
	ck_assert_uint_eq(task_rq_link(t)->queue, cpu + 1);
	ck_assert_uint_lt(n_tasks, TASKS);
	tasks[n_tasks++] = t;
	return t;
}

/* The names of the next n picks on cpu, each after the one before ran. */
static const char *turns(unsigned cpu, size_t n)
{
	static char buf[128];
	size_t len = 0;
	buf[0] = '\0';
	struct task *cur = NULL;
	for (size_t i = 0; i < n; i++) {
		cur = pick(cpu, cur);
		ck_assert_msg(cur != NULL, "cpu %u: nothing to pick at turn %zu (after: %s)", cpu, i, buf);
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", cur->name);
		ck_assert_uint_lt(len, sizeof buf);
	}
	return buf;
}

static void must_swap(const char *old, const char *new, const char *transfer)
{
	struct swap_result res;
	err_t e = swap_one(old, new, transfer, 0, &res);
	char line[512];
	swap_result_format(&res, line, sizeof line);
	ck_assert_msg(e == E_OK, "%s -> %s: %s\n%s", old, new, line, res.problems);
	ck_assert_uint_eq(res.copied, 0); /* the transfer function, not a copy */
}

static void setup(void)
{
	tboot_setup_tasks();
	n_tasks = 0;
}

/* The tasks leave whichever scheduler holds them, then the cells go. */
static void teardown(void)
{
	for (size_t i = 0; i < n_tasks; i++) {
		tasks[i]->state = TASK_EXITED;
		sched_remove(tasks[i]);
		ck_assert_uint_eq(task_rq_link(tasks[i])->queue, 0);
		kfree(tasks[i]);
	}
	tboot_teardown_tasks();
}

START_TEST(test_a_swap_without_the_transfer_function_is_refused)
{
	queued("a", 2, 1);
	queued("b", 2, 10);
	struct world before = world_now();
	struct swap_result res;
	ck_assert_int_eq(swap_one("sched_rr", "sched_prio", NULL, 0, &res), E_INCOMPATIBLE);
	ck_assert_int_eq(res.failed_stage, SWAP_VERIFY);
	ck_assert_msg(strstr(res.problems, "data object run_queues changed size"), "%s", res.problems);
	assert_world_is(before, "after the refusal");
	ck_assert_str_eq(policy(), "round robin");
	ck_assert_str_eq(turns(2, 4), "a b a b");
}
END_TEST

/* Round robin's FIFO becomes per-level FIFOs: highest first, equals in
 * the order they had, each CPU's tasks on that CPU. */
START_TEST(test_rr_to_prio_carries_every_task_in_priority_order)
{
	queued("p1", 2, 1);
	queued("p5a", 2, 5);
	queued("p10", 2, 10);
	queued("p5b", 2, 5);
	queued("c3_p3", 3, 3);
	queued("c3_p7", 3, 7);
	must_swap("sched_rr", "sched_prio", "sched_prio_take_over");
	ck_assert_ptr_null(ns_find_cell(ns_root(), "sched_rr"));
	ck_assert_str_eq(policy(), "priority");
	ck_assert_str_eq(sched_active(), "sched_prio"); /* the import table names its new provider */
	for (size_t i = 0; i < n_tasks; i++)
		ck_assert_uint_eq(task_rq_link(tasks[i])->queue, (unsigned)tasks[i]->cpu + 1);
	ck_assert_str_eq(turns(2, 3), "p10 p10 p10");
	ck_assert_str_eq(turns(3, 2), "c3_p7 c3_p7");
	tasks[2]->state = TASK_BLOCKED; /* p10 */
	sched_remove(tasks[2]);
	ck_assert_str_eq(turns(2, 3), "p5a p5b p5a");
	tasks[1]->state = tasks[3]->state = TASK_BLOCKED;
	sched_remove(tasks[1]);
	sched_remove(tasks[3]);
	ck_assert_str_eq(turns(2, 2), "p1 p1");
	ck_assert_ptr_null(pick(1, NULL)); /* nothing queued there */
}
END_TEST

/* Per-level FIFOs become one FIFO, highest level first, so the task
 * sched_prio would have run next runs first; then plain turns. */
START_TEST(test_prio_to_rr_puts_the_highest_first)
{
	must_swap("sched_rr", "sched_prio", "sched_prio_take_over");
	queued("p1", 3, 1);
	queued("p10", 3, 10);
	queued("p5", 3, 5);
	queued("q10", 3, 10);
	must_swap("sched_prio", "sched_rr", "sched_rr_take_over");
	ck_assert_str_eq(policy(), "round robin");
	ck_assert_str_eq(turns(3, 8), "p10 q10 p5 p1 p10 q10 p5 p1");
}
END_TEST

START_TEST(test_there_and_back_again_loses_no_task)
{
	queued("a", 2, 2);
	queued("b", 2, 9);
	queued("c", 3, 4);
	for (int i = 0; i < 10; i++) {
		must_swap("sched_rr", "sched_prio", "sched_prio_take_over");
		must_swap("sched_prio", "sched_rr", "sched_rr_take_over");
	}
	ck_assert_str_eq(turns(2, 4), "b a b a");
	ck_assert_str_eq(turns(3, 2), "c c");
}
END_TEST

/* A failed redirect puts every site back; the transfer had not run yet
 * (it runs last), so the tasks are where they were. Were it run before
 * the sites, their links would sit in the unloaded sched_prio's queues. */
START_TEST(test_a_failed_redirect_leaves_the_tasks_queued)
{
	queued("a", 2, 1);
	queued("b", 2, 5);
	queued("c", 2, 3);
	struct world before = world_now();
	swap_inject_write_failure(2);
	struct swap_result res;
	ck_assert_int_eq(swap_one("sched_rr", "sched_prio", "sched_prio_take_over", 0, &res), E_HAL);
	ck_assert_int_eq(res.failed_stage, SWAP_REDIRECT);
	assert_world_is(before, "after the failed redirect");
	ck_assert_str_eq(policy(), "round robin");
	ck_assert_str_eq(turns(2, 6), "a b c a b c");
}
END_TEST

/* The transfer function checks the old queues before it moves a link: a
 * queue whose lock is taken (a CPU inside the old scheduler) refuses the
 * swap, and nothing has changed. */
START_TEST(test_the_transfer_refuses_a_queue_in_use)
{
	struct cell *rr = ns_find_cell(ns_root(), "sched_rr");
	queued("a", 2, 1);
	queued("b", 2, 5);
	struct cell_data_object o;
	{
		CELLS_GUARD();
		ck_assert(cell_data_object(rr, RR_QUEUES_OBJECT, &o));
	}
	ck_assert_uint_eq(o.size, sizeof(struct rr_queue) * MAX_CPUS);
	struct rr_queue *q = (struct rr_queue *)o.addr;
	q[MAX_CPUS - 1].lock.locked = 1;
	struct world before = world_now();
	struct swap_result res;
	ck_assert_int_eq(swap_one("sched_rr", "sched_prio", "sched_prio_take_over", 0, &res), E_FAILED);
	ck_assert_int_eq(res.failed_stage, SWAP_REDIRECT);
	assert_world_is(before, "after the refusal");
	ck_assert_str_eq(turns(2, 3), "a b a");
	q[MAX_CPUS - 1].lock.locked = 0;
	must_swap("sched_rr", "sched_prio", "sched_prio_take_over");
	ck_assert_str_eq(turns(2, 2), "b b");
}
END_TEST

static Suite *sched_swap_suite(void)
{
	Suite *s = suite_create("sched_swap");
	TCase *tc = tcase_create("transfer");
	tcase_set_timeout(tc, 120); /* each swap checks the retired cells: seconds under valgrind */
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a_swap_without_the_transfer_function_is_refused);
	tcase_add_test(tc, test_rr_to_prio_carries_every_task_in_priority_order);
	tcase_add_test(tc, test_prio_to_rr_puts_the_highest_first);
	tcase_add_test(tc, test_there_and_back_again_loses_no_task);
	tcase_add_test(tc, test_a_failed_redirect_leaves_the_tasks_queued);
	tcase_add_test(tc, test_the_transfer_refuses_a_queue_in_use);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(sched_swap_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
