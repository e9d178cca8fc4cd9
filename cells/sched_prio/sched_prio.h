/* The layout of sched_prio's state, for the cells that take its run queues
 * over in a live swap (sched_rr's transfer function reads them through
 * swap_old_object; docs/tasks.md). Nothing else may look at it.
 *
 * Each CPU has one FIFO per priority level, of the tasks' own rq_links
 * (scheduler.h), and a bit per level that holds a task. A task of priority
 * p waits at level p, clamped to 0..PRIO_LEVELS-1. A queued link has
 * queue == 1 + its CPU and priority == the task's priority when it was
 * queued. The list heads are set up the first time the queue is locked
 * (zeroed heads: an empty queue). */
#ifndef CELLS_SCHED_PRIO_H
#define CELLS_SCHED_PRIO_H
#include <stddef.h>
#include <stdint.h>

#include "klib.h"
#include "sched_rr/sched_rr.h"
#include "spinlock.h"

#define PRIO_LEVELS 32

struct prio_queue {
	struct spinlock lock;
	uint32_t nonempty; /* bit l: levels[l] holds a task */
	struct list levels[PRIO_LEVELS]; /* struct rq_link.node, front first */
	size_t len;
};
_Static_assert(PRIO_LEVELS <= 32, "one bit of nonempty per level");

/* Same name as sched_rr's queues (RR_QUEUES_OBJECT), another size: a swap
 * between the two must name a transfer function. */
#define PRIO_QUEUES_OBJECT "run_queues"
_Static_assert(sizeof(struct prio_queue) != sizeof(struct rr_queue),
	       "the queues of sched_rr and sched_prio must differ in size, or a swap could copy one over the other");

static inline unsigned prio_level(int priority)
{
	return priority < 0 ? 0 : priority >= PRIO_LEVELS ? PRIO_LEVELS - 1 : (unsigned)priority;
}

#endif
