/* The CPU on bare metal: one CPU for now (the SMP plan is in docs/),
 * hlt to idle, and power-off through QEMU's isa-debug-exit device (exit
 * code (status << 1) | 1) or, on real hardware, a halt with interrupts off. */
#include "hal_cpu.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4

unsigned hal_cpu_id(void) { return 0; }
unsigned hal_cpu_count(void) { return 1; }
/* Interrupts stay as they were: a halt with them off would never end. */
void hal_cpu_halt(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags));
	if (flags & (1u << 9))
		__asm__ volatile("hlt" ::: "memory");
	else
		__asm__ volatile("sti\n\thlt\n\tcli" ::: "memory");
}

/* One CPU for now: the SMP plan is in docs/tasks.md. */
bool hal_cpu_start(unsigned cpu, void (*entry)(unsigned cpu))
{
	(void)cpu;
	(void)entry;
	return false;
}

void hal_cpu_wake(unsigned cpu) { (void)cpu; }
void hal_cpu_join(unsigned cpu) { (void)cpu; }

void x86_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli\n\thlt");
}

void hal_cpu_poweroff(int status)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	outw(0x604, 0x2000); /* QEMU's ACPI off, if there is no debug-exit device */
	x86_halt_forever();
}
