/* Console contract: a byte stream to a human or a script.
 * hosted: stdout/stdin; bare metal: COM1. Writes are complete and in order;
 * reads block until a byte (or end of input) is available. */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H
#include "hal_types.h"

/* Writes all len bytes. */
void hal_console_write(const char *buf, size_t len);

/* Writes all len bytes of a diagnostic about the machine itself (a boot
 * failure, a warning): hosted, stderr, apart from the shell's output; bare
 * metal, the same serial line. */
void hal_console_write_error(const char *buf, size_t len);

/* Returns the next input byte, or -1 at end of input. */
int hal_console_getc(void);

/* True when the console is interactive (a terminal), so a shell may prompt. */
bool hal_console_interactive(void);

#endif
