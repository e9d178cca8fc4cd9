/* panic: report a broken kernel invariant and stop the machine with a
 * distinct status. Bad input never comes here; it is an err_t. */
#include "hal_cpu.h"
#include "klib.h"
#include "panic.h"
#include "task.h"

/* In a task, a panic fails that task: it is unwound like a faulting one
 * (its cleanups run, the fault log records it), unless that is not safe
 * (a spinlock held, ...: the machine stops with FAULT_EXIT_UNRECOVERABLE).
 * Elsewhere (boot, idle, a panic during an unwind) the machine stops with
 * PANIC_EXIT_STATUS. */
__attribute__((noinline)) void panic(const char *fmt, ...)
{
	/* the call instruction: a noreturn call may be the last of its function */
	uintptr_t caller = (uintptr_t)__builtin_return_address(0) - 1;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(void)task_fail_panic(msg, caller);
	kprintf("\nkernel panic: %s\n", msg);
	hal_cpu_poweroff(PANIC_EXIT_STATUS);
}
