/* floor: lib */
/* panic(): a broken kernel invariant. Never for bad input (that is an err_t). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H
#include <stdint.h>

#include "compiler.h"

#define PANIC_EXIT_STATUS 99

NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* What a panic does beyond stopping the machine, installed from above (the
 * fault layer: in a task, the task fails and is unwound, or the machine
 * stops when that is not safe; docs/faults.md). A handler returns only
 * when it does not take the panic over (no task to blame): the caller then
 * stops the machine. msg is the formatted message, pc the calling
 * instruction. */
typedef void (*panic_handler_fn)(const char *msg, uintptr_t pc);
void panic_set_handler(panic_handler_fn fn);
/* Hands a panic to the installed handler; returns if there is none or it
 * did not take the panic over. */
void panic_report(const char *msg, uintptr_t pc) NONNULL(1);

#endif
