/* HAL services cells may use, in the nano_core export table (cells link
 * only against exports): console input, interrupt masking (for the inline
 * spinlocks of spinlock.h), time, and the dynamic call. */
#include "console.h"
#include "export.h"
#include "hal_console.h"
#include "hal_dyncall.h"
#include "hal_irq.h"
#include "hal_time.h"

_Static_assert(CONSOLE_EOF == HAL_CONSOLE_EOF && CONSOLE_NONE == HAL_CONSOLE_NONE,
	       "console.h passes the HAL's input codes through unchanged");

int console_getc(void) { return hal_console_getc(); }
int console_poll(void) { return hal_console_poll(); }
bool console_interactive(void) { return hal_console_interactive(); }
bool console_raw(bool on) { return hal_console_raw(on); }

EXPORT_KERNEL(console_getc);
EXPORT_KERNEL(console_poll);
EXPORT_KERNEL(console_interactive);
EXPORT_KERNEL(console_raw);
EXPORT_KERNEL(hal_dyncall);
EXPORT_APP(hal_irq_save);
EXPORT_APP(hal_irq_restore);
EXPORT_APP(hal_time_ns);
EXPORT_APP(hal_cycles);
