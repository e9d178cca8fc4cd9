/* Per-CPU run queues for the scheduler cells (runqueue.h). Each queue is
 * an intrusive list of the tasks' own rq_links (scheduler.h) under a
 * spinlock that also disables interrupts, so the timer tick never finds a
 * queue half changed. Nothing is allocated: queueing a task cannot fail.
 * A link names the queue holding it (rq_link.queue, changed only under
 * that queue's lock), so finding a task's queue takes one lock. */
#include <stdbool.h>
#include <stddef.h>

#include "cell.h"
#include "klib.h"
#include "runqueue/runqueue.h"
#include "scheduler.h"
#include "spinlock.h"
#include "task.h"

CELL_INFO("runqueue", CELL_KERNEL, 1);

struct rq {
	struct spinlock lock;
	struct list links; /* struct rq_link.node, front first */
	size_t len;
};

/* Zeroed at load; each list head is set up the first time it is locked. */
static struct rq rqs[MAX_CPUS];

/* A broken invariant of the caller: stops the task that broke it, or the
 * machine when that is not safe (called with interrupts off). Never with a
 * queue locked. */
static NORETURN void rq_misuse(const char *what, const struct task *t, unsigned cpu)
{
	char why[128];
	ksnprintf(why, sizeof why, "runqueue: task %u (%s) %s %u", task_id(t), task_name(t), what, cpu);
	task_panic(why);
}

/* The queue of cpu, locked (cpu < MAX_CPUS). */
static struct rq *rq_lock(unsigned cpu, irq_state_t *irq)
{
	struct rq *q = &rqs[cpu];
	*irq = spin_lock_irqsave(&q->lock);
	if (!q->links.next)
		list_init(&q->links);
	return q;
}

static void rq_unlock(struct rq *q, irq_state_t irq) { spin_unlock_irqrestore(&q->lock, irq); }

static unsigned link_queue(const struct rq_link *l) { return __atomic_load_n(&l->queue, __ATOMIC_ACQUIRE); }

/* The queue holding l, locked; NULL (nothing locked) if none does. The
 * queue is read before its lock is taken, so it is checked again under it. */
static struct rq *rq_lock_holder(struct rq_link *l, irq_state_t *irq)
{
	for (;;) {
		unsigned q1 = link_queue(l);
		if (!q1)
			return NULL;
		struct rq *q = rq_lock(q1 - 1, irq);
		if (l->queue == q1)
			return q;
		rq_unlock(q, *irq); /* moved or taken off meanwhile: look again */
	}
}

static struct rq_link *rq_front(struct rq *q)
{
	return list_empty(&q->links) ? NULL : list_entry(q->links.next, struct rq_link, node);
}

/* The frontmost link of the highest priority, or NULL. */
static struct rq_link *rq_highest(struct rq *q)
{
	struct rq_link *best = NULL;
	struct list *pos;
	list_for_each(pos, &q->links) {
		struct rq_link *l = list_entry(pos, struct rq_link, node);
		if (!best || l->priority > best->priority)
			best = l;
	}
	return best;
}

static void rq_unlink(struct rq *q, struct rq_link *l)
{
	list_remove(&l->node);
	__atomic_store_n(&l->queue, 0, __ATOMIC_RELEASE);
	q->len--;
}

void rq_push_back(unsigned cpu, struct task *t, int priority)
{
	if (cpu >= MAX_CPUS)
		rq_misuse("names a cpu outside every run queue:", t, cpu);
	struct rq_link *l = task_rq_link(t);
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	unsigned was = l->queue;
	if (was) {
		rq_unlock(q, irq);
		rq_misuse("is linked twice: it is already on the run queue of cpu", t, was - 1);
	}
	l->priority = priority;
	list_push_back(&q->links, &l->node);
	__atomic_store_n(&l->queue, cpu + 1, __ATOMIC_RELEASE);
	q->len++;
	rq_unlock(q, irq);
}

bool rq_remove(struct task *t)
{
	struct rq_link *l = task_rq_link(t);
	irq_state_t irq;
	struct rq *q = rq_lock_holder(l, &irq);
	if (!q)
		return false;
	rq_unlink(q, l);
	rq_unlock(q, irq);
	return true;
}

bool rq_move_to_back(struct task *t)
{
	struct rq_link *l = task_rq_link(t);
	irq_state_t irq;
	struct rq *q = rq_lock_holder(l, &irq);
	if (!q)
		return false;
	list_remove(&l->node);
	list_push_back(&q->links, &l->node);
	rq_unlock(q, irq);
	return true;
}

/* Pops (or peeks at) the task pick chooses from cpu's queue. */
static struct task *rq_pick(unsigned cpu, struct rq_link *(*pick)(struct rq *q), bool pop)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	struct rq_link *l = pick(q);
	if (l && pop)
		rq_unlink(q, l);
	rq_unlock(q, irq);
	return l ? task_of_rq_link(l) : NULL;
}

struct task *rq_pop_front(unsigned cpu) { return rq_pick(cpu, rq_front, true); }
struct task *rq_peek_front(unsigned cpu) { return rq_pick(cpu, rq_front, false); }
struct task *rq_pop_highest(unsigned cpu) { return rq_pick(cpu, rq_highest, true); }
struct task *rq_peek_highest(unsigned cpu) { return rq_pick(cpu, rq_highest, false); }

size_t rq_len(unsigned cpu)
{
	if (cpu >= MAX_CPUS)
		return 0;
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	size_t n = q->len;
	rq_unlock(q, irq);
	return n;
}

bool rq_contains(struct task *t) { return link_queue(task_rq_link(t)) != 0; }

void rq_for_each(unsigned cpu, void (*fn)(struct task *t, int priority, void *arg), void *arg)
{
	if (cpu >= MAX_CPUS)
		return;
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	struct list *pos;
	list_for_each(pos, &q->links) {
		struct rq_link *l = list_entry(pos, struct rq_link, node);
		fn(task_of_rq_link(l), l->priority, arg);
	}
	rq_unlock(q, irq);
}
