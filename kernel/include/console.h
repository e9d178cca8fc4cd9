/* floor: core */
/* Console input for cells (output is kprintf): the HAL console, exported. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H
#include <stdbool.h>

#define CONSOLE_EOF (-1)  /* end of input */
#define CONSOLE_NONE (-2) /* console_poll: nothing has arrived */

/* The next input byte, or CONSOLE_EOF; waits for one. */
int console_getc(void);
/* The next input byte if one has arrived, else CONSOLE_NONE (or
 * CONSOLE_EOF); never waits. */
int console_poll(void);
/* True when a person is typing (so a shell should prompt). */
bool console_interactive(void);
/* Raw input on or off: every byte as typed, unechoed, ^C as byte 3.
 * False if the console cannot (it is not a terminal). */
bool console_raw(bool on);

#endif
