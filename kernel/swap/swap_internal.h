/* The swap floor's own interfaces between its files (swap.c, retire.c).
 * Private to kernel/swap. */
#ifndef SWAP_INTERNAL_H
#define SWAP_INTERNAL_H
#include <stdbool.h>

#include "cell.h"
#include "compiler.h"

/* The commit hands over an old cell it has withdrawn (cell_withdraw):
 * retire_add checks, with the other CPUs paused, every retired cell (c and
 * those of earlier swaps); frees those nothing refers to and keeps the
 * rest retired, to be tried again without anyone asking (docs/swap.md,
 * "Retired cells"). True if c was freed at once.
 * Preconditions: the cells lock held (asserted), the other CPUs NOT paused
 * (it pauses them itself, and a pause does not nest), c withdrawn. */
bool retire_add(struct cell *c) NONNULL(1) MUST_USE;

#endif
