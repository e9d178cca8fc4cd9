/* save_and_call(uint64_t *from_rsp, void (*fn)(void *), void *arg): saves
 * the callee-saved registers and the stack pointer exactly as
 * x86_context_switch does, then calls fn(arg), which never returns (it
 * enters a fresh ucontext). Resuming the saved context later with
 * x86_context_switch returns from this call. */
	.text
	.globl save_and_call
	.type save_and_call, @function
save_and_call:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rdx, %rdi
	andq $-16, %rsp
	callq *%rsi
	ud2
	.size save_and_call, . - save_and_call

	.section .note.GNU-stack, "", @progbits
