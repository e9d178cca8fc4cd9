/* The strict-priority scheduler cell: the four functions of scheduler.h's
 * import table over per-CPU queues with one FIFO per priority level
 * (sched_prio.h) of the tasks' own rq_links, so queueing allocates nothing
 * and cannot fail. The highest level runs first; tasks of one level take
 * turns, because the task that ran is rotated to the back of its level
 * before each pick. A runnable task stays queued while it runs. Each queue
 * has a spinlock (interrupts off too), so the tick never finds one half
 * changed.
 *
 * The live swap target for sched_rr (DESIGN.md §5): a swap from sched_rr
 * carries its queued tasks over with sched_prio_take_over (below,
 * SWAP_TRANSFER). */
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

CELL_INFO("sched_prio", CELL_KERNEL, 1);

/* Zeroed at load; the list heads are set up the first time it is locked. */
static struct prio_queue run_queues[MAX_CPUS];

/* A broken invariant of the caller: stops the task that broke it, or the
 * machine when that is not safe (called with interrupts off). Never with a
 * queue locked. */
static NORETURN void prio_misuse(const char *what, const struct task *t, unsigned cpu)
{
	char why[128];
	ksnprintf(why, sizeof why, "sched_prio: task %u (%s) %s %u", task_id(t), task_name(t), what, cpu);
	task_panic(why);
}

static void prio_init(struct prio_queue *q)
{
	for (unsigned level = 0; level < PRIO_LEVELS; level++)
		list_init(&q->levels[level]);
}

/* The queue of cpu, locked (cpu < MAX_CPUS). */
static struct prio_queue *prio_lock(unsigned cpu, irq_state_t *irq)
{
	struct prio_queue *q = &run_queues[cpu];
	*irq = spin_lock_irqsave(&q->lock);
	if (!q->levels[0].next)
		prio_init(q);
	return q;
}

static void prio_unlock(struct prio_queue *q, irq_state_t irq) { spin_unlock_irqrestore(&q->lock, irq); }

static unsigned link_queue(const struct rq_link *l) { return __atomic_load_n(&l->queue, __ATOMIC_ACQUIRE); }

/* The queue holding l, locked; NULL (nothing locked) if none does. The
 * queue is read before its lock is taken, so it is checked again under it. */
static struct prio_queue *prio_lock_holder(struct rq_link *l, irq_state_t *irq)
{
	for (;;) {
		unsigned q1 = link_queue(l);
		if (!q1)
			return NULL;
		struct prio_queue *q = prio_lock(q1 - 1, irq);
		if (l->queue == q1)
			return q;
		prio_unlock(q, *irq); /* moved or taken off meanwhile: look again */
	}
}

/* Appends l to its level of q (locked), which is the queue of cpu. */
static void prio_link(struct prio_queue *q, unsigned cpu, struct rq_link *l, int priority)
{
	unsigned level = prio_level(priority);
	l->priority = priority;
	list_push_back(&q->levels[level], &l->node);
	q->nonempty |= 1u << level;
	__atomic_store_n(&l->queue, cpu + 1, __ATOMIC_RELEASE);
	q->len++;
}

/* Takes l off q (locked), keeping the level's bit true. */
static void prio_unlink(struct prio_queue *q, struct rq_link *l)
{
	unsigned level = prio_level(l->priority);
	list_remove(&l->node);
	if (list_empty(&q->levels[level]))
		q->nonempty &= ~(1u << level);
	__atomic_store_n(&l->queue, 0, __ATOMIC_RELEASE);
	q->len--;
}

void sched_add(struct task *t)
{
	unsigned cpu = (unsigned)task_cpu(t);
	if (cpu >= MAX_CPUS)
		prio_misuse("names a cpu outside every run queue:", t, cpu);
	struct rq_link *l = task_rq_link(t);
	if (link_queue(l))
		return; /* queued once, however often it is announced */
	irq_state_t irq;
	struct prio_queue *q = prio_lock(cpu, &irq);
	prio_link(q, cpu, l, task_priority(t));
	prio_unlock(q, irq);
}

void sched_remove(struct task *t)
{
	struct rq_link *l = task_rq_link(t);
	irq_state_t irq;
	struct prio_queue *q = prio_lock_holder(l, &irq);
	if (!q)
		return;
	prio_unlink(q, l);
	prio_unlock(q, irq);
}

struct task *sched_pick_next(unsigned cpu, struct task *current)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	irq_state_t irq;
	/* Behind every task of its own level, still ahead of all lower ones. */
	if (current && !task_is_idle(current) && task_state(current) == TASK_RUNNABLE) {
		struct rq_link *cl = task_rq_link(current);
		struct prio_queue *q = prio_lock_holder(cl, &irq);
		if (q) { /* not queued: nothing to rotate */
			list_remove(&cl->node);
			list_push_back(&q->levels[prio_level(cl->priority)], &cl->node);
			prio_unlock(q, irq);
		}
	}
	struct prio_queue *q = prio_lock(cpu, &irq);
	struct rq_link *best = NULL;
	if (q->nonempty) {
		unsigned level = 31u - (unsigned)__builtin_clz(q->nonempty);
		best = list_entry(q->levels[level].next, struct rq_link, node);
	}
	prio_unlock(q, irq);
	return best ? task_of_rq_link(best) : NULL;
}

const char *sched_policy(void) { return "priority"; }

/* --- the live swap from sched_rr ----------------------------------------------
 * Called by the swap with every other CPU paused and interrupts off here, so
 * no CPU is inside either scheduler: sched_rr's queues (sched_rr.h) are
 * still whole, and nothing queues or picks until the import table points
 * here. Every queued link moves, in FIFO order, to the back of its task's
 * level in this cell's queue of the same CPU. Everything is checked before
 * the first link moves: a refusal (non-zero) changes nothing. */

/* Whether sched_rr's queue q (of cpu) is whole: free, its list closed
 * within the queue's length, every link naming cpu. */
static bool rr_queue_whole(const struct rr_queue *q, unsigned cpu)
{
	if (__atomic_load_n(&q->lock.locked, __ATOMIC_ACQUIRE))
		return false;
	const struct list *head = &q->links;
	if (!head->next)
		return q->len == 0; /* never locked: empty */
	size_t seen = 0;
	for (const struct list *pos = head->next; pos != head; pos = pos->next) {
		const struct rq_link *l = list_entry(pos, struct rq_link, node);
		if (++seen > q->len || !pos->next || l->queue != cpu + 1)
			return false;
	}
	return seen == q->len;
}

int64_t sched_prio_take_over(const struct swap_transfer *from)
{
	size_t size = 0;
	const struct rr_queue *old = swap_old_object(from, RR_QUEUES_OBJECT, &size);
	if (!old || size != sizeof(struct rr_queue) * MAX_CPUS)
		return 1; /* not sched_rr's queues */
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		if (!rr_queue_whole(&old[cpu], cpu))
			return 2;
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
		struct prio_queue *q = &run_queues[cpu];
		prio_init(q);
		const struct list *head = &old[cpu].links;
		struct list *pos, *next;
		if (!head->next)
			continue;
		list_for_each_safe(pos, next, head) {
			struct rq_link *l = list_entry(pos, struct rq_link, node);
			prio_link(q, cpu, l, task_priority(task_of_rq_link(l)));
		}
	}
	return 0;
}
SWAP_TRANSFER(sched_prio_take_over);
