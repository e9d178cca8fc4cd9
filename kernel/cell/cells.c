/* The cell system's setup and teardown, and the queries over the
 * dependency graph: which cells a cell uses or is used by, what a task
 * entering a function can reach. Each takes the cells lock (lock.c holds
 * the lookups by address). */
#include "cell_diag.h"
#include "export.h"
#include "heap.h"
#include "cell_swap.h"
#include "load.h"

static struct namespace *root;

struct namespace *ns_root(void) { return root; }

err_t cells_init(const struct hal_boot_info *info)
{
	CELLS_GUARD();
	err_t e = ns_create("root", NULL, &root);
	if (!e)
		e = nano_core_cells(root, info);
	if (!e)
		e = images_index(info);
	if (e)
		cells_fini();
	return e;
}

/* Unloads loaded cells dependents-first, then the builtin ones. */
static void free_if_retired(struct cell *c, void *unused)
{
	(void)unused;
	if (c->retired)
		cell_free_withdrawn(c);
}

void cells_fini(void)
{
	if (!root)
		return;
	CELLS_GUARD();
	/* Cells a swap retired (swapped out, kept while something referred to
	 * them) go first: their edges lead into cells freed below. */
	cells_for_each(free_if_retired, NULL);
	bool progress = true;
	while (progress) {
		progress = false;
		struct list *pos, *tmp;
		list_for_each_safe(pos, tmp, &root->cells) {
			struct cell *c = list_entry(pos, struct cell, link);
			struct cell_diag d;
			if (!c->builtin && cell_unload(c, &d) == E_OK)
				progress = true;
		}
	}
	/* What is left (the nano_core, cells bound by import tables) may depend
	 * on each other: drop every edge first, then the cells. */
	struct list *pos, *tmp;
	list_for_each(pos, &root->cells) cell_drop_edges(list_entry(pos, struct cell, link));
	list_for_each_safe(pos, tmp, &root->cells) cell_retire(list_entry(pos, struct cell, link));
	ns_destroy(root);
	root = NULL;
	images_fini();
}

size_t cell_region_size(const struct cell *c, enum cell_region r)
{
	if (c->builtin) {
		size_t total = 0;
		for (size_t i = 0; i < c->n_sections; i++)
			total += c->sections[i].region == r ? c->sections[i].size : 0;
		return total;
	}
	const struct mapped_pages *m = r == REGION_TEXT ? &c->text.m : r == REGION_RODATA ? &c->rodata : &c->data.m;
	return mp_size(m);
}

static bool add_unique(const struct cell **out, size_t cap, size_t *n, const struct cell *c)
{
	size_t lim = MIN(*n, cap);
	for (size_t i = 0; i < lim; i++)
		if (out && out[i] == c)
			return false;
	if (out && *n < cap)
		out[*n] = c;
	(*n)++;
	return true;
}

/* Walking a cell's edges out (to the cells it uses) or in (from the cells
 * that use it); the "far" cell is the one at the other end. */
static const struct list *edge_list(const struct cell *c, size_t sec, bool out)
{
	return out ? &c->sections[sec].edges_out : &c->sections[sec].edges_in;
}

static const struct cell *far_cell(const struct list *pos, bool out)
{
	return out ? list_entry(pos, struct dep_edge, out_link)->sym->section->cell
		   : list_entry(pos, struct dep_edge, in_link)->from->cell;
}

/* Whether an edge walked before (section sec, position at) reaches far. */
static bool seen_before(const struct cell *c, bool out, size_t sec, const struct list *at,
			const struct cell *far)
{
	for (size_t i = 0; i <= sec; i++) {
		const struct list *head = edge_list(c, i, out);
		for (const struct list *pos = head->next; pos != head && pos != at; pos = pos->next)
			if (far_cell(pos, out) == far)
				return true;
	}
	return false;
}

/* The distinct far cells other than c, in first-seen order. Duplicates are
 * found by looking back over the edges rather than in out[], so the count
 * is exact whatever cap is (also with out == NULL, cap == 0). */
static size_t far_cells(const struct cell *c, bool out_edges, const struct cell **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct list *head = edge_list(c, i, out_edges);
		for (const struct list *pos = head->next; pos != head; pos = pos->next) {
			const struct cell *far = far_cell(pos, out_edges);
			if (far == c || seen_before(c, out_edges, i, pos, far))
				continue;
			if (out && n < cap)
				out[n] = far;
			n++;
		}
	}
	return n;
}

size_t cell_dependencies(const struct cell *c, const struct cell **out, size_t cap)
{
	CELLS_GUARD();
	return far_cells(c, true, out, cap);
}

size_t cell_dependents(const struct cell *c, const struct cell **out, size_t cap)
{
	CELLS_GUARD();
	return far_cells(c, false, out, cap);
}

/* Cells reachable from the section holding fn: a breadth-first walk over
 * outgoing edges (what a task entering fn can touch). */
size_t cell_reachable_from(uintptr_t fn, const struct cell **out, size_t cap)
{
	CELLS_GUARD();
	const struct cell_section *start = cell_section_at(fn);
	if (!start || !out || !cap)
		return 0;
	size_t n = 0;
	add_unique(out, cap, &n, start->cell);
	for (size_t i = 0; i < MIN(n, cap); i++) {
		const struct cell *c = out[i];
		for (size_t k = 0; k < c->n_sections; k++) {
			struct list *pos;
			list_for_each(pos, &c->sections[k].edges_out) {
				const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
				add_unique(out, cap, &n, e->sym->section->cell);
			}
		}
	}
	return MIN(n, cap);
}

EXPORT_KERNEL(ns_root);
EXPORT_KERNEL(ns_create);
EXPORT_KERNEL(ns_destroy);
EXPORT_KERNEL(ns_resolve);
EXPORT_KERNEL(ns_find_cell);
EXPORT_KERNEL(cell_load);
EXPORT_KERNEL(cell_load_image);
EXPORT_KERNEL(cell_unload);
EXPORT_KERNEL(cell_image_find);
EXPORT_KERNEL(cell_images);
EXPORT_KERNEL(cell_region_size);
EXPORT_KERNEL(cell_section_at);
EXPORT_KERNEL(cell_symbol_at);
EXPORT_KERNEL(cell_dependencies);
EXPORT_KERNEL(cell_dependents);
EXPORT_KERNEL(cell_reachable_from);
EXPORT_KERNEL(cell_diag_format);
EXPORT_KERNEL(reloc_type_name);
