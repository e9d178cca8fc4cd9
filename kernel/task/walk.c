/* Every task's stack, for the swap's retired cells (task_walk.h): where
 * each task's frames start (its saved context, or the caller's registers
 * for the calling task) and which words of its stack are live. The other
 * CPUs are paused, so no context changes while the walk reads it. */
#include "hal_irq.h"
#include "panic.h"
#include "task_internal.h"
#include "task_walk.h"

/* The callee-saved registers, rsp and a pc of the function the macro is
 * in: a walk from them starts in that frame, which must stay live. */
#define CAPTURE_REGS(regs)                                                              \
	__asm__ volatile("lea 0(%%rip), %%rax\n\tmov %%rax, 128(%0)\n\t"               \
			 "mov %%rsp, 56(%0)\n\tmov %%rbp, 48(%0)\n\tmov %%rbx, 24(%0)\n\t"      \
			 "mov %%r12, 96(%0)\n\tmov %%r13, 104(%0)\n\tmov %%r14, 112(%0)\n\t"    \
			 "mov %%r15, 120(%0)"                                                   \
			 : : "r"((regs)->r) : "rax", "memory")
_Static_assert(DW_RBX == 3 && DW_RBP == 6 && DW_RSP == 7 && DW_R12 == 12 && DW_RIP == 16,
	       "CAPTURE_REGS stores by DWARF register number");

struct walk {
	task_stack_fn *fn;
	void *arg;
	uintptr_t own_below;
	struct unwind_regs here; /* task_walk_stacks' own frame */
};

static bool task_ended(const struct task *t)
{
	return t->state == TASK_EXITED || t->state == TASK_FAILED || t->state == TASK_KILLED;
}

/* rsp and the callee-saved registers a switched-out context resumes with. */
static bool saved_regs(const struct task *t, struct unwind_regs *out)
{
	struct hal_regs h;
	if (!hal_context_saved_regs(t->ctx, &h))
		return false;
	*out = (struct unwind_regs){ 0 };
	out->r[DW_RBX] = h.rbx;
	out->r[DW_RBP] = h.rbp;
	out->r[DW_RSP] = h.rsp;
	out->r[DW_R12] = h.r12;
	out->r[DW_R13] = h.r13;
	out->r[DW_R14] = h.r14;
	out->r[DW_R15] = h.r15;
	out->r[DW_RIP] = h.rip;
	return true;
}

static void view_task(const struct task *t, void *arg)
{
	struct walk *w = arg;
	size_t size = mp_size(&t->stack.m);
	if (task_ended(t) || !size)
		return;
	struct task_stack_view v = { .id = t->id, .name = t->name, .state = t->state, .cpu = t->cpu };
	v.stack_hi = mp_start(&t->stack.m) + size;
	v.stack_lo = mp_size(&t->headroom.m) ? mp_start(&t->headroom.m) : mp_start(&t->stack.m);
	v.live_lo = v.stack_lo;
	if (t == cpu_this()->current) {
		v.current = v.has_regs = true;
		v.regs = w->here;
		v.live_lo = MAX(w->here.r[DW_RSP], w->own_below);
	} else if (t == cpu_get((unsigned)t->cpu)->current) {
		v.running = true; /* stopped at the pause; its registers are in no context */
	} else if ((v.has_regs = saved_regs(t, &v.regs))) {
		v.pc_is_ra = true;
		v.live_lo = v.regs.r[DW_RSP];
	} else {
		v.live_lo = v.stack_hi; /* prepared, never run: nothing of it on its stack */
	}
	v.live_lo = MIN(MAX(v.live_lo, v.stack_lo), v.stack_hi);
	w->fn(&v, w->arg);
}

__attribute__((noinline)) void task_walk_stacks(uintptr_t own_below, task_stack_fn *fn, void *arg)
{
	if (hal_irq_enabled())
		panic("task_walk_stacks with interrupts on: tasks could move under the walk");
	struct walk w = { fn, arg, own_below, { { 0 } } };
	CAPTURE_REGS(&w.here);
	task_for_each(view_task, &w);
}
