/* Interrupt and timer contract.
 * hal_irq_save disables interrupt delivery (hosted: blocks the timer and
 * other asynchronous signals) on the current CPU and returns the previous
 * state for hal_irq_restore; the pair nests. The tick callback runs in
 * interrupt context with interrupts disabled, hz times a second. */
#ifndef HAL_IRQ_H
#define HAL_IRQ_H
#include "hal_types.h"

typedef unsigned long hal_irq_state_t;

hal_irq_state_t hal_irq_save(void) __attribute__((warn_unused_result));
void hal_irq_restore(hal_irq_state_t state);
void hal_irq_enable(void);
bool hal_irq_enabled(void);

#include "hal_fault.h"

/* interrupted: the registers of the code the tick interrupted, or NULL
 * when the tick was held back and delivered later (hal_irq_restore). The
 * callback may rewrite them (to divert the interrupted task, as for a
 * fault) and then returns true. */
typedef bool (*hal_tick_fn)(struct hal_regs *interrupted);

/* Starts (hz > 0) or stops (hz == 0) the periodic tick. */
bool hal_timer_start(unsigned hz, hal_tick_fn on_tick) __attribute__((warn_unused_result));
unsigned hal_timer_hz(void);

#endif
