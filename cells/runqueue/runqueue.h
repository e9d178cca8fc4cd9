/* The runqueue cell: one run queue per CPU, each an ordered list of tasks
 * (with the priority each was queued at) under its own spinlock. The
 * scheduler cells (sched_rr, sched_prio) build their policies on it; the
 * nano_core never sees it. A queue links the tasks' own rq_links
 * (scheduler.h), so nothing is allocated and queueing cannot fail. Tasks
 * are borrowed: the kernel keeps a task alive while it is runnable, and
 * removes it (sched_remove) before it can be reaped.
 *
 * A task is on at most one queue at a time: rq_push_back of a task that is
 * already queued (anywhere) is a broken invariant and panics, naming it.
 * Every function is safe with interrupts disabled and from any CPU. */
#ifndef CELLS_RUNQUEUE_H
#define CELLS_RUNQUEUE_H
#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "task.h"

/* Appends t to cpu's queue. Panics (a broken invariant of the caller, not
 * bad input) when t is already queued or cpu is not below MAX_CPUS. */
void rq_push_back(unsigned cpu, struct task *t, int priority) NONNULL(2);
/* Takes t off whichever queue holds it; false if none does. */
bool rq_remove(struct task *t) NONNULL(1);
/* Moves t to the back of the queue holding it; false if no queue holds it. */
bool rq_move_to_back(struct task *t) NONNULL(1);

/* The front task / the highest-priority task (the frontmost among equals)
 * of cpu's queue, or NULL when it is empty. pop removes it, peek does not. */
struct task *rq_pop_front(unsigned cpu);
struct task *rq_peek_front(unsigned cpu);
struct task *rq_pop_highest(unsigned cpu);
struct task *rq_peek_highest(unsigned cpu);

size_t rq_len(unsigned cpu);
/* Whether any queue holds t. */
bool rq_contains(struct task *t) NONNULL(1);
/* Calls fn for each entry of cpu's queue, front to back, with the queue
 * locked: fn must not call back into the runqueue. */
void rq_for_each(unsigned cpu, void (*fn)(struct task *t, int priority, void *arg), void *arg) NONNULL(2);

#endif
