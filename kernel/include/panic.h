/* panic(): a broken kernel invariant. Never for bad input (that is an err_t). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H
#include "compiler.h"

#define PANIC_EXIT_STATUS 99

NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
