/* The cell system's setup and teardown, and the queries over the
 * dependency graph: which cells a cell uses or is used by, what a task
 * entering a function can reach, and which cell holds an address. */
#include "diag.h"
#include "export.h"
#include "heap.h"
#include "load.h"

static struct namespace *root;

struct namespace *ns_root(void) { return root; }

err_t cells_init(const struct hal_boot_info *info)
{
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
void cells_fini(void)
{
	if (!root)
		return;
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
	list_for_each_safe(pos, tmp, &root->cells) {
		struct cell *c = list_entry(pos, struct cell, link);
		ns_remove_cell(root, c);
		cell_free(c);
	}
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
	return far_cells(c, true, out, cap);
}

size_t cell_dependents(const struct cell *c, const struct cell **out, size_t cap)
{
	return far_cells(c, false, out, cap);
}

/* A builtin cell's sections are sorted by address (nano_core.c): a binary
 * search; a loaded cell has a few, walked in order. */
static const struct cell_section *section_in(const struct cell *c, uintptr_t addr)
{
	size_t lo = 0, hi = c->n_sections;
	if (!c->builtin) {
		lo = hi;
		for (size_t i = 0; i < c->n_sections; i++) {
			const struct cell_section *s = &c->sections[i];
			if (addr >= s->addr && addr - s->addr < MAX(s->size, 1))
				return s;
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cell_section *s = &c->sections[mid];
		if (addr < s->addr)
			hi = mid;
		else if (addr - s->addr >= s->size)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

const struct cell_section *cell_section_at(uintptr_t addr)
{
	for (const struct namespace *ns = root; ns; ns = NULL) {
		struct list *pos;
		list_for_each(pos, &ns->cells) {
			const struct cell_section *s = section_in(list_entry(pos, struct cell, link), addr);
			if (s)
				return s;
		}
	}
	return NULL;
}

/* The symbol of v[0..n) closest below addr that contains it, or best. */
static const struct cell_symbol *closest(const struct cell_symbol *v, size_t n, uintptr_t addr,
					 const struct cell_symbol *best)
{
	for (size_t i = 0; i < n; i++) {
		const struct cell_symbol *y = &v[i];
		if (y->addr <= addr && (!best || y->addr > best->addr) && (addr - y->addr < MAX(y->size, 1)))
			best = y;
	}
	return best;
}

/* Exports first: where an export and an image symbol start at the same
 * address, reports use the exported name. */
const struct cell_symbol *cell_symbol_at(uintptr_t addr)
{
	const struct cell_section *s = cell_section_at(addr);
	if (!s)
		return NULL;
	const struct cell *c = s->cell;
	return closest(c->image_symbols, c->n_image_symbols, addr, closest(c->symbols, c->n_symbols, addr, NULL));
}

/* Cells reachable from the section holding fn: a breadth-first walk over
 * outgoing edges (what a task entering fn can touch). */
size_t cell_reachable_from(uintptr_t fn, const struct cell **out, size_t cap)
{
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
