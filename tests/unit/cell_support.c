/* The cell tests' shared helpers (cell_support.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell_support.h"
#include "heap.h"
#include "mm.h"
#include "tboot.h"

/* --- the observable state a failed or undone load must leave alone ---------- */


size_t count_cells(void)
{
	size_t n = 0;
	struct list *pos;
	list_for_each(pos, &ns_root()->cells) n++;
	return n;
}

struct world world_now(void)
{
	heap_trim(); /* empty slabs are the heap's cache, not a leak */
	struct heap_stats hs;
	heap_stats(&hs);
	return (struct world){
		.frames = frames_free_count(),
		.pages = pages_free_count(),
		.live_blocks = hs.live_blocks,
		.live_bytes = hs.live_bytes,
		.cells = count_cells(),
		.symbols = hmap_count(&ns_root()->symbols),
	};
}

bool world_eq(const struct world *a, const struct world *b)
{
	return a->frames == b->frames && a->pages == b->pages && a->live_blocks == b->live_blocks &&
	       a->live_bytes == b->live_bytes && a->cells == b->cells && a->symbols == b->symbols;
}


/* --- helpers ----------------------------------------------------------------- */

const char *diag_line(const struct cell_diag *d)
{
	static char line[512];
	cell_diag_format(d, line, sizeof line);
	return line;
}

struct cell *load(const char *name)
{
	struct cell *c = NULL;
	struct cell_diag d;
	err_t e = cell_load(ns_root(), name, &c, &d);
	ck_assert_msg(e == E_OK, "load %s: %s", name, diag_line(&d));
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->name, name);
	return c;
}

void unload(const char *cell_name)
{
	char name[CELL_NAME_MAX]; /* cell_name may live in the cell itself */
	snprintf(name, sizeof name, "%s", cell_name);
	struct cell *c = ns_find_cell(ns_root(), name);
	ck_assert_msg(c != NULL, "%s is not loaded", name);
	struct cell_diag d;
	err_t e = cell_unload(c, &d);
	ck_assert_msg(e == E_OK, "unload %s: %s", name, diag_line(&d));
	ck_assert_ptr_null(ns_find_cell(ns_root(), name));
}

/* Unloads every loaded (non-builtin) cell, newest first. */
void unload_all(void)
{
	struct list *head = &ns_root()->cells;
	while (head->prev != head && !list_entry(head->prev, struct cell, link)->builtin)
		unload(list_entry(head->prev, struct cell, link)->name);
	struct list *pos;
	list_for_each(pos, head) ck_assert(list_entry(pos, struct cell, link)->builtin);
}

uintptr_t sym_addr(const char *name)
{
	const struct cell_symbol *s = ns_resolve(ns_root(), name);
	ck_assert_msg(s != NULL, "%s does not resolve", name);
	return s->addr;
}

bool has_cell(const struct cell *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i]->name, name))
			return true;
	return false;
}

bool list_contains(const struct list *head, const struct list *node)
{
	const struct list *pos;
	list_for_each(pos, head) if (pos == node) return true;
	return false;
}


struct object read_object(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.o", THESEUS_CELL_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	ck_assert_int_gt(size, (long)sizeof(Elf64_Ehdr));
	rewind(f);
	struct object o = { malloc((size_t)size), (size_t)size };
	ck_assert_ptr_nonnull(o.bytes);
	ck_assert_uint_eq(fread(o.bytes, 1, o.size, f), o.size);
	fclose(f);
	return o;
}

struct object copy_object(const struct object *src)
{
	struct object o = { malloc(src->size), src->size };
	ck_assert_ptr_nonnull(o.bytes);
	memcpy(o.bytes, src->bytes, src->size);
	return o;
}

/* Walking a (well-formed) object, the way a reader of the ELF spec would. */
Elf64_Ehdr *ehdr(const struct object *o) { return (Elf64_Ehdr *)o->bytes; }

Elf64_Shdr *shdr(const struct object *o, size_t i)
{
	return (Elf64_Shdr *)(o->bytes + ehdr(o)->e_shoff) + i;
}

const char *sec_name(const struct object *o, size_t i)
{
	return (const char *)o->bytes + shdr(o, ehdr(o)->e_shstrndx)->sh_offset + shdr(o, i)->sh_name;
}

size_t sec_index(const struct object *o, const char *name)
{
	for (size_t i = 0; i < ehdr(o)->e_shnum; i++)
		if (!strcmp(sec_name(o, i), name))
			return i;
	ck_abort_msg("no section %s", name);
	return 0;
}

size_t symtab_index(const struct object *o)
{
	for (size_t i = 0; i < ehdr(o)->e_shnum; i++)
		if (shdr(o, i)->sh_type == SHT_SYMTAB)
			return i;
	ck_abort_msg("no symbol table");
	return 0;
}

size_t nsyms(const struct object *o) { return shdr(o, symtab_index(o))->sh_size / sizeof(Elf64_Sym); }

Elf64_Sym *sym(const struct object *o, size_t i)
{
	return (Elf64_Sym *)(o->bytes + shdr(o, symtab_index(o))->sh_offset) + i;
}

const char *sym_name(const struct object *o, const Elf64_Sym *s)
{
	const Elf64_Shdr *str = shdr(o, shdr(o, symtab_index(o))->sh_link);
	return (const char *)o->bytes + str->sh_offset + s->st_name;
}

size_t sym_index(const struct object *o, const char *name)
{
	for (size_t i = 1; i < nsyms(o); i++)
		if (!strcmp(sym_name(o, sym(o, i)), name))
			return i;
	ck_abort_msg("no symbol %s", name);
	return 0;
}

/* The relocation of section target_name whose symbol is sym_name. */
Elf64_Rela *rela_against(const struct object *o, const char *target_name, const char *symbol)
{
	size_t target = sec_index(o, target_name);
	for (size_t i = 0; i < ehdr(o)->e_shnum; i++) {
		const Elf64_Shdr *s = shdr(o, i);
		if (s->sh_type != SHT_RELA || s->sh_info != target)
			continue;
		Elf64_Rela *r = (Elf64_Rela *)(o->bytes + s->sh_offset);
		for (size_t k = 0; k < s->sh_size / sizeof *r; k++)
			if (!strcmp(sym_name(o, sym(o, ELF64_R_SYM(r[k].r_info))), symbol))
				return &r[k];
	}
	ck_abort_msg("no relocation of %s against %s", target_name, symbol);
	return NULL;
}

bool loaded_section(const Elf64_Shdr *s)
{
	return (s->sh_flags & SHF_ALLOC) && s->sh_size && (s->sh_type == SHT_PROGBITS || s->sh_type == SHT_NOBITS);
}

struct swap_object swap_image(const char *name)
{
	const struct cell_image *img = cell_image_find(name);
	return img ? (struct swap_object){ img->name, img->addr, img->size } : (struct swap_object){ 0 };
}

err_t swap_one(const char *old, const char *new, const char *transfer, unsigned flags, struct swap_result *res)
{
	struct swap_object obj = swap_image(new);
	if (!obj.bytes)
		return E_NOTFOUND;
	struct swap_spec spec = { ns_root(), &old, 1, &obj, 1, transfer, flags };
	return swap_cells(&spec, res);
}
