/* Console input for cells, and the HAL services the shell needs, in the
 * nano_core export table (cells link only against exports). */
#include "console.h"
#include "err.h"
#include "export.h"
#include "hal/console.h"
#include "hal/dyncall.h"

int console_getc(void) { return hal_console_getc(); }
bool console_interactive(void) { return hal_console_interactive(); }

EXPORT_KERNEL(console_getc);
EXPORT_KERNEL(console_interactive);
EXPORT_KERNEL(hal_dyncall);
EXPORT_APP(err_name);
EXPORT_APP(err_text);
