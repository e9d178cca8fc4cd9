/* The nano_core as cells (kernel/cell/nano_core.c, docs/loader.md): the
 * builtin cells cover every section of the image's kernel and HAL objects
 * without overlap, every edge between them is a relocation the linker
 * really applied (the bytes at its site say so), known edges are there,
 * and a corrupted table in the image is refused whole, leaving nothing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "heap.h"
#include "kernel/cell/load.h"
#include "kernel/cell/nano_table.h"
#include "tboot.h"

static const struct cell *builtin(const char *name)
{
	const struct cell *c = ns_find_cell(ns_root(), name);
	ck_assert_msg(c && c->builtin, "no builtin cell %s", name);
	return c;
}

static const struct cell_section *section_named(const struct cell *c, const char *name)
{
	for (size_t i = 0; i < c->n_sections; i++)
		if (!strcmp(c->sections[i].name, name))
			return &c->sections[i];
	ck_abort_msg("%s has no section %s", c->name, name);
	return NULL;
}

static int by_addr(const void *a, const void *b)
{
	const struct cell_section *x = *(const struct cell_section *const *)a, *y = *(const struct cell_section *const *)b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

START_TEST(test_builtin_cells_hold_every_kind_whole_without_overlap)
{
	struct nano_core_coverage v;
	nano_core_coverage(&v);
	for (int k = 0; k < 4; k++)
		ck_assert_uint_eq(v.in_cells[k], v.image[k]);
	ck_assert_uint_gt(v.in_cells[0], 40000); /* text */
	ck_assert_uint_gt(v.in_cells[1], 1000);  /* rodata */
	ck_assert_uint_gt(v.edges, 100);
	builtin("nano_core_hal");
	builtin("nano_core_mm");
	const struct cell_section **all = malloc(v.sections * sizeof *all);
	size_t n = 0, cells = 0;
	const struct list *pos;
	CELLS_GUARD();
	list_for_each(pos, &ns_root()->cells) {
		const struct cell *c = list_entry(pos, struct cell, link);
		if (!c->builtin)
			continue;
		cells++;
		ck_assert(!strncmp(c->name, "nano_core_", 10));
		for (size_t i = 0; i < c->n_sections; i++) {
			ck_assert_uint_lt(n, v.sections);
			all[n++] = &c->sections[i];
			ck_assert_ptr_eq(cell_section_at(c->sections[i].addr + c->sections[i].size - 1), &c->sections[i]);
		}
	}
	ck_assert_uint_eq(cells, v.cells);
	ck_assert_uint_eq(n, v.sections);
	qsort(all, n, sizeof *all, by_addr);
	for (size_t i = 1; i < n; i++)
		ck_assert_msg(all[i - 1]->addr + all[i - 1]->size <= all[i]->addr, "%s:%s overlaps %s:%s",
			      all[i - 1]->cell->name, all[i - 1]->name, all[i]->cell->name, all[i]->name);
	free(all);
}
END_TEST

/* What the linker wrote at an edge's site is the edge's target: the edge
 * is a relocation the image really has, with its type and addend. */
static void assert_site_matches(const struct dep_edge *e)
{
	uintptr_t P = e->from->addr + e->offset, S = e->sym->addr;
	int64_t A = e->addend;
	switch (e->type) {
	case R_X86_64_PC32:
	case R_X86_64_PLT32: {
		int32_t v;
		memcpy(&v, (const void *)P, 4);
		ck_assert_msg((int64_t)v == (int64_t)(S + A - P), "%s:%s+%#lx -> %s", e->from->cell->name,
			      e->from->name, (unsigned long)e->offset, e->sym->name);
		break;
	}
	case R_X86_64_32:
	case R_X86_64_32S: {
		uint32_t v;
		memcpy(&v, (const void *)P, 4);
		ck_assert_uint_eq(v, (uint32_t)(S + A));
		break;
	}
	case R_X86_64_64: {
		uint64_t v;
		memcpy(&v, (const void *)P, 8);
		ck_assert_uint_eq(v, S + A);
		break;
	}
	default:
		ck_abort_msg("edge of type %u (%s) between builtin cells", e->type, reloc_type_name(e->type));
	}
}

START_TEST(test_every_edge_between_builtin_cells_is_a_relocation_the_image_has)
{
	size_t n = 0;
	const struct list *pos;
	list_for_each(pos, &ns_root()->cells) {
		const struct cell *c = list_entry(pos, struct cell, link);
		for (size_t i = 0; c->builtin && i < c->n_sections; i++) {
			const struct list *q;
			list_for_each(q, &c->sections[i].edges_out) {
				const struct dep_edge *e = list_entry(q, struct dep_edge, out_link);
				if (!e->sym->section->cell->builtin)
					continue; /* an import table bound to a loaded cell */
				ck_assert_ptr_ne(e->sym->section->cell, c);
				assert_site_matches(e);
				n++;
			}
		}
	}
	struct nano_core_coverage v;
	nano_core_coverage(&v);
	ck_assert_uint_eq(n, v.edges);
}
END_TEST

/* From the source: task_spawn_raw allocates its stack's frames (task ->
 * mm). */
START_TEST(test_known_edges_are_recorded_at_both_ends)
{
	const struct cell *task = builtin("nano_core_task"), *mm = builtin("nano_core_mm");
	const struct cell_section *from = section_named(task, ".text.task_spawn_raw");
	const struct cell_section *to = section_named(mm, ".text.frames_alloc");
	const struct dep_edge *found = NULL;
	const struct list *q;
	list_for_each(q, &from->edges_out) {
		const struct dep_edge *e = list_entry(q, struct dep_edge, out_link);
		if (e->sym->section == to)
			found = e;
	}
	ck_assert_ptr_nonnull(found);
	ck_assert_str_eq(found->sym->name, "frames_alloc");
	ck_assert_uint_eq(found->type, R_X86_64_PLT32);
	ck_assert_int_eq(found->addend, -4);
	bool in = false;
	list_for_each(q, &to->edges_in) in |= list_entry(q, struct dep_edge, in_link) == found;
	ck_assert(in);
	const struct cell *v[16];
	size_t n = cell_dependents(mm, v, 16);
	bool task_uses_mm = false;
	for (size_t i = 0; i < n; i++)
		task_uses_mm |= v[i] == task;
	ck_assert(task_uses_mm);
}
END_TEST

/* The floors (docs/layers.md) hold in the image's real edges, not only in
 * the sources: every edge out of a kernel folder's cell lands in its own
 * floor, a lower one, or the HAL. */
START_TEST(test_edges_between_kernel_cells_go_down_the_floors)
{
	static const char *const floors[] = { "nano_core_lib", "nano_core_unwind", "nano_core_mm", "nano_core_cell",
					       "nano_core_task", "nano_core_swap", "nano_core_fault", "nano_core_core" };
	const struct cell *hal = builtin("nano_core_hal");
	size_t edges = 0;
	for (size_t f = 0; f < ARRAY_LEN(floors); f++) {
		const struct cell *v[16];
		size_t n = cell_dependencies(builtin(floors[f]), v, 16);
		ck_assert_uint_le(n, 16);
		for (size_t i = 0; i < n; i++) {
			size_t g = 0;
			while (g < ARRAY_LEN(floors) && strcmp(v[i]->name, floors[g]))
				g++;
			ck_assert_msg(v[i] == hal || g <= f, "%s uses %s, a floor above it", floors[f], v[i]->name);
			edges++;
		}
	}
	ck_assert_uint_gt(edges, ARRAY_LEN(floors)); /* the check saw real dependencies */
}
END_TEST

/* --- a corrupted table ------------------------------------------------------------------ */

static uint8_t *copy;
static struct nano_table_header *h;
static char *section_name; /* the table's name in the copy's section header names */

/* A copy of this executable's image, and its table in the copy. */
static void copy_image(void)
{
	size_t n = tboot_info.kernel_image_size;
	copy = aligned_alloc(64, (n + 63) / 64 * 64);
	memcpy(copy, tboot_info.kernel_image, n);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)copy;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(copy + eh->e_shoff);
	const char *names = (const char *)copy + sh[eh->e_shstrndx].sh_offset;
	h = NULL;
	for (size_t i = 0; i < eh->e_shnum; i++)
		if (!strcmp(names + sh[i].sh_name, NANO_TABLE_SECTION)) {
			h = (struct nano_table_header *)(copy + sh[i].sh_offset);
			section_name = (char *)names + sh[i].sh_name;
		}
	ck_assert_ptr_nonnull(h);
}

static struct nano_table_section *tsecs(void)
{
	return (struct nano_table_section *)((uint8_t *)(h + 1) + NANO_TABLE_NAMES_BYTES(h->n_cells));
}
static struct nano_table_symbol *tsyms(void) { return (struct nano_table_symbol *)(tsecs() + h->n_sections); }
static struct nano_table_edge *tedges(void) { return (struct nano_table_edge *)(tsyms() + h->n_symbols); }

/* Boots the cells of the copy into a fresh namespace: refused with want,
 * nothing added, nothing left allocated. */
static void assert_refused(err_t want)
{
	struct hal_boot_info info = tboot_info;
	info.kernel_image = copy;
	struct namespace *ns;
	ck_assert_int_eq(ns_create("probe", NULL, &ns), E_OK);
	struct heap_stats before, after;
	heap_stats(&before);
	ck_assert_int_eq(nano_core_cells(ns, &info), want);
	heap_stats(&after);
	ck_assert_uint_eq(after.live_blocks, before.live_blocks);
	ck_assert(list_empty(&ns->cells));
	ck_assert_uint_eq(hmap_count(&ns->symbols), 0);
	ns_destroy(ns);
	free(copy);
	copy = NULL;
}

START_TEST(test_a_corrupted_table_is_refused_whole)
{
	copy_image();
	h->magic[0] ^= 1;
	assert_refused(E_BADELF);
	copy_image();
	h->n_edges++; /* the arrays no longer fill the section */
	assert_refused(E_BADELF);
	copy_image();
	tsecs()[1].addr = tsecs()[0].addr; /* overlapping sections */
	assert_refused(E_BADELF);
	copy_image();
	tsecs()[0].cell = (uint16_t)h->n_cells;
	assert_refused(E_BADELF);
	copy_image();
	tsyms()[0].section = h->n_sections;
	assert_refused(E_BADELF);
	copy_image();
	tedges()[h->n_edges - 1].to = h->n_symbols;
	assert_refused(E_BADELF);
	copy_image();
	tedges()[0].offset = tsecs()[tedges()[0].from].size - 1; /* its field runs past the section */
	assert_refused(E_BADELF);
	copy_image();
	tedges()[0].type = 0x7fff;
	assert_refused(E_BADELF);
	copy_image();
	struct nano_table_edge *e = &tedges()[0];
	for (uint32_t i = 0; i < h->n_symbols; i++) /* an edge inside one cell */
		if (tsecs()[tsyms()[i].section].cell == tsecs()[e->from].cell)
			e->to = i;
	assert_refused(E_BADELF);
	copy_image();
	section_name[1] = 'X'; /* no such section any more */
	assert_refused(E_NOTFOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nano_cells");
	TCase *tc = tcase_create("nano_core");
	tcase_add_checked_fixture(tc, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(tc, test_builtin_cells_hold_every_kind_whole_without_overlap);
	tcase_add_test(tc, test_every_edge_between_builtin_cells_is_a_relocation_the_image_has);
	tcase_add_test(tc, test_known_edges_are_recorded_at_both_ends);
	tcase_add_test(tc, test_edges_between_kernel_cells_go_down_the_floors);
	tcase_add_test(tc, test_a_corrupted_table_is_refused_whole);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
