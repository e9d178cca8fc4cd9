/* Hosted execution contexts: the same register switch as bare metal
 * (hal-x86_64/context.S, built into both HALs: both are x86_64), which
 * saves only callee-saved registers and never makes a syscall (swapcontext
 * would spend half its time in rt_sigprocmask). Stacks are announced to
 * valgrind so memcheck follows the switches. */
#include <stdint.h>
#include <valgrind/valgrind.h>

#include "hal/context.h"

struct hal_context {
	uint64_t rsp;
	unsigned vg_stack; /* valgrind's id for the stack, 0 if none */
};

void x86_context_switch(uint64_t *from_rsp, uint64_t to_rsp);
void x86_context_start(void);

size_t hal_context_size(void) { return sizeof(struct hal_context); }

void hal_context_prepare(struct hal_context *ctx, void *stack, size_t stack_size,
			 void (*entry)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)(((uintptr_t)stack + stack_size) & ~(uintptr_t)15);
	*--sp = (uint64_t)(uintptr_t)x86_context_start;
	*--sp = 0;                          /* rbp */
	*--sp = 0;                          /* rbx */
	*--sp = (uint64_t)(uintptr_t)arg;   /* r12 */
	*--sp = (uint64_t)(uintptr_t)entry; /* r13 */
	*--sp = 0;                          /* r14 */
	*--sp = 0;                          /* r15 */
	ctx->rsp = (uint64_t)(uintptr_t)sp;
	ctx->vg_stack = VALGRIND_STACK_REGISTER(stack, (char *)stack + stack_size);
}

void hal_context_switch(struct hal_context *from, const struct hal_context *to)
{
	x86_context_switch(&from->rsp, to->rsp);
}

void hal_context_release(struct hal_context *ctx)
{
	if (ctx->vg_stack)
		VALGRIND_STACK_DEREGISTER(ctx->vg_stack);
	ctx->vg_stack = 0;
}
