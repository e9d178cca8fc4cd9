/* The nano_core as cells (DESIGN.md §1, P1: nothing is exempt). Every
 * input section the image holds from a kernel or HAL object is a section
 * of one builtin cell: "nano_core_<folder>" per kernel/<folder>, and
 * "nano_core_hal" for the HAL the image was linked with, with its kind
 * (text, rodata, data, bss) and its functions and objects; every reference
 * from one of these cells to a symbol another defines is a dependency edge,
 * as the loader records for loaded cells. The build writes this down in the
 * image itself (tools/nanocells, nano_table.h); here the table is checked
 * and turned into cells. The exports (export.h) become the cells' exported
 * symbols, each in the cell whose section holds it. The image's .eh_frame
 * is handed to the unwinder from the same image. */
#include "cell_diag.h"
#include "export.h"
#include "heap.h"
#include "load.h"
#include "nano_table.h"
#include "reloc.h"
#include "unwind.h"

/* The nano_core's own ELF image (handed over by the HAL), its section
 * table checked against the file before use. */
struct image {
	const uint8_t *b;
	size_t n;
	const Elf64_Shdr *sh;
	size_t shnum;
};

static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
	return off <= im->n && len <= im->n - off;
}

static bool image_open(const struct hal_boot_info *info, struct image *im)
{
	*im = (struct image){ info->kernel_image, info->kernel_image_size, NULL, 0 };
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->b;
	if (!im->b || im->n < sizeof *eh || memcmp(eh->e_ident, "\177ELF", 4) ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) || !in_file(im, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return false;
	im->sh = (const Elf64_Shdr *)(im->b + eh->e_shoff);
	im->shnum = eh->e_shnum;
	return true;
}

/* A string table of the image, or NULL if it is not a terminated one in the file. */
static const char *image_strtab(const struct image *im, size_t idx, size_t *size)
{
	const Elf64_Shdr *s = idx < im->shnum ? &im->sh[idx] : NULL;
	if (!s || !s->sh_size || !in_file(im, s->sh_offset, s->sh_size) || im->b[s->sh_offset + s->sh_size - 1])
		return NULL;
	*size = s->sh_size;
	return (const char *)im->b + s->sh_offset;
}

/* The image's section called name (in the file), or NULL. */
static const Elf64_Shdr *image_section(const struct image *im, const char *name)
{
	size_t names_size;
	const char *names = image_strtab(im, ((const Elf64_Ehdr *)im->b)->e_shstrndx, &names_size);
	for (size_t i = 0; names && i < im->shnum; i++)
		if (im->sh[i].sh_name < names_size && !strcmp(names + im->sh[i].sh_name, name))
			return &im->sh[i];
	return NULL;
}

/* The nano_core's .eh_frame (and that of HAL code outside its image) for
 * the unwinder, so unwinding crosses kernel frames like any cell's. */
err_t nano_core_register_unwind(const struct hal_boot_info *info)
{
	for (size_t i = 0; i < info->n_eh_frames; i++)
		if (!unwind_register_eh_frame(info->eh_frames[i].start, info->eh_frames[i].size))
			return E_TOOBIG;
	struct image im;
	size_t names_size;
	const char *names = image_open(info, &im) ? image_strtab(&im, ((const Elf64_Ehdr *)im.b)->e_shstrndx,
								 &names_size) : NULL;
	if (!names)
		return E_BADELF;
	for (size_t i = 0; i < im.shnum; i++)
		if (im.sh[i].sh_name < names_size && im.sh[i].sh_addr && !strcmp(names + im.sh[i].sh_name, ".eh_frame"))
			return unwind_register_eh_frame((const void *)im.sh[i].sh_addr, im.sh[i].sh_size) ? E_OK
													     : E_TOOBIG;
	return E_NOTFOUND;
}

/* --- the table, checked ------------------------------------------------------------ */

struct table {
	const struct nano_table_header *h;
	const uint32_t *cell_names;
	const struct nano_table_section *secs;
	const struct nano_table_symbol *syms;
	const struct nano_table_edge *edges;
	const char *strings;
};

static const char *tstr(const struct table *t, uint32_t off) { return t->strings + off; }

static bool tstr_ok(const struct table *t, uint32_t off) { return off < t->h->strings_size; }

/* The arrays of the table lie in its section, back to back, the strings
 * last and terminated. */
static err_t table_locate(const void *base, uint64_t size, struct table *t, struct cell_diag *diag)
{
	const uint8_t *p = base;
	const struct nano_table_header *h = base;
	if (size < sizeof *h || memcmp(h->magic, NANO_TABLE_MAGIC, sizeof h->magic) || h->version != NANO_TABLE_VERSION)
		return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL, "no table of version %d",
				NANO_TABLE_VERSION);
	uint64_t off = sizeof *h, need = off + NANO_TABLE_NAMES_BYTES(h->n_cells) +
					  (uint64_t)h->n_sections * sizeof *t->secs +
					  (uint64_t)h->n_symbols * sizeof *t->syms +
					  (uint64_t)h->n_edges * sizeof *t->edges + h->strings_size;
	if (need != size || !h->strings_size || p[size - 1])
		return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL,
				"%llu bytes, its header says %llu", (unsigned long long)size,
				(unsigned long long)need);
	*t = (struct table){ .h = h, .cell_names = (const uint32_t *)(p + off) };
	off += NANO_TABLE_NAMES_BYTES(h->n_cells);
	t->secs = (const struct nano_table_section *)(p + off);
	off += h->n_sections * sizeof *t->secs;
	t->syms = (const struct nano_table_symbol *)(p + off);
	off += h->n_symbols * sizeof *t->syms;
	t->edges = (const struct nano_table_edge *)(p + off);
	off += h->n_edges * sizeof *t->edges;
	t->strings = (const char *)(p + off);
	return E_OK;
}

/* Sections sorted and disjoint, symbols sorted and inside their sections,
 * edges inside their sections: what the lookups and the cells rely on. */
static err_t table_check(const struct table *t, struct cell_diag *diag)
{
	const struct nano_table_header *h = t->h;
	for (uint32_t i = 0; i < h->n_cells; i++)
		if (!tstr_ok(t, t->cell_names[i]) || strlen(tstr(t, t->cell_names[i])) + 11 > CELL_NAME_MAX)
			return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL, "cell %u: bad name", i);
	for (uint32_t i = 0; i < h->n_sections; i++) {
		const struct nano_table_section *s = &t->secs[i];
		if (!tstr_ok(t, s->name) || s->cell >= h->n_cells || s->kind >= NANO_KIND_COUNT || !s->size ||
		    s->addr + s->size < s->addr || (i && t->secs[i - 1].addr + t->secs[i - 1].size > s->addr))
			return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL,
					"section %u: bad, or overlaps the one before", i);
	}
	for (uint32_t i = 0; i < h->n_symbols; i++) {
		const struct nano_table_symbol *y = &t->syms[i];
		const struct nano_table_section *s = y->section < h->n_sections ? &t->secs[y->section] : NULL;
		if (!s || !tstr_ok(t, y->name) || y->addr < s->addr || y->addr - s->addr > s->size ||
		    y->size > s->size - (y->addr - s->addr) || (i && t->syms[i - 1].addr > y->addr))
			return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL,
					"symbol %u: outside its section or out of order", i);
	}
	for (uint32_t i = 0; i < h->n_edges; i++) {
		const struct nano_table_edge *e = &t->edges[i];
		size_t width = reloc_width(e->type);
		if (e->from >= h->n_sections || e->to >= h->n_symbols || !width ||
		    e->offset > t->secs[e->from].size || width > t->secs[e->from].size - e->offset ||
		    t->secs[e->from].cell == t->secs[t->syms[e->to].section].cell)
			return diag_set(diag, E_BADELF, NANO_TABLE_SECTION, NULL, NULL,
					"edge %u: bad type, site or ends", i);
	}
	return E_OK;
}

static err_t table_open(const struct hal_boot_info *info, struct table *t, struct cell_diag *diag)
{
	struct image im;
	if (!image_open(info, &im))
		return diag_set(diag, E_BADELF, NULL, NULL, NULL, "the HAL handed over no readable nano_core image");
	const Elf64_Shdr *s = image_section(&im, NANO_TABLE_SECTION);
	if (!s || !in_file(&im, s->sh_offset, s->sh_size) || (uintptr_t)(im.b + s->sh_offset) % 8)
		return diag_set(diag, E_NOTFOUND, NANO_TABLE_SECTION, NULL, NULL,
				"the image has no such aligned section (the build adds it: tools/nanocells)");
	err_t e = table_locate(im.b + s->sh_offset, s->sh_size, t, diag);
	return e ? e : table_check(t, diag);
}

/* --- cells from the table ---------------------------------------------------------- */

static const enum cell_region region_of_kind[NANO_KIND_COUNT] = {
	[NANO_TEXT] = REGION_TEXT, [NANO_RODATA] = REGION_RODATA, [NANO_DATA] = REGION_DATA, [NANO_BSS] = REGION_DATA,
};

/* While the cells are built: the cell of each table cell, and the run-time
 * section and symbol of each table entry. */
struct build {
	const struct table *t;
	struct cell **cells;
	struct cell_section **sec;
	struct cell_symbol **sym;
};

/* The table section holding addr, by binary search, or -1. */
static long section_index_at(const struct table *t, uintptr_t addr)
{
	size_t lo = 0, hi = t->h->n_sections;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct nano_table_section *s = &t->secs[mid];
		if (addr < s->addr)
			hi = mid;
		else if (addr - s->addr >= s->size)
			lo = mid + 1;
		else
			return (long)mid;
	}
	return -1;
}

/* Each export in the cell whose section holds it; one outside every
 * section of the nano_core is an error (the table would be wrong). */
static err_t count_exports(const struct build *b, size_t *n_exports, struct cell_diag *diag)
{
	for (const struct export_entry *x = exports_begin(); x < exports_end(); x++) {
		long i = section_index_at(b->t, (uintptr_t)x->addr);
		if (i < 0)
			return diag_set(diag, E_BADELF, NULL, x->name, NULL,
					"the export's address %p is in no section of the nano_core's table", x->addr);
		n_exports[b->t->secs[i].cell]++;
	}
	return E_OK;
}

static err_t cell_alloc(struct build *b, uint32_t ci, size_t n_exports)
{
	const struct table *t = b->t;
	size_t n_secs = 0, n_syms = 0;
	for (uint32_t i = 0; i < t->h->n_sections; i++)
		n_secs += t->secs[i].cell == ci;
	for (uint32_t i = 0; i < t->h->n_symbols; i++)
		n_syms += t->secs[t->syms[i].section].cell == ci;
	struct cell *c = b->cells[ci] = kzalloc(sizeof *c);
	if (!c)
		return E_NOMEM;
	ksnprintf(c->name, sizeof c->name, "nano_core_%s", tstr(t, t->cell_names[ci]));
	c->class = CELL_KERNEL;
	c->version = 1;
	c->builtin = true;
	list_init(&c->link);
	c->sections = kzalloc(MAX(n_secs, 1) * sizeof *c->sections);
	c->symbols = kzalloc(MAX(n_exports, 1) * sizeof *c->symbols);
	c->image_symbols = kzalloc(MAX(n_syms, 1) * sizeof *c->image_symbols);
	return c->sections && c->symbols && c->image_symbols ? E_OK : E_NOMEM;
}

/* Sections and image symbols in table order, so each cell's are sorted by
 * address (cell_section_at searches them). */
static void fill_sections_and_symbols(struct build *b)
{
	const struct table *t = b->t;
	for (uint32_t i = 0; i < t->h->n_sections; i++) {
		const struct nano_table_section *ts = &t->secs[i];
		struct cell *c = b->cells[ts->cell];
		struct cell_section *s = b->sec[i] = &c->sections[c->n_sections++];
		*s = (struct cell_section){ .cell = c, .name = tstr(t, ts->name), .addr = ts->addr, .size = ts->size,
					    .region = region_of_kind[ts->kind], .bss = ts->kind == NANO_BSS };
		list_init(&s->edges_out);
		list_init(&s->edges_in);
	}
	for (uint32_t i = 0; i < t->h->n_symbols; i++) {
		const struct nano_table_symbol *ty = &t->syms[i];
		struct cell_section *s = b->sec[ty->section];
		struct cell *c = s->cell;
		struct cell_symbol *y = b->sym[i] = &c->image_symbols[c->n_image_symbols++];
		*y = (struct cell_symbol){ .name = tstr(t, ty->name), .section = s, .addr = ty->addr,
					   .size = ty->size, .is_func = ty->is_func };
	}
}

/* The exports, sized like the image symbol at their address (an export's
 * name may differ from its C symbol's: EXPORT_AS(rt_abort, "abort")). */
static void fill_exports(struct build *b)
{
	for (const struct export_entry *x = exports_begin(); x < exports_end(); x++) {
		uintptr_t addr = (uintptr_t)x->addr;
		struct cell_section *s = b->sec[section_index_at(b->t, addr)];
		struct cell *c = s->cell;
		const struct cell_symbol *img = NULL;
		for (size_t i = 0; i < c->n_image_symbols && !img; i++)
			if (c->image_symbols[i].addr == addr && c->image_symbols[i].size)
				img = &c->image_symbols[i];
		c->symbols[c->n_symbols++] = (struct cell_symbol){
			.name = x->name, .section = s, .addr = addr, .size = img ? img->size : 0,
			.is_func = img ? img->is_func : s->region == REGION_TEXT,
			.app_visible = x->class == EXPORT_CLASS_APP };
	}
}

/* The edges between the cells, linked at both ends as the loader's commit does. */
static err_t link_edges(struct build *b)
{
	const struct table *t = b->t;
	for (uint32_t i = 0; i < t->h->n_edges; i++) {
		const struct nano_table_edge *te = &t->edges[i];
		struct dep_edge *e = kmalloc(sizeof *e);
		if (!e)
			return E_NOMEM;
		*e = (struct dep_edge){ .from = b->sec[te->from], .offset = te->offset, .type = te->type,
					.addend = te->addend, .sym = b->sym[te->to] };
		list_push_back(&e->from->edges_out, &e->out_link);
		list_push_back(&b->sym[te->to]->section->edges_in, &e->in_link);
	}
	return E_OK;
}

/* Builds every cell, then adds them to ns; on error frees what it built
 * (edges first: they may join cells not yet added). */
static err_t build_cells(struct build *b, struct namespace *ns, struct cell_diag *diag)
{
	uint32_t n = b->t->h->n_cells;
	size_t *n_exports = kzalloc(MAX(n, 1) * sizeof *n_exports);
	err_t e = n_exports ? count_exports(b, n_exports, diag) : E_NOMEM;
	for (uint32_t i = 0; i < n && !e; i++)
		e = cell_alloc(b, i, n_exports[i]);
	kfree(n_exports);
	if (!e) {
		fill_sections_and_symbols(b);
		fill_exports(b);
		e = link_edges(b);
	}
	uint32_t added = 0;
	while (!e && added < n) {
		e = ns_add_cell(ns, b->cells[added], diag);
		added += !e;
	}
	if (e) {
		for (uint32_t i = 0; i < n; i++)
			if (b->cells[i])
				cell_drop_edges(b->cells[i]);
		for (uint32_t i = 0; i < n; i++) {
			if (i < added)
				ns_remove_cell(ns, b->cells[i]);
			if (b->cells[i])
				cell_free(b->cells[i]);
		}
	}
	return e;
}

static struct nano_core_coverage coverage;

/* What the cells hold, counted from the cells themselves, against what the
 * build counted in the image. */
static void measure(const struct build *b)
{
	const struct nano_table_header *h = b->t->h;
	coverage = (struct nano_core_coverage){ .cells = h->n_cells, .sections = h->n_sections,
						.symbols = h->n_symbols, .edges = h->n_edges,
						.merged = h->merged_bytes, .other = h->other_bytes };
	for (uint32_t i = 0; i < h->n_cells; i++) {
		const struct cell *c = b->cells[i];
		for (size_t k = 0; k < c->n_sections; k++) {
			const struct cell_section *s = &c->sections[k];
			coverage.in_cells[s->bss ? NANO_BSS : s->region] += s->size;
		}
	}
	for (int k = 0; k < NANO_KIND_COUNT; k++)
		coverage.image[k] = h->kind_bytes[k];
}

err_t nano_core_cells(struct namespace *ns, const struct hal_boot_info *info)
{
	struct table t = { 0 };
	struct cell_diag diag = { 0 };
	strlcpy(diag.cell, "nano_core", sizeof diag.cell);
	err_t e = table_open(info, &t, &diag);
	struct build b = { .t = &t };
	if (!e) {
		b.cells = kzalloc(MAX(t.h->n_cells, 1) * sizeof *b.cells);
		b.sec = kzalloc(MAX(t.h->n_sections, 1) * sizeof *b.sec);
		b.sym = kzalloc(MAX(t.h->n_symbols, 1) * sizeof *b.sym);
		e = b.cells && b.sec && b.sym ? build_cells(&b, ns, &diag) : E_NOMEM;
	}
	if (!e)
		measure(&b);
	else if (diag.err) {
		char line[320];
		cell_diag_format(&diag, line, sizeof line);
		keprintf("theseus: the nano_core as cells: %s\n", line);
	}
	kfree(b.cells);
	kfree(b.sec);
	kfree(b.sym);
	return e;
}

void nano_core_coverage(struct nano_core_coverage *out) { *out = coverage; }

EXPORT_KERNEL(nano_core_coverage);
