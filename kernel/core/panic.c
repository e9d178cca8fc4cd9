/* panic: report a broken kernel invariant and stop the machine with a
 * distinct status. Bad input never comes here; it is an err_t. */
#include "hal/cpu.h"
#include "klib.h"
#include "panic.h"

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kprintf("\nkernel panic: ");
	kvprintf(fmt, ap);
	kprintf("\n");
	va_end(ap);
	hal_cpu_poweroff(PANIC_EXIT_STATUS);
}
