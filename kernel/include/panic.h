/* panic(): a broken kernel invariant. Never for bad input (that is an err_t). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

#define PANIC_EXIT_STATUS 99

NORETURN void panic(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* panic's back end in a task (kernel/task/fail.c): unwinds the current task
 * as failed at pc, or stops the machine when that is not safe (a spinlock
 * held, interrupts or preemption disabled: docs/faults.md). Returns false,
 * doing nothing, when there is no task to blame (boot, idle). A panic in
 * a cleanup of an unwinding task ends that task as failed (unwind failed). */
bool task_fail_panic(const char *why, uintptr_t pc) NONNULL(1);

#endif
