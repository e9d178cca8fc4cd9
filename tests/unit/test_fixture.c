/* The test fixture (tools/fixture, docs/fixture.md) as its users meet it,
 * over the build's cells: refused options and a second boot, loading and
 * the graph, calls and apps in tasks, a fault in a called function, a swap
 * whose object cannot be read, and the counters after load and unload.
 * Each test boots its own machine (Check's fork mode: one process each).
 * The swap under load is the example's test (tools/example, run against
 * the installed prefix by install.example). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "fixture.h"

static const struct fixture_options two_cpus = { .cpus = 2, .cell_dirs = { THESEUS_CELL_DIR } };

static void boot(const struct fixture_options *o)
{
	ck_assert_msg(fixture_boot(o) == E_OK, "boot: %s", fixture_error());
}

static void shutdown(void) { ck_assert_msg(fixture_shutdown(), "shutdown: %s", fixture_error()); }

#define ASSERT_ERROR_SAYS(text) \
	ck_assert_msg(strstr(fixture_error(), (text)) != NULL, "error '%s' does not say '%s'", fixture_error(), (text))

START_TEST(test_bad_options_are_refused_and_a_second_boot_too)
{
	struct fixture_options none = { .cpus = 1 };
	ck_assert_int_eq(fixture_boot(&none), E_INVAL);
	ASSERT_ERROR_SAYS("no cell directory");
	struct fixture_options many = { .cpus = 17, .cell_dirs = { THESEUS_CELL_DIR } };
	ck_assert_int_eq(fixture_boot(&many), E_INVAL);
	ASSERT_ERROR_SAYS("cpus: at most 16");
	struct fixture_options five = { .cell_dirs = { THESEUS_CELL_DIR, THESEUS_CELL_DIR, THESEUS_CELL_DIR,
						       THESEUS_CELL_DIR, THESEUS_CELL_DIR } };
	ck_assert_int_eq(fixture_boot(&five), E_INVAL);
	ASSERT_ERROR_SAYS("at most 4 cell directories");
	boot(&two_cpus); /* refused options did not use up the one boot */
	ck_assert_int_eq(fixture_boot(&two_cpus), E_EXISTS);
	ASSERT_ERROR_SAYS("once per process");
	shutdown();
	ck_assert(!fixture_shutdown());
	ck_assert_int_eq(fixture_boot(&two_cpus), E_EXISTS);
}
END_TEST

START_TEST(test_a_missing_cell_directory_is_named)
{
	struct fixture_options o = { .cell_dirs = { THESEUS_CELL_DIR, "/nonexistent/cells" } };
	ck_assert_int_eq(fixture_boot(&o), E_NOTFOUND);
	ASSERT_ERROR_SAYS("cell directory /nonexistent/cells cannot be read");
}
END_TEST

START_TEST(test_load_and_the_graph)
{
	boot(&two_cpus);
	/* once, so the symbol map has grown to hold them (it keeps its capacity) */
	static const char *const order[] = { "chain_a", "chain_b", "chain_c" };
	ck_assert_msg(fixture_load("chain_a", NULL) == E_OK, "%s", fixture_error());
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(fixture_unload(order[i]) == E_OK, "%s", fixture_error());
	struct fixture_counters before, after;
	fixture_counters(&before);
	ck_assert_int_eq(before.retired, 0);
	ck_assert_int_eq(fixture_load("no_such_cell", NULL), E_NOTFOUND);
	ASSERT_ERROR_SAYS("no_such_cell");
	struct cell *a = NULL;
	ck_assert_msg(fixture_load("chain_a", &a) == E_OK, "%s", fixture_error());
	ck_assert_str_eq(a->name, "chain_a");
	ck_assert(fixture_loaded("chain_b") && fixture_loaded("chain_c"));
	ck_assert(fixture_depends_on("chain_a", "chain_b"));
	ck_assert(!fixture_depends_on("chain_a", "chain_c")); /* only through chain_b */
	ck_assert(!fixture_depends_on("chain_b", "chain_a"));
	/* three call sites (`deps chain_a` lists them), and kprintf's in the nano_core */
	ck_assert_uint_eq(fixture_edges("chain_a", "chain_b"), 3);
	ck_assert_uint_eq(fixture_edges("chain_a", "nano_core_lib"), 1);
	char names[2][CELL_NAME_MAX];
	ck_assert_uint_eq(fixture_dependents("chain_c", names, 2), 1);
	ck_assert_str_eq(names[0], "chain_b");
	ck_assert_uint_eq(fixture_dependents("chain_a", names, 2), 0);
	ck_assert_ptr_nonnull(fixture_symbol("chain_b_value"));
	ck_assert_ptr_null(fixture_symbol("no_such_symbol"));
	ck_assert_int_eq(fixture_unload("chain_b"), E_DEPENDED_ON);
	ASSERT_ERROR_SAYS("chain_a");
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(fixture_unload(order[i]) == E_OK, "%s", fixture_error());
	ck_assert_int_eq(fixture_unload("chain_a"), E_NOTFOUND);
	fixture_counters(&after);
	ck_assert_mem_eq(&after, &before, sizeof before);
	shutdown();
}
END_TEST

START_TEST(test_calls_apps_and_a_fault)
{
	boot(&two_cpus);
	ck_assert_msg(fixture_load("chain_a", NULL) == E_OK, "%s", fixture_error());
	int64_t r = 0, x = 3;
	ck_assert_msg(fixture_call("chain_a_main", 1, &x, &r) == E_OK, "%s", fixture_error());
	ck_assert_int_eq((int)r, 20); /* an int function: the low half is its result */
	int64_t seven[7] = { 0 };
	ck_assert_int_eq(fixture_call("chain_a_main", 7, seven, &r), E_TOOBIG);
	ck_assert_int_eq(fixture_call("no_such_symbol", 0, NULL, &r), E_NOTFOUND);
	ASSERT_ERROR_SAYS("no_such_symbol");

	/* a panic or a machine fault in the called function fails its task, not
	 * the test process (a machine fault is itself an invalid access to
	 * memcheck: docs/faults.md, so not under valgrind) */
	ck_assert_msg(fixture_load("faulty", NULL) == E_OK, "%s", fixture_error());
	ck_assert_int_eq(fixture_call("fault_panic", 0, NULL, &r), E_FAILED);
	ASSERT_ERROR_SAYS("(fault_panic) failed");
	x = 1;
	if (!RUNNING_ON_VALGRIND) {
		ck_assert_int_eq(fixture_call("fault_divide", 1, &x, &r), E_FAILED);
		ASSERT_ERROR_SAYS("(fault_divide) failed");
	}

	/* an app: spinner mode 1 sleeps until killed, holding its cell */
	ck_assert_msg(fixture_load("spinner", NULL) == E_OK, "%s", fixture_error());
	int64_t args[2] = { 1, 1 };
	struct task_ref t;
	ck_assert_msg(fixture_spawn_app("spinner", 2, args, &t) == E_OK, "%s", fixture_error());
	ck_assert_str_eq(task_entry_cell(t.t), "spinner");
	ck_assert_int_eq(fixture_unload("spinner"), E_DEPENDED_ON);
	ck_assert_int_eq(task_kill(&t), E_OK);
	ck_assert_int_eq(fixture_join(&t, &r), E_FAILED);
	ck_assert_ptr_null(t.t); /* joined and dropped either way */
	ck_assert_int_eq(fixture_spawn_app("sched_rr", 0, NULL, &t), E_PRIVILEGE); /* a kernel cell */
	ck_assert_int_eq(fixture_spawn_app("chain_a", 0, NULL, &t), E_NOTFOUND);   /* no APP_ENTRY */
	ASSERT_ERROR_SAYS("chain_a has no app entry");
	ck_assert_int_eq(fixture_spawn_app("hello", 0, NULL, &t), E_NOTFOUND); /* not loaded */
	ASSERT_ERROR_SAYS("hello is not loaded");
	ck_assert_int_eq(fixture_spawn("no_such_symbol", 0, -1, &t), E_NOTFOUND);
	shutdown();
}
END_TEST

START_TEST(test_a_swap_whose_object_cannot_be_read_changes_nothing)
{
	boot(&two_cpus);
	ck_assert_msg(fixture_load("chain_a", NULL) == E_OK, "%s", fixture_error());
	struct fixture_counters before, after;
	fixture_counters(&before);
	struct swap_result res;
	ck_assert_int_eq(fixture_swap("chain_c", "/nonexistent/chain_c_v2.o", &res), E_NOTFOUND);
	ASSERT_ERROR_SAYS("cannot read /nonexistent/chain_c_v2.o");
	const char *const one[] = { "chain_c" };
	ck_assert_int_eq(fixture_swap_many(one, 0, one, 0, NULL, 0, &res), E_INVAL);
	fixture_counters(&after);
	ck_assert_mem_eq(&after, &before, sizeof before);
	ck_assert(fixture_depends_on("chain_b", "chain_c"));
	shutdown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fixture");
	TCase *tc = tcase_create("fixture");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bad_options_are_refused_and_a_second_boot_too);
	tcase_add_test(tc, test_a_missing_cell_directory_is_named);
	tcase_add_test(tc, test_load_and_the_graph);
	tcase_add_test(tc, test_calls_apps_and_a_fault);
	tcase_add_test(tc, test_a_swap_whose_object_cannot_be_read_changes_nothing);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
