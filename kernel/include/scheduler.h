/* floor: task */
/* What a scheduler cell provides (DESIGN.md §5). The nano_core reaches
 * the active scheduler only through an import table of these functions,
 * resolved by the cell manager and recorded as dependency edges like any
 * relocation, so swapping the scheduler is an ordinary cell swap.
 * All are called with interrupts disabled on the calling CPU. */
#ifndef KERNEL_SCHEDULER_H
#define KERNEL_SCHEDULER_H
#include "task.h"

/* The symbols, in import-table order. */
#define SCHED_IMPORTS(X)                                                            \
	X(sched_add, void, (struct task * t))                                       \
	X(sched_remove, void, (struct task * t))                                    \
	X(sched_pick_next, struct task *, (unsigned cpu, struct task *current))    \
	X(sched_policy, const char *, (void))

/* sched_add: t became runnable; queue it on task_cpu(t).
 * sched_remove: t is no longer runnable (blocked, sleeping, ended); dequeue it.
 * sched_pick_next: the next task to run on cpu, or NULL to idle. current is
 *   the task that was running (still queued if it is runnable).
 * sched_policy: a short name ("round robin", "priority"). */

#endif
