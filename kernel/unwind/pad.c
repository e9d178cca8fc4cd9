/* The stack pointer a landing pad is entered with. A pad expects the sp
 * its frame has at the pad, which is not always the sp at the interrupted
 * pc: arguments of a call may have been pushed, all or only some (a fault
 * or a kill between two pushes). DW_CFA_GNU_args_size says how many bytes
 * a call pushed, but clang sets it before the first push, so it is wrong
 * at every pc between the pushes. The pad's own CFI row is right
 * everywhere: the CFA is the frame's invariant, and where the pad's rule
 * is rsp + off, its sp is CFA - off. gcc moves pads into .text.unlikely
 * under an FDE of their own, so the pad's FDE is looked up by its address.
 * Only when the pad's CFA is not rsp-based (a frame pointer: the pad then
 * does not depend on sp's exact value to find its locals) does the old
 * rule apply: sp plus args_size, as libgcc does. Called by unwind.c. */
#include "uw.h"

/* Whether the unwinder may move the frame's sp from r's to sp: within the
 * stack (an sp the frame ran on is left as it is). */
static bool may_move(const struct uw_stack *stk, const struct unwind_regs *r, uintptr_t sp)
{
	return sp == r->r[DW_RSP] || !(stk->lo || stk->hi) || (sp >= stk->lo && sp < stk->hi);
}

bool uw_pad_sp(const struct uw_row *row, const struct unwind_regs *r, uintptr_t pad, const struct uw_stack *stk,
	       uintptr_t *sp, struct uw_diag *d)
{
	struct unwind_fde fde;
	struct uw_source src;
	struct uw_row at_pad;
	uint64_t cfa;
	if (uw_find_fde(pad, &fde, &src, d) == UW_FOUND && uw_cfa_row(&fde, pad, false, &at_pad, d) &&
	    !at_pad.cfa_is_expr && at_pad.cfa_reg == DW_RSP) {
		if (!uw_cfa(row, stk, r, &cfa, d))
			return false;
		if (at_pad.cfa_off <= 0 || (uint64_t)at_pad.cfa_off > cfa)
			return uw_fail(d, "landing pad %#lx: CFA rule rsp%+ld", (unsigned long)pad, (long)at_pad.cfa_off);
		*sp = cfa - (uint64_t)at_pad.cfa_off;
		if (*sp + 4096 < r->r[DW_RSP] || !may_move(stk, r, *sp))
			return uw_fail(d, "landing pad %#lx: sp %#lx (CFA %#lx - %ld) leaves the stack",
				       (unsigned long)pad, (unsigned long)*sp, (unsigned long)cfa, (long)at_pad.cfa_off);
		return true;
	}
	*sp = r->r[DW_RSP] + row->args_size;
	if (*sp < r->r[DW_RSP] || !may_move(stk, r, *sp))
		return uw_fail(d, "%lu bytes of call arguments above sp %#lx leave the stack",
			       (unsigned long)row->args_size, (unsigned long)r->r[DW_RSP]);
	return true;
}
