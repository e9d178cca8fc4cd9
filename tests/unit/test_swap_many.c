/* A cell with many dependents swapped while they are used (docs/swap.md,
 * "Case studies"): dep_lib, which ten cells use through ten kinds of
 * relocation site (dep_user0..9), is swapped for dep_lib_v2 and back
 * SWAPS times on 4 virtual CPUs while tasks on CPUs 1-3 keep calling
 * through every user and check every answer against the version that gave
 * it. After each swap the swapping task itself calls through every user:
 * each must answer with the new version (a site left unredirected answers
 * with the old one, or calls into a retired cell). dep_counter, dep_lib's
 * data, must carry every increment across the swaps (a copy that misses
 * it shows). At the end nothing is left: with the cells unloaded and the
 * old versions reaped, no cell is retired and frames, pages, heap and cells
 * are as before. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "hmap.h"
#include "ktime.h"
#include "swap.h"
#include "task.h"
#include "tboot.h"
#include "cells/dep_lib/dep_lib.h"

#include <valgrind/valgrind.h>
/* Under memcheck the vCPUs take turns and a swap costs ~50x more. */
#define SWAPS (RUNNING_ON_VALGRIND ? 100 : 1000)
#define CALLERS 3

struct caller {
	uint64_t rounds, calls, wrong, changes, by_version[3], user8_calls;
	int64_t last_version;
	unsigned first_wrong_user;
	int64_t first_wrong_x;
	struct dep_answer first_wrong;
};

static struct {
	dep_apply_fn *user[DEP_USERS];
	int stop;
	struct caller callers[CALLERS];
	unsigned swaps_done, stale_after_swap;
	char failure[3072];
} m;

static void check_answer(struct caller *c, unsigned u, int64_t x, struct dep_answer a)
{
	bool known = a.version == 1 || a.version == 2;
	c->calls++;
	c->by_version[known ? a.version : 0]++;
	if (!known || a.value != dep_expected(a.version, x)) {
		if (!c->wrong++) {
			c->first_wrong_user = u;
			c->first_wrong_x = x;
			c->first_wrong = a;
		}
		return;
	}
	if (c->last_version && c->last_version != a.version)
		c->changes++;
	c->last_version = a.version;
}

static int64_t call_through_users(struct caller **cp)
{
	struct caller *c = *cp; /* the spawn copied the pointer, not the record */
	for (int64_t x = 1; !__atomic_load_n(&m.stop, __ATOMIC_ACQUIRE); x++) {
		for (unsigned u = 0; u < DEP_USERS; u++) {
			int64_t arg = x * DEP_USERS + u;
			check_answer(c, u, arg, m.user[u](arg));
		}
		c->user8_calls++;
		__atomic_store_n(&c->rounds, c->rounds + 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int64_t counter(void) { return *(volatile int64_t *)ns_resolve(ns_root(), "dep_counter")->addr; }

/* Swaps old for new; the answer of every user must be new's version. */
static bool swap_once(const char *old, const char *new, int64_t version)
{
	struct swap_result res;
	err_t e = swap_one(old, new, NULL, 0, &res);
	if (e || res.sites != DEP_USERS + 1 || res.edges != DEP_USERS + 1 || res.copied != 1 ||
	    res.retired + res.freed != 1) {
		char line[256];
		swap_result_format(&res, line, sizeof line);
		snprintf(m.failure, sizeof m.failure, "swap %u, %s -> %s: %s: %s %s", m.swaps_done, old, new,
			 err_name(e), line, res.problems);
		return false;
	}
	for (unsigned u = 0; u < DEP_USERS; u++)
		if (m.user[u](5).version != version)
			m.stale_after_swap++;
	return true;
}

/* Until every caller has made a round more than when called. */
static void let_callers_run(void)
{
	uint64_t seen[CALLERS];
	for (int i = 0; i < CALLERS; i++)
		seen[i] = __atomic_load_n(&m.callers[i].rounds, __ATOMIC_ACQUIRE);
	for (int i = 0; i < CALLERS; i++)
		while (__atomic_load_n(&m.callers[i].rounds, __ATOMIC_ACQUIRE) <= seen[i] + 1)
			(void)task_yield();
}

static int64_t swap_back_and_forth(void *unused)
{
	(void)unused;
	struct task_ref t[CALLERS];
	for (int i = 0; i < CALLERS; i++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.cpu = i + 1;
		struct caller *c = &m.callers[i];
		T_CHECK(TASK_SPAWN(&o, call_through_users, &c, &t[i]) == E_OK);
	}
	let_callers_run();
	int64_t count = counter();
	for (m.swaps_done = 0; m.swaps_done < SWAPS; m.swaps_done++) {
		bool forth = m.swaps_done % 2 == 0;
		if (!swap_once(forth ? "dep_lib" : "dep_lib_v2", forth ? "dep_lib_v2" : "dep_lib", forth ? 2 : 1))
			break;
		int64_t now = counter(); /* the copy carried every increment over */
		T_CHECK(now >= count);
		count = now;
		let_callers_run();
	}
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < CALLERS; i++) {
		int64_t v = -1;
		T_CHECK(task_join(&t[i], &v) == E_OK && v == 0);
		task_ref_drop(&t[i]);
	}
	return 0;
}

static void load_all(void)
{
	load("dep_lib");
	for (unsigned u = 0; u < DEP_USERS; u++) {
		char name[16];
		snprintf(name, sizeof name, "dep_user%u", u);
		load(name);
		m.user[u] = (dep_apply_fn *)sym_addr(name);
	}
}

static void unload_all_dep_cells(void)
{
	for (unsigned u = 0; u < DEP_USERS; u++) {
		char name[16];
		snprintf(name, sizeof name, "dep_user%u", u);
		unload(name);
	}
	unload(SWAPS % 2 ? "dep_lib_v2" : "dep_lib");
}

/* Until no more tasks are alive than *before and this one (a kernel task
 * that frees retired cells may still be ending), for at most 2 s. */
static int64_t tasks_settle(size_t *before)
{
	uint64_t deadline = time_ns() + 2000000000ull;
	struct task_stats t;
	for (task_stats(&t); t.alive > *before + 1 && time_ns() < deadline; task_stats(&t))
		(void)task_sleep_ns(10000000);
	return (int64_t)t.alive - (int64_t)*before - 1;
}

START_TEST(test_many_dependents_swapped_while_called)
{
	ck_assert_uint_eq(tasks_cpus(), 4);
	/* A swap makes room in the namespace's symbol map for the new exports
	 * (stage 2), and the map keeps its size: room made here first, that
	 * capacity is not counted as something the swaps left behind. */
	{
		CELLS_GUARD();
		ck_assert_int_eq(hmap_reserve(&ns_root()->symbols, 64), E_OK);
	}
	struct task_stats tasks_before;
	task_stats(&tasks_before);
	struct world before = world_now();
	load_all();
	RUN_IN_TASK(swap_back_and_forth, NULL);
	ck_assert_msg(!m.failure[0], "%s", m.failure);
	ck_assert_uint_eq(m.swaps_done, SWAPS);
	ck_assert_uint_eq(m.stale_after_swap, 0);
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), SWAPS % 2 ? "dep_lib_v2" : "dep_lib"));
	uint64_t user8_calls = 0;
	for (int i = 0; i < CALLERS; i++) {
		struct caller *c = &m.callers[i];
		fprintf(stderr, "caller %d: %llu calls (v1 %llu, v2 %llu), %llu version changes seen\n", i,
			(unsigned long long)c->calls, (unsigned long long)c->by_version[1],
			(unsigned long long)c->by_version[2], (unsigned long long)c->changes);
		ck_assert_msg(!c->wrong, "caller %d: %llu wrong answers; first: dep_user%u(%lld) = %lld as version %lld", i,
			      (unsigned long long)c->wrong, c->first_wrong_user, (long long)c->first_wrong_x,
			      (long long)c->first_wrong.value, (long long)c->first_wrong.version);
		ck_assert_uint_eq(c->by_version[0], 0);
		/* every caller made a round after every swap: it saw each version */
		ck_assert_uint_ge(c->changes, SWAPS);
		user8_calls += c->user8_calls;
	}
	/* Each round of a caller, and the check after each swap, counted once
	 * in dep_counter, whichever version held it: no copy lost one. */
	ck_assert_int_eq(counter(), (int64_t)(user8_calls + SWAPS));
	unload_all_dep_cells();
	swap_reap();
	ck_assert_uint_eq(swap_retired_count(), 0);
	ck_assert_int_eq(RUN_IN_TASK(tasks_settle, &tasks_before.alive), 0);
	assert_world_is(before, "after the swaps, every dep cell unloaded and the old versions reaped");
}
END_TEST

static void setup(void)
{
	tboot_setup_tasks_smp();
	m = (typeof(m)){ 0 };
}

static Suite *swap_many_suite(void)
{
	Suite *s = suite_create("swap_many");
	TCase *tc = tcase_create("many dependents");
	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, setup, tboot_teardown_tasks);
	tcase_add_test(tc, test_many_dependents_swapped_while_called);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(swap_many_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
