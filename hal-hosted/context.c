/* Hosted execution contexts on ucontext. */
#include <stdint.h>
#include <ucontext.h>

#include "hal/context.h"

struct hal_context {
	ucontext_t uc;
	void (*entry)(void *);
	void *arg;
};

size_t hal_context_size(void) { return sizeof(struct hal_context); }

/* makecontext passes only ints: the context pointer travels in two halves. */
static void trampoline(unsigned lo, unsigned hi)
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
	ctx->entry = entry;
	ctx->arg = arg;
	uintptr_t p = (uintptr_t)ctx;
	makecontext(&ctx->uc, (void (*)(void))trampoline, 2, (unsigned)p, (unsigned)(p >> 32));
}

void hal_context_switch(struct hal_context *from, const struct hal_context *to)
{
	swapcontext(&from->uc, &to->uc);
}
