/* What is loaded: `ls` (cells, retired cells and the images not loaded), `ns`
 * (namespaces), `syms` (a cell's exports), `sections` (a cell's sections)
 * and `nano` (how much of the nano_core its cells hold), read from the loader's
 * metadata (cell.h), plus the cell lookups the other commands share. */
#include "cell.h"
#include "heap.h"
#include "klib.h"
#include "shell.h"
#include "swap.h"
#include "swap_retired.h"

/* --- shared helpers ----------------------------------------------------------- */

struct cell *shell_find_cell(const char *cmd, const char *name)
{
	struct cell *c = ns_find_cell(ns_root(), name);
	if (c)
		return c;
	if (cell_image_find(name))
		shell_error(cmd, "cell %s is not loaded ('load %s' loads it)", name, name);
	else
		shell_error(cmd, "no cell or cell image called '%s' ('ls' lists them)", name);
	return NULL;
}

void shell_print_cell_names(const struct cell *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kprintf("%s%s", i ? ", " : "", cells[i]->name);
}

const struct cell **shell_query_cells(shell_cell_query q, const struct cell *c, size_t *n)
{
	const struct cell *probe[1];
	*n = q(c, probe, 0);
	if (*n == 0)
		return NULL;
	const struct cell **out = kmalloc(*n * sizeof *out);
	if (out)
		*n = MIN(*n, q(c, out, *n));
	return out;
}

static size_t ns_cell_count(const struct namespace *ns)
{
	size_t n = 0;
	const struct list *pos;
	list_for_each(pos, &ns->cells)
		n++;
	return n;
}

static const char *class_name(enum cell_class cls)
{
	switch (cls) {
	case CELL_KERNEL: return "kernel";
	case CELL_APP: return "app";
	}
	return "?";
}

/* --- ls -------------------------------------------------------------------------- */

static void ls_cell(const struct cell *c)
{
	kprintf("  %-24s %-6s %4u %8zu %8zu %8zu%s\n", c->name, class_name(c->class), c->version,
		cell_region_size(c, REGION_TEXT), cell_region_size(c, REGION_RODATA),
		cell_region_size(c, REGION_DATA), c->builtin ? "  builtin" : "");
}

static void ls_namespace(const struct namespace *ns)
{
	kprintf("cells in namespace %s:\n", ns->name);
	kprintf("  %-24s %-6s %4s %8s %8s %8s\n", "cell", "class", "ver", "text", "rodata", "data");
	const struct list *pos;
	list_for_each(pos, &ns->cells)
		ls_cell(list_entry(pos, struct cell, link));
}

/* Old cells a swap took out and keeps while something refers to them,
 * each with why it was kept at its last check. */
static void ls_retired_one(const struct cell *c, const char *why, void *arg)
{
	(void)arg;
	ls_cell(c);
	kprintf("    kept: %s\n", why);
}

static void ls_retired(void)
{
	kprintf("retired cells: %zu\n", swap_retired_count());
	swap_retired_for_each(ls_retired_one, NULL);
}

static void ls_images_not_loaded(const struct namespace *ns)
{
	const struct cell_image *images;
	size_t n = cell_images(&images), shown = 0;
	kprintf("cell images not loaded:\n");
	for (size_t i = 0; i < n; i++) {
		if (ns_find_cell(ns, images[i].name))
			continue;
		kprintf("  %-24s %8zu bytes\n", images[i].name, images[i].size);
		shown++;
	}
	if (!shown)
		kprintf("  (none)\n");
}

bool cmd_ls(struct shell *sh, const struct shell_args *a)
{
	(void)swap_reap(); /* what nothing refers to any more goes before it is listed */
	CELLS_GUARD(); /* a consistent list */
	ls_namespace(ns_root());
	ls_retired();
	ls_images_not_loaded(ns_root());
	return true;
}

/* --- ns ----------------------------------------------------------------------------- */

/* cell.h offers no list of all namespaces, so this shows the root and the
 * chain of parents it falls back on. */
bool cmd_ns(struct shell *sh, const struct shell_args *a)
{
	kprintf("  %-16s %-16s %6s %8s\n", "namespace", "parent", "cells", "symbols");
	CELLS_GUARD();
	for (const struct namespace *ns = ns_root(); ns; ns = ns->parent)
		kprintf("  %-16s %-16s %6zu %8zu\n", ns->name, ns->parent ? ns->parent->name : "-",
			ns_cell_count(ns), hmap_count(&ns->symbols));
	return true;
}

/* --- syms ---------------------------------------------------------------------------- */

bool cmd_syms(struct shell *sh, const struct shell_args *a)
{
	CELLS_GUARD(); /* c stays loaded while its symbols print */
	const struct cell *c = shell_find_cell("syms", a->argv[1]);
	if (!c)
		return false;
	kprintf("%s exports %zu symbols:\n", c->name, c->n_symbols);
	for (size_t i = 0; i < c->n_symbols; i++) {
		const struct cell_symbol *s = &c->symbols[i];
		kprintf("  0x%08lx %8zu %-6s %-6s %s\n", (unsigned long)s->addr, s->size,
			s->is_func ? "func" : "object", s->app_visible ? "app" : "kernel", s->name);
	}
	return true;
}

/* --- sections --------------------------------------------------------------------- */

static const char *section_kind(const struct cell_section *s)
{
	if (s->bss)
		return "bss";
	return s->region == REGION_TEXT ? "text" : s->region == REGION_RODATA ? "rodata" : "data";
}

/* "  0x00401230      162 text   .text.frames_free" */
bool cmd_sections(struct shell *sh, const struct shell_args *a)
{
	CELLS_GUARD(); /* c stays loaded while its sections print */
	const struct cell *c = shell_find_cell("sections", a->argv[1]);
	if (!c)
		return false;
	kprintf("%s has %zu sections:\n", c->name, c->n_sections);
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct cell_section *s = &c->sections[i];
		kprintf("  0x%08lx %8zu %-6s %s\n", (unsigned long)s->addr, s->size, section_kind(s), s->name);
	}
	return true;
}

/* --- nano: how much of the nano_core its builtin cells hold ----------------------- */

bool cmd_nano(struct shell *sh, const struct shell_args *a)
{
	static const char *const kinds[] = { "text", "rodata", "data", "bss" };
	struct nano_core_coverage v;
	nano_core_coverage(&v);
	kprintf("nano_core as cells: %zu cells, %zu sections, %zu symbols, %zu edges between them\n", v.cells,
		v.sections, v.symbols, v.edges);
	kprintf("  %-8s %10s %10s\n", "kind", "in cells", "in image");
	uint64_t in = 0, all = v.merged + v.other;
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		kprintf("  %-8s %10llu %10llu\n", kinds[k], (unsigned long long)v.in_cells[k],
			(unsigned long long)v.image[k]);
		in += v.in_cells[k];
		all += v.image[k];
	}
	kprintf("  %-8s %10s %10llu  (strings and constants the linker merged across cells)\n", "merged", "-",
		(unsigned long long)v.merged);
	kprintf("  %-8s %10s %10llu  (unwind tables, thread-local templates)\n", "other", "-",
		(unsigned long long)v.other);
	kprintf("  in cells: %llu of the %llu bytes of kernel and HAL code and data in the image (%llu%%)\n",
		(unsigned long long)in, (unsigned long long)all, (unsigned long long)(all ? in * 100 / all : 0));
	return true;
}

/* --- images ------------------------------------------------------------------------ */

/* FNV-1a over the object's bytes: lets a test prove two machines load
 * byte-identical cell objects. */
static uint64_t image_hash(const struct cell_image *img)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *p = img->addr;
	for (size_t i = 0; i < img->size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

bool cmd_images(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	(void)a;
	const struct cell_image *images;
	size_t n = cell_images(&images);
	kprintf("%zu cell images:\n", n);
	for (size_t i = 0; i < n; i++)
		kprintf("  image %-24s %8zu bytes  fnv1a64 %016llx\n", images[i].name, images[i].size,
			(unsigned long long)image_hash(&images[i]));
	return true;
}
