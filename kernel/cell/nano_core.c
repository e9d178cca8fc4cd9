/* The nano_core as cells (DESIGN.md §1, P1): each kernel folder with
 * exports becomes a builtin cell "nano_core_<folder>" whose sections are
 * its exported functions and objects, sized from the nano_core's own
 * symbol table. Edges from loaded cells into the kernel then land on real
 * sections, like edges between any two cells. */
#include "diag.h"
#include "export.h"
#include "heap.h"
#include "load.h"

/* Sizes of the exported symbols, from the kernel image's symbol table. */
static void symbol_sizes(const struct hal_boot_info *info, const struct hmap *exports, size_t *size)
{
	const uint8_t *b = info->kernel_image;
	size_t n = info->kernel_image_size;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
	if (!b || n < sizeof *eh || memcmp(eh->e_ident, "\177ELF", 4) || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > n || (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > n - eh->e_shoff)
		return;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + eh->e_shoff);
	for (size_t i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *st = &sh[sh[i].sh_link];
		if (sh[i].sh_offset > n || sh[i].sh_size > n - sh[i].sh_offset || st->sh_offset > n ||
		    st->sh_size > n - st->sh_offset || st->sh_size == 0 || b[st->sh_offset + st->sh_size - 1])
			return;
		const Elf64_Sym *syms = (const Elf64_Sym *)(b + sh[i].sh_offset);
		const char *str = (const char *)b + st->sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof *syms; k++) {
			if (syms[k].st_name >= st->sh_size || ELF64_ST_BIND(syms[k].st_info) == STB_LOCAL)
				continue;
			void *v = hmap_get(exports, str + syms[k].st_name);
			const struct export_entry *e = v;
			if (e && (uintptr_t)e->addr == syms[k].st_value)
				size[e - exports_begin()] = syms[k].st_size;
		}
	}
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
	struct hmap by_name;
	hmap_init(&by_name);
	err_t e = size ? E_OK : E_NOMEM;
	for (const struct export_entry *x = exports_begin(); x < exports_end() && !e; x++)
		e = hmap_insert(&by_name, x->name, (void *)x);
	if (!e)
		symbol_sizes(info, &by_name, size);
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
		kprintf("theseus: nano_core export table: %s\n", line);
	}
	hmap_destroy(&by_name);
	kfree(size);
	return e;
}
