/* The example's Check test: boots the hosted nano_core in this process
 * (theseus/fixture.h), loads counter_user (which loads counter, version 1),
 * runs counter_user's loop in a task on CPU 1, swaps counter for the object
 * of version 2 while the loop calls it, and checks that every result came
 * from version 1 and then from version 2, never neither and never back,
 * that the dependency graph moved to the new cell, and that nothing leaked.
 * Each test runs in its own process (Check's fork mode): one boot each. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <theseus/fixture.h>

/* From CMakeLists.txt: the installed system cells (the scheduler), this
 * project's cells, and the new version's object, kept apart from the boot
 * images (two images exporting counter_apply would make loading
 * counter_user ambiguous). */
#ifndef SYSTEM_CELLS
#error "SYSTEM_CELLS: the installed cells (pkg-config --variable=cellsdir theseus-fixture)"
#endif

#define V1_BEFORE_SWAP 2000  /* results of version 1 seen before swapping */
#define V2_AFTER_SWAP 20000  /* results of version 2 the loop waits for */

static void boot(unsigned cpus)
{
	struct fixture_options o = { .cpus = cpus, .cell_dirs = { SYSTEM_CELLS, EXAMPLE_CELLS } };
	ck_assert_msg(fixture_boot(&o) == E_OK, "boot: %s", fixture_error());
}

static void shutdown(void) { ck_assert_msg(fixture_shutdown(), "shutdown: %s", fixture_error()); }

static int64_t *tally(const char *name)
{
	int64_t *p = fixture_symbol(name);
	ck_assert_msg(p != NULL, "%s is not exported", name);
	return p;
}

static bool v1_seen(void *n) { return __atomic_load_n((int64_t *)n, __ATOMIC_RELAXED) >= V1_BEFORE_SWAP; }

/* counter_user's only dependent-of and dependency is the one counter. */
static void assert_graph(const char *counter, const char *gone)
{
	ck_assert(fixture_loaded(counter));
	ck_assert(!fixture_loaded(gone));
	ck_assert(fixture_depends_on("counter_user", counter));
	ck_assert(!fixture_depends_on(counter, "counter_user"));
	char names[4][CELL_NAME_MAX];
	ck_assert_uint_eq(fixture_dependents(counter, names, 4), 1);
	ck_assert_str_eq(names[0], "counter_user");
	ck_assert_uint_eq(fixture_dependents(gone, names, 4), 0);
}

static bool reaper_gone(void *before)
{
	struct fixture_counters now;
	fixture_counters(&now);
	const struct fixture_counters *b = before;
	/* + 1: the waiting is done by a task of its own (fixture_wait_until). */
	return now.retired > b->retired || now.tasks <= b->tasks + 1;
}

static void assert_counters_are(const struct fixture_counters *before, const struct fixture_counters *after)
{
	ck_assert_uint_eq(after->free_frames, before->free_frames);
	ck_assert_uint_eq(after->free_pages, before->free_pages);
	ck_assert_uint_eq(after->heap_blocks, before->heap_blocks);
	ck_assert_uint_eq(after->heap_bytes, before->heap_bytes);
	ck_assert_uint_eq(after->cells, before->cells);
	ck_assert_uint_eq(after->retired, before->retired);
}

/* Loads and unloads the cells once, so that the kernel's containers (the
 * namespace's symbol map) have grown to hold them: they keep their capacity,
 * which is not a leak, and counters taken after this compare exactly. */
static void warm_up(void)
{
	ck_assert_msg(fixture_load("counter_user", NULL) == E_OK, "%s", fixture_error());
	ck_assert_msg(fixture_unload("counter_user") == E_OK, "%s", fixture_error());
	ck_assert_msg(fixture_unload("counter") == E_OK, "%s", fixture_error());
}

static void swap_while_a_task_calls(unsigned cpus)
{
	boot(cpus);
	warm_up();
	struct fixture_counters before, after;
	fixture_counters(&before);
	ck_assert_msg(fixture_load("counter_user", NULL) == E_OK, "%s", fixture_error());
	assert_graph("counter", "counter_v2");
	size_t edges = fixture_edges("counter_user", "counter");
	ck_assert_uint_gt(edges, 0);

	int64_t *v1 = tally("user_v1"), *v2 = tally("user_v2");
	struct task_ref loop;
	ck_assert_msg(fixture_spawn("user_loop", V2_AFTER_SWAP, (int)cpus - 1, &loop) == E_OK, "%s",
		      fixture_error());
	ck_assert_msg(fixture_wait_until(v1_seen, v1) == E_OK, "%s", fixture_error());
	ck_assert_int_eq(__atomic_load_n(v2, __ATOMIC_RELAXED), 0);

	struct swap_result res;
	ck_assert_msg(fixture_swap("counter", COUNTER_V2, &res) == E_OK, "swap: %s", fixture_error());
	ck_assert_int_eq(res.failed_stage, 0);
	ck_assert_uint_ge(res.sites, edges); /* every call site of counter_user was rewritten */
	ck_assert_uint_eq(res.retired + res.freed, 1); /* the old counter: kept while in use, or freed */
	/* The graph moved at once (checked before waiting for the loop, which
	 * would wait forever for version 2 if the swap did nothing): the same
	 * edges, into the new cell. */
	assert_graph("counter_v2", "counter");
	ck_assert_uint_eq(fixture_edges("counter_user", "counter_v2"), edges);

	int64_t calls = 0;
	ck_assert_msg(fixture_join(&loop, &calls) == E_OK, "the loop: %s", fixture_error());
	ck_assert_int_eq(*tally("user_wrong"), 0);
	ck_assert_int_eq(*tally("user_back"), 0);
	ck_assert_int_ge(*v1, V1_BEFORE_SWAP);
	ck_assert_int_eq(*v2, V2_AFTER_SWAP);
	ck_assert_int_eq(*v1 + *v2, calls);
	/* The state moved too: swap_cells copies same-named data, so the new
	 * counter counts on from the old one's calls; only a call that was in
	 * the old code when the swap paused the loop counted there after the
	 * copy (at most one: one task). */
	int64_t counted;
	ck_assert_msg(fixture_call("counter_calls", 0, NULL, &counted) == E_OK, "%s", fixture_error());
	ck_assert_int_le(counted, calls);
	ck_assert_int_ge(counted, calls - 1);

	int64_t r;
	int64_t x = 5;
	ck_assert_msg(fixture_call("counter_apply", 1, &x, &r) == E_OK, "%s", fixture_error());
	ck_assert_int_eq(r, 1000010);

	/* Unloaded again, everything is back, but for the old counter while it
	 * stays retired (the kernel decides when a retired cell is freed:
	 * kernel/swap/retire.c; the refused swap below checks every counter). */
	ck_assert_msg(fixture_unload("counter_user") == E_OK, "%s", fixture_error());
	ck_assert_msg(fixture_unload("counter_v2") == E_OK, "%s", fixture_error());
	size_t reaped = swap_reap();
	/* The kernel's reaper task, if a retired cell made it start, ends by
	 * itself once none is left: its stack is not a leak either. */
	ck_assert_msg(fixture_wait_until(reaper_gone, &before) == E_OK, "%s", fixture_error());
	fixture_counters(&after);
	ck_assert_uint_le(after.retired, before.retired + res.retired - reaped);
	ck_assert_uint_eq(after.cells, before.cells);
	if (after.retired == before.retired)
		assert_counters_are(&before, &after);
	shutdown();
}

START_TEST(swap_on_two_cpus) { swap_while_a_task_calls(2); }
END_TEST

START_TEST(swap_on_one_cpu) { swap_while_a_task_calls(1); }
END_TEST

/* A replacement that lacks what counter_user uses is refused, and the
 * system is as it was: counter_user still calls version 1. */
START_TEST(refused_swap_changes_nothing)
{
	boot(1);
	warm_up();
	struct fixture_counters before, after;
	fixture_counters(&before);
	ck_assert_msg(fixture_load("counter_user", NULL) == E_OK, "%s", fixture_error());
	size_t edges = fixture_edges("counter_user", "counter");
	struct swap_result res;
	ck_assert_int_ne(fixture_swap("counter", EXAMPLE_CELLS "/counter_user.o", &res), E_OK);
	ck_assert_int_eq(res.failed_stage, SWAP_VERIFY);
	ck_assert_msg(strstr(fixture_error(), "counter_apply") != NULL, "the refusal names the missing symbol: %s",
		      fixture_error());
	assert_graph("counter", "counter_v2");
	ck_assert_uint_eq(fixture_edges("counter_user", "counter"), edges);
	int64_t r, x = 5;
	ck_assert_msg(fixture_call("counter_apply", 1, &x, &r) == E_OK, "%s", fixture_error());
	ck_assert_int_eq(r, 6);
	ck_assert_msg(fixture_unload("counter_user") == E_OK, "%s", fixture_error());
	ck_assert_msg(fixture_unload("counter") == E_OK, "%s", fixture_error());
	fixture_counters(&after);
	assert_counters_are(&before, &after);
	shutdown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("counter_swap");
	TCase *tc = tcase_create("swap");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, swap_on_two_cpus);
	tcase_add_test(tc, refused_swap_changes_nothing);
	suite_add_tcase(s, tc);
	/* One CPU: the loop and the swap share it by preemption only (the loop
	 * never yields). Tagged, so the valgrind run can leave it out: under
	 * memcheck, in Check's fork mode, the spinning task is not preempted. */
	TCase *one = tcase_create("one_cpu");
	tcase_set_timeout(one, 60);
	tcase_set_tags(one, "preemption");
	tcase_add_test(one, swap_on_one_cpu);
	suite_add_tcase(s, one);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
