/* CPU contract: identity, idling and the end of the machine. */
#ifndef HAL_CPU_H
#define HAL_CPU_H
#include "hal_types.h"

/* Index of the executing (virtual) CPU, 0 on the boot CPU. */
unsigned hal_cpu_id(void);

/* Number of CPUs the kernel may run on. */
unsigned hal_cpu_count(void);

/* Waits (low power) until the next interrupt, timer tick or hal_cpu_wake,
 * or for at most about a millisecond. */
void hal_cpu_halt(void);

/* Starts CPU cpu (1 <= cpu < hal_cpu_count()) running entry(cpu) with
 * interrupts disabled; entry never returns. False if it cannot. */
bool hal_cpu_start(unsigned cpu, void (*entry)(unsigned cpu)) __attribute__((warn_unused_result));

/* Interrupts a halted CPU so it looks at its run queue again. */
void hal_cpu_wake(unsigned cpu);

/* Ends the machine with an exit status (hosted: process exit;
 * QEMU: isa-debug-exit; hardware: ACPI off or halt). */
HAL_NORETURN void hal_cpu_poweroff(int status);

#endif
