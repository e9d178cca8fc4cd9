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
 * interrupts disabled. When entry returns, the CPU is off for good. False
 * if it cannot start. */
bool hal_cpu_start(unsigned cpu, void (*entry)(unsigned cpu)) __attribute__((warn_unused_result));

/* Waits until CPU cpu, whose entry has returned or is returning, is off and
 * holds nothing of the HAL's (hosted: its thread is joined). */
void hal_cpu_join(unsigned cpu);

/* Interrupts a halted CPU so it looks at its run queue again. */
void hal_cpu_wake(unsigned cpu);

/* Ends the machine with an exit status (hosted: process exit;
 * QEMU: isa-debug-exit; hardware: ACPI off or halt). */
HAL_NORETURN void hal_cpu_poweroff(int status);

#endif
