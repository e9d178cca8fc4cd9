/* Interrupt and exception entry: one stub per vector pushes an error code
 * (a zero where the CPU pushes none) and the vector number, then the common
 * path saves every general register into a struct trap_frame, calls
 * x86_trap(frame), and returns with whatever registers the frame then
 * holds (a fault handler may redirect the interrupted code). */
	.text
	.code64

.macro STUB vec
	.balign 16
isr_\vec:
	.if (\vec == 8 || (\vec >= 10 && \vec <= 14) || \vec == 17 || \vec == 21 || \vec == 29 || \vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
.endm

.altmacro
.set i, 0
.rept 256
	STUB %i
	.set i, i + 1
.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $-16, %rsp
	call x86_trap
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/* The table of stub addresses idt.c installs. */
	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
.macro ENTRY vec
	.quad isr_\vec
.endm
.set i, 0
.rept 256
	ENTRY %i
	.set i, i + 1
.endr

	.section .note.GNU-stack, "", @progbits
