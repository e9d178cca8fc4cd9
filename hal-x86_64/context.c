/* Execution contexts on bare metal: a context is the saved stack pointer;
 * everything else lives on the context's own stack (see context.S). */
#include "hal_context.h"

struct hal_context {
	uint64_t rsp;
};

void x86_context_switch(uint64_t *from_rsp, uint64_t to_rsp);
void x86_context_start(void);

size_t hal_context_size(void) { return sizeof(struct hal_context); }

void hal_context_prepare(struct hal_context *ctx, void *stack, size_t stack_size,
			 void (*entry)(void *), void *arg)
{
	uint64_t *sp = (uint64_t *)(((uintptr_t)stack + stack_size) & ~(uintptr_t)15);
	*--sp = (uint64_t)(uintptr_t)x86_context_start;
	*--sp = 0;                                /* rbp */
	*--sp = 0;                                /* rbx */
	*--sp = (uint64_t)(uintptr_t)arg;         /* r12 */
	*--sp = (uint64_t)(uintptr_t)entry;       /* r13 */
	*--sp = 0;                                /* r14 */
	*--sp = 0;                                /* r15 */
	ctx->rsp = (uint64_t)(uintptr_t)sp;
}

void hal_context_switch(struct hal_context *from, const struct hal_context *to)
{
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
	if (!ctx->rsp)
		return false;
	switch_frame_regs(ctx->rsp, out);
	return out->rip != (uint64_t)(uintptr_t)x86_context_start; /* prepared, never run */
}

void hal_context_release(struct hal_context *ctx) { (void)ctx; }
