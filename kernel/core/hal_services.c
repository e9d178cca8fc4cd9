/* HAL services cells may use, in the nano_core export table (cells link
 * only against exports): console input, interrupt masking (for the inline
 * spinlocks of spinlock.h), time, and the dynamic call. */
#include "console.h"
#include "err.h"
#include "export.h"
#include "hal/console.h"
#include "hal/dyncall.h"
#include "hal/irq.h"
#include "hal/time.h"

int console_getc(void) { return hal_console_getc(); }
bool console_interactive(void) { return hal_console_interactive(); }

EXPORT_KERNEL(console_getc);
EXPORT_KERNEL(console_interactive);
EXPORT_KERNEL(hal_dyncall);
EXPORT_APP(err_name);
EXPORT_APP(err_text);
EXPORT_APP(hal_irq_save);
EXPORT_APP(hal_irq_restore);
EXPORT_APP(hal_time_ns);
EXPORT_APP(hal_cycles);
