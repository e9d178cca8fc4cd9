/* Per-CPU run queues for the scheduler cells (runqueue.h). Each queue is
 * a list of kmalloc'd entries under a spinlock that also disables
 * interrupts, so the timer tick never finds a queue half changed. Entries
 * are made by rq_push_back and freed by whatever takes them off. */
#include <stdbool.h>
#include <stddef.h>

#include "cell.h"
#include "heap.h"
#include "klib.h"
#include "runqueue/runqueue.h"
#include "spinlock.h"
#include "task.h"

CELL_INFO("runqueue", CELL_KERNEL, 1);

struct rq_entry {
	struct task *t; /* borrowed */
	int priority;
	struct list link;
};

struct rq {
	struct spinlock lock;
	struct list entries; /* struct rq_entry.link, front first */
	size_t len;
};

/* Zeroed at load; each list head is set up the first time it is locked. */
static struct rq rqs[MAX_CPUS];

/* The queue of cpu, locked, or NULL for a CPU out of range. */
static struct rq *rq_lock(unsigned cpu, irq_state_t *irq)
{
	if (cpu >= MAX_CPUS)
		return NULL;
	struct rq *q = &rqs[cpu];
	*irq = spin_lock_irqsave(&q->lock);
	if (!q->entries.next)
		list_init(&q->entries);
	return q;
}

static void rq_unlock(struct rq *q, irq_state_t irq) { spin_unlock_irqrestore(&q->lock, irq); }

static struct rq_entry *rq_find(struct rq *q, const struct task *t)
{
	struct list *pos;
	list_for_each(pos, &q->entries) {
		struct rq_entry *e = list_entry(pos, struct rq_entry, link);
		if (e->t == t)
			return e;
	}
	return NULL;
}

/* The queue holding t, locked, with t's entry in *e; NULL (nothing locked)
 * if no queue holds it. t's own CPU's queue is searched first: t is nearly
 * always there, so the common case takes one lock. */
static struct rq *rq_lock_holder(const struct task *t, struct rq_entry **e, irq_state_t *irq)
{
	int home = task_cpu(t);
	for (int i = -1; i < MAX_CPUS; i++) {
		int cpu = i < 0 ? home : i;
		if (cpu < 0 || cpu >= MAX_CPUS || (i >= 0 && cpu == home))
			continue;
		struct rq *q = rq_lock((unsigned)cpu, irq);
		if ((*e = rq_find(q, t)))
			return q;
		rq_unlock(q, *irq);
	}
	return NULL;
}

/* The frontmost entry of the highest priority, or NULL. */
static struct rq_entry *rq_highest(struct rq *q)
{
	struct rq_entry *best = NULL;
	struct list *pos;
	list_for_each(pos, &q->entries) {
		struct rq_entry *e = list_entry(pos, struct rq_entry, link);
		if (!best || e->priority > best->priority)
			best = e;
	}
	return best;
}

static struct rq_entry *rq_front(struct rq *q)
{
	return list_empty(&q->entries) ? NULL : list_entry(q->entries.next, struct rq_entry, link);
}

/* Unlinks e from q; the caller frees it after unlocking. */
static struct task *rq_take(struct rq *q, struct rq_entry *e)
{
	list_remove(&e->link);
	q->len--;
	return e->t;
}

bool rq_push_back(unsigned cpu, struct task *t, int priority)
{
	if (cpu >= MAX_CPUS)
		return false;
	/* Allocated before locking: the heap takes its own lock. */
	struct rq_entry *e = kmalloc(sizeof *e);
	if (!e)
		return false;
	*e = (struct rq_entry){ .t = t, .priority = priority };
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	list_push_back(&q->entries, &e->link);
	q->len++;
	rq_unlock(q, irq);
	return true;
}

bool rq_remove(struct task *t)
{
	irq_state_t irq;
	struct rq_entry *e;
	struct rq *q = rq_lock_holder(t, &e, &irq);
	if (!q)
		return false;
	rq_take(q, e);
	rq_unlock(q, irq);
	kfree(e);
	return true;
}

bool rq_move_to_back(struct task *t)
{
	irq_state_t irq;
	struct rq_entry *e;
	struct rq *q = rq_lock_holder(t, &e, &irq);
	if (!q)
		return false;
	list_remove(&e->link);
	list_push_back(&q->entries, &e->link);
	rq_unlock(q, irq);
	return true;
}

/* Pops (or peeks at) the entry pick chooses from cpu's queue. */
static struct task *rq_pick(unsigned cpu, struct rq_entry *(*pick)(struct rq *q), bool pop)
{
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	if (!q)
		return NULL;
	struct rq_entry *e = pick(q);
	struct task *t = e ? e->t : NULL;
	if (e && pop)
		rq_take(q, e);
	rq_unlock(q, irq);
	if (e && pop)
		kfree(e);
	return t;
}

struct task *rq_pop_front(unsigned cpu) { return rq_pick(cpu, rq_front, true); }
struct task *rq_peek_front(unsigned cpu) { return rq_pick(cpu, rq_front, false); }
struct task *rq_pop_highest(unsigned cpu) { return rq_pick(cpu, rq_highest, true); }
struct task *rq_peek_highest(unsigned cpu) { return rq_pick(cpu, rq_highest, false); }

size_t rq_len(unsigned cpu)
{
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	if (!q)
		return 0;
	size_t n = q->len;
	rq_unlock(q, irq);
	return n;
}

bool rq_contains(const struct task *t)
{
	irq_state_t irq;
	struct rq_entry *e;
	struct rq *q = rq_lock_holder(t, &e, &irq);
	if (q)
		rq_unlock(q, irq);
	return q != NULL;
}

void rq_for_each(unsigned cpu, void (*fn)(struct task *t, int priority, void *arg), void *arg)
{
	irq_state_t irq;
	struct rq *q = rq_lock(cpu, &irq);
	if (!q)
		return;
	struct list *pos;
	list_for_each(pos, &q->entries) {
		struct rq_entry *e = list_entry(pos, struct rq_entry, link);
		fn(e->t, e->priority, arg);
	}
	rq_unlock(q, irq);
}
