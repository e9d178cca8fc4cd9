/* Console contract: a byte stream to a human or a script.
 * hosted: stdout/stdin; bare metal: COM1. Writes are complete and in order;
 * hal_console_getc blocks until a byte (or end of input) is available,
 * hal_console_poll never blocks.
 *
 * Cooked (the default) and raw input: cooked input is what a script or a
 * plain line reader wants (hosted: the terminal's own line editing; bare
 * metal: the HAL echoes, turns CR into LF and erases on backspace). Raw
 * input hands over every byte as typed, unechoed, with no signal keys
 * (^C is byte 3), for a line editor that does all of that itself. */
#ifndef HAL_CONSOLE_H
#define HAL_CONSOLE_H
#include "hal_types.h"

#define HAL_CONSOLE_EOF (-1)  /* end of input: nothing more will come */
#define HAL_CONSOLE_NONE (-2) /* hal_console_poll: nothing typed yet */

/* Writes all len bytes. */
void hal_console_write(const char *buf, size_t len);

/* Writes all len bytes of a diagnostic about the machine itself (a boot
 * failure, a warning): hosted, stderr, apart from the shell's output; bare
 * metal, the same serial line. */
void hal_console_write_error(const char *buf, size_t len);

/* Returns the next input byte, or HAL_CONSOLE_EOF. */
int hal_console_getc(void);

/* The next input byte if one has arrived, HAL_CONSOLE_NONE if none has,
 * or HAL_CONSOLE_EOF. */
int hal_console_poll(void);

/* True when the console is interactive (a terminal), so a shell may prompt. */
bool hal_console_interactive(void);

/* Switches raw input on or off; false (and nothing changes) when the
 * console is not interactive. Hosted, the terminal's modes are restored on
 * every way out of the process, whether or not raw is switched off. */
bool hal_console_raw(bool on);

#endif
