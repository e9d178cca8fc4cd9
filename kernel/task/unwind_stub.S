/* Where a faulting (or killed) task resumes after the HAL returns from the
 * fault: a fresh, aligned stack position below the interrupted frame. It
 * calls into C, which unwinds from the registers saved at the fault; it
 * never returns. */
	.text
	.globl task_unwind_stub
	.type task_unwind_stub, @function
task_unwind_stub:
	.cfi_startproc
	.cfi_undefined rip /* the end of this stack for any unwinder */
	xorl %ebp, %ebp
	call task_unwind_diverted
	ud2
	.cfi_endproc
	.size task_unwind_stub, . - task_unwind_stub

	.section .note.GNU-stack, "", @progbits
