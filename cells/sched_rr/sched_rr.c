/* The round-robin scheduler cell: the four functions of scheduler.h's import
 * table on top of the runqueue cell. A runnable task stays queued while it
 * runs; each pick first rotates the task that ran to the back, then runs
 * whichever task is at the front. */
#include "cell.h"
#include "klib.h"
#include "runqueue/runqueue.h"
#include "scheduler.h"

CELL_INFO("sched_rr", CELL_KERNEL, 1);

void sched_add(struct task *t)
{
	if (rq_contains(t))
		return; /* queued once, however often it is announced */
	/* No allocation: the queue links t's own rq_link. A cpu outside every
	 * queue is a broken invariant, which rq_push_back reports. */
	rq_push_back((unsigned)task_cpu(t), t, task_priority(t));
}

void sched_remove(struct task *t) { (void)rq_remove(t); }

struct task *sched_pick_next(unsigned cpu, struct task *current)
{
	if (current && !task_is_idle(current) && task_state(current) == TASK_RUNNABLE)
		(void)rq_move_to_back(current); /* false when it is not queued: nothing to rotate */
	return rq_peek_front(cpu);
}

const char *sched_policy(void) { return "round robin"; }
