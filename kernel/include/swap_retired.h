/* floor: swap */
/* The retired cells as `ls` shows them: old cells a swap took out of their
 * namespace and keeps until nothing refers to them (swap.h, docs/swap.md). */
#ifndef KERNEL_SWAP_RETIRED_H
#define KERNEL_SWAP_RETIRED_H
#include "cell.h"
#include "compiler.h"

/* why: what kept c at its last check ("task 7 (worker) has a frame in it at
 * ...", "heap block ... points to ..."). */
typedef void swap_retired_fn(const struct cell *c, const char *why, void *arg);
/* Calls fn for every retired cell, holding the cells lock: fn must not
 * block or load cells. */
void swap_retired_for_each(swap_retired_fn *fn, void *arg) NONNULL(1);

#endif
