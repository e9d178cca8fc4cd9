/* Recovery stage 4 (kernel/fault/reload.c, docs/faults.md): a restartable
 * task whose fault recurs after stage 3 gets the faulting cell reloaded
 * from its object at a new address and completes there; the task's entry
 * moves into the new load when it lay in the old one; a dependent's calls
 * are redirected; a one-shot task never gets there; a reload that fails
 * reboots at once; and the fault log's chain follows a cell across a
 * reload, so a fault the reload does not cure goes on to reboot. The code
 * is corrupted as the `rot` cell does: ud2 written over faulty_text_value
 * through cell_text_patch. Machine faults cannot run clean under memcheck
 * (docs/faults.md): there those tests return at once. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "fault.h"
#include "hosted.h"
#include "kernel/fault/fault_internal.h"
#include "kernel/task/task_internal.h"
#include "swap.h"
#include "task.h"
#include "tboot.h"

#include <valgrind/valgrind.h>

static struct cell *load(const char *name)
{
	struct cell *c = NULL;
	struct cell_diag d;
	ck_assert_int_eq(cell_load(ns_root(), name, &c, &d), E_OK);
	return c;
}

static void rot(const char *symbol)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	const struct cell_symbol *s = ns_resolve(ns_root(), symbol);
	ck_assert_ptr_nonnull(s);
	struct cell_diag d;
	ck_assert_int_eq(cell_text_patch((void *)s->addr, ud2, sizeof ud2, &d), E_OK);
}

static bool ended(void *t)
{
	enum task_state s = task_state(t);
	return s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED;
}

/* Runs the app entry of cell c as a task on CPU 0 (restartable or not),
 * given n; returns its result (-1 if it failed) and, in *entry, where its
 * entry was when it ended. */
static int64_t run_entry(struct cell *c, bool restartable, int64_t n, uintptr_t *entry)
{
	app_entry_fn *fn;
	ck_assert_int_eq(cell_app_entry(c, &fn), E_OK);
	struct app_args args = { 1, { n } };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	o.restartable = restartable;
	struct task_ref t;
	ck_assert_int_eq(task_spawn_raw(&o, (task_entry_fn)fn, &args, sizeof args, &t), E_OK);
	sched_idle_until(ended, t.t);
	*entry = (uintptr_t)t.t->entry;
	int64_t v = -1;
	err_t e = task_join(&t, &v);
	task_ref_drop(&t);
	return e ? -1 : v;
}

struct log_copy {
	size_t n;
	struct fault_record r[8];
};

static void copy_one(const struct fault_record *r, void *arg)
{
	struct log_copy *l = arg;
	if (l->n < 8)
		l->r[l->n++] = *r;
}

static void log_copy(struct log_copy *l)
{
	l->n = 0;
	fault_log_for_each(copy_one, l);
}

static bool in_text(const struct cell *c, uintptr_t a) { return a >= mp_start(&c->text.m) && a - mp_start(&c->text.m) < mp_size(&c->text.m); }

/* Restarted (2), data reinitialised (3), reloaded (4): the records of one
 * chain, the last saying from where to where. */
static void assert_escalation(const struct log_copy *l, uintptr_t from, const struct cell *now)
{
	static const enum fault_action want[] = { ACTION_RESTARTED, ACTION_DATA_REINIT, ACTION_RELOADED };
	ck_assert_uint_eq(l->n, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(l->r[i].action, want[i]);
		ck_assert_uint_eq(l->r[i].recurrence, i);
		ck_assert_int_eq(l->r[i].machine, MACHINE_FAULT_ILLEGAL);
		ck_assert_uint_eq(l->r[i].task_id, l->r[0].task_id);
	}
	ck_assert_uint_eq(l->r[2].reload_from, from);
	ck_assert_uint_eq(l->r[2].reload_to, mp_start(&now->text.m));
	ck_assert_uint_ne(l->r[2].reload_to, from);
	ck_assert_uint_gt(l->r[2].downtime_ns, 0);
	ck_assert_ptr_nonnull(strstr(l->r[2].detail, "faulty_text reloaded from 0x"));
}

static int64_t value_now(const char *symbol, int64_t n)
{
	return ((int64_t(*)(int64_t))ns_resolve(ns_root(), symbol)->addr)(n);
}

/* The task's entry is in the very cell that is reloaded: the task
 * restarts at the same function of the new load, which holds it now. */
START_TEST(test_stage4_reloads_the_entry_cell_and_the_task_completes)
{
	if (RUNNING_ON_VALGRIND)
		return;
	struct cell *c = load("faulty_text");
	uint64_t old_instance = c->instance;
	uintptr_t from = mp_start(&c->text.m);
	rot("faulty_text_value");
	uintptr_t entry;
	ck_assert_int_eq(run_entry(c, true, 5, &entry), 11);
	struct cell *now = ns_find_cell(ns_root(), "faulty_text");
	ck_assert_ptr_nonnull(now);
	ck_assert_uint_ne(now->instance, old_instance);
	ck_assert(in_text(now, entry));
	ck_assert_uint_eq(now->task_refs, 0); /* the ended task let go of the new load */
	struct log_copy l;
	log_copy(&l);
	assert_escalation(&l, from, now);
	ck_assert_int_eq(value_now("faulty_text_value", 20), 41); /* fresh code */
}
END_TEST

static bool depends_on(const struct cell *user, const struct cell *lib)
{
	const struct cell *v[16];
	size_t n = cell_dependencies(user, v, 16);
	for (size_t i = 0; i < n; i++)
		if (v[i] == lib)
			return true;
	return false;
}

/* The fault lies in a cell the task's entry cell calls: that cell is the
 * one reloaded, the caller's edges move to the new load, and the entry
 * stays where it was. */
START_TEST(test_stage4_reloads_the_faulting_cell_and_redirects_its_dependents)
{
	if (RUNNING_ON_VALGRIND)
		return;
	struct cell *user = load("faulty_text_user");
	struct cell *lib = ns_find_cell(ns_root(), "faulty_text");
	uintptr_t from = mp_start(&lib->text.m), entry;
	rot("faulty_text_value");
	ck_assert_int_eq(run_entry(user, true, 5, &entry), 111);
	ck_assert(in_text(user, entry));
	struct cell *now = ns_find_cell(ns_root(), "faulty_text");
	ck_assert_ptr_ne(now, lib);
	ck_assert(depends_on(user, now));
	struct log_copy l;
	log_copy(&l);
	assert_escalation(&l, from, now);
	ck_assert_int_eq(value_now("faulty_text_user_value", 1), 103);
}
END_TEST

/* A one-shot task faults once and ends: no chain, no reload. */
START_TEST(test_a_one_shot_task_never_reaches_stage4)
{
	if (RUNNING_ON_VALGRIND)
		return;
	struct cell *c = load("faulty_text");
	uint64_t instance = c->instance;
	rot("faulty_text_value");
	uintptr_t entry;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(run_entry(c, false, 5, &entry), -1);
	ck_assert_ptr_eq(ns_find_cell(ns_root(), "faulty_text"), c);
	ck_assert_uint_eq(c->instance, instance);
	struct log_copy l;
	log_copy(&l);
	ck_assert_uint_eq(l.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_int_eq(l.r[i].action, ACTION_UNWOUND);
		ck_assert_uint_eq(l.r[i].recurrence, 0);
	}
}
END_TEST

/* --- a reload that fails ------------------------------------------------------ */

static int (*volatile corrupted)(int64_t);
static volatile unsigned worker_runs;

/* Faults in the corrupted cell on its first three runs; a fourth run (a
 * plain restart after the failed reload, which must not happen) returns. */
static int64_t fault_three_times(void *unused)
{
	(void)unused;
	if (++worker_runs > 3)
		return 0;
	return corrupted(1);
}

/* faulty_text loaded from bytes (the cell owns its copy of the object),
 * that copy then corrupted: stage 4's load of it fails, and the machine
 * reboots at that fault, the third, not after a fourth. */
START_TEST(test_a_failed_reload_reboots)
{
	if (RUNNING_ON_VALGRIND)
		exit(FAULT_EXIT_REBOOT);
	const struct cell_image *img = cell_image_find("faulty_text");
	ck_assert_ptr_nonnull(img);
	struct cell *c;
	struct cell_diag d;
	ck_assert_int_eq(cell_load_image(ns_root(), img->addr, img->size, &c, &d), E_OK);
	ck_assert_ptr_nonnull(c->object_owned);
	memset(c->object_owned, 0, 64); /* no ELF header any more */
	rot("faulty_text_value");
	corrupted = (int (*)(int64_t))ns_resolve(ns_root(), "faulty_text_value")->addr;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	o.restartable = true;
	struct task_ref t;
	ck_assert_int_eq(task_spawn_raw(&o, (task_entry_fn)fault_three_times, NULL, 0, &t), E_OK);
	sched_idle_until(ended, t.t);
	ck_abort_msg("the machine went on after a failed reload (%u runs)", worker_runs);
}
END_TEST

/* --- the chain across a reload --------------------------------------------- */

static unsigned recur[4];

/* Two faults at one place of faulty, a reload of the cell, then the same
 * place in the new load: the third and fourth are the same chain. */
static int64_t fault_across_stage4(void *unused)
{
	(void)unused;
	struct cell_diag d;
	struct cell *c = NULL;
	T_CHECK(cell_load(ns_root(), "faulty", &c, &d) == E_OK);
	if (!c)
		return -1;
	uintptr_t pc = ns_resolve(ns_root(), "fault_null")->addr + 7;
	uint64_t old = c->instance;
	recur[0] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	recur[1] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, pc, 0, NULL)->recurrence;
	struct swap_result res;
	T_CHECK(swap_reload(c, &res) == E_OK);
	struct cell *now = ns_find_cell(ns_root(), "faulty");
	T_CHECK(now && now->instance != old);
	if (!now)
		return -1;
	fault_note_reload(old, now->instance);
	uintptr_t moved = ns_resolve(ns_root(), "fault_null")->addr + 7;
	T_CHECK(moved != pc);
	recur[2] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, moved, 0, NULL)->recurrence;
	recur[3] = fault_record(FAULT_MACHINE, MACHINE_FAULT_PAGE, moved + 1, 0, NULL)->recurrence;
	return 0;
}

START_TEST(test_the_chain_follows_a_cell_across_its_reload)
{
	RUN_IN_TASK(fault_across_stage4, NULL);
	ck_assert_uint_eq(recur[0], 0);
	ck_assert_uint_eq(recur[1], 1);
	ck_assert_uint_eq(recur[2], 2); /* the reload did not start a new chain */
	ck_assert_uint_eq(recur[3], 0); /* another place is another chain */
}
END_TEST

static void setup_faults(void)
{
	tboot_setup_tasks();
	hosted_fault_init();
	fault_init();
}

static Suite *reload_suite(void)
{
	Suite *s = suite_create("fault_reload");
	TCase *stage4 = tcase_create("stage 4");
	tcase_set_timeout(stage4, 30);
	tcase_add_checked_fixture(stage4, setup_faults, tboot_teardown_tasks);
	tcase_add_test(stage4, test_stage4_reloads_the_entry_cell_and_the_task_completes);
	tcase_add_test(stage4, test_stage4_reloads_the_faulting_cell_and_redirects_its_dependents);
	tcase_add_test(stage4, test_a_one_shot_task_never_reaches_stage4);
	tcase_add_exit_test(stage4, test_a_failed_reload_reboots, FAULT_EXIT_REBOOT);
	tcase_add_test(stage4, test_the_chain_follows_a_cell_across_its_reload);
	suite_add_tcase(s, stage4);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(reload_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
