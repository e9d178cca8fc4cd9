/* libFuzzer target for the cell loader (kernel/cell): parse, place, resolve,
 * relocate, commit, unload, on hostile bytes (DESIGN.md §3).
 *
 * LLVMFuzzerInitialize boots a small hosted machine once: 64 MiB of memory,
 * mm, heap, and the cell system over the build's cell objects (directory
 * from $THESEUS_CELLS, else the THESEUS_CELL_DIR the build compiled in).
 * Every image that loads is loaded into the root namespace, so inputs can
 * link against other cells (cross-cell edges) as well as the nano_core.
 *
 * Each input is loaded into a fresh child namespace of root (so an input
 * named like a preloaded cell, or exporting the same symbols, still gets
 * past the name checks), checked without running any of its code,
 * unloaded, and the namespace destroyed. Afterwards free frames, free
 * pages, live heap blocks and the root cells' dependents must be exactly
 * as before the input: anything else is a leak or a corruption in the
 * loader, reported as a crash through abort(). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena_shim.h"
#include "cell_boot.h"
#include "mm_boot.h"
#include "cell.h"
#include "heap.h"
#include "hosted.h"
#include "mm.h"

#ifndef THESEUS_CELL_DIR
#define THESEUS_CELL_DIR "build/cells"
#endif
#define FUZZ_MEMORY (64UL << 20)
#define MAX_ROOT_CELLS 256

static struct hal_boot_info info;

/* Root cells and how many dependents each had after boot. */
static struct cell *root_cells[MAX_ROOT_CELLS];
static size_t root_dependents[MAX_ROOT_CELLS];
static size_t n_root_cells;

struct baseline {
	size_t frames, pages, live_blocks, live_bytes;
};

static struct baseline snapshot(void)
{
	/* Empty slabs are a cache, not a leak: return them before counting. */
	heap_trim();
	struct heap_stats hs;
	heap_stats(&hs);
	return (struct baseline){ frames_free_count(), pages_free_count(), hs.live_blocks, hs.live_bytes };
}

static void fail(const char *what, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *what, ...)
{
	va_list ap;
	va_start(ap, what);
	fputs("fuzz_loader: ", stderr);
	vfprintf(stderr, what, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void note_root_cells(void)
{
	n_root_cells = 0;
	struct list *pos;
	list_for_each(pos, &ns_root()->cells) {
		if (n_root_cells == MAX_ROOT_CELLS)
			break;
		struct cell *c = list_entry(pos, struct cell, link);
		root_cells[n_root_cells] = c;
		root_dependents[n_root_cells] = cell_dependents(c, NULL, 0);
		n_root_cells++;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("THESEUS_CELLS");
	if (!dir || !*dir)
		dir = THESEUS_CELL_DIR;
	if (!hosted_mem_init(FUZZ_MEMORY, &info))
		fail("cannot set up hosted memory");
	/* ASan's shadow starts at FUZZ_ARENA_END: the arena stops there (arena_shim.h). */
	if (info.arena_base + info.arena_size > FUZZ_ARENA_END)
		info.arena_size = FUZZ_ARENA_END - info.arena_base;
	if (mm_init(&info) || heap_init())
		fail("cannot start mm and heap");
	if (!hosted_cells_load(dir, &info))
		fail("cannot list cell images in %s (set THESEUS_CELLS)", dir);
	hosted_kernel_image(&info);
	if (cells_init(&info))
		fail("cells_init failed");
	/* Preload what loads (with its dependencies); the test cells that are
	 * meant to fail (missing symbol, duplicate, privilege) simply do not. */
	const struct cell_image *imgs;
	size_t n = cell_images(&imgs), loaded = 0;
	for (size_t i = 0; i < n; i++) {
		struct cell *c;
		struct cell_diag d;
		if (ns_find_cell(ns_root(), imgs[i].name))
			continue;
		loaded += cell_load(ns_root(), imgs[i].name, &c, &d) == E_OK;
	}
	note_root_cells();
	if (!getenv("FUZZ_LOADER_QUIET"))
		fprintf(stderr, "fuzz_loader: %zu cell images in %s, %zu loaded in root (%zu root cells)\n",
			n, dir, loaded, n_root_cells);
	return 0;
}

/* Whether [a, a+len) lies inside the mapping m. */
static bool in_mapping(const struct mapped_pages *m, uintptr_t a, size_t len)
{
	uintptr_t base = mp_start(m);
	size_t size = mp_size(m);
	return size && a >= base && len <= size && a - base <= size - len;
}

static const struct mapped_pages *region_map(const struct cell *c, enum cell_region r)
{
	return r == REGION_TEXT ? &c->text.m : r == REGION_RODATA ? &c->rodata : &c->data.m;
}

/* A bounded consistency check of a loaded cell. Reads its memory (one byte
 * per page, so unmapped regions fault) but never runs its code. */
static void check_cell(struct namespace *ns, const struct cell *c)
{
	if (c->builtin || c->ns != ns || ns_find_cell(ns, c->name) != c)
		fail("cell %s: not registered in its namespace", c->name);
	if (strnlen(c->name, CELL_NAME_MAX) == 0 || strnlen(c->name, CELL_NAME_MAX) == CELL_NAME_MAX)
		fail("cell name not a terminated, non-empty string");
	if (c->class != CELL_KERNEL && c->class != CELL_APP)
		fail("cell %s: bad class %d", c->name, c->class);
	volatile uint8_t sink = 0;
	for (int r = 0; r < REGION_COUNT; r++) {
		const struct mapped_pages *m = region_map(c, r);
		for (size_t off = 0; off < mp_size(m); off += PAGE_SIZE)
			sink ^= *(const volatile uint8_t *)(mp_start(m) + off);
	}
	(void)sink;
	for (size_t i = 0; i < c->n_sections; i++) {
		const struct cell_section *s = &c->sections[i];
		if (s->cell != c || !s->name || s->region >= REGION_COUNT || s->size == 0)
			fail("cell %s: section %zu malformed", c->name, i);
		if (!in_mapping(region_map(c, s->region), s->addr, s->size))
			fail("cell %s: section %s [%#lx+%zu] outside its region", c->name, s->name,
			     (unsigned long)s->addr, s->size);
		struct list *pos;
		size_t k = 0;
		list_for_each(pos, &s->edges_out) {
			const struct dep_edge *e = list_entry(pos, struct dep_edge, out_link);
			if (++k > 1000000)
				fail("cell %s: edge list of %s does not end", c->name, s->name);
			if (e->from != s || !e->sym || !e->sym->section || e->sym->section->cell == c)
				fail("cell %s: bad edge out of %s", c->name, s->name);
			if (e->offset >= s->size)
				fail("cell %s: edge at %#llx outside %s", c->name, (unsigned long long)e->offset,
				     s->name);
		}
	}
	for (size_t i = 0; i < c->n_symbols; i++) {
		const struct cell_symbol *y = &c->symbols[i];
		if (!y->name || !y->name[0])
			fail("cell %s: export %zu has no name", c->name, i);
		if (y->section && (y->section->cell != c || y->addr < y->section->addr ||
				   y->addr - y->section->addr > y->section->size))
			fail("cell %s: export %s outside its section", c->name, y->name);
		const struct cell_symbol *found = ns_resolve(ns, y->name);
		if (found != y)
			fail("cell %s: export %s does not resolve to it", c->name, y->name);
	}
	const struct cell *deps[64];
	size_t nd = cell_dependencies(c, deps, 64);
	for (size_t i = 0; i < nd && i < 64; i++)
		if (deps[i] == c || deps[i]->ns == ns)
			fail("cell %s: depends on itself or a cell of its own namespace", c->name);
	if (cell_dependents(c, NULL, 0) != 0)
		fail("cell %s: has dependents right after loading", c->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline before = snapshot();
	/* An 8-aligned copy of exactly size bytes (ASan marks the end). */
	uint8_t *bytes = malloc(size ? size : 1);
	if (!bytes)
		return 0;
	memcpy(bytes, data, size);

	struct namespace *ns;
	if (ns_create("fuzz", ns_root(), &ns))
		fail("ns_create failed");
	struct cell *c = NULL;
	struct cell_diag diag;
	err_t e = cell_load_image(ns, bytes, size, &c, &diag);
	if (!e) {
		if (!c)
			fail("cell_load_image succeeded without a cell");
		check_cell(ns, c);
		err_t u = cell_unload(c, &diag);
		if (u) {
			char line[320];
			cell_diag_format(&diag, line, sizeof line);
			fail("cell_unload failed: %s", line);
		}
	} else {
		char line[320];
		if (e >= E_ERR_COUNT || cell_diag_format(&diag, line, sizeof line) < 0)
			fail("bad error %d from cell_load_image", e);
	}
	if (!list_empty(&ns->cells) || hmap_count(&ns->symbols) != 0)
		fail("namespace not empty after %s", e ? "a failed load" : "unload");
	ns_destroy(ns);
	free(bytes);

	for (size_t i = 0; i < n_root_cells; i++)
		if (cell_dependents(root_cells[i], NULL, 0) != root_dependents[i])
			fail("root cell %s keeps edges from an unloaded cell", root_cells[i]->name);
	struct baseline after = snapshot();
	if (memcmp(&before, &after, sizeof before))
		fail("leak after a %s load: free frames %zu -> %zu, free pages %zu -> %zu, "
		     "live heap blocks %zu -> %zu (%zu -> %zu bytes)",
		     e ? "failed" : "successful", before.frames, after.frames, before.pages, after.pages,
		     before.live_blocks, after.live_blocks, before.live_bytes, after.live_bytes);
	return 0;
}
