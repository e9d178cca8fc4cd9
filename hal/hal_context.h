/* Execution context contract: a saved register state the kernel can
 * prepare on a fresh stack and switch to. The kernel allocates
 * hal_context_size() bytes (aligned to 16) per context; the HAL owns the layout.
 * hal_context_switch saves the current state into from and resumes to;
 * it returns when something later switches back to from. It saves only what
 * a function call must preserve (no signal mask, no FPU state: the kernel
 * and cells run with general registers only). */
#ifndef HAL_CONTEXT_H
#define HAL_CONTEXT_H
#include "hal_fault.h"
#include "hal_types.h"

struct hal_context;

size_t hal_context_size(void);

/* Prepares ctx to call entry(arg) on [stack, stack+stack_size).
 * entry must not return (the kernel's task trampoline exits the task). */
void hal_context_prepare(struct hal_context *ctx, void *stack, size_t stack_size,
			 void (*entry)(void *), void *arg);

void hal_context_switch(struct hal_context *from, const struct hal_context *to);

/* The registers ctx resumes with, for a walk of a stack that is not
 * running (a switched-out task): rsp and the callee-saved registers as the
 * switch will restore them, rip the address the switch returns to (a return
 * address), the caller-saved ones 0. False for a context that was prepared
 * but has not run yet: nothing of it is on its stack. Only meaningful while
 * the context is switched out (the caller knows it is). */
bool hal_context_saved_regs(const struct hal_context *ctx, struct hal_regs *out);

/* The context will not run again; its stack may be freed after this. */
void hal_context_release(struct hal_context *ctx);

#endif
