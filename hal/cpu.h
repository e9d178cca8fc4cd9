/* CPU contract: identity, idling and the end of the machine. */
#ifndef HAL_CPU_H
#define HAL_CPU_H
#include "hal_types.h"

/* Index of the executing (virtual) CPU, 0 on the boot CPU. */
unsigned hal_cpu_id(void);

/* Number of CPUs the kernel may run on. */
unsigned hal_cpu_count(void);

/* Waits (low power) until the next interrupt or timer tick. */
void hal_cpu_halt(void);

/* Ends the machine with an exit status (hosted: process exit;
 * QEMU: isa-debug-exit; hardware: ACPI off or halt). */
HAL_NORETURN void hal_cpu_poweroff(int status);

#endif
