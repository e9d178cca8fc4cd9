/* The cell system's concurrency rule under load (docs/concurrency.md), on
 * 4 virtual CPUs: CPU 0 loads and unloads a cell in an app namespace round
 * after round, while CPU 1 makes tasks fault and panic in another loaded
 * cell (the fault log and the unwinder search the address index and the
 * unwind tables the loads change), CPU 2 looks up addresses inside the cell
 * being unloaded from lock-free read sections, and CPU 3 spawns and joins
 * tasks (a spawn takes a reference on its entry cell under the cells lock).
 * Without the grace-period wait an unload frees what a reader still holds:
 * memcheck reports the reads, natively the reader faults on the unmapped
 * text (the machine stops). Also: a fault in a cell of an app namespace is
 * named in the fault log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "fault.h"
#include "hal_cpu.h"
#include "heap.h"
#include "hosted.h"
#include "mm.h"
#include "task.h"
#include "tboot.h"
#include "unwind.h"

#include <valgrind/valgrind.h>
/* Under memcheck machine faults cannot run clean (docs/faults.md): the
 * faulting tasks only panic there, and fewer rounds run (~50x slower). */
#define ROUNDS (RUNNING_ON_VALGRIND ? 300 : 2500)

struct world {
	struct namespace *app;
	int (*fault_null)(void);
	int (*fault_panic)(void);
	uintptr_t target; /* hello_main in the churned cell, for the reader */
	int stop;
	/* counts */
	unsigned rounds, faults, panics, failed_joins, cleanups, reads_hit, reads_missed, torn, spawned, joined;
};

static struct world w;

static void count_cleanup(int *unused)
{
	(void)unused;
	__atomic_add_fetch(&w.cleanups, 1, __ATOMIC_RELAXED);
}

/* A task that fails inside the faulty cell; its cleanup must run. */
static int64_t fail_in_cell(struct world *x)
{
	int guard CLEANUP(count_cleanup) = 0;
	(void)x;
	bool machine = !RUNNING_ON_VALGRIND && (__atomic_load_n(&w.faults, __ATOMIC_RELAXED) & 1);
	return machine ? w.fault_null() : w.fault_panic();
}

static int64_t faulter(struct world *x)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 1;
	while (!__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE)) {
		struct task_ref t;
		if (TASK_SPAWN(&o, fail_in_cell, x, &t) != E_OK) {
			T_CHECK(!"spawn of a failing task");
			return -1;
		}
		__atomic_add_fetch(&w.faults, 1, __ATOMIC_RELAXED);
		int64_t v;
		if (task_join(&t, &v) == E_FAILED)
			w.failed_joins++;
		task_ref_drop(&t);
		/* At most one a round: each prints a report. */
		unsigned r = __atomic_load_n(&w.rounds, __ATOMIC_ACQUIRE);
		while (r == __atomic_load_n(&w.rounds, __ATOMIC_ACQUIRE) && !__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause();
	}
	return 0;
}

/* What the lookups return must hang together (the section is one of its
 * cell's, the symbol one of the section's, the names readable) and the
 * section's bytes and .eh_frame must still be mapped: the cell cannot be
 * freed under the read section. (The address may meanwhile belong to
 * another load of hello, placed elsewhere: names are not compared.) */
static bool check_target(uintptr_t addr)
{
	CELLS_READ_GUARD();
	const struct cell_section *s = cell_section_at(addr);
	if (!s)
		return false;
	const struct cell *c = s->cell;
	const struct cell_symbol *y = cell_symbol_at(addr);
	bool ok = s >= c->sections && s < c->sections + c->n_sections && strlen(c->name) && s->name[0] == '.' &&
		  (!y || (y->section == s && strlen(y->name))) && addr - s->addr < MAX(s->size, 1);
	/* Stay a while, reading the cell's memory, so that an unload that did
	 * not wait for this read section unmaps it under these reads. */
	for (int i = 0; ok && i < 1024; i++)
		ok = (*(volatile const uint8_t *)addr | 1) && c->name[0];
	/* An unload unpublishes the index entry and the unwind table one after
	 * the other, so the table may be gone already; if found, it is the
	 * cell's, and its bytes are readable. */
	struct unwind_fde fde;
	if (ok && unwind_find_fde(addr, &fde))
		ok = fde.pc_begin <= addr && addr < fde.pc_end && (*(volatile const uint8_t *)fde.fde_insns | 1);
	if (!ok)
		__atomic_add_fetch(&w.torn, 1, __ATOMIC_RELAXED);
	return true;
}

static int64_t reader(struct world *x)
{
	(void)x;
	while (!__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE)) {
		uintptr_t addr = __atomic_load_n(&w.target, __ATOMIC_ACQUIRE);
		if (!addr)
			continue;
		if (check_target(addr))
			__atomic_add_fetch(&w.reads_hit, 1, __ATOMIC_RELEASE);
		else
			w.reads_missed++;
		/* Outside the read section for a moment: the vCPUs are host
		 * threads, and a writer's grace period lasts until the host runs a
		 * reader it preempted inside one. */
		for (int i = 0; i < 32; i++)
			__builtin_ia32_pause();
	}
	return 0;
}

static int64_t seven(struct world *x)
{
	(void)x;
	return 7;
}

static int64_t spawner(struct world *x)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 3;
	while (!__atomic_load_n(&w.stop, __ATOMIC_ACQUIRE)) {
		struct task_ref t;
		if (TASK_SPAWN(&o, seven, x, &t) != E_OK) {
			T_CHECK(!"spawn");
			return -1;
		}
		w.spawned++;
		int64_t v = 0;
		if (task_join(&t, &v) == E_OK && v == 7)
			w.joined++;
		task_ref_drop(&t);
	}
	return 0;
}

static size_t cells_in(const struct namespace *ns)
{
	CELLS_GUARD();
	size_t n = 0;
	const struct list *pos;
	list_for_each(pos, &ns->cells)
		n++;
	return n;
}

/* One round: load hello into the app namespace, let the reader see it, unload it. */
static bool churn_once(void)
{
	struct cell *c;
	struct cell_diag d;
	if (cell_load(w.app, "hello", &c, &d) != E_OK)
		return false;
	const struct cell_symbol *s = ns_resolve(w.app, "hello_main");
	__atomic_store_n(&w.target, s ? s->addr : 0, __ATOMIC_RELEASE);
	/* Unload while the reader is at it: wait (a bounded while) for it to see the cell. */
	unsigned seen = __atomic_load_n(&w.reads_hit, __ATOMIC_ACQUIRE);
	for (int i = 0; i < 20000 && __atomic_load_n(&w.reads_hit, __ATOMIC_ACQUIRE) == seen; i++)
		__builtin_ia32_pause();
	return cell_unload(c, &d) == E_OK;
}

static int64_t drive(void *unused)
{
	(void)unused;
	struct cell *faulty;
	struct cell_diag d;
	T_CHECK(cell_load(ns_root(), "faulty", &faulty, &d) == E_OK);
	T_CHECK(ns_create("stress", ns_root(), &w.app) == E_OK);
	w.fault_null = (int (*)(void))ns_resolve(ns_root(), "fault_null")->addr;
	w.fault_panic = (int (*)(void))ns_resolve(ns_root(), "fault_panic")->addr;
	size_t root_before = cells_in(ns_root());
	struct task_ref t[3];
	int64_t (*const roles[3])(struct world *) = { faulter, reader, spawner };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	for (int i = 0; i < 3; i++) {
		o.cpu = i + 1;
		T_CHECK(TASK_SPAWN(&o, *roles[i], &w, &t[i]) == E_OK);
	}
	while (w.rounds < ROUNDS && churn_once()) {
		__atomic_add_fetch(&w.rounds, 1, __ATOMIC_RELEASE);
		/* The cells lock is not fair: leave the others a moment to spawn. */
		for (int i = 0; i < 2000; i++)
			__builtin_ia32_pause();
	}
	__atomic_store_n(&w.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 3; i++) {
		int64_t v = -1;
		T_CHECK(task_join(&t[i], &v) == E_OK && v == 0);
		task_ref_drop(&t[i]);
	}
	T_CHECK(cells_in(w.app) == 0);
	T_CHECK(cells_in(ns_root()) == root_before);
	ns_destroy(w.app);
	T_CHECK(cell_unload(faulty, &d) == E_OK);
	return 0;
}

START_TEST(test_loads_and_unloads_race_faults_lookups_and_spawns)
{
	ck_assert_uint_eq(tasks_cpus(), 4);
	/* The root namespace's symbol map grows the first time faulty's
	 * exports join it and keeps its size: a warm-up, not a leak. */
	struct cell *warm;
	struct cell_diag d;
	ck_assert_int_eq(cell_load(ns_root(), "faulty", &warm, &d), E_OK);
	ck_assert_int_eq(cell_unload(warm, &d), E_OK);
	struct heap_stats before, after;
	size_t frames_before = frames_free_count();
	heap_stats(&before);
	RUN_IN_TASK(drive, NULL);
	fprintf(stderr, "stress: %u rounds, %u failing tasks (%u cleanups), %u lookups hit, %u missed, %u spawned\n",
		w.rounds, w.faults, w.cleanups, w.reads_hit, w.reads_missed, w.spawned);
	ck_assert_uint_eq(w.rounds, ROUNDS);
	ck_assert_uint_gt(w.faults, 0);
	ck_assert_uint_eq(w.failed_joins, w.faults);   /* every failing task was recovered and joined */
	ck_assert_uint_eq(w.cleanups, w.faults);       /* and its cleanup ran */
	ck_assert_uint_gt(fault_log_count(), 0); /* (a ring: the last ones) */
	ck_assert_uint_gt(w.reads_hit, 0);
	ck_assert_uint_eq(w.torn, 0);
	ck_assert_uint_gt(w.spawned, 0);
	ck_assert_uint_eq(w.joined, w.spawned);
	heap_stats(&after);
	ck_assert_uint_eq(after.live_blocks, before.live_blocks);
	ck_assert_uint_eq(after.live_bytes, before.live_bytes);
	heap_trim();
	ck_assert_uint_eq(frames_free_count(), frames_before);
}
END_TEST

/* --- a fault in an app namespace's cell is named in the fault log ------------------ */
static char where[FAULT_WHERE_MAX];

static int64_t fault_in_app_ns(struct world *x)
{
	(void)x;
	return w.fault_null();
}

static void last_where(const struct fault_record *r, void *arg)
{
	(void)arg;
	strlcpy(where, r->where, sizeof where);
}

static int64_t fault_in_a_namespace(void *unused)
{
	(void)unused;
	struct cell *c;
	struct cell_diag d;
	T_CHECK(ns_create("app", ns_root(), &w.app) == E_OK);
	T_CHECK(cell_load(w.app, "faulty", &c, &d) == E_OK);
	T_CHECK(ns_find_cell(ns_root(), "faulty") == NULL); /* only in the app namespace */
	w.fault_null = (int (*)(void))ns_resolve(w.app, "fault_null")->addr;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.ns = w.app;
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, fault_in_app_ns, &w, &t) == E_OK);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_FAILED);
	task_ref_drop(&t);
	fault_log_for_each(last_where, NULL);
	T_CHECK(cell_unload(c, &d) == E_OK);
	ns_destroy(w.app);
	return 0;
}

START_TEST(test_a_fault_in_an_app_namespace_cell_is_named_in_the_fault_log)
{
	if (RUNNING_ON_VALGRIND)
		return; /* a machine fault (docs/faults.md) */
	RUN_IN_TASK(fault_in_a_namespace, NULL);
	ck_assert_uint_eq(fault_log_count(), 1);
	ck_assert_msg(str_starts_with(where, "faulty:.text.fault_null+0x") && strstr(where, " (fault_null+0x"),
		      "fault log: %s", where);
}
END_TEST

static void setup(void)
{
	tboot_setup_tasks_smp();
	hosted_fault_init();
	fault_init();
	w = (struct world){ 0 };
}

static Suite *stress_suite(void)
{
	Suite *s = suite_create("cell_stress");
	TCase *tc = tcase_create("concurrency rule");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, tboot_teardown_tasks);
	tcase_add_test(tc, test_loads_and_unloads_race_faults_lookups_and_spawns);
	tcase_add_test(tc, test_a_fault_in_an_app_namespace_cell_is_named_in_the_fault_log);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stress_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
