/* Shared by the files of kernel/fault (recover.c: the entry and the start
 * of an unwind; cascade.c: what happens when it is over). */
#ifndef FAULT_INTERNAL_H
#define FAULT_INTERNAL_H
#include "fault.h"
#include "task_fail.h"
#include "unwind.h"

/* The end of a task's unwind (st->arg is the task): the cascade. */
NORETURN void fault_cascade(struct unwind_state *st);
/* Ends the running task t, whose unwind a fault or panic in a cleanup
 * (nested) cut short: nothing more of its stack can be trusted. */
NORETURN void fault_abandon(struct task *t, struct fault_record *nested);

#endif
