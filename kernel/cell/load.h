/* The state of one cell while it is being loaded, passed through the
 * stages in order: parse (parse.c) -> place (place.c) -> resolve
 * (resolve.c) -> relocate and record edges (relocate.c) -> commit
 * (load.c). Private to kernel/cell. */
#ifndef CELL_LOAD_H
#define CELL_LOAD_H
#include "cell_boot.h"
#include "cell.h"
#include "elf.h"

/* The assembler's name for the GOT: resolved to the loading cell's own. */
#define GOT_SYMBOL "_GLOBAL_OFFSET_TABLE_"

struct load_ctx {
	struct namespace *ns;
	struct elf_obj obj;
	struct cell *cell;               /* being built; owned by the ctx until commit */
	struct cell_section **secmap;    /* by ELF section index; NULL = not loaded */
	uintptr_t *symaddr;              /* by symbol index: resolved address */
	const struct cell_symbol **import; /* by symbol index: the other cell's symbol, if undefined */
	uint32_t *gotslot;               /* by symbol index: 1 + GOT slot, 0 = none */
	struct mapped_pages_rw region[REGION_COUNT]; /* writable until commit */
	size_t region_size[REGION_COUNT];
	uint64_t *got;                   /* inside the rodata region */
	size_t got_slots;
	struct list edges;               /* new dep_edges, linked by out_link until commit */
	struct cell_diag *diag;
};

err_t place_sections(struct load_ctx *ctx) MUST_USE;
err_t resolve_symbols(struct load_ctx *ctx) MUST_USE;
err_t apply_relocations(struct load_ctx *ctx) MUST_USE;

/* The first undefined, non-weak symbol of obj that ns cannot resolve. */
const char *first_missing_symbol(const struct elf_obj *obj, const struct namespace *ns);
/* Whether a symbol of obj is exported (global or weak, defined, not hidden). */
bool symbol_exported(const struct elf_obj *obj, const Elf64_Sym *s);

/* namespace.c */
err_t ns_insert_cell(struct namespace *ns, struct cell *c, struct cell_diag *diag) MUST_USE;
/* ns_insert_cell, then published to the address index (a builtin cell). */
err_t ns_add_cell(struct namespace *ns, struct cell *c, struct cell_diag *diag) MUST_USE;
void ns_remove_cell(struct namespace *ns, struct cell *c);
/* images.c */
err_t images_index(const struct hal_boot_info *info) MUST_USE;
void images_fini(void);
/* How many listed images export symbol; the first two go to out. More
 * than one means the symbol is ambiguous: the loader does not choose. */
size_t image_providers(const char *symbol, const struct cell_image *out[2]) NONNULL(1, 2);
/* The image (listed or refused at boot) whose file is "<stem>.o", or NULL. */
const struct cell_image *image_in_file(const char *stem) NONNULL(1);
/* lock.c: the concurrency rule's internals. */
/* Panics naming who unless the executing CPU holds the cells lock. */
void cells_assert_locked(const char *who);
/* Waits until no cells read section that began before the call is open. */
void cells_grace_wait(void);
/* Publishes c to / unpublishes it from the address index (cells lock held). */
void cells_index_add(struct cell *c);
void cells_index_remove(struct cell *c);
/* nano_core.c */
err_t nano_core_cells(struct namespace *ns, const struct hal_boot_info *info) MUST_USE;
/* Unpublishes a loaded cell, waits for a grace period, frees it (load.c). */
void cell_retire(struct cell *c);
/* Frees what a cell owns (memory, sections, symbols, outgoing edges). */
void cell_free(struct cell *c);
/* Unlinks and frees the cell's outgoing edges (their targets must live). */
void cell_drop_edges(struct cell *c);

#endif
