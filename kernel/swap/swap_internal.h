/* Private to kernel/swap: the transaction one swap_cells call works on,
 * passed through the stages in order (swap.c: load, verify; redirect.c:
 * redirect; swap.c: commit), and the retired cells (retire.c). */
#ifndef SWAP_INTERNAL_H
#define SWAP_INTERNAL_H
#include "cell_swap.h"
#include "swap.h"

#define SWAP_MAX_CELLS 32
#define SWAP_PAUSE_TIMEOUT_NS 2000000000ull

/* One dependent site to point at a new symbol. */
struct swap_site {
	struct dep_edge *edge;
	const struct cell_symbol *to;
	struct edge_site site;
	uint8_t original[8]; /* what the relocation wrote: the site is rewritten only if it still holds it */
	size_t window;       /* index into swap_txn.windows: opened before the pause */
	bool written;
};

/* One data object of an old cell to copy into the same-named one of a new cell. */
struct swap_copy {
	const char *name;
	struct cell *to_cell;
	uintptr_t from, to;
	size_t size;
};

struct swap_transfer {
	struct swap_txn *x;
};

struct swap_txn {
	const struct swap_spec *spec;
	struct swap_result *res;
	struct cell *old[SWAP_MAX_CELLS];
	size_t n_old;
	struct cell *new[SWAP_MAX_CELLS];
	size_t n_new;
	struct namespace *staging;
	struct swap_site *sites;
	size_t n_sites;
	struct mm_window *windows; /* one per (cell, text or rodata) written, and one for data */
	size_t n_windows;
	struct swap_copy *copies;
	size_t n_copies;
	swap_transfer_fn *transfer;
	struct swap_cache *keep; /* SWAP_KEEP_OLD: filled before the redirect, installed at commit */
};

/* Disarms swap_inject_write_failure after a swap, whatever stage ended it. */
void swap_inject_spent(void);

bool swap_is_old(const struct swap_txn *x, const struct cell *c);
/* Adds one line to res->problems (stage 2's refusal lists them all). */
void swap_problem(struct swap_txn *x, err_t e, const struct cell *cell, const char *section, const char *symbol,
		  const char *fmt, ...) PRINTF_LIKE(6, 7);

/* redirect.c: stage 3 (cells lock held); on error everything it changed is
 * undone. */
err_t swap_redirect(struct swap_txn *x) MUST_USE;

/* retire.c: takes a cell the commit withdrew from its namespace
 * (cell_withdraw) and runs a round over every retired cell handed over so
 * far, c included: with the other CPUs paused it checks which nothing refers
 * to (no task's frame in it, no word of writable memory pointing into it,
 * no edge into it), frees those and keeps the rest retired, to be tried
 * again without anyone asking (docs/swap.md, "Retired cells"). True if c
 * was freed at once. Preconditions: the cells lock held (asserted), the
 * other CPUs NOT paused (it pauses them itself; a pause does not nest). */
bool retire_add(struct cell *c) NONNULL(1) MUST_USE;

/* The cache of the last SWAP_KEEP_OLD swap's old objects (cache.c). */
struct swap_cache;
err_t swap_cache_prepare(struct swap_txn *x) MUST_USE;
void swap_cache_install(struct swap_txn *x);
void swap_cache_drop(struct swap_cache *c);

#endif
