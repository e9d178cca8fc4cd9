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

/* sched_add: t became runnable; queue it on task_cpu(t). It cannot fail: the
 *   place in the queue is t's own rq_link (below), nothing is allocated. A
 *   task announced again while queued stays queued once.
 * sched_remove: t is no longer runnable (blocked, sleeping, ended); dequeue it.
 * sched_pick_next: the next task to run on cpu, or NULL to idle. current is
 *   the task that was running (still queued if it is runnable).
 * sched_policy: a short name ("round robin", "priority"). */

/* A task's place in a run queue. Every task has exactly one, inside the task
 * (so queueing never allocates and cannot fail); the scheduler cell that
 * queues the task owns it while it is queued. The task struct stays opaque:
 * cells reach the link through task_rq_link and come back through
 * task_of_rq_link. All zero (as in a new task) means "on no queue". */
struct rq_link {
	struct list node; /* in one queue's list while queued */
	unsigned queue;   /* 1 + the index of the queue holding it; 0: none */
	int priority;     /* task_priority(t) when it was queued */
};

struct rq_link *task_rq_link(struct task *t) NONNULL(1);
struct task *task_of_rq_link(struct rq_link *l) NONNULL(1);

#endif
