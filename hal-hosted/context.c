/* Hosted execution contexts: created with ucontext (getcontext and
 * makecontext on the task's stack) and first entered with setcontext;
 * every save and every later switch uses the bare-metal register switch
 * (hal/x86_64/context.S, built into both HALs: both are x86_64), which saves
 * only callee-saved registers and makes no syscall (swapcontext spends half
 * its time in rt_sigprocmask, and would carry signal masks between tasks).
 * Stacks are announced to valgrind so memcheck follows the switches. */
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#include <valgrind/valgrind.h>

#include "hal_context.h"

struct hal_context {
	ucontext_t uc;     /* the fresh context, until first entered */
	uint64_t rsp;      /* the saved stack pointer afterwards */
	bool fresh;        /* prepared, not yet entered */
	void (*entry)(void *);
	void *arg;
	unsigned vg_stack; /* valgrind's id for the stack, 0 if none */
};

void x86_context_switch(uint64_t *from_rsp, uint64_t to_rsp);
void save_and_call(uint64_t *from_rsp, void (*fn)(void *), void *arg);

size_t hal_context_size(void) { return sizeof(struct hal_context); }

/* makecontext passes only ints: the context pointer travels in two halves. */
static void entry_trampoline(unsigned lo, unsigned hi)
{
	struct hal_context *ctx = (struct hal_context *)(((uintptr_t)hi << 32) | lo);
	ctx->entry(ctx->arg);
}

void hal_context_prepare(struct hal_context *ctx, void *stack, size_t stack_size,
			 void (*entry)(void *), void *arg)
{
	getcontext(&ctx->uc);
	ctx->uc.uc_stack.ss_sp = stack;
	ctx->uc.uc_stack.ss_size = stack_size;
	ctx->uc.uc_link = NULL;
	sigemptyset(&ctx->uc.uc_sigmask); /* a task starts with every signal deliverable */
	ctx->entry = entry;
	ctx->arg = arg;
	uintptr_t p = (uintptr_t)ctx;
	makecontext(&ctx->uc, (void (*)(void))entry_trampoline, 2, (unsigned)p, (unsigned)(p >> 32));
	ctx->fresh = true;
	ctx->vg_stack = VALGRIND_STACK_REGISTER(stack, (char *)stack + stack_size);
}

static void enter_fresh(void *ctx)
{
	struct hal_context *to = ctx;
	to->fresh = false;
	setcontext(&to->uc);
}

void hal_context_switch(struct hal_context *from, const struct hal_context *to)
{
	if (to->fresh)
		save_and_call(&from->rsp, enter_fresh, (void *)to);
	else
		x86_context_switch(&from->rsp, to->rsp);
}

/* What x86_context_switch (hal/x86_64/context.S) leaves at the saved stack
 * pointer: r15, r14, r13, r12, rbx, rbp, then its return address. */
static void switch_frame_regs(uint64_t rsp, struct hal_regs *out)
{
	const uint64_t *f = (const uint64_t *)(uintptr_t)rsp;
	*out = (struct hal_regs){ .r15 = f[0], .r14 = f[1], .r13 = f[2], .r12 = f[3], .rbx = f[4], .rbp = f[5],
				  .rip = f[6], .rsp = rsp + 7 * sizeof(uint64_t) };
}

bool hal_context_saved_regs(const struct hal_context *ctx, struct hal_regs *out)
{
	if (ctx->fresh || !ctx->rsp)
		return false;
	switch_frame_regs(ctx->rsp, out);
	return true;
}

void hal_context_release(struct hal_context *ctx)
{
	if (ctx->vg_stack)
		VALGRIND_STACK_DEREGISTER(ctx->vg_stack);
	ctx->vg_stack = 0;
}
