/* Retired cells (kernel/swap/retire.c, docs/swap.md "Retired cells"),
 * without the swap core: the tests withdraw a cell themselves under the
 * cells lock and hand it over with retire_add, as the swap's commit does.
 * A retired cell must be freed at once when nothing refers to it (every
 * counter back), kept while a task has a frame in it or a word of the heap,
 * of another cell's data or of a stack points into it, still be named and
 * unwound while kept, and be freed once the reference is gone: by
 * swap_reap, and by the reaper without anyone asking. */
#include <check.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "cells/retire_probe/retire_probe.h"
#include "hal_time.h"
#include "heap.h"
#include "kernel/private/cell_swap.h"
#include "kernel/private/task_walk.h"
#include "kernel/swap/swap_internal.h"
#include "swap.h"
#include "swap_retired.h"
#include "task.h"
#include "tboot.h"

/* Bounds for waits on other tasks: generous, never a measurement. */
#define WAIT_NS (20ull * 1000000000ull)

#define WHY_MAX 160

/* The test's own globals lie in no cell: nothing here is read by the scan. */
static struct retire_probe_gate gate;
static int64_t (*probe_fn)(struct retire_probe_gate *);

static bool retire(struct cell *c)
{
	CELLS_GUARD();
	cell_withdraw(c);
	return retire_add(c);
}

/* Why the retired cell retire_probe (or the one called why_of) is kept. */
static const char *why_of = "retire_probe";
static void copy_why(const struct cell *c, const char *why, void *arg)
{
	if (!strcmp(c->name, why_of))
		strlcpy(arg, why, WHY_MAX);
}

static const char *why_kept(void)
{
	static char why[WHY_MAX];
	why[0] = '\0';
	swap_retired_for_each(copy_why, why);
	return why;
}

#define ck_assert_why(needle)                                                                  \
	ck_assert_msg(strstr(why_kept(), (needle)) != NULL, "kept because \"%s\", expected \"%s\"", \
		      why_kept(), (needle))

struct until {
	bool (*cond)(void *);
	void *arg;
	uint64_t deadline;
};

static bool until_done(void *p)
{
	struct until *u = p;
	return u->cond(u->arg) || hal_time_ns() > u->deadline;
}

/* Idles (running the tasks) until cond holds; false if it never did. */
static bool idle_until(bool (*cond)(void *), void *arg)
{
	struct until u = { cond, arg, hal_time_ns() + WAIT_NS };
	sched_idle_until(until_done, &u);
	return cond(arg);
}

static bool is_blocked(void *t) { return task_state(t) == TASK_BLOCKED; }
static bool has_ended(void *t) { return task_state(t) >= TASK_EXITED; }
static bool gate_inside(void *unused) { return gate.inside; }
static bool none_retired(void *unused) { return swap_retired_count() == 0; }

/* Not only ended: reaped (its stack and struct freed), which happens at
 * its CPU's next switch. */
static void reaper_alive(const struct task *t, void *arg)
{
	if (!strcmp(task_name(t), "reaper"))
		*(bool *)arg = true;
}

static bool no_reaper(void *unused)
{
	bool alive = false;
	task_for_each(reaper_alive, &alive);
	return !alive;
}

static int64_t call_probe(struct retire_probe_gate **g)
{
	int64_t v = probe_fn(*g);
	__asm__ volatile("" : : : "memory"); /* a frame of its own above the probe's: no tail call */
	return v;
}

/* Spawns a task named name on cpu (-1: any) calling fn(&gate) and idles
 * until it is inside the cell (blocked there, when blocks). */
static struct task_ref spawn_in_probe(const char *name, const char *fn, bool blocks, int cpu)
{
	gate = (struct retire_probe_gate){ 0 };
	wait_queue_init(&gate.wq);
	probe_fn = (int64_t(*)(struct retire_probe_gate *))sym_addr(fn);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = name;
	o.cpu = cpu;
	struct retire_probe_gate *g = &gate;
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, call_probe, &g, &t), E_OK);
	ck_assert(idle_until(gate_inside, NULL));
	if (blocks)
		ck_assert(idle_until(is_blocked, t.t));
	return t;
}

/* Opens the gate and waits for the task to end; returns its value. */
static int64_t release(struct task_ref *t)
{
	gate.open = true;
	(void)wait_queue_wake_all(&gate.wq);
	ck_assert(idle_until(has_ended, t->t));
	int64_t v = -1;
	ck_assert_int_eq(task_join(t, &v), E_OK);
	task_ref_drop(t);
	return v;
}

/* The counters before a test: the cells loaded and unloaded once first,
 * so that what their first load grows for good (the root namespace's
 * symbol map) is not counted against the test. */
static struct world warm_world(void)
{
	load("retire_probe");
	load("retire_holder");
	unload("retire_holder");
	unload("retire_probe");
	return world_now();
}

/* The end of every test: nothing retired, no reaper, every counter back. */
static void assert_all_gone(struct world before)
{
	ck_assert_uint_eq(swap_retired_count(), 0);
	ck_assert(idle_until(no_reaper, NULL));
	assert_world_is(before, "after the retired cell was freed");
}

START_TEST(test_freed_at_once_when_nothing_refers_to_it)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	ck_assert(retire(c));
	ck_assert_uint_eq(swap_retired_count(), 0);
	ck_assert_ptr_null(ns_find_cell(ns_root(), "retire_probe"));
	assert_all_gone(before);
}
END_TEST

/* Every frame of the blocked task, as the retired cells' check walks it. */
struct frames {
	unsigned id;
	size_t n, in_probe;
	bool after_probe_in_test; /* a frame above the probe's: the walk went through it */
	uintptr_t probe_lo, probe_hi, test_fn;
};

static bool count_frame(uintptr_t pc, bool is_ra, void *arg)
{
	struct frames *f = arg;
	uintptr_t at = is_ra ? pc - 1 : pc;
	f->n++;
	if (at >= f->probe_lo && at < f->probe_hi)
		f->in_probe++;
	else if (f->in_probe && at >= f->test_fn && at < f->test_fn + 256)
		f->after_probe_in_test = true;
	return true;
}

static void walk_task(const struct task_stack_view *v, void *arg)
{
	struct frames *f = arg;
	enum unwind_end end;
	if (v->id == f->id && v->has_regs)
		(void)!unwind_walk(&v->regs, v->pc_is_ra, v->stack_lo, v->stack_hi, count_frame, f, &end);
}

/* (d): a kept cell is still named by address and its frames unwind. */
static void assert_still_named_and_unwound(const struct cell *c, struct task_ref *t)
{
	CELLS_GUARD();
	const struct cell_section *s = cell_section_at((uintptr_t)probe_fn);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(s->cell, c);
	ck_assert(c->retired);
	struct unwind_fde fde;
	ck_assert(unwind_find_fde((uintptr_t)probe_fn, &fde));
	struct frames f = { .id = task_id(t->t), .probe_lo = mp_start(&c->text.m),
			    .probe_hi = mp_start(&c->text.m) + mp_size(&c->text.m), .test_fn = (uintptr_t)call_probe };
	task_walk_stacks(0, walk_task, &f);
	ck_assert_uint_eq(f.in_probe, 1);
	ck_assert_msg(f.after_probe_in_test, "the walk did not get through the retired cell's frame (%zu frames)", f.n);
}

/* (b) and (d), with swap_reap freeing it once the task left. */
START_TEST(test_kept_while_a_task_blocks_inside_then_reaped)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	struct task_ref t = spawn_in_probe("blocked", "retire_probe_wait", true, -1);
	char expect[64];
	ksnprintf(expect, sizeof expect, "task %u (blocked) has a frame in it at retire_probe:", task_id(t.t));
	ck_assert(!retire(c));
	ck_assert_uint_eq(swap_retired_count(), 1);
	ck_assert_why(expect);
	assert_still_named_and_unwound(c, &t);
	ck_assert_uint_eq(swap_reap(), 0); /* still inside */
	ck_assert_why(expect);
	ck_assert_int_eq(release(&t), 42); /* the retired code ran on, with its data */
	ck_assert_uint_eq(swap_reap(), 1);
	assert_all_gone(before);
}
END_TEST

/* (b): nobody calls swap_reap; the reaper frees it once the task left. */
START_TEST(test_freed_later_without_anyone_asking)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	struct task_ref t = spawn_in_probe("blocked", "retire_probe_wait", true, -1);
	ck_assert(!retire(c));
	ck_assert(!none_retired(NULL));
	ck_assert_int_eq(release(&t), 42);
	ck_assert_msg(idle_until(none_retired, NULL), "still retired: %s", why_kept());
	assert_all_gone(before);
}
END_TEST

/* A task running in the cell (not switched out) on another CPU, paused
 * there by the check: its interrupted state is on its stack. */
START_TEST(test_kept_while_a_task_runs_inside_on_another_cpu)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	struct task_ref t = spawn_in_probe("spinning", "retire_probe_spin", false, 1);
	ck_assert(!retire(c));
	char expect[64];
	ksnprintf(expect, sizeof expect, "task %u (spinning)'s stack points to retire_probe:", task_id(t.t));
	ck_assert_why(expect);
	ck_assert_int_eq(release(&t), 42);
	ck_assert_uint_eq(swap_reap(), 1);
	assert_all_gone(before);
}
END_TEST

/* (c): a heap block's word into rodata keeps it; cleared, it goes. */
START_TEST(test_kept_while_a_heap_word_points_into_it)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	uintptr_t *block = kzalloc(8 * sizeof *block);
	block[3] = sym_addr("retire_probe_message") + 4;
	ck_assert(!retire(c));
	char expect[64];
	ksnprintf(expect, sizeof expect, "heap block %#lx+0x18 points to retire_probe:", (unsigned long)block);
	ck_assert_why(expect);
	ck_assert_uint_eq(swap_reap(), 0);
	block[3] = 0;
	ck_assert_uint_eq(swap_reap(), 1);
	kfree(block);
	assert_all_gone(before);
}
END_TEST

/* (c): another (live) cell's data word into its data keeps it. */
START_TEST(test_kept_while_another_cells_data_points_into_it)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	load("retire_holder");
	void **slot = (void **)sym_addr("retire_holder_slot");
	*slot = (void *)sym_addr("retire_probe_counter");
	ck_assert(!retire(c));
	ck_assert_why("retire_holder:");
	ck_assert_why("points to retire_probe:");
	ck_assert_uint_eq(swap_reap(), 0);
	*slot = NULL;
	ck_assert_uint_eq(swap_reap(), 1);
	unload("retire_holder");
	assert_all_gone(before);
}
END_TEST

/* (c): a word on a blocked task's stack keeps it. */
struct stack_holder {
	uintptr_t target;
	struct wait_queue wq;
	volatile bool go;
};
static struct stack_holder holder;

static bool holder_go(void *unused) { return holder.go; }

static int64_t hold_on_stack(struct stack_holder **h)
{
	volatile uintptr_t kept = (*h)->target; /* on this stack only */
	(*h)->target = 0;
	bool woke = wait_queue_wait_cond(&(*h)->wq, holder_go, NULL);
	return woke && kept;
}

START_TEST(test_kept_while_a_stack_word_points_into_it)
{
	struct world before = warm_world();
	struct cell *c = load("retire_probe");
	holder = (struct stack_holder){ .target = sym_addr("retire_probe_counter") };
	wait_queue_init(&holder.wq);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "holder";
	struct stack_holder *h = &holder;
	struct task_ref t;
	ck_assert_int_eq(TASK_SPAWN(&o, hold_on_stack, &h, &t), E_OK);
	ck_assert(idle_until(is_blocked, t.t));
	ck_assert_uint_eq(holder.target, 0);
	ck_assert(!retire(c));
	char expect[64];
	ksnprintf(expect, sizeof expect, "task %u (holder)'s stack points to retire_probe:", task_id(t.t));
	ck_assert_why(expect);
	holder.go = true;
	(void)wait_queue_wake_all(&holder.wq);
	ck_assert(idle_until(has_ended, t.t));
	int64_t v = 0;
	ck_assert_int_eq(task_join(&t, &v), E_OK);
	ck_assert_int_eq(v, 1);
	task_ref_drop(&t);
	ck_assert_uint_eq(swap_reap(), 1);
	assert_all_gone(before);
}
END_TEST

/* Two retired cells that point only at each other go together; while only
 * one was handed over, the other (withdrawn, not yet retired) counts. */
START_TEST(test_retired_cells_pointing_at_each_other_are_freed_together)
{
	struct world before = warm_world();
	struct cell *probe = load("retire_probe");
	struct cell *holder_cell = load("retire_holder");
	*(void **)sym_addr("retire_holder_slot") = (void *)sym_addr("retire_probe_counter");
	*(void **)sym_addr("retire_probe_slot") = (void *)sym_addr("retire_holder_slot");
	{
		CELLS_GUARD();
		cell_withdraw(holder_cell);
		cell_withdraw(probe);
		ck_assert(!retire_add(holder_cell));
	}
	why_of = "retire_holder";
	ck_assert_why("retire_probe:");
	why_of = "retire_probe";
	{
		CELLS_GUARD();
		ck_assert(retire_add(probe));
	}
	assert_all_gone(before);
}
END_TEST

static Suite *retire_suite(void)
{
	Suite *s = suite_create("retire");
	TCase *tc = tcase_create("retire");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_tasks, tboot_teardown_tasks);
	tcase_add_test(tc, test_freed_at_once_when_nothing_refers_to_it);
	tcase_add_test(tc, test_kept_while_a_task_blocks_inside_then_reaped);
	tcase_add_test(tc, test_freed_later_without_anyone_asking);
	tcase_add_test(tc, test_kept_while_a_heap_word_points_into_it);
	tcase_add_test(tc, test_kept_while_another_cells_data_points_into_it);
	tcase_add_test(tc, test_kept_while_a_stack_word_points_into_it);
	tcase_add_test(tc, test_retired_cells_pointing_at_each_other_are_freed_together);
	suite_add_tcase(s, tc);
	TCase *smp = tcase_create("retire_smp");
	tcase_set_timeout(smp, 60);
	tcase_add_checked_fixture(smp, tboot_setup_tasks_smp, tboot_teardown_tasks);
	tcase_add_test(smp, test_kept_while_a_task_runs_inside_on_another_cpu);
	tcase_add_test(smp, test_freed_later_without_anyone_asking);
	suite_add_tcase(s, smp);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(retire_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
