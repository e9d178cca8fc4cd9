/* floor: cell */
/* What kernel/cell offers the swap floor (kernel/swap): moving a cell between namespaces, retiring and
 * freeing a swapped-out cell, and walking every published cell. Private to
 * the nano_core. Every function here requires the cells lock. */
#ifndef KERNEL_PRIVATE_CELL_SWAP_H
#define KERNEL_PRIVATE_CELL_SWAP_H
#include "cell.h"

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
/* Unlinks and frees a withdrawn cell's outgoing edges, so that retired
 * cells that use each other can be freed one after the other (their
 * targets must still live). */
void cell_withdrawn_drop_edges(struct cell *c) NONNULL(1);
/* Calls fn on every published cell (every namespace's, and retired ones). */
void cells_for_each(void (*fn)(struct cell *c, void *arg), void *arg) NONNULL(1);

#endif
