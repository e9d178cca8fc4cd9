/* floor: lib */
/* Interrupt masking on the executing CPU, under the kernel's own names so
 * that cells (and spinlock.h, which cells include) never see the HAL:
 * irq_save disables interrupt delivery (the timer tick) and returns the
 * previous state for irq_restore; the pair nests (kernel/lib/irq.c). */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H
#include "compiler.h"

typedef unsigned long irq_state_t;

irq_state_t irq_save(void) MUST_USE;
void irq_restore(irq_state_t state);

#endif
