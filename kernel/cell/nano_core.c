/* The nano_core as cells (DESIGN.md §1, P1): each kernel folder with
 * exports becomes a builtin cell "nano_core_<folder>" whose sections are
 * its exported functions and objects, sized from the nano_core's own
 * symbol table (matched by address: an export's name need not be its C
 * symbol's). Edges from loaded cells into the kernel then land on real
 * sections, like edges between any two cells. Its .eh_frame is handed to
 * the unwinder from the same image. */
#include "diag.h"
#include "export.h"
#include "heap.h"
#include "load.h"
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

/* Exports sorted by address, to find those at a symbol's value. */
static void sort_by_addr(const struct export_entry **v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		const struct export_entry *key = v[i];
		size_t j = i;
		for (; j > 0 && (uintptr_t)v[j - 1]->addr > (uintptr_t)key->addr; j--)
			v[j] = v[j - 1];
		v[j] = key;
	}
}

/* Gives the size of one function or object symbol of the image to every
 * export at its address. By address, not name: an export's name may differ
 * from its C symbol (EXPORT_AS(rt_abort, "abort")), and the symbol may be
 * static. The largest size wins where symbols alias. */
static void size_exports_at(const Elf64_Sym *sym, const struct export_entry *const *by_addr, size_t n, size_t *size)
{
	unsigned type = ELF64_ST_TYPE(sym->st_info);
	if ((type != STT_FUNC && type != STT_OBJECT) || !sym->st_size)
		return;
	size_t lo = 0, hi = n; /* the first export at or above the symbol */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)by_addr[mid]->addr < sym->st_value)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && (uintptr_t)by_addr[lo]->addr == sym->st_value; lo++) {
		size_t *s = &size[by_addr[lo] - exports_begin()];
		*s = MAX(*s, (size_t)sym->st_size);
	}
}

/* Sizes of the exported symbols, from the image's symbol table. */
static void symbol_sizes(const struct hal_boot_info *info, const struct export_entry *const *by_addr, size_t n,
			 size_t *size)
{
	struct image im;
	if (!image_open(info, &im))
		return;
	for (size_t i = 0; i < im.shnum; i++) {
		if (im.sh[i].sh_type != SHT_SYMTAB || !in_file(&im, im.sh[i].sh_offset, im.sh[i].sh_size))
			continue;
		const Elf64_Sym *syms = (const Elf64_Sym *)(im.b + im.sh[i].sh_offset);
		for (size_t k = 0; k < im.sh[i].sh_size / sizeof *syms; k++)
			size_exports_at(&syms[k], by_addr, n, size);
	}
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

static err_t add_section(struct cell *c, const struct export_entry *e, size_t size)
{
	struct cell_section *sec = &c->sections[c->n_sections];
	struct cell_symbol *sym = &c->symbols[c->n_symbols];
	*sec = (struct cell_section){ .cell = c, .addr = (uintptr_t)e->addr, .size = size,
				      .region = REGION_TEXT };
	list_init(&sec->edges_out);
	list_init(&sec->edges_in);
	*sym = (struct cell_symbol){ .section = sec, .addr = (uintptr_t)e->addr, .size = size,
				     .is_func = true, .app_visible = e->class == EXPORT_CLASS_APP };
	if (!(sec->name = kstrdup(e->name)) || !(sym->name = kstrdup(e->name)))
		return E_NOMEM;
	c->n_sections++;
	c->n_symbols++;
	return E_OK;
}

static err_t builtin_cell(struct namespace *ns, const char *subsystem, const size_t *size,
			  struct cell_diag *diag)
{
	size_t n = 0;
	for (const struct export_entry *e = exports_begin(); e < exports_end(); e++)
		n += !strcmp(e->subsystem, subsystem);
	struct cell *c = kzalloc(sizeof *c);
	if (!c)
		return E_NOMEM;
	ksnprintf(c->name, sizeof c->name, "nano_core_%s", subsystem);
	c->class = CELL_KERNEL;
	c->version = 1;
	c->builtin = true;
	list_init(&c->link);
	c->sections = kzalloc(n * sizeof *c->sections);
	c->symbols = kzalloc(n * sizeof *c->symbols);
	err_t e = c->sections && c->symbols ? E_OK : E_NOMEM;
	for (const struct export_entry *x = exports_begin(); x < exports_end() && !e; x++)
		if (!strcmp(x->subsystem, subsystem))
			e = add_section(c, x, size[x - exports_begin()]);
	if (!e)
		e = ns_add_cell(ns, c, diag);
	if (e)
		cell_free(c);
	return e;
}

err_t nano_core_cells(struct namespace *ns, const struct hal_boot_info *info)
{
	size_t n = export_count();
	size_t *size = kzalloc(MAX(n, 1) * sizeof *size);
	const struct export_entry **by_addr = kmalloc(MAX(n, 1) * sizeof *by_addr);
	err_t e = size && by_addr ? E_OK : E_NOMEM;
	if (!e) {
		for (size_t i = 0; i < n; i++)
			by_addr[i] = exports_begin() + i;
		sort_by_addr(by_addr, n);
		symbol_sizes(info, by_addr, n, size);
	}
	struct cell_diag diag = { 0 };
	for (const struct export_entry *x = exports_begin(); x < exports_end() && !e; x++) {
		char name[CELL_NAME_MAX];
		ksnprintf(name, sizeof name, "nano_core_%s", x->subsystem);
		if (!ns_find_cell(ns, name))
			e = builtin_cell(ns, x->subsystem, size, &diag);
	}
	if (e == E_DUP_SYMBOL || e == E_EXISTS) {
		char line[320];
		cell_diag_format(&diag, line, sizeof line);
		keprintf("theseus: nano_core export table: %s\n", line);
	}
	kfree(by_addr);
	kfree(size);
	return e;
}
