/* hal/x86_64/ holds the code both x86-64 HALs build (hal-hosted and
 * hal-x86_64), so neither links the other's files.
 * The register switch: save the callee-saved registers and the stack
 * pointer of `from`, load those of `to`. A context prepared by hal-x86_64
 * starts in context_start, which calls entry(arg) with a 16-byte aligned
 * stack (hosted contexts start through ucontext instead). */
	.text
	.code64
	.globl x86_context_switch
/* x86_context_switch(uint64_t *from_rsp, uint64_t to_rsp) */
x86_context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl x86_context_start
x86_context_start:
	movq %r12, %rdi /* arg */
	callq *%r13     /* entry: must not return */
	ud2

	.section .note.GNU-stack, "", @progbits
