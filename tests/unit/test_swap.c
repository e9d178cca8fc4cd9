/* Cell swapping (swap.h, docs/swap.md): swap_lib replaced by swap_lib_v2
 * under swap_user, which reaches it through a direct call, a function
 * pointer in data, a table in rodata, its GOT and data read in place. Each
 * site must answer with the new version after the swap, the state must
 * follow (a copy, translated pointers, or the transfer function), the
 * dependency graph must move, and every refused swap (a missing symbol, a
 * load failing midway, a write failing inside stage 3) must leave every
 * site byte, edge, cell and counter as it was. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "swap.h"
#include "tboot.h"

static int call_int(const char *sym, int arg) { return ((int (*)(int))sym_addr(sym))(arg); }
static const char *greeting(void) { return ((const char *(*)(void))sym_addr("swap_user_greeting"))(); }

/* What swap_user gets from whichever version is loaded. */
static void assert_answers(int version)
{
	ck_assert_int_eq(call_int("swap_user_direct", 5), version == 1 ? 6 : 10);
	ck_assert_int_eq(call_int("swap_user_through_hook", 7), version == 1 ? 8 : 14);
	ck_assert_int_eq(call_int("swap_user_through_table", 0), version);
	ck_assert_int_eq(call_int("swap_user_through_table", 1), version);
	ck_assert_int_eq(call_int("swap_user_through_got", 0), version);
	ck_assert_str_eq(greeting(), version == 1 ? "swap_lib v1" : "swap_lib v2");
}

static struct swap_object image(const char *name)
{
	struct swap_object o = swap_image(name);
	ck_assert_msg(o.bytes != NULL, "no image %s", name);
	return o;
}

static void must_swap(const char *old, const char *new, const char *transfer, unsigned flags)
{
	struct swap_result res;
	err_t e = swap_one(old, new, transfer, flags, &res);
	char line[512];
	swap_result_format(&res, line, sizeof line);
	ck_assert_msg(e == E_OK, "%s -> %s: %s\n%s", old, new, line, res.problems);
	ck_assert_uint_eq(res.failed_stage, 0);
}

static bool depends_on(const char *user, const char *lib)
{
	const struct cell *v[16];
	size_t n = cell_dependencies(ns_find_cell(ns_root(), user), v, 16);
	return has_cell(v, n, lib);
}

/* Every edge into cell name, with the bytes at its site (or GOT slot). */
struct site_snap {
	size_t n;
	const struct dep_edge *edge[32];
	const struct cell_symbol *sym[32];
	uint8_t bytes[32][8];
};

static void snap_sites(const char *name, struct site_snap *s)
{
	CELLS_GUARD();
	const struct cell *c = ns_find_cell(ns_root(), name);
	ck_assert_ptr_nonnull(c);
	s->n = 0;
	for (size_t i = 0; i < c->n_sections; i++) {
		struct list *pos;
		list_for_each(pos, &c->sections[i].edges_in) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, in_link);
			ck_assert_uint_lt(s->n, 32);
			s->edge[s->n] = e;
			s->sym[s->n] = e->sym;
			memcpy(s->bytes[s->n], e->got_slot ? (const void *)e->got_slot
							   : (const void *)(e->from->addr + e->offset), 8);
			s->n++;
		}
	}
}

static void assert_sites_unchanged(const char *name, const struct site_snap *before)
{
	struct site_snap now;
	snap_sites(name, &now);
	ck_assert_uint_eq(now.n, before->n);
	for (size_t i = 0; i < now.n; i++) {
		ck_assert_ptr_eq(now.edge[i], before->edge[i]);
		ck_assert_ptr_eq(now.sym[i], before->sym[i]);
		ck_assert_msg(!memcmp(now.bytes[i], before->bytes[i], 8), "site %zu changed", i);
	}
}

START_TEST(test_swap_redirects_every_kind_of_site)
{
	load("swap_lib");
	load("swap_user");
	assert_answers(1);
	ck_assert_int_eq(call_int("swap_user_calls", 0), 2);
	struct site_snap before;
	snap_sites("swap_lib", &before);
	ck_assert_uint_ge(before.n, 6); /* call, hook, 2 table slots, GOT, two data reads */
	struct swap_result res;
	ck_assert_int_eq(swap_one("swap_lib", "swap_lib_v2", NULL, 0, &res), E_OK);
	ck_assert_uint_eq(res.edges, before.n);
	ck_assert_uint_eq(res.sites, before.n);
	ck_assert_uint_eq(res.copied, 2); /* swap_lib_calls, swap_lib_greeting */
	ck_assert_ptr_null(ns_find_cell(ns_root(), "swap_lib"));
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "swap_lib_v2"));
	ck_assert(depends_on("swap_user", "swap_lib_v2"));
	ck_assert(!depends_on("swap_user", "swap_lib"));
	ck_assert_int_eq(call_int("swap_user_calls", 0), 2); /* the count came along */
	assert_answers(2);
	ck_assert_int_eq(call_int("swap_user_calls", 0), 4);
	must_swap("swap_lib_v2", "swap_lib", NULL, 0);
	assert_answers(1);
	ck_assert_int_eq(call_int("swap_user_calls", 0), 6);
	ck_assert(depends_on("swap_user", "swap_lib"));
}
END_TEST

START_TEST(test_transfer_function_replaces_the_copy)
{
	load("swap_lib");
	load("swap_user");
	assert_answers(1);
	must_swap("swap_lib", "swap_lib_v2", "swap_lib_v2_transfer", 0);
	ck_assert_int_eq(call_int("swap_user_calls", 0), 200);
	/* A transfer function the new cells do not declare is refused. */
	struct swap_result res;
	ck_assert_int_eq(swap_one("swap_lib_v2", "swap_lib", "swap_lib_v2_transfer", 0, &res), E_NOTFOUND);
	ck_assert_uint_eq(res.failed_stage, SWAP_VERIFY);
	assert_answers(2);
}
END_TEST

/* Refused swaps: counters, sites and edges as before, and the old
 * version still answers. */
START_TEST(test_refused_swaps_change_nothing)
{
	load("swap_lib");
	load("swap_user");
	assert_answers(1);
	/* A swap makes room in the namespace's map for the new exports before
	 * stage 3 (swap.c), and a map keeps its capacity: make that room first,
	 * so whether the map must double does not hang on how many symbols the
	 * nano_core exports, and the world compares what a refusal restores. */
	ck_assert_int_eq(hmap_reserve(&ns_root()->symbols, 64), E_OK);
	struct world w = world_now();
	struct site_snap sites;
	snap_sites("swap_lib", &sites);
	struct swap_result res;

	/* 1. Verification: swap_lib_apply missing, swap_lib_calls grown. */
	ck_assert_int_ne(swap_one("swap_lib", "swap_lib_bad", NULL, 0, &res), E_OK);
	ck_assert_uint_eq(res.failed_stage, SWAP_VERIFY);
	ck_assert_uint_ge(res.n_problems, 3); /* two uses of swap_lib_apply, the data read */
	ck_assert_msg(strstr(res.problems, "swap_user:.text.swap_user_direct needs swap_lib_apply"), "%s", res.problems);
	ck_assert_msg(strstr(res.problems, "needs swap_lib_calls"), "%s", res.problems);
	assert_world_is(w, "after a refusal at verification");
	assert_sites_unchanged("swap_lib", &sites);
	assert_answers(1);

	/* 2. A load failing midway: the second object is truncated. */
	struct swap_object objs[2] = { image("swap_lib_v2"), image("hello") };
	objs[1].size /= 2;
	const char *old = "swap_lib";
	struct swap_spec spec = { ns_root(), &old, 1, objs, 2, NULL, 0 };
	ck_assert_int_eq(swap_cells(&spec, &res), E_BADELF);
	ck_assert_uint_eq(res.failed_stage, SWAP_LOAD);
	assert_world_is(w, "after a load failing midway");
	assert_sites_unchanged("swap_lib", &sites);

	/* 3. A write failing inside stage 3, after two sites were written. */
	swap_inject_write_failure(3);
	ck_assert_int_eq(swap_one("swap_lib", "swap_lib_v2", NULL, 0, &res), E_HAL);
	ck_assert_uint_eq(res.failed_stage, SWAP_REDIRECT);
	ck_assert_msg(strstr(res.diag.detail, "injected"), "%s", res.diag.detail);
	assert_world_is(w, "after a write failed in stage 3");
	assert_sites_unchanged("swap_lib", &sites);
	assert_answers(1);
	ck_assert(depends_on("swap_user", "swap_lib"));

	/* And the same swap, not injected, goes through. */
	must_swap("swap_lib", "swap_lib_v2", NULL, 0);
	assert_answers(2);
}
END_TEST

START_TEST(test_keep_old_and_back)
{
	load("swap_lib");
	load("swap_user");
	struct swap_result res;
	ck_assert_int_eq(swap_back(ns_root(), &res), E_NOTFOUND);
	must_swap("swap_lib", "swap_lib_v2", NULL, SWAP_KEEP_OLD);
	assert_answers(2);
	ck_assert_int_eq(swap_back(ns_root(), &res), E_OK);
	assert_answers(1);
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "swap_lib"));
	ck_assert_int_eq(swap_back(ns_root(), &res), E_NOTFOUND); /* spent */
}
END_TEST

START_TEST(test_reload_loads_the_same_object_anew)
{
	load("swap_lib");
	load("swap_user");
	assert_answers(1);
	struct cell *c = ns_find_cell(ns_root(), "swap_lib");
	uintptr_t text = mp_start(&c->text.m);
	uint64_t instance = c->instance;
	struct swap_result res;
	ck_assert_int_eq(swap_reload(c, &res), E_OK);
	c = ns_find_cell(ns_root(), "swap_lib");
	ck_assert_uint_ne(mp_start(&c->text.m), text);
	ck_assert_uint_gt(c->instance, instance);
	ck_assert_uint_eq(res.copied, 0); /* a reload starts from the object: no state */
	ck_assert_int_eq(call_int("swap_user_calls", 0), 0);
	assert_answers(1);
}
END_TEST

START_TEST(test_swap_refuses_bad_requests)
{
	load("swap_lib");
	load("swap_user");
	struct swap_result res;
	ck_assert_int_eq(swap_one("no_such_cell", "swap_lib_v2", NULL, 0, &res), E_NOTFOUND);
	ck_assert_str_eq(res.diag.cell, "no_such_cell");
	ck_assert_int_eq(swap_one("nano_core_mm", "swap_lib_v2", NULL, 0, &res), E_INVAL);
	/* swap_user stays and exports what the new cell would export again. */
	ck_assert_int_eq(swap_one("swap_lib", "swap_user", NULL, 0, &res), E_UNDEF_SYMBOL);
	ck_assert_uint_eq(res.failed_stage, SWAP_VERIFY);
	assert_answers(1);
}
END_TEST

/* Two cells, each with a pointer into its own merged string section, both
 * swapped (for themselves) in one swap: each pointer stays in its own
 * cell's replacement, reading the same string. */
START_TEST(test_copied_pointers_stay_in_their_own_cell)
{
	load("swap_strs");
	struct cell *twin = load("swap_twin");
	(void)twin;
	ck_assert_int_eq(call_int("swap_strs_ch", 0), 'a');
	ck_assert_int_eq(call_int("swap_twin_ch", 0), 'b');
	const char *old[2] = { "swap_strs", "swap_twin" };
	struct swap_object objs[2] = { image("swap_strs"), image("swap_twin") };
	struct swap_spec spec = { ns_root(), old, 2, objs, 2, NULL, 0 };
	struct swap_result res;
	/* swap_twin's two file-local counts share a name: refused. */
	ck_assert_int_eq(swap_cells(&spec, &res), E_INCOMPATIBLE);
	ck_assert_msg(strstr(res.problems, "more than one data object is called count"), "%s", res.problems);
	spec.flags = SWAP_FRESH; /* no state: the pointers are the new cells' own */
	ck_assert_int_eq(swap_cells(&spec, &res), E_OK);
	ck_assert_int_eq(call_int("swap_strs_ch", 0), 'a');
	ck_assert_int_eq(call_int("swap_twin_ch", 0), 'b');
	/* Only swap_strs now: its pointer is copied and translated. */
	spec.n_old = spec.n_new = 1;
	spec.flags = 0;
	ck_assert_int_eq(swap_cells(&spec, &res), E_OK);
	ck_assert_uint_eq(res.copied, 1);
	ck_assert_int_eq(call_int("swap_strs_ch", 0), 'a');
	ck_assert_int_eq(call_int("swap_strs_ch", 6), 'o');
}
END_TEST

/* A pointer into a merged string section whose layout changed cannot be
 * translated by offset: refused, nothing changed, the old string still read. */
START_TEST(test_a_pointer_into_changed_strings_is_refused)
{
	load("swap_strs");
	struct world w = world_now();
	struct swap_result res;
	ck_assert_int_eq(swap_one("swap_strs", "swap_strs_v2", NULL, 0, &res), E_INCOMPATIBLE);
	ck_assert_uint_eq(res.failed_stage, SWAP_REDIRECT);
	ck_assert_msg(strstr(res.diag.detail, "no sure counterpart"), "%s", res.diag.detail);
	assert_world_is(w, "after a refused translation");
	ck_assert_int_eq(call_int("swap_strs_ch", 6), 'o');
	ck_assert_int_eq(swap_one("swap_strs", "swap_strs_v2", NULL, SWAP_FRESH, &res), E_OK);
	ck_assert_int_eq(call_int("swap_strs_ch", 6), 't');
}
END_TEST

/* An injected failure armed for a swap refused before stage 3 does not
 * hit the next swap. */
START_TEST(test_injection_is_spent_by_the_swap_it_was_armed_for)
{
	load("swap_lib");
	load("swap_user");
	struct swap_result res;
	swap_inject_write_failure(1);
	ck_assert_int_ne(swap_one("swap_lib", "swap_lib_bad", NULL, 0, &res), E_OK);
	ck_assert_uint_eq(res.failed_stage, SWAP_VERIFY);
	must_swap("swap_lib", "swap_lib_v2", NULL, 0);
	assert_answers(2);
}
END_TEST

/* What verification refuses besides missing symbols, each with nothing
 * changed: a kernel-only replacement under an app user, a new cell whose
 * exports clash with a cell that stays, a transfer function named that no
 * SWAP_TRANSFER record declares. */
START_TEST(test_verification_refuses_privilege_clash_and_undeclared_transfer)
{
	load("swap_lib");
	load("swap_user");
	load("hello");
	struct world w = world_now();
	struct swap_result res;
	ck_assert_int_eq(swap_one("swap_lib", "swap_lib_kernel", NULL, 0, &res), E_PRIVILEGE);
	ck_assert_uint_eq(res.failed_stage, SWAP_VERIFY);
	const char *old = "swap_lib";
	struct swap_object objs[2] = { image("swap_lib_v2"), image("dup_hello") };
	struct swap_spec spec = { ns_root(), &old, 1, objs, 2, NULL, 0 };
	ck_assert_int_eq(swap_cells(&spec, &res), E_DUP_SYMBOL);
	ck_assert_msg(strstr(res.problems, "exports hello_main, as cell hello, which stays, does"), "%s", res.problems);
	ck_assert_int_eq(swap_one("swap_lib", "swap_lib_v2", "swap_lib_version", 0, &res), E_NOTFOUND);
	ck_assert_msg(strstr(res.problems, "no new cell declares SWAP_TRANSFER(swap_lib_version)"), "%s", res.problems);
	assert_world_is(w, "after the refusals");
	assert_answers(1);
}
END_TEST

/* Two cells that use each other swapped together: only the edges from the
 * cell that stays are rewritten; the old cells' edges between them go with
 * them. */
START_TEST(test_edges_between_old_cells_are_not_redirected)
{
	load("chain_a");
	const char *old[2] = { "chain_b", "chain_c" };
	struct swap_object objs[2] = { image("chain_c"), image("chain_b") }; /* b needs c: loaded after it */
	struct swap_spec spec = { ns_root(), old, 2, objs, 2, NULL, 0 };
	struct swap_result res;
	ck_assert_int_eq(swap_cells(&spec, &res), E_OK);
	ck_assert_uint_eq(res.sites, 3); /* chain_a: two calls and a table entry into chain_b */
	ck_assert(depends_on("chain_a", "chain_b"));
	ck_assert(depends_on("chain_b", "chain_c"));
	ck_assert_int_eq(call_int("chain_a_main", 5), 32);
}
END_TEST

static Suite *swap_suite(void)
{
	Suite *s = suite_create("swap");
	TCase *tc = tcase_create("swap");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(tc, test_swap_redirects_every_kind_of_site);
	tcase_add_test(tc, test_transfer_function_replaces_the_copy);
	tcase_add_test(tc, test_refused_swaps_change_nothing);
	tcase_add_test(tc, test_keep_old_and_back);
	tcase_add_test(tc, test_reload_loads_the_same_object_anew);
	tcase_add_test(tc, test_swap_refuses_bad_requests);
	tcase_add_test(tc, test_copied_pointers_stay_in_their_own_cell);
	tcase_add_test(tc, test_a_pointer_into_changed_strings_is_refused);
	tcase_add_test(tc, test_injection_is_spent_by_the_swap_it_was_armed_for);
	tcase_add_test(tc, test_verification_refuses_privilege_clash_and_undeclared_transfer);
	tcase_add_test(tc, test_edges_between_old_cells_are_not_redirected);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(swap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
