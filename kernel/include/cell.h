/* floor: cell */
/* Cells: loading, linking and unloading relocatable objects at run time,
 * namespaces of their symbols, and the per-section dependency edges that
 * every cross-cell relocation leaves behind (DESIGN.md §1, §3).
 *
 * One entry point per action: cell_load (parse, place, resolve, relocate,
 * record edges, commit; recursive and atomic), cell_unload (refused while
 * depended on). The structs below are read-only views for queries (shell,
 * tests); only kernel/cell changes them. */
#ifndef KERNEL_CELL_H
#define KERNEL_CELL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"
#include "grace.h"
#include "hmap.h"
#include "klib.h"
#include "mm.h"
#include "unwind.h"

/* --- the info record every cell object carries --------------------------- */
#define CELL_INFO_MAGIC 0x4c4c4543u /* "CELL" */
#define CELL_INFO_SECTION ".theseus.cell_info"
#define CELL_NAME_MAX 48

enum cell_class { CELL_KERNEL = 1, CELL_APP = 2 };

/* A replacement (e.g. the next version of a library, meant to be swapped
 * in) is loaded only by name or by a swap, never to provide a symbol
 * another cell needs: that stays the job of the cell it replaces, so two
 * versions exporting the same names are not ambiguous. */
#define CELL_FLAG_REPLACEMENT 1u

struct cell_info_record {
	uint32_t magic;
	uint32_t class; /* enum cell_class */
	uint32_t version;
	uint32_t flags; /* CELL_FLAG_* */
	char name[CELL_NAME_MAX];
};
_Static_assert(sizeof(struct cell_info_record) == 64, "the record layout is part of the object format");

/* In exactly one file of each cell: CELL_INFO("hello", CELL_APP, 1); */
#define CELL_INFO(cell_name, cls, ver) CELL_INFO_FLAGS(cell_name, cls, ver, 0)
/* A replacement: CELL_INFO_REPLACEMENT("libfoo_v2", CELL_APP, 2); */
#define CELL_INFO_REPLACEMENT(cell_name, cls, ver) CELL_INFO_FLAGS(cell_name, cls, ver, CELL_FLAG_REPLACEMENT)
#define CELL_INFO_FLAGS(cell_name, cls, ver, fl)                                     \
	__attribute__((used, section(CELL_INFO_SECTION), aligned(8))) static const   \
	struct cell_info_record theseus_cell_info = { CELL_INFO_MAGIC, (cls), (ver), (fl), cell_name }

/* --- the app entry: what `spawn` runs -------------------------------------
 * An app cell declares the one function a task may start at with
 * APP_ENTRY(fn) in one of its files. The macro checks fn's type at compile
 * time (tests/compile_fail) and leaves a record in the object pointing at
 * fn, so the kernel starts a task only at a function whose type was checked,
 * never at whatever a name happens to resolve to. */
#define APP_MAX_ARGS 6

struct app_args {
	int64_t argc;               /* how many of argv were given */
	int64_t argv[APP_MAX_ARGS]; /* the others are zero */
};
typedef int64_t app_entry_fn(const struct app_args *args);

#define APP_ENTRY_MAGIC 0x52544e45u /* "ENTR" */
#define APP_ENTRY_SECTION ".theseus.app_entry"

struct app_entry_record {
	uint32_t magic;
	uint32_t reserved;
	app_entry_fn *entry;
};
_Static_assert(sizeof(struct app_entry_record) == 16, "the record layout is part of the object format");

/* In exactly one file of an app cell: APP_ENTRY(hello_main); */
#define APP_ENTRY(fn)                                                                          \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), app_entry_fn *),          \
		       "app entry " #fn " must be int64_t " #fn "(const struct app_args *)");     \
	__attribute__((used, section(APP_ENTRY_SECTION), aligned(8))) static const            \
	struct app_entry_record theseus_app_entry = { APP_ENTRY_MAGIC, 0, &(fn) }

/* --- what went wrong, and where ------------------------------------------- */
struct cell_diag {
	err_t err;
	char cell[CELL_NAME_MAX];
	char section[64];
	char symbol[96];
	uint64_t offset;
	bool has_offset;
	char detail[160];
};
/* One line: "cell hello: section .text.x offset 0xc symbol kprintf: relocation overflow (...)" */
int cell_diag_format(const struct cell_diag *d, char *buf, size_t cap) NONNULL(1, 2);

/* --- the run-time shape of a loaded cell ---------------------------------- */
enum cell_region { REGION_TEXT, REGION_RODATA, REGION_DATA, REGION_COUNT };

struct cell;

struct cell_section {
	struct cell *cell;
	const char *name;
	uintptr_t addr;
	size_t size;
	enum cell_region region;
	bool bss;              /* zero-filled: no bytes in the object (in REGION_DATA) */
	struct list edges_out; /* struct dep_edge.out_link: what this section uses */
	struct list edges_in;  /* struct dep_edge.in_link: who uses this section */
};

struct cell_symbol {
	const char *name;
	struct cell_section *section; /* NULL for absolute symbols */
	uintptr_t addr;
	size_t size;
	bool is_func;
	bool app_visible; /* may be linked by app-class cells */
};

/* One relocation that crosses a cell boundary: everything a rewrite needs. */
struct dep_edge {
	struct cell_section *from;     /* the section holding the relocated site */
	uint64_t offset;               /* site offset within from */
	uint32_t type;                 /* R_X86_64_* */
	int64_t addend;
	const struct cell_symbol *sym; /* what it resolved to */
	uint64_t *got_slot;            /* GOT-relative types: the slot holding the address */
	struct list out_link, in_link;
};

struct namespace;

struct cell {
	char name[CELL_NAME_MAX];
	enum cell_class class;
	uint32_t version;
	bool builtin; /* a nano_core folder (or its HAL), not loaded: see nano_core.c */
	uint64_t instance; /* this load of it, never reused (0 for builtins); the fault log keys on it */
	unsigned task_refs; /* tasks whose entry is in this cell keep it loaded */
	bool retired; /* swapped out: in no namespace, kept until nothing refers to it (swap.h) */
	/* The object it was loaded from (a reload or a swap back loads it
	 * again): a boot image's bytes, or a copy the cell owns (object_owned). */
	const void *object;
	size_t object_size;
	void *object_owned;
	struct namespace *ns;
	struct cell_section *sections;
	size_t n_sections;
	struct cell_symbol *symbols; /* exported symbols */
	size_t n_symbols;
	/* Builtin cells: every function and object of the cell's part of the
	 * image, by address (the targets of its edges, the names in reports).
	 * Their names, and those of the sections, are the image's own. */
	struct cell_symbol *image_symbols;
	size_t n_image_symbols;
	struct mapped_pages_rx text;
	struct mapped_pages rodata;
	struct mapped_pages_rw data;
	void *data_snapshot; /* the data region as loaded (relocated), for reinitialisation */
	struct unwind_table unwind; /* registered with the unwinder while loaded (eh_frame NULL: none) */
	struct unwind_range *lsda_ranges; /* its .gcc_except_table sections, for unwind.lsda */
	struct list link; /* in its namespace */
	struct cell *index_next; /* in the address index of all namespaces' cells (lock.c) */
};

struct namespace {
	char name[32];
	struct namespace *parent;
	struct hmap symbols; /* name -> struct cell_symbol */
	struct list cells;
};

/* --- the concurrency rule (docs/concurrency.md) -----------------------------
 * Changes: every change to the cell system (load, unload, data
 * reinitialisation, namespace changes, import binding, a task taking a
 * reference on its entry cell) happens under the cells lock. It is a
 * spinlock that disables interrupts (the cell system is below the task
 * floor, so it cannot sleep; and a fault in the middle of a change leaves
 * the cell system half-changed, which unwinding cannot repair, so a fault
 * while it is held stops the machine). It is recursive on its CPU, so a
 * caller may hold it across a lookup and the change that uses its result.
 * Walks of namespaces and dependency edges also hold it (the public
 * queries take it themselves); pointers they return stay valid while the
 * caller holds it.
 * Lock-free reads: cell_section_at and cell_symbol_at search the address
 * index of every loaded cell (all namespaces) inside a cells read section
 * (a grace period, grace.h), for the fault path and the fault log. What
 * they return (section, symbol, cell) stays valid to the end of the
 * caller's read section or lock.
 * Freeing: a cell is unpublished (index, namespace, unwind table) under the
 * lock, then freed only after a grace period, when no reader can still see
 * it. */
void cells_lock(void);
void cells_unlock(void);
/* Whether the executing CPU holds the cells lock. */
bool cells_locked(void);
struct grace_read cells_read_lock(void) MUST_USE;
void cells_read_unlock(struct grace_read r);

static inline void cells_unlock_ptr(bool *held) { if (*held) cells_unlock(); }
/* `CELLS_GUARD();` holds the cells lock to the end of the scope. */
#define CELLS_GUARD() bool UNIQUE_NAME(cells_guard_) CLEANUP(cells_unlock_ptr) = (cells_lock(), true)
static inline void cells_read_release(struct grace_read *r) { cells_read_unlock(*r); }
/* `CELLS_READ_GUARD();` is a cells read section to the end of the scope. */
#define CELLS_READ_GUARD() struct grace_read UNIQUE_NAME(cells_read_) CLEANUP(cells_read_release) = cells_read_lock()

/* --- setup ----------------------------------------------------------------- */
/* cells_init and nano_core_register_unwind: kernel/private/boot.h. */
void cells_fini(void);
struct namespace *ns_root(void);

/* --- namespaces -------------------------------------------------------------- */
err_t ns_create(const char *name, struct namespace *parent, struct namespace **out) MUST_USE NONNULL(1, 3);
void ns_destroy(struct namespace *ns); /* only when it holds no cells */
/* Finds sym in ns, then in its parents. */
const struct cell_symbol *ns_resolve(const struct namespace *ns, const char *sym) NONNULL(1, 2);
struct cell *ns_find_cell(const struct namespace *ns, const char *name) NONNULL(1, 2);

/* --- load and unload ------------------------------------------------------- */
/* Loads the cell image called name (and, first, the images providing its
 * missing symbols). All or nothing: on error nothing of it stays loaded. */
err_t cell_load(struct namespace *ns, const char *name, struct cell **out, struct cell_diag *diag)
	MUST_USE NONNULL(1, 2, 4);
/* Loads a cell from bytes in memory (tests, fuzzing, swap), without
 * loading what it needs: that must resolve in ns or its parents. The cell
 * keeps its own copy of the bytes (cell.object). */
err_t cell_load_image(struct namespace *ns, const void *bytes, size_t size, struct cell **out,
		      struct cell_diag *diag) MUST_USE NONNULL(1, 2, 5);
/* Puts the cell's data and bss back as they were right after loading
 * (fault recovery, stage 3). */
err_t cell_reinit_data(struct cell *c) MUST_USE NONNULL(1);
/* Frees a cell nothing depends on; otherwise E_DEPENDED_ON naming a dependent. */
err_t cell_unload(struct cell *c, struct cell_diag *diag) MUST_USE NONNULL(1, 2);

/* --- patching live code (patch.c) --- */
/* Writes len bytes from src over [dst, dst+len), which must lie inside the
 * text of one loaded cell (not a builtin one), keeping W^X: through
 * mp_patch_code's temporary non-executable alias, announced to the HAL
 * (valgrind discards its translations). E_RANGE with diag naming the cell
 * and section otherwise, nothing written. Preconditions (mp_patch_code): the
 * cell stays loaded and no CPU executes the range during the call; the swap
 * pauses the other CPUs. */
err_t cell_text_patch(void *dst, const void *src, size_t len, struct cell_diag *diag) MUST_USE NONNULL(2, 4);

/* --- import tables ----------------------------------------------------------- */
/* A table of function pointers in the nano_core (an exported object, so a
 * nano_core section) bound to the same-named symbols of one provider cell.
 * Each slot becomes a dependency edge (R_X86_64_64 at the slot's offset),
 * so the binding shows in `deps` and a swap can redirect it. */
struct import_table {
	const char *const *names; /* n symbol names */
	void **slots;             /* n slots, an exported nano_core object */
	size_t n;
	struct cell *provider;    /* bound cell, or NULL */
};
/* Binds every slot to cell's symbol of the same name, or changes nothing. */
err_t import_bind(struct import_table *t, struct cell *cell, struct cell_diag *diag) MUST_USE NONNULL(1, 2, 3);
void import_unbind(struct import_table *t) NONNULL(1);

/* --- the app entry of a loaded cell ----------------------------------------- */
/* The entry c declared with APP_ENTRY: E_OK, E_PRIVILEGE for a kernel cell
 * (it is not an app), E_NOTFOUND when c declares none, E_BADELF when its
 * record is malformed or does not point at c's own code. */
err_t cell_app_entry(const struct cell *c, app_entry_fn **out) MUST_USE NONNULL(1, 2);

/* --- queries --------------------------------------------------------------- */
/* A cell image the HAL offered at boot, as the kernel's index lists it. */
#define CELL_IMAGE_NAME_MAX 64
struct cell_image {
	char name[CELL_IMAGE_NAME_MAX]; /* the cell's name, from its info record */
	char file[CELL_IMAGE_NAME_MAX]; /* the file or boot module name, "hello.o" */
	const void *addr;               /* read-only bytes of the object */
	size_t size;
};
const struct cell_image *cell_image_find(const char *name) NONNULL(1);
size_t cell_images(const struct cell_image **out) NONNULL(1);
size_t cell_region_size(const struct cell *c, enum cell_region r) NONNULL(1);
/* The section and symbol containing addr, in any namespace, for reports
 * ("hello:.text.f+0x12"). Precondition (asserted): a cells read section or
 * the cells lock, which keeps the result alive. */
const struct cell_section *cell_section_at(uintptr_t addr);
const struct cell_symbol *cell_symbol_at(uintptr_t addr);
/* Distinct cells c depends on / that depend on c. Returns the count; fills
 * at most cap entries of out. */
size_t cell_dependencies(const struct cell *c, const struct cell **out, size_t cap) NONNULL(1);
size_t cell_dependents(const struct cell *c, const struct cell **out, size_t cap) NONNULL(1);
/* Cells reachable from the section containing fn, following edges out. */
size_t cell_reachable_from(uintptr_t fn, const struct cell **out, size_t cap);
/* How much of the nano_core's image its builtin cells hold, by kind
 * (text, rodata, data, bss), counted over the cells, against the bytes the
 * build counted in the image's kernel and HAL objects; merged strings and
 * constants and the rest (unwind tables, thread-local templates) are in no
 * cell. As of the last cells_init. */
struct nano_core_coverage {
	size_t cells, sections, symbols, edges;
	uint64_t in_cells[4];
	uint64_t image[4];
	uint64_t merged, other;
};
void nano_core_coverage(struct nano_core_coverage *out) NONNULL(1);
/* The relocation type's name, e.g. "R_X86_64_PLT32". */
const char *reloc_type_name(uint32_t type);

#endif
