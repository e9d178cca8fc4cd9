/* panic: report a broken kernel invariant and stop the machine with a
 * distinct status. Bad input never comes here; it is an err_t. */
#include "hal/cpu.h"
#include "klib.h"
#include "panic.h"
#include "task.h"

/* In a task, a panic fails that task: it is unwound like a faulting one
 * (its cleanups run, the fault log records it). Elsewhere (boot, idle,
 * interrupt context, or a panic during an unwind) the machine stops. */
void panic(const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (task_can_fail())
		task_panic(msg);
	kprintf("\nkernel panic: %s\n", msg);
	hal_cpu_poweroff(PANIC_EXIT_STATUS);
}
