/* The kernel's names for the HAL's interrupt masking (irq.h): exported to
 * cells, whose spinlocks (spinlock.h, inline) call them, so the HAL stays
 * out of every cell's link ABI. A plain call: the HAL's own is one too. */
#include "export.h"
#include "hal_irq.h"
#include "irq.h"

_Static_assert(__builtin_types_compatible_p(irq_state_t, hal_irq_state_t),
	       "irq_state_t carries the HAL's interrupt state unchanged");

irq_state_t irq_save(void) { return hal_irq_save(); }
void irq_restore(irq_state_t state) { hal_irq_restore(state); }

EXPORT_APP(irq_save);
EXPORT_APP(irq_restore);
