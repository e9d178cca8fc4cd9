/* Walking a stack's frames without unwinding it: the FDE lookup and CFA
 * step of the unwinder (eh_frame.c, cfa.c), but no landing pad runs and
 * the stack is only read; each frame's pc goes to a callback. The swap's
 * retired cells ask it whether a task has a frame in some code. */
#include "klib.h"
#include "uw.h"

/* One frame per step: find its FDE, run its CFA program, compute the
 * caller; false (with *end) when the walk can go no further. */
static bool walk_step(struct unwind_regs *r, bool *is_ra, const struct uw_stack *stk, enum unwind_end *end)
{
	char reason[72];
	struct uw_diag d = { reason, sizeof reason };
	uintptr_t at = r->r[DW_RIP] - (*is_ra ? 1 : 0); /* inside the call instruction */
	struct unwind_fde fde;
	struct uw_source src;
	struct grace_read g = grace_read_lock(&uw_tables_grace);
	bool ok = false;
	switch (uw_find_fde(at, &fde, &src, &d)) {
	case UW_FOUND: {
		struct uw_row row;
		struct unwind_regs caller;
		if (!uw_cfa_row(&fde, at, false, &row, &d)) {
			*end = UNWIND_END_BAD_CFI;
			break;
		}
		switch (uw_step(&row, fde.ra_reg, stk, r, &caller, &d)) {
		case UW_STEP_OK:
			*r = caller;
			*is_ra = !fde.signal_frame;
			ok = true;
			break;
		case UW_STEP_BAD_CFI: *end = UNWIND_END_BAD_CFI; break;
		case UW_STEP_BAD_STACK: *end = UNWIND_END_BAD_STACK; break;
		case UW_STEP_OUTERMOST: *end = UNWIND_END_NO_FDE; break;
		}
		break;
	}
	case UW_NOT_FOUND: *end = UNWIND_END_NO_FDE; break;
	case UW_MALFORMED: *end = UNWIND_END_BAD_CFI; break;
	}
	grace_read_unlock(&uw_tables_grace, g);
	return ok;
}

bool unwind_walk(const struct unwind_regs *regs, bool pc_is_return_address, uintptr_t stack_lo, uintptr_t stack_hi,
		 unwind_frame_fn *fn, void *arg, enum unwind_end *end)
{
	const struct uw_stack stk = { stack_lo, stack_hi };
	if (stack_hi <= stack_lo) { /* an unbounded walk could read anywhere */
		*end = UNWIND_END_BAD_STACK;
		return false;
	}
	struct unwind_regs r = *regs;
	bool is_ra = pc_is_return_address;
	/* Every step moves the CFA up by at least a return address. */
	for (uintptr_t frames = 0; frames <= (stack_hi - stack_lo) / sizeof(uint64_t); frames++) {
		if (!fn(r.r[DW_RIP], is_ra, arg))
			return true;
		if (!walk_step(&r, &is_ra, &stk, end))
			return false;
	}
	*end = UNWIND_END_TOO_DEEP;
	return false;
}
