/* floor: unwind */
/* The kernel's own DWARF unwinder (DESIGN.md §6): no heap, no libgcc.
 * Given the registers of a frame, it finds the frame's FDE through the
 * registry of unwind tables (the loaded cells' .eh_frames, registered at
 * load, and the nano_core's own), runs the CFA program to restore the caller's
 * registers, and enters every cleanup landing pad the LSDA names on the way.
 * A landing pad ends in _Unwind_Resume, which continues the same unwind.
 * The unwind ends at the task's entry boundary (a pc range) or fails safely;
 * either way st->done is called and never returns. */
#ifndef KERNEL_UNWIND_H
#define KERNEL_UNWIND_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "grace.h"

/* DWARF register numbers of x86_64. */
enum dwarf_reg {
	DW_RAX, DW_RDX, DW_RCX, DW_RBX, DW_RSI, DW_RDI, DW_RBP, DW_RSP,
	DW_R8, DW_R9, DW_R10, DW_R11, DW_R12, DW_R13, DW_R14, DW_R15,
	DW_RIP, DW_NREGS
};

struct unwind_regs {
	uint64_t r[DW_NREGS];
};

enum unwind_end {
	UNWIND_END_BOUNDARY,  /* reached the task's entry boundary: success */
	UNWIND_END_NO_FDE,    /* a frame with no unwind information before the boundary */
	UNWIND_END_BAD_CFI,   /* malformed or unsupported CIE/FDE/CFA program */
	UNWIND_END_BAD_LSDA,  /* malformed call-site table */
	UNWIND_END_TOO_DEEP,  /* more frames than the stack can hold, or landing pads than a frame has */
	UNWIND_END_BAD_STACK, /* the CFA left the stack bounds or did not move up */
};

struct unwind_state;
typedef NORETURN void (*unwind_done_fn)(struct unwind_state *st);

/* One unwind in progress; lives in the task (no heap). Its address is the
 * "exception object" landing pads hand back to _Unwind_Resume. */
struct unwind_state {
	uintptr_t boundary_lo, boundary_hi; /* pc range of the entry frame's function */
	uintptr_t stack_lo, stack_hi;       /* the stack being unwound (both 0: unknown) */
	unwind_done_fn done;
	void *arg;                          /* for done */
	unsigned frames;                    /* frames unwound so far */
	unsigned cleanups;                  /* landing pads entered so far */
	unsigned pads_in_frame;             /* landing pads entered since the last step */
	uintptr_t cfa;                      /* the last frame's CFA: the next must lie above it */
	enum unwind_end end;
	uintptr_t end_pc;                   /* where it ended */
	char why[96];                       /* detail when it failed */
	struct grace_read tables;           /* the registry read section of the current step */
	bool reading_tables;                /* whether it is open */
};

/* --- the registry of unwind tables ---------------------------------------
 * Whoever owns code registers its unwind table here: a cell at load (embedded
 * in struct cell, removed at unload), the nano_core at boot (for good). The
 * unwinder looks pcs up in this registry only, never in kernel/cell (it is
 * the floor below). Lookups are lock-free (a grace-period read section per
 * unwind step); adds and removes are serialised by the registry's own lock. */
struct unwind_range {
	uintptr_t lo, hi; /* [lo, hi) */
};

struct unwind_table {
	const char *owner;          /* for reports: the cell's name */
	struct unwind_range text;   /* pcs it describes; its landing pads lie here too */
	const uint8_t *eh_frame;    /* its .eh_frame, eh_frame_size bytes */
	size_t eh_frame_size;
	const struct unwind_range *lsda; /* where its LSDAs may lie (.gcc_except_table*), n_lsda ranges */
	size_t n_lsda;
	bool trusted;               /* the nano_core's: any pc, LSDAs and pads unchecked */
	struct unwind_table *next;  /* the registry's link: owned by kernel/unwind */
};

/* Publishes t (filled in by the owner, kept alive by it until removed).
 * Cannot fail: the link is inside t. t's bytes must stay unchanged while
 * it is registered. */
void unwind_table_add(struct unwind_table *t) NONNULL(1);
/* Unpublishes t and waits until no unwinder can still be reading it; on
 * return the owner may free it. Precondition: not inside an unwind step
 * (asserted by the grace period). */
void unwind_table_remove(struct unwind_table *t) NONNULL(1);

/* Registers, for good, a trusted .eh_frame that belongs to no cell (the
 * nano_core's own, from its image, and the HAL's extras) through the same
 * registry. At most a few; false if out of slots. */
bool unwind_register_eh_frame(const void *start, size_t size) NONNULL(1) MUST_USE;

/* Starts unwinding from regs. With pc_is_return_address, r[DW_RIP] is a
 * return address (its call instruction is the one looked up); otherwise it
 * is the faulting instruction itself. Never returns. */
NORETURN void unwind_from(const struct unwind_regs *regs, bool pc_is_return_address, struct unwind_state *st)
	NONNULL(1, 3);

/* Unwinds the calling function's frame and all above it (for panic, kill). */
NORETURN void unwind_here(struct unwind_state *st) NONNULL(1);

/* --- walking frames without unwinding (walk.c) -------------------------------
 * For looking at a stack that is not being unwound (another task's, saved,
 * or the caller's own): no landing pad runs, nothing is written. fn gets
 * each frame's pc, innermost first (is_ra: it is a return address, the
 * call lies before it); it returns false to stop the walk. */
typedef bool unwind_frame_fn(uintptr_t pc, bool is_ra, void *arg);
/* Walks from regs, reading only [stack_lo, stack_hi) (required: both
 * bounds). True if fn stopped the walk; false when the frames ran out, with
 * *end saying why (UNWIND_END_NO_FDE: the outermost frame, or code without
 * unwind information, such as a host library's; BAD_CFI; BAD_STACK; TOO_DEEP). */
bool unwind_walk(const struct unwind_regs *regs, bool pc_is_return_address, uintptr_t stack_lo, uintptr_t stack_hi,
		 unwind_frame_fn *fn, void *arg, enum unwind_end *end) NONNULL(1, 5, 7) MUST_USE;

/* Called by landing pads (compiler-emitted); continues the unwind of st. */
NORETURN void _Unwind_Resume(void *st);

/* --- parsing, exposed for tests and for load-time validation ------------- */
struct unwind_fde {
	uintptr_t pc_begin, pc_end;
	const uint8_t *cie_insns, *cie_end;
	const uint8_t *fde_insns, *fde_end;
	uint64_t code_align;
	int64_t data_align;
	unsigned ra_reg;
	uintptr_t lsda; /* 0 if none */
	bool signal_frame;
};
/* Finds the FDE covering pc; false if none. */
bool unwind_find_fde(uintptr_t pc, struct unwind_fde *out) NONNULL(2);
/* Validates a whole .eh_frame (every CIE/FDE parses, every CFA program
 * decodes); false with a reason and the offset of the bad record. */
bool unwind_check_eh_frame(const uint8_t *start, size_t size, char *why, size_t cap, size_t *bad_off)
	NONNULL(1, 3, 5);

#endif
