/* panic: report a broken kernel invariant and stop the machine with a
 * distinct status. Bad input never comes here; it is an err_t.
 *
 * panic lives in the lowest floor so that every floor may call it, and so
 * it calls nothing above it: what a panic means in a task (the task fails
 * and is unwound, the fault log records it) is decided by the fault layer,
 * which installs itself here with panic_set_handler (docs/layers.md). */
#include "hal_cpu.h"
#include "klib.h"
#include "panic.h"

static panic_handler_fn handler; /* set once at boot, before tasks run */

void panic_set_handler(panic_handler_fn fn) { __atomic_store_n(&handler, fn, __ATOMIC_RELEASE); }

void panic_report(const char *msg, uintptr_t pc)
{
	panic_handler_fn fn = __atomic_load_n(&handler, __ATOMIC_ACQUIRE);
	if (fn)
		fn(msg, pc);
}

/* With no handler, or one that finds no task to blame (boot, idle, the
 * fault layer not up), the machine stops with PANIC_EXIT_STATUS. */
__attribute__((noinline)) void panic(const char *fmt, ...)
{
	/* the call instruction: a noreturn call may be the last of its function */
	uintptr_t caller = (uintptr_t)__builtin_return_address(0) - 1;
	char msg[160];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	panic_report(msg, caller);
	kprintf("\nkernel panic: %s\n", msg);
	hal_cpu_poweroff(PANIC_EXIT_STATUS);
}
