/* The layout of sched_rr's state, for the cells that take its run queues
 * over in a live swap (sched_prio's transfer function reads them through
 * swap_old_object; docs/tasks.md). Nothing else may look at it.
 *
 * Each CPU has one FIFO of the tasks' own rq_links (scheduler.h): the
 * front runs next. A queued link has queue == 1 + its CPU and priority ==
 * the task's priority when it was queued. The list head is set up the
 * first time the queue is locked (a zeroed head: an empty queue). */
#ifndef CELLS_SCHED_RR_H
#define CELLS_SCHED_RR_H
#include <stddef.h>

#include "klib.h"
#include "spinlock.h"

struct rr_queue {
	struct spinlock lock;
	struct list links; /* struct rq_link.node, front first */
	size_t len;
};

/* The name of the array of MAX_CPUS queues in sched_rr's data. sched_prio
 * keeps its own queues under the same name with another size, so that a
 * swap between them without a transfer function is refused, not run with
 * every queued task forgotten. */
#define RR_QUEUES_OBJECT "run_queues"

#endif
