/* Helpers the cell tests share: the observable state a failed load must
 * leave alone ("the world"), loading by name, and walking a cell object
 * read from the build the way a reader of the ELF spec would. */
#ifndef CELL_SUPPORT_H
#define CELL_SUPPORT_H
#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "cell.h"
#include "swap.h"
#include "kernel/cell/elf.h"

struct world {
	size_t frames, pages, live_blocks, live_bytes, cells, symbols;
};

/* All six counters are back where they were. */
#define assert_world_is(before, what)                                                                  \
	do {                                                                                           \
		struct world b_ = (before), n_ = world_now();                                          \
		ck_assert_msg(world_eq(&b_, &n_),                                                      \
			      "%s: free frames %zu -> %zu, free pages %zu -> %zu, heap blocks %zu -> %zu, " \
			      "heap bytes %zu -> %zu, cells %zu -> %zu, symbols %zu -> %zu",            \
			      (what), b_.frames, n_.frames, b_.pages, n_.pages, b_.live_blocks,          \
			      n_.live_blocks, b_.live_bytes, n_.live_bytes, b_.cells, n_.cells, b_.symbols, \
			      n_.symbols);                                                              \
	} while (0)

/* A cell object read from the build, as a malloc'd buffer of exact size. */
struct object {
	uint8_t *bytes;
	size_t size;
};

size_t count_cells(void);
struct world world_now(void);
bool world_eq(const struct world *a, const struct world *b);
const char *diag_line(const struct cell_diag *d);
struct cell *load(const char *name);
void unload(const char *cell_name);
void unload_all(void);
uintptr_t sym_addr(const char *name);
bool has_cell(const struct cell *const *v, size_t n, const char *name);
bool list_contains(const struct list *head, const struct list *node);
struct object read_object(const char *name);
struct object copy_object(const struct object *src);
Elf64_Ehdr *ehdr(const struct object *o);
Elf64_Shdr *shdr(const struct object *o, size_t i);
const char *sec_name(const struct object *o, size_t i);
size_t sec_index(const struct object *o, const char *name);
size_t symtab_index(const struct object *o);
size_t nsyms(const struct object *o);
Elf64_Sym *sym(const struct object *o, size_t i);
const char *sym_name(const struct object *o, const Elf64_Sym *s);
size_t sym_index(const struct object *o, const char *name);
Elf64_Rela *rela_against(const struct object *o, const char *target_name, const char *symbol);
bool loaded_section(const Elf64_Shdr *s);
/* The boot image of cell name as a swap's new object ({0} if none: no
 * assertion, so tasks may call it). */
struct swap_object swap_image(const char *name);
/* Swaps old for the image new in the root namespace (E_NOTFOUND if there
 * is no such image). */
err_t swap_one(const char *old, const char *new, const char *transfer, unsigned flags, struct swap_result *res);

#endif
