/* The unwinder's loop: for each frame from the first, stop at the task's
 * boundary, find the FDE (eh_frame.c), enter a cleanup landing pad if the
 * LSDA names one (lsda.c), else step to the caller (cfa.c). A landing pad
 * ends in _Unwind_Resume, which captures its caller's registers and comes
 * back here. The end, good or bad, is reported through st->done. */
#include "export.h"
#include "klib.h"
#include "panic.h"
#include "uw.h"

/* What bounds a walk is the stack itself: every step must move the CFA
 * up, and a frame holds at least its return address, so a stack of n bytes
 * holds at most n / 8 frames. Within one frame, landing pads are bounded
 * by its call-site records. Beyond these the stack or its tables lie. */
#define UW_MIN_FRAME 8

/* Loads every register from regs (rsp and rip included) and jumps. */
NORETURN void unwind_enter_pad(const struct unwind_regs *regs);
/* Called by _Unwind_Resume with the landing pad's registers. */
NORETURN void unwind_resume_regs(const struct unwind_regs *regs, struct unwind_state *st);

/* Captures the caller's registers into a struct unwind_regs on the stack
 * (rsp as after the return, rip = the return address), then args moves
 * the stub's argument (st) and &regs into place and it calls fn. */
#define UW_CAPTURE_STUB(name, fn, args)                                   \
	"	.pushsection .text." name ",\"ax\",@progbits\n"                   \
	"	.globl " name "\n"                                                \
	"	.type " name ",@function\n"                                       \
	name ":\n"                                                            \
	"	.cfi_startproc\n"                                                 \
	"	sub $136, %rsp\n"                                                 \
	"	.cfi_adjust_cfa_offset 136\n"                                     \
	"	mov %rax, 0(%rsp)\n"                                              \
	"	mov %rdx, 8(%rsp)\n"                                              \
	"	mov %rcx, 16(%rsp)\n"                                             \
	"	mov %rbx, 24(%rsp)\n"                                             \
	"	mov %rsi, 32(%rsp)\n"                                             \
	"	mov %rdi, 40(%rsp)\n"                                             \
	"	mov %rbp, 48(%rsp)\n"                                             \
	"	lea 144(%rsp), %rax\n"                                            \
	"	mov %rax, 56(%rsp)\n"                                             \
	"	mov %r8, 64(%rsp)\n"                                              \
	"	mov %r9, 72(%rsp)\n"                                              \
	"	mov %r10, 80(%rsp)\n"                                             \
	"	mov %r11, 88(%rsp)\n"                                             \
	"	mov %r12, 96(%rsp)\n"                                             \
	"	mov %r13, 104(%rsp)\n"                                            \
	"	mov %r14, 112(%rsp)\n"                                            \
	"	mov %r15, 120(%rsp)\n"                                            \
	"	mov 136(%rsp), %rax\n"                                            \
	"	mov %rax, 128(%rsp)\n"                                            \
	args                                                                  \
	"	call " fn "\n"                                                    \
	"	ud2\n"                                                            \
	"	.cfi_endproc\n"                                                   \
	"	.size " name ", .-" name "\n"                                     \
	"	.popsection\n"

_Static_assert(sizeof(struct unwind_regs) == 136, "the capture stubs lay out 17 registers");

/* unwind_here(st) calls unwind_from(&regs, true, st);
 * _Unwind_Resume(st) calls unwind_resume_regs(&regs, st). */
__asm__(UW_CAPTURE_STUB("unwind_here", "unwind_from",
			"	mov %rdi, %rdx\n	mov %rsp, %rdi\n	mov $1, %esi\n")
	UW_CAPTURE_STUB("_Unwind_Resume", "unwind_resume_regs",
			"	mov %rdi, %rsi\n	mov %rsp, %rdi\n"));

/* Stages rip, rdi and rax just below the pad's sp, loads the rest, then
 * switches stacks and pops the three: nothing is read below the new sp
 * (valgrind holds such reads invalid). The staging slots are above every
 * unwinder frame, regs included, since those all lie below the pad's sp. */
__asm__("	.pushsection .text.unwind_enter_pad,\"ax\",@progbits\n"
	"	.globl unwind_enter_pad\n"
	"	.type unwind_enter_pad,@function\n"
	"unwind_enter_pad:\n"
	"	mov 56(%rdi), %rax\n"
	"	mov 128(%rdi), %rcx\n"
	"	mov %rcx, -8(%rax)\n"
	"	mov 40(%rdi), %rcx\n"
	"	mov %rcx, -16(%rax)\n"
	"	mov 0(%rdi), %rcx\n"
	"	mov %rcx, -24(%rax)\n"
	"	mov 8(%rdi), %rdx\n"
	"	mov 16(%rdi), %rcx\n"
	"	mov 24(%rdi), %rbx\n"
	"	mov 32(%rdi), %rsi\n"
	"	mov 48(%rdi), %rbp\n"
	"	mov 64(%rdi), %r8\n"
	"	mov 72(%rdi), %r9\n"
	"	mov 80(%rdi), %r10\n"
	"	mov 88(%rdi), %r11\n"
	"	mov 96(%rdi), %r12\n"
	"	mov 104(%rdi), %r13\n"
	"	mov 112(%rdi), %r14\n"
	"	mov 120(%rdi), %r15\n"
	"	lea -24(%rax), %rsp\n"
	"	pop %rax\n"
	"	pop %rdi\n"
	"	ret\n"
	"	.size unwind_enter_pad, .-unwind_enter_pad\n"
	"	.popsection\n");

/* Each step (find the FDE, run its CFA program, read its LSDA, compute the
 * caller) reads the registered unwind tables inside one read section of
 * uw_tables_grace, so a table removed meanwhile is not freed under it. The
 * section ends before a landing pad runs (cleanups may block) and before
 * the done callback. */
static void tables_enter(struct unwind_state *st)
{
	if (!st->reading_tables) {
		st->tables = grace_read_lock(&uw_tables_grace);
		st->reading_tables = true;
	}
}

static void tables_leave(struct unwind_state *st)
{
	if (st->reading_tables) {
		st->reading_tables = false;
		grace_read_unlock(&uw_tables_grace, st->tables);
	}
}

static NORETURN PRINTF_LIKE(4, 5) void finish(struct unwind_state *st, enum unwind_end end, uintptr_t pc,
					      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(st->why, sizeof st->why, fmt, ap);
	va_end(ap);
	tables_leave(st);
	st->end = end;
	st->end_pc = pc;
	if (!st->done)
		panic("unwind: ended without a done callback: %s", st->why);
	st->done(st);
	panic("unwind: done callback returned");
}

/* Names the cell holding pc, for reasons (inside the step's read section). */
static const char *where(uintptr_t pc)
{
	const struct unwind_table *t = uw_table_of(pc);
	return t ? t->owner : "outside any cell";
}

/* The most frames st's stack can hold; unbounded if its bounds are unknown
 * (then only the rising CFA bounds the walk). */
static uintptr_t max_frames(const struct unwind_state *st)
{
	if (st->stack_hi <= st->stack_lo)
		return UINTPTR_MAX;
	return (st->stack_hi - st->stack_lo) / UW_MIN_FRAME;
}

/* Enters the cleanup landing pad of the frame r describes, with the sp
 * the pad expects (pad.c: from its CFI row, else after popping the pushed
 * call arguments, DW_CFA_GNU_args_size). */
static NORETURN void enter_pad(struct unwind_state *st, struct unwind_regs *r, uintptr_t pad, unsigned max_pads,
			       const struct uw_row *row, struct uw_diag *d)
{
	const struct uw_stack stk = { st->stack_lo, st->stack_hi };
	uintptr_t pc = r->r[DW_RIP], sp;
	if (++st->pads_in_frame > max_pads)
		finish(st, UNWIND_END_TOO_DEEP, pc, "%s: more landing pads in one frame than its %u call sites",
		       where(pc), max_pads);
	if (!uw_pad_sp(row, r, pad, &stk, &sp, d))
		finish(st, UNWIND_END_BAD_STACK, pc, "%s: %s", where(pc), d->buf);
	st->cleanups++;
	r->r[DW_RSP] = sp;
	r->r[DW_RAX] = (uintptr_t)st; /* the "exception object" handed to _Unwind_Resume */
	r->r[DW_RDX] = 0;             /* selector 0: a cleanup */
	r->r[DW_RIP] = pad;
	tables_leave(st);
	unwind_enter_pad(r);
}

/* Steps r to its caller; the CFA must rise above the previous frame's. */
static void step(struct unwind_state *st, const struct unwind_fde *fde, const struct uw_row *row,
		 struct unwind_regs *r, struct uw_diag *d)
{
	const struct uw_stack stk = { st->stack_lo, st->stack_hi };
	uintptr_t pc = r->r[DW_RIP];
	struct unwind_regs caller;
	switch (uw_step(row, fde->ra_reg, &stk, r, &caller, d)) {
	case UW_STEP_OK:
		break;
	case UW_STEP_BAD_CFI:
		finish(st, UNWIND_END_BAD_CFI, pc, "%s", d->buf);
	case UW_STEP_BAD_STACK:
		finish(st, UNWIND_END_BAD_STACK, pc, "%s", d->buf);
	case UW_STEP_OUTERMOST:
		finish(st, UNWIND_END_NO_FDE, pc, "%s before the boundary", d->buf);
	}
	uintptr_t cfa = caller.r[DW_RSP];
	if (cfa <= st->cfa)
		finish(st, UNWIND_END_BAD_STACK, pc, "%s: CFA %#lx not above the previous frame's %#lx", where(pc),
		       (unsigned long)cfa, (unsigned long)st->cfa);
	if (++st->frames > max_frames(st))
		finish(st, UNWIND_END_TOO_DEEP, pc, "more than %lu frames in a %lu-byte stack",
		       (unsigned long)max_frames(st), (unsigned long)(st->stack_hi - st->stack_lo));
	st->cfa = cfa;
	st->pads_in_frame = 0;
	*r = caller;
}

static NORETURN void drive(const struct unwind_regs *first, bool is_ra, struct unwind_state *st)
{
	struct unwind_regs r = *first;
	char reason[72];
	struct uw_diag d = { reason, sizeof reason };
	for (;;) {
		uintptr_t pc = r.r[DW_RIP];
		uintptr_t at = is_ra ? pc - 1 : pc; /* inside the call instruction */
		tables_enter(st);
		if (at >= st->boundary_lo && at < st->boundary_hi)
			finish(st, UNWIND_END_BOUNDARY, pc, "reached the boundary: %u frames, %u cleanups",
			       st->frames, st->cleanups);
		struct unwind_fde fde;
		struct uw_source src;
		switch (uw_find_fde(at, &fde, &src, &d)) {
		case UW_FOUND:
			break;
		case UW_NOT_FOUND:
			finish(st, UNWIND_END_NO_FDE, pc, "no unwind info for pc %#lx (%s), frame %u", (unsigned long)pc,
			       where(pc), st->frames);
		case UW_MALFORMED:
			finish(st, UNWIND_END_BAD_CFI, pc, "%s: .eh_frame: %s", where(pc), reason);
		}
		struct uw_row row;
		if (!uw_cfa_row(&fde, at, false, &row, &d))
			finish(st, UNWIND_END_BAD_CFI, pc, "%s: %s", where(pc), reason);
		uintptr_t pad = 0;
		unsigned max_pads = 0;
		if (fde.lsda && !uw_landing_pad(&fde, &src, at, &pad, &max_pads, &d))
			finish(st, UNWIND_END_BAD_LSDA, pc, "%s", reason);
		if (pad)
			enter_pad(st, &r, pad, max_pads, &row, &d);
		step(st, &fde, &row, &r, &d);
		tables_leave(st);
		is_ra = !fde.signal_frame; /* a signal frame's caller was interrupted, not calling */
	}
}

NORETURN void unwind_from(const struct unwind_regs *regs, bool pc_is_return_address, struct unwind_state *st)
{
	st->frames = 0;
	st->cleanups = 0;
	st->pads_in_frame = 0;
	st->cfa = 0;
	st->why[0] = '\0';
	st->reading_tables = false;
	drive(regs, pc_is_return_address, st);
}

NORETURN void unwind_resume_regs(const struct unwind_regs *regs, struct unwind_state *st)
{
	drive(regs, true, st);
}

/* Cells' CIEs name gcc's C personality (through DW.ref.__gcc_personality_v0),
 * so it must resolve; this unwinder reads LSDAs itself and never calls it.
 * Anything else that does gets _URC_FATAL_PHASE1_ERROR (3). */
int __gcc_personality_v0(int version, int actions, uint64_t exception_class, void *exception, void *context);
int __gcc_personality_v0(int version, int actions, uint64_t exception_class, void *exception, void *context)
{
	return 3;
}

/* Every cell compiled with cleanups references both, app cells included. */
EXPORT_APP(_Unwind_Resume);
EXPORT_APP(__gcc_personality_v0);
EXPORT_KERNEL(unwind_here);
