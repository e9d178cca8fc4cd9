/* floor: swap */
/* Live evolution: swapping O loaded cells for N new objects while the system
 * runs (DESIGN.md §1, §7; docs/swap.md). One entry, swap_cells, in four
 * timed stages:
 *  1. load the new objects into a fresh namespace whose parent is the live
 *     one (they link against each other and the running system, nobody sees
 *     them yet);
 *  2. verify both ways: every symbol a dependent uses from the old cells is
 *     exported by the new ones (data: same size), every dependency of the new
 *     cells is satisfied; a refusal lists every unsatisfied symbol;
 *  3. redirect, with the other CPUs paused at a safe point: rewrite every
 *     dependent relocation site and GOT slot recorded in the edges into the
 *     old cells (import tables too: they are edges), move the edges, transfer
 *     the old cells' state;
 *  4. commit: the new cells move into the live namespace, the old ones are
 *     retired, and freed once no task has a frame in them and nothing in
 *     writable memory points into them (retire.c).
 * A failure at any stage leaves the system as it was: same cells, same
 * edges, same bytes at every site, nothing leaked. */
#ifndef KERNEL_SWAP_H
#define KERNEL_SWAP_H
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "compiler.h"
#include "err.h"

/* --- state transfer: what a new cell offers ---------------------------------
 * A new cell may declare a transfer function with SWAP_TRANSFER(fn); a swap
 * run with that name (`swap ... --transfer fn`) calls it in stage 3, with
 * the other CPUs paused, instead of copying same-named data objects. It
 * reads the old cells' objects through swap_old_object and fills its own
 * cell's data; a non-zero return refuses the swap (nothing changed). It must
 * not block, allocate from a lock another CPU may hold, or take the cells
 * lock. */
struct swap_transfer; /* opaque: the old cells, as the transfer function sees them */
typedef int64_t swap_transfer_fn(const struct swap_transfer *from);

/* The old cells' data object called name (an exported or file-local
 * object of their data or bss), with its size in *size; NULL if none. */
const void *swap_old_object(const struct swap_transfer *from, const char *name, size_t *size) NONNULL(1, 2, 3);

#define SWAP_TRANSFER_MAGIC 0x46534e54u /* "TNSF" */
#define SWAP_TRANSFER_SECTION ".theseus.transfer"
struct swap_transfer_record {
	uint32_t magic;
	uint32_t reserved;
	swap_transfer_fn *fn;
};
_Static_assert(sizeof(struct swap_transfer_record) == 16, "the record layout is part of the object format");

/* In the file of a new cell that defines fn (exported, not static: a swap
 * names it): SWAP_TRANSFER(fn); checks fn's type at compile time and leaves
 * a record, so a swap calls only a function whose type was checked, never
 * whatever a name resolves to. */
#define SWAP_TRANSFER(fn)                                                                          \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), swap_transfer_fn *),     \
		       "transfer function " #fn " must be int64_t " #fn "(const struct swap_transfer *)"); \
	__attribute__((used, section(SWAP_TRANSFER_SECTION), aligned(8))) static const          \
	struct swap_transfer_record theseus_transfer_##fn = { SWAP_TRANSFER_MAGIC, 0, &(fn) }

/* --- the request ----------------------------------------------------------- */
struct swap_object {
	const char *label;  /* for reports: the image or file it came from */
	const void *bytes;  /* the relocatable object; copied, the caller keeps it */
	size_t size;
};

enum swap_flags {
	SWAP_KEEP_OLD = 1u << 0, /* cache the old cells' objects for swap_back */
	SWAP_FRESH = 1u << 1,    /* no state transfer: the new cells start as loaded (a reload) */
};

struct swap_spec {
	struct namespace *ns;            /* the live namespace the old cells are in */
	const char *const *old;          /* names of the O old cells */
	size_t n_old;
	const struct swap_object *new;   /* the N new objects */
	size_t n_new;
	const char *transfer;            /* a new cell's SWAP_TRANSFER function, or NULL: copy */
	unsigned flags;                  /* enum swap_flags */
};

/* --- the outcome ------------------------------------------------------------- */
enum swap_stage { SWAP_LOAD = 1, SWAP_VERIFY, SWAP_REDIRECT, SWAP_COMMIT };

struct swap_times {
	uint64_t load_ns, verify_ns, redirect_ns, commit_ns, total_ns;
	uint64_t pause_ns; /* how long the other CPUs were held (inside redirect) */
};

#define SWAP_PROBLEMS_MAX 2048
struct swap_result {
	struct swap_times times;
	enum swap_stage failed_stage; /* 0 on success */
	size_t sites;    /* relocation sites and slots rewritten */
	size_t left_alone; /* sites the program had overwritten since: not rewritten, their edges moved */
	size_t tasks_in_old; /* tasks started in an old cell: they run on in it, with its data, not the new cells' */
	size_t edges;    /* edges moved to the new cells */
	size_t copied;   /* data objects copied (no transfer function) */
	size_t retired;  /* old cells kept, retired, until nothing refers to them */
	size_t freed;    /* old cells freed at once */
	struct cell_diag diag; /* the (first) error */
	size_t n_problems;     /* stage 2: every unsatisfied symbol, one line each in problems */
	char problems[SWAP_PROBLEMS_MAX];
};

/* Swaps spec->old for spec->new in spec->ns; E_OK, or an error with res
 * saying which stage refused and why, and the system left as it was.
 * Called from a task (or at boot), without the cells lock or any spinlock;
 * takes the cells lock and pauses the other CPUs for stage 3. */
err_t swap_cells(const struct swap_spec *spec, struct swap_result *res) MUST_USE NONNULL(1, 2);

/* Swaps back the cells of the last SWAP_KEEP_OLD swap in ns: its new cells
 * (all must still be loaded) for the cached old objects, and spends the
 * cache. E_NOTFOUND when nothing is cached for ns. */
err_t swap_back(struct namespace *ns, struct swap_result *res) MUST_USE NONNULL(1, 2);

/* Reloads c from the object it was loaded from, at a new address, through
 * a swap (fault recovery, stage 4): state is not transferred, the new cell
 * starts as loaded. */
err_t swap_reload(struct cell *c, struct swap_result *res) MUST_USE NONNULL(1, 2);

/* Fault injection for tests: the n-th site write of the next swap fails
 * as a HAL refusal would (0: none), so stage 3 must undo what it wrote. */
void swap_inject_write_failure(unsigned n);

/* --- retired cells (retire.c) ---------------------------------------------------
 * Old cells a swap took out of their namespace but could not free at once:
 * a task still has a frame in one, or a word of writable memory (a cell's
 * data, the heap, a stack) points into it. They stay in the address index
 * (faults in them are named, the unwinder finds their frames) and are freed
 * later, without anyone asking, once nothing refers to them. */
size_t swap_retired_count(void);
/* Tries to free the retired cells now; returns how many were freed. */
size_t swap_reap(void);

/* One line for a result: "swap: load 120 us, verify 8 us, ...". */
int swap_result_format(const struct swap_result *res, char *buf, size_t cap) NONNULL(1, 2);

#endif
