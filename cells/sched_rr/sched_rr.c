/* The round-robin scheduler cell: the four functions of scheduler.h's import
 * table over one FIFO per CPU (sched_rr.h) of the tasks' own rq_links, so
 * queueing allocates nothing and cannot fail. A runnable task stays queued
 * while it runs; each pick first rotates the task that ran to the back, then
 * runs whichever task is at the front. Each queue has a spinlock (interrupts
 * off too), so the tick never finds one half changed.
 *
 * The queues are this cell's own state: a live swap from sched_prio carries
 * its queued tasks over with sched_rr_take_over (below, SWAP_TRANSFER). */
#include <stdbool.h>
#include <stddef.h>

#include "cell.h"
#include "klib.h"
#include "sched_prio/sched_prio.h"
#include "sched_rr/sched_rr.h"
#include "scheduler.h"
#include "spinlock.h"
#include "swap.h"
#include "task.h"

CELL_INFO("sched_rr", CELL_KERNEL, 1);

/* Zeroed at load; each list head is set up the first time it is locked. */
static struct rr_queue run_queues[MAX_CPUS];

/* A broken invariant of the caller: stops the task that broke it, or the
 * machine when that is not safe (called with interrupts off). Never with a
 * queue locked. */
static NORETURN void rr_misuse(const char *what, const struct task *t, unsigned cpu)
{
	char why[128];
	ksnprintf(why, sizeof why, "sched_rr: task %u (%s) %s %u", task_id(t), task_name(t), what, cpu);
	task_panic(why);
}

/* The queue of cpu, locked (cpu < MAX_CPUS). */
static struct rr_queue *rr_lock(unsigned cpu, irq_state_t *irq)
{
	struct rr_queue *q = &run_queues[cpu];
	*irq = spin_lock_irqsave(&q->lock);
	if (!q->links.next)
		list_init(&q->links);
	return q;
}

static void rr_unlock(struct rr_queue *q, irq_state_t irq) { spin_unlock_irqrestore(&q->lock, irq); }

static unsigned link_queue(const struct rq_link *l) { return __atomic_load_n(&l->queue, __ATOMIC_ACQUIRE); }

/* The queue holding l, locked; NULL (nothing locked) if none does. The
 * queue is read before its lock is taken, so it is checked again under it. */
static struct rr_queue *rr_lock_holder(struct rq_link *l, irq_state_t *irq)
{
	for (;;) {
		unsigned q1 = link_queue(l);
		if (!q1)
			return NULL;
		struct rr_queue *q = rr_lock(q1 - 1, irq);
		if (l->queue == q1)
			return q;
		rr_unlock(q, *irq); /* moved or taken off meanwhile: look again */
	}
}

/* Appends l to q (locked), which is the queue of cpu. */
static void rr_link(struct rr_queue *q, unsigned cpu, struct rq_link *l, int priority)
{
	l->priority = priority;
	list_push_back(&q->links, &l->node);
	__atomic_store_n(&l->queue, cpu + 1, __ATOMIC_RELEASE);
	q->len++;
}

void sched_add(struct task *t)
{
	unsigned cpu = (unsigned)task_cpu(t);
	if (cpu >= MAX_CPUS)
		rr_misuse("names a cpu outside every run queue:", t, cpu);
	struct rq_link *l = task_rq_link(t);
	if (link_queue(l))
		return; /* queued once, however often it is announced */
	irq_state_t irq;
	struct rr_queue *q = rr_lock(cpu, &irq);
	rr_link(q, cpu, l, task_priority(t));
	rr_unlock(q, irq);
}

void sched_remove(struct task *t)
{
	struct rq_link *l = task_rq_link(t);
	irq_state_t irq;
	struct rr_queue *q = rr_lock_holder(l, &irq);
	if (!q)
		return;
	list_remove(&l->node);
	__atomic_store_n(&l->queue, 0, __ATOMIC_RELEASE);
	q->len--;
	rr_unlock(q, irq);
}

struct task *sched_pick_next(unsigned cpu, struct task *current)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	irq_state_t irq;
	if (current && !task_is_idle(current) && task_state(current) == TASK_RUNNABLE) {
		struct rq_link *cl = task_rq_link(current);
		struct rr_queue *q = rr_lock_holder(cl, &irq);
		if (q) { /* not queued: nothing to rotate */
			list_remove(&cl->node);
			list_push_back(&q->links, &cl->node);
			rr_unlock(q, irq);
		}
	}
	struct rr_queue *q = rr_lock(cpu, &irq);
	struct rq_link *front = list_empty(&q->links) ? NULL : list_entry(q->links.next, struct rq_link, node);
	rr_unlock(q, irq);
	return front ? task_of_rq_link(front) : NULL;
}

const char *sched_policy(void) { return "round robin"; }

/* --- the live swap from sched_prio ------------------------------------------
 * Called by the swap with every other CPU paused and interrupts off here, so
 * no CPU is inside either scheduler: sched_prio's queues (sched_prio.h) are
 * still whole, and nothing queues or picks until the import table points
 * here. Every queued link moves into this cell's FIFO of the same CPU,
 * highest level first and in queue order within a level, so the task
 * sched_prio would have run next runs first. Everything is checked before
 * the first link moves: a refusal (non-zero) changes nothing. */

/* Whether sched_prio's queue q (of cpu) is whole: free, with each level's
 * list closed within the queue's length and every link naming cpu. */
static bool prio_queue_whole(const struct prio_queue *q, unsigned cpu)
{
	if (__atomic_load_n(&q->lock.locked, __ATOMIC_ACQUIRE))
		return false;
	size_t seen = 0;
	for (unsigned level = 0; level < PRIO_LEVELS; level++) {
		const struct list *head = &q->levels[level];
		if (!head->next)
			continue; /* never locked: empty */
		for (const struct list *pos = head->next; pos != head; pos = pos->next) {
			const struct rq_link *l = list_entry(pos, struct rq_link, node);
			if (++seen > q->len || !pos->next || l->queue != cpu + 1)
				return false;
		}
	}
	return seen == q->len;
}

int64_t sched_rr_take_over(const struct swap_transfer *from)
{
	size_t size = 0;
	const struct prio_queue *old = swap_old_object(from, PRIO_QUEUES_OBJECT, &size);
	if (!old || size != sizeof(struct prio_queue) * MAX_CPUS)
		return 1; /* not sched_prio's queues */
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		if (!prio_queue_whole(&old[cpu], cpu))
			return 2;
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct rr_queue *q = &run_queues[cpu];
		list_init(&q->links);
		for (unsigned level = PRIO_LEVELS; level-- > 0;) {
			const struct list *head = &old[cpu].levels[level];
			struct list *pos, *next;
			if (!head->next)
				continue;
			list_for_each_safe(pos, next, head) {
				struct rq_link *l = list_entry(pos, struct rq_link, node);
				rr_link(q, cpu, l, l->priority);
			}
		}
	}
	return 0;
}
SWAP_TRANSFER(sched_rr_take_over);
