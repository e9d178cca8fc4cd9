/* The check behind the retired cells (retire.c): does anything still refer
 * to a cell a swap took out? Private to kernel/swap. */
#ifndef SWAP_RETIRE_SCAN_H
#define SWAP_RETIRE_SCAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cell.h"

#define RETIRE_WHY_MAX 128

/* One retired cell under test. */
struct retire_candidate {
	struct cell *cell;
	struct unwind_range region[REGION_COUNT]; /* its text, rodata and data pages */
	bool kept;                                /* something refers to it: why says what */
	char why[RETIRE_WHY_MAX];
};

/* Marks kept every candidate that a task has a frame in, or that a word of
 * writable memory outside the candidates still free points into, or that a
 * cell outside them has an edge into (docs/swap.md, "Retired cells", says
 * exactly what is read). The candidates not kept refer at most to each
 * other and may be freed together. cand must be a heap block (the scan
 * skips it: it holds the regions' bounds); the calling task's stack is read
 * from own_below up (below are the scanner's own frames).
 * Preconditions: the cells lock held and the other CPUs paused, so no
 * stack, register or word moves during the scan. */
void retire_scan(struct retire_candidate *cand, size_t n, uintptr_t own_below) NONNULL(1);

#endif
