/* floor: cell */
/* What kernel/cell offers the swap floor (kernel/swap): moving a cell between namespaces, retiring and
 * freeing a swapped-out cell, and walking every published cell. Private to
 * the nano_core. Every function here requires the cells lock. */
#ifndef KERNEL_PRIVATE_CELL_SWAP_H
#define KERNEL_PRIVATE_CELL_SWAP_H
#include "cell.h"
#include "mm_code.h"

/* Moves c, which is in a namespace, into ns (the swap's commit): its
 * exports leave the old map and join ns's. The caller has checked that they
 * do not clash in ns (after the old cells withdrew). Stays published. */
err_t cell_move(struct cell *c, struct namespace *ns, struct cell_diag *diag) MUST_USE NONNULL(1, 2, 3);
/* Takes c out of its namespace (its exports no longer resolve, it is not
 * listed) but keeps it in the address index and the unwinder's tables, so
 * code still running in it is named and unwound: a retired cell. */
void cell_withdraw(struct cell *c) NONNULL(1);
/* Unpublishes a withdrawn cell (index, unwind table), waits for a grace
 * period, and frees it. */
void cell_free_withdrawn(struct cell *c) NONNULL(1);
/* One object of a set to load. */
struct cell_object {
	const char *label; /* for reports when the object is too broken to name itself */
	const void *bytes;
	size_t size;
};
/* Loads n objects into ns so that they link against each other before the
 * parents: an object needing a symbol another one of the set exports is
 * loaded after it (else the name would resolve, through the parent, to the
 * cell being replaced). out[i] is objs[i]'s cell. All or nothing. */
err_t cell_load_set(struct namespace *ns, size_t n, const struct cell_object *objs, struct cell **out,
		    struct cell_diag *diag) MUST_USE NONNULL(1, 3, 4, 5);

/* A data object (STT_OBJECT in a writable section) of a loaded cell,
 * exported or file-local, read from the object the cell was loaded from. */
struct cell_data_object {
	const char *name; /* in the cell's object: valid while the cell lives */
	const struct cell_section *section;
	uintptr_t addr;
	size_t size;
};
/* Calls fn on each until it returns false; returns how many were seen (0
 * for a cell without an object). */
size_t cell_data_objects(const struct cell *c, bool (*fn)(const struct cell_data_object *o, void *arg), void *arg)
	NONNULL(1, 2);
/* The one called name (the first, if file-local ones share it). */
bool cell_data_object(const struct cell *c, const char *name, struct cell_data_object *out) NONNULL(1, 2, 3);

/* Writes len bytes at addr inside c: text through mp_patch_code, rodata
 * through mp_patch_readonly (both keep W^X), data directly; for a builtin
 * cell only its data. E_RANGE if addr is not c's. */
err_t cell_write(struct cell *c, uintptr_t addr, const void *src, size_t len) MUST_USE NONNULL(1, 3);

/* For many writes into c with one map: a window onto the region of c
 * holding addr when it is text or rodata (mm_code.h); for data w->m stays
 * NULL and cell_window_write writes in place. Close with mp_window_close. */
err_t cell_window_open(struct cell *c, uintptr_t addr, struct mm_window *w) MUST_USE NONNULL(1, 3);
err_t cell_window_write(struct cell *c, struct mm_window *w, uintptr_t addr, const void *src, size_t len)
	MUST_USE NONNULL(1, 2, 4);

/* Writes len bytes at addr (inside c's data) into c's copy of its data as
 * loaded too, so a later reinitialisation puts back the redirected value. */
void cell_snapshot_write(struct cell *c, uintptr_t addr, const void *src, size_t len) NONNULL(1, 3);

/* What redirecting edge e to symbol to writes: the relocation site (or,
 * for a GOT-relative one, the GOT slot it reads), its bytes now and next.
 * An error (overflow: to is too far) writes nothing. */
struct edge_site {
	struct cell *cell; /* holding addr */
	uintptr_t addr;
	size_t len;
	uint8_t now[8], next[8];
};
err_t edge_site(const struct dep_edge *e, const struct cell_symbol *to, struct edge_site *out) MUST_USE NONNULL(1, 2, 3);
/* Moves e's target to to (in_link from the old section's list to to's). */
void edge_move(struct dep_edge *e, const struct cell_symbol *to) NONNULL(1, 2);

/* After a swap redirected import-table slots: each bound table's provider
 * becomes the cell its first slot now points into. */
void import_tables_refresh(void);

/* Unlinks and frees a withdrawn cell's outgoing edges, so that retired
 * cells that use each other can be freed one after the other (their
 * targets must still live). */
void cell_withdrawn_drop_edges(struct cell *c) NONNULL(1);
/* Calls fn on every published cell (every namespace's, and retired ones);
 * fn may free the cell it is given. */
void cells_for_each(void (*fn)(struct cell *c, void *arg), void *arg) NONNULL(1);

#endif
