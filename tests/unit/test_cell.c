/* kernel/cell: loading, linking and unloading cells on a booted hosted
 * machine (tboot_setup_cells): dependency order, exact two-way edges,
 * unload rules, atomic failure, leaks over many rounds, every relocation
 * type, and the nano_core as builtin cells. Hostile objects are in
 * test_cell_hostile.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "kernel/cell/elf.h"
#include "mm.h"
#include "tboot.h"

/* --- dependency order and calls --------------------------------------------- */

START_TEST(test_loading_chain_a_loads_chain_c_then_chain_b_first)
{
	struct world before = world_now();
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_a"));
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_b"));
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_c"));
	struct cell *a = load("chain_a");
	ck_assert_ptr_eq(ns_find_cell(ns_root(), "chain_a"), a);
	struct cell *b = ns_find_cell(ns_root(), "chain_b"), *c = ns_find_cell(ns_root(), "chain_c");
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(count_cells(), before.cells + 3);

	/* the namespace lists them in load order, after the builtin cells */
	const char *order[3];
	size_t n = 0;
	struct list *pos;
	list_for_each(pos, &ns_root()->cells) {
		struct cell *x = list_entry(pos, struct cell, link);
		if (x->builtin) {
			ck_assert_msg(n == 0, "builtin %s after a loaded cell", x->name);
			continue;
		}
		ck_assert_uint_lt(n, 3);
		order[n++] = x->name;
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(order[0], "chain_c");
	ck_assert_str_eq(order[1], "chain_b");
	ck_assert_str_eq(order[2], "chain_a");
	ck_assert(!a->builtin && a->class == CELL_APP && a->ns == ns_root());
}
END_TEST

START_TEST(test_chain_a_main_of_5_returns_32_through_the_namespace)
{
	load("chain_a");
	const struct cell_symbol *s = ns_resolve(ns_root(), "chain_a_main");
	ck_assert_ptr_nonnull(s);
	ck_assert(s->is_func);
	ck_assert_ptr_eq(s->section->cell, ns_find_cell(ns_root(), "chain_a"));
	int (*chain_a_main)(int) = (int (*)(int))s->addr;
	ck_assert_int_eq(chain_a_main(5), 32);
	/* chain_b read chain_c's counter through its data edge: two calls per main */
	int (*chain_a_calls)(void) = (int (*)(void))sym_addr("chain_a_calls");
	ck_assert_int_eq(chain_a_calls(), 2);
	ck_assert_int_eq(*(const int *)sym_addr("chain_c_calls"), 2);
}
END_TEST

/* --- edges ------------------------------------------------------------------- */

/* Every edge out of c is linked into its target's edges_in, and matches
 * exactly one relocation of c's object against an undefined symbol in a
 * loaded section (no edge missing, none extra). Returns the edge count. */
static size_t check_edges_out_match_object(const struct cell *c)
{
	struct object o = read_object(c->name);
	size_t expected = 0, found = 0;
	for (size_t i = 0; i < ehdr(&o)->e_shnum; i++) {
		const Elf64_Shdr *rs = shdr(&o, i);
		if (rs->sh_type != SHT_RELA || !loaded_section(shdr(&o, rs->sh_info)))
			continue;
		const Elf64_Rela *r = (const Elf64_Rela *)(o.bytes + rs->sh_offset);
		for (size_t k = 0; k < rs->sh_size / sizeof *r; k++) {
			const Elf64_Sym *s = sym(&o, ELF64_R_SYM(r[k].r_info));
			if (s->st_shndx != SHN_UNDEF || !strcmp(sym_name(&o, s), "_GLOBAL_OFFSET_TABLE_"))
				continue;
			expected++;
			const char *secname = sec_name(&o, rs->sh_info);
			bool matched = false;
			for (size_t j = 0; j < c->n_sections && !matched; j++) {
				if (strcmp(c->sections[j].name, secname))
					continue;
				struct list *pos;
				list_for_each(pos, &c->sections[j].edges_out) {
					const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
					if (e->offset == r[k].r_offset && e->type == ELF64_R_TYPE(r[k].r_info) &&
					    e->addend == r[k].r_addend && !strcmp(e->sym->name, sym_name(&o, s))) {
						matched = true;
						break;
					}
				}
			}
			ck_assert_msg(matched, "%s: no edge for %s+%#llx -> %s", c->name, secname,
				      (unsigned long long)r[k].r_offset, sym_name(&o, s));
		}
	}
	for (size_t j = 0; j < c->n_sections; j++) {
		struct list *pos;
		list_for_each(pos, &c->sections[j].edges_out) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			ck_assert_ptr_eq(e->from, &c->sections[j]);
			ck_assert_ptr_eq(e->sym, ns_resolve(ns_root(), e->sym->name));
			ck_assert_ptr_nonnull(e->sym->section);
			ck_assert_ptr_ne(e->sym->section->cell, c);
			ck_assert(e->sym->addr >= e->sym->section->addr &&
				  e->sym->addr - e->sym->section->addr <= e->sym->section->size);
			ck_assert_msg(list_contains(&e->sym->section->edges_in, &e->in_link),
				      "%s: edge %s+%#llx missing from %s's edges_in", c->name, e->from->name,
				      (unsigned long long)e->offset, e->sym->section->name);
			found++;
		}
	}
	ck_assert_uint_eq(found, expected);
	free(o.bytes);
	return found;
}

START_TEST(test_edges_out_match_the_objects_relocations_exactly)
{
	load("chain_a");
	load("reloc_zoo");
	ck_assert_uint_eq(check_edges_out_match_object(ns_find_cell(ns_root(), "chain_c")), 0);
	ck_assert_uint_gt(check_edges_out_match_object(ns_find_cell(ns_root(), "chain_b")), 0);
	ck_assert_uint_gt(check_edges_out_match_object(ns_find_cell(ns_root(), "chain_a")), 0);
	ck_assert_uint_gt(check_edges_out_match_object(ns_find_cell(ns_root(), "reloc_zoo")), 0);
}
END_TEST

START_TEST(test_edges_are_bidirectional_between_chain_b_and_chain_c)
{
	load("chain_a");
	const struct cell *b = ns_find_cell(ns_root(), "chain_b"), *c = ns_find_cell(ns_root(), "chain_c");
	size_t out = 0, in = 0;
	for (size_t i = 0; i < b->n_sections; i++) {
		struct list *pos;
		list_for_each(pos, &b->sections[i].edges_out) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			ck_assert_ptr_eq(e->from, &b->sections[i]);
			ck_assert_ptr_eq(e->sym->section->cell, c); /* chain_b uses only chain_c */
			ck_assert(list_contains(&e->sym->section->edges_in, &e->in_link));
			out++;
		}
	}
	/* a call into chain_c's text and a read of its data object */
	ck_assert_uint_eq(out, 2);
	for (size_t i = 0; i < c->n_sections; i++) {
		struct list *pos;
		list_for_each(pos, &c->sections[i].edges_in) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, in_link);
			ck_assert_ptr_eq(e->from->cell, b); /* chain_a reaches chain_c only through b */
			ck_assert_ptr_eq(e->sym->section, &c->sections[i]);
			ck_assert(list_contains(&e->from->edges_out, &e->out_link));
			in++;
		}
		ck_assert(list_empty(&c->sections[i].edges_out));
	}
	ck_assert_uint_eq(in, out);
	const struct cell_symbol *calls = ns_resolve(ns_root(), "chain_c_calls");
	const struct cell_symbol *value = ns_resolve(ns_root(), "chain_c_value");
	ck_assert(!list_empty(&calls->section->edges_in));
	ck_assert(!list_empty(&value->section->edges_in));
	ck_assert_int_eq(calls->section->region, REGION_DATA);
	ck_assert_int_eq(value->section->region, REGION_TEXT);
}
END_TEST

START_TEST(test_dependencies_and_dependents_are_distinct_cells)
{
	load("chain_a");
	const struct cell *a = ns_find_cell(ns_root(), "chain_a"), *b = ns_find_cell(ns_root(), "chain_b"),
			  *c = ns_find_cell(ns_root(), "chain_c");
	const struct cell *lib = ns_find_cell(ns_root(), "nano_core_lib");
	ck_assert_ptr_nonnull(lib);
	const struct cell *v[16];

	ck_assert_uint_eq(cell_dependencies(a, v, 16), 2); /* chain_b (three edges) and kprintf's cell */
	ck_assert(has_cell(v, 2, "chain_b") && has_cell(v, 2, "nano_core_lib"));
	ck_assert_uint_eq(cell_dependencies(b, v, 16), 1);
	ck_assert_ptr_eq(v[0], c);
	ck_assert_uint_eq(cell_dependencies(c, v, 16), 0);

	ck_assert_uint_eq(cell_dependents(c, v, 16), 1);
	ck_assert_ptr_eq(v[0], b);
	ck_assert_uint_eq(cell_dependents(b, v, 16), 1);
	ck_assert_ptr_eq(v[0], a);
	ck_assert_uint_eq(cell_dependents(a, v, 16), 0);
	ck_assert_uint_ge(cell_dependents(lib, v, 16), 1);
	ck_assert(has_cell(v, cell_dependents(lib, v, 16), "chain_a"));
}
END_TEST

/* chain_a has four edges to two cells, chain_b three edges from one: the
 * count is of distinct cells whatever cap is, and out gets at most cap. */
START_TEST(test_dependency_counts_are_distinct_cells_for_any_cap)
{
	load("chain_a");
	const struct cell *a = ns_find_cell(ns_root(), "chain_a"), *b = ns_find_cell(ns_root(), "chain_b");
	ck_assert_uint_eq(cell_dependencies(a, NULL, 0), 2);
	ck_assert_uint_eq(cell_dependents(b, NULL, 0), 1);
	const struct cell *v[3] = { NULL, NULL, (const struct cell *)0x1 };
	ck_assert_uint_eq(cell_dependencies(a, v, 1), 2);
	ck_assert_ptr_eq(v[0], b); /* first seen: chain_a_main calls chain_b_value first */
	ck_assert_ptr_null(v[1]);
	ck_assert_uint_eq(cell_dependencies(a, v, 2), 2);
	ck_assert_str_eq(v[1]->name, "nano_core_lib");
	ck_assert_ptr_eq(v[2], (const struct cell *)0x1); /* nothing past cap */
	ck_assert_uint_eq(cell_dependents(b, v, 1), 1);
	ck_assert_ptr_eq(v[0], a);
}
END_TEST

START_TEST(test_reachable_from_chain_a_main_is_the_whole_chain_and_the_kernel_lib)
{
	load("chain_a");
	const struct cell *v[16];
	size_t n = cell_reachable_from(sym_addr("chain_a_main"), v, 16);
	ck_assert_str_eq(v[0]->name, "chain_a");
	ck_assert(has_cell(v, n, "chain_b"));
	ck_assert(has_cell(v, n, "chain_c"));
	ck_assert(has_cell(v, n, "nano_core_lib"));
	/* and through nano_core_lib's own edges, the nano_core cells it uses
	 * (nano_core_hal: kprintf writes to the console), none above lib's
	 * floor, and no other loaded cell */
	ck_assert(has_cell(v, n, "nano_core_hal"));
	ck_assert(!has_cell(v, n, "nano_core_task"));
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(v[i]->builtin || !strncmp(v[i]->name, "chain_", 6), "%s", v[i]->name);
	/* from the bottom, only itself */
	ck_assert_uint_eq(cell_reachable_from(sym_addr("chain_c_value"), v, 16), 1);
	ck_assert_str_eq(v[0]->name, "chain_c");
	/* an address in no cell reaches nothing */
	int local;
	ck_assert_uint_eq(cell_reachable_from((uintptr_t)&local, v, 16), 0);
}
END_TEST

/* --- unload ------------------------------------------------------------------ */

START_TEST(test_unload_refused_while_depended_on)
{
	struct world before = world_now();
	load("chain_a");
	struct cell_diag d;
	ck_assert_int_eq(cell_unload(ns_find_cell(ns_root(), "chain_c"), &d), E_DEPENDED_ON);
	ck_assert_int_eq(d.err, E_DEPENDED_ON);
	ck_assert_str_eq(d.cell, "chain_c");
	ck_assert_msg(strstr(d.detail, "chain_b") != NULL, "diag names the dependent: %s", diag_line(&d));
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "chain_c"));
	ck_assert_ptr_nonnull(ns_resolve(ns_root(), "chain_c_value"));

	ck_assert_int_eq(cell_unload(ns_find_cell(ns_root(), "chain_b"), &d), E_DEPENDED_ON);
	ck_assert_str_eq(d.cell, "chain_b");
	ck_assert_msg(strstr(d.detail, "chain_a") != NULL, "diag names the dependent: %s", diag_line(&d));

	/* the refusals changed nothing: the chain still works */
	ck_assert_int_eq(((int (*)(int))sym_addr("chain_a_main"))(5), 32);

	unload("chain_a");
	unload("chain_b");
	unload("chain_c");
	assert_world_is(before, "after unloading the chain");
}
END_TEST

START_TEST(test_unload_allowed_after_dependents_are_gone_in_any_leaf_order)
{
	struct world before = world_now();
	load("chain_a");
	load("reloc_zoo"); /* a second dependent of chain_c */
	struct cell_diag d;
	unload("chain_a");
	unload("chain_b");
	ck_assert_int_eq(cell_unload(ns_find_cell(ns_root(), "chain_c"), &d), E_DEPENDED_ON);
	ck_assert_msg(strstr(d.detail, "reloc_zoo") != NULL, "%s", diag_line(&d));
	unload("reloc_zoo");
	unload("chain_c");
	assert_world_is(before, "after unloading everything");
}
END_TEST

START_TEST(test_builtin_nano_core_cells_cannot_be_unloaded)
{
	struct world before = world_now();
	size_t builtins = 0;
	struct list *pos;
	list_for_each(pos, &ns_root()->cells) {
		struct cell *c = list_entry(pos, struct cell, link);
		ck_assert(c->builtin);
		ck_assert_msg(!strncmp(c->name, "nano_core_", 10), "%s", c->name);
		struct cell_diag d;
		ck_assert_int_eq(cell_unload(c, &d), E_INVAL);
		ck_assert_str_eq(d.cell, c->name);
		ck_assert(strstr(d.detail, "nano_core") != NULL);
		builtins++;
	}
	ck_assert_uint_gt(builtins, 0);
	assert_world_is(before, "after refused unloads");
}
END_TEST

/* --- atomic failure ---------------------------------------------------------- */

static void check_failed_load(const char *name, err_t want, const char *symbol)
{
	struct world before = world_now();
	struct cell *c = (struct cell *)0x1; /* must not be written on failure */
	struct cell_diag d;
	ck_assert_int_eq(cell_load(ns_root(), name, &c, &d), want);
	ck_assert_ptr_eq(c, (struct cell *)0x1);
	ck_assert_int_eq(d.err, want);
	ck_assert_str_eq(d.cell, name);
	ck_assert_str_eq(d.symbol, symbol);
	ck_assert_ptr_null(ns_find_cell(ns_root(), name));
	assert_world_is(before, name);
}

START_TEST(test_missing_symbol_fails_and_leaves_nothing_loaded)
{
	check_failed_load("needs_missing", E_UNDEF_SYMBOL, "no_such_function");
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_c")); /* loaded first, then rolled back */
	ck_assert_ptr_null(ns_resolve(ns_root(), "chain_c_value"));
}
END_TEST

START_TEST(test_app_linking_kernel_only_symbol_is_refused)
{
	check_failed_load("priv_app", E_PRIVILEGE, "frames_alloc");
}
END_TEST

START_TEST(test_duplicate_export_is_refused_and_the_first_stays)
{
	struct cell *hello = load("hello");
	const struct cell_symbol *s = ns_resolve(ns_root(), "hello_main");
	check_failed_load("dup_hello", E_DUP_SYMBOL, "hello_main");
	ck_assert_ptr_eq(ns_resolve(ns_root(), "hello_main"), s);
	ck_assert_ptr_eq(s->section->cell, hello);
	ck_assert_int_eq(((int (*)(void))s->addr)(), 0); /* hello's, not dup_hello's 7 */
}
END_TEST

START_TEST(test_loading_a_loaded_cell_again_is_refused)
{
	load("hello");
	struct world before = world_now();
	struct cell_diag d;
	struct cell *c = NULL;
	ck_assert_int_eq(cell_load(ns_root(), "hello", &c, &d), E_EXISTS);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(cell_load(ns_root(), "no_such_cell", &c, &d), E_NOTFOUND);
	ck_assert_str_eq(d.cell, "no_such_cell");
	assert_world_is(before, "after refused loads");
}
END_TEST

/* --- no leaks over many rounds ------------------------------------------------ */

/* Loads every cell image (and what it needs), then unloads everything;
 * priv_app and needs_missing must fail. */
static void load_unload_every_image(int round)
{
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs);
	ck_assert_uint_ge(n, 9);
	for (size_t i = 0; i < n; i++) {
		const char *name = imgs[i].name;
		bool must_fail = !strcmp(name, "priv_app") || !strcmp(name, "needs_missing");
		struct world before = world_now();
		struct cell *c = NULL;
		struct cell_diag d;
		err_t e = cell_load(ns_root(), name, &c, &d);
		if (must_fail) {
			ck_assert_msg(e != E_OK, "%s loaded", name);
		} else {
			ck_assert_msg(e == E_OK, "round %d: %s", round, diag_line(&d));
			unload_all();
		}
		struct world after = world_now();
		ck_assert_msg(after.live_blocks == before.live_blocks && after.cells == before.cells &&
				      after.symbols == before.symbols,
			      "round %d, %s: blocks %zu -> %zu, cells %zu -> %zu, symbols %zu -> %zu", round, name,
			      before.live_blocks, after.live_blocks, before.cells, after.cells, before.symbols,
			      after.symbols);
		if (round > 0)
			assert_world_is(before, name);
	}
}

/* The first round may grow the root namespace's symbol map (it keeps its
 * capacity, like any hash map: not a leak, since it is bounded by the
 * largest set of symbols ever loaded at once); from then on every round
 * must return every counter exactly. */
START_TEST(test_load_unload_every_cell_50_times_leaks_nothing)
{
	struct world start = world_now();
	size_t cap = ns_root()->symbols.cap;
	load_unload_every_image(0);
	struct world warm = world_now();
	if (ns_root()->symbols.cap == cap)
		assert_world_is(start, "after the first round");
	for (int round = 1; round < 50; round++)
		load_unload_every_image(round);
	assert_world_is(warm, "after 50 rounds");
}
END_TEST

/* --- every relocation type ----------------------------------------------------- */

START_TEST(test_reloc_zoo_checks_every_relocation_type)
{
	struct world before = world_now();
	load("reloc_zoo");
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "chain_c"));
	ck_assert_int_eq(((int (*)(void))sym_addr("zoo_check"))(), 0);
	/* its GOT slot edge carries the slot for a later rewrite */
	const struct cell *zoo = ns_find_cell(ns_root(), "reloc_zoo");
	size_t got_edges = 0;
	for (size_t i = 0; i < zoo->n_sections; i++) {
		struct list *pos;
		list_for_each(pos, &zoo->sections[i].edges_out) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			ck_assert_str_eq(e->sym->name, "chain_c_value");
			if (e->type == R_X86_64_REX_GOTPCRELX || e->type == R_X86_64_GOTPCREL ||
			    e->type == R_X86_64_GOTPCRELX) {
				ck_assert_ptr_nonnull(e->got_slot);
				ck_assert_uint_eq(*e->got_slot, sym_addr("chain_c_value"));
				got_edges++;
			} else {
				ck_assert_ptr_null(e->got_slot);
			}
		}
	}
	ck_assert_uint_ge(got_edges, 1);
	unload("reloc_zoo");
	unload("chain_c");
	assert_world_is(before, "after reloc_zoo");
}
END_TEST

/* --- the nano_core as cells, and address queries --------------------------------------- */

START_TEST(test_nano_core_mm_is_a_builtin_cell_with_mp_map)
{
	const struct cell *mm = ns_find_cell(ns_root(), "nano_core_mm");
	ck_assert_ptr_nonnull(mm);
	ck_assert(mm->builtin);
	ck_assert_int_eq(mm->class, CELL_KERNEL);
	const struct cell_section *sec = NULL;
	for (size_t i = 0; i < mm->n_sections; i++)
		if (!strcmp(mm->sections[i].name, ".text.mp_map"))
			sec = &mm->sections[i];
	ck_assert_ptr_nonnull(sec);
	ck_assert_uint_gt(sec->size, 0);
	ck_assert_uint_eq(sec->addr, (uintptr_t)mp_map);
	ck_assert_ptr_eq(sec->cell, mm);
	const struct cell_symbol *s = ns_resolve(ns_root(), "mp_map");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(s->section, sec);
	ck_assert(!s->app_visible); /* kernel-only */
	ck_assert(ns_resolve(ns_root(), "kprintf")->app_visible);
	CELLS_READ_GUARD();
	ck_assert_ptr_eq(cell_section_at((uintptr_t)mp_map + sec->size - 1), sec);
}
END_TEST

START_TEST(test_section_and_symbol_at_an_address_inside_a_loaded_function)
{
	struct cell *hello = load("hello");
	const struct cell_symbol *s = ns_resolve(ns_root(), "hello_main");
	uintptr_t addr = s->addr;
	ck_assert_uint_gt(s->size, 2);
	for (uintptr_t a = s->addr; a < s->addr + s->size; a++) {
		CELLS_READ_GUARD();
		const struct cell_section *sec = cell_section_at(a);
		ck_assert_ptr_nonnull(sec);
		ck_assert_ptr_eq(sec->cell, hello);
		ck_assert_str_eq(sec->name, ".text.hello_main");
		ck_assert_ptr_eq(cell_symbol_at(a), s);
	}
	int local;
	unload("hello");
	CELLS_READ_GUARD(); /* after the unload: a read section must not wait on itself */
	ck_assert_ptr_null(cell_section_at((uintptr_t)&local));
	ck_assert_ptr_null(cell_symbol_at((uintptr_t)&local));
	ck_assert_ptr_null(cell_section_at(addr)); /* gone with the cell */
	ck_assert_ptr_null(cell_symbol_at(addr));
}
END_TEST

static Suite *cell_suite(void)
{
	Suite *s = suite_create("cell");
	TCase *tc = tcase_create("loader");
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(tc, test_loading_chain_a_loads_chain_c_then_chain_b_first);
	tcase_add_test(tc, test_chain_a_main_of_5_returns_32_through_the_namespace);
	tcase_add_test(tc, test_edges_out_match_the_objects_relocations_exactly);
	tcase_add_test(tc, test_edges_are_bidirectional_between_chain_b_and_chain_c);
	tcase_add_test(tc, test_dependencies_and_dependents_are_distinct_cells);
	tcase_add_test(tc, test_dependency_counts_are_distinct_cells_for_any_cap);
	tcase_add_test(tc, test_reachable_from_chain_a_main_is_the_whole_chain_and_the_kernel_lib);
	tcase_add_test(tc, test_unload_refused_while_depended_on);
	tcase_add_test(tc, test_unload_allowed_after_dependents_are_gone_in_any_leaf_order);
	tcase_add_test(tc, test_builtin_nano_core_cells_cannot_be_unloaded);
	tcase_add_test(tc, test_missing_symbol_fails_and_leaves_nothing_loaded);
	tcase_add_test(tc, test_app_linking_kernel_only_symbol_is_refused);
	tcase_add_test(tc, test_duplicate_export_is_refused_and_the_first_stays);
	tcase_add_test(tc, test_loading_a_loaded_cell_again_is_refused);
	tcase_add_test(tc, test_load_unload_every_cell_50_times_leaks_nothing);
	tcase_add_test(tc, test_reloc_zoo_checks_every_relocation_type);
	tcase_add_test(tc, test_nano_core_mm_is_a_builtin_cell_with_mp_map);
	tcase_add_test(tc, test_section_and_symbol_at_an_address_inside_a_loaded_function);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cell_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
