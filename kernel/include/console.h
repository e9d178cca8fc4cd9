/* Console input for cells (output is kprintf): the HAL console, exported. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H
#include <stdbool.h>

/* The next input byte, or -1 at the end of input. */
int console_getc(void);
/* True when a person is typing (so a shell should prompt). */
bool console_interactive(void);

#endif
