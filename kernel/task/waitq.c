/* Blocking: wait queues, and the sleeping mutex built on one. A waiter
 * checks its condition with the queue locked and only then blocks, so a
 * wake-up can never fall between the check and the sleep.
 * A task's waiting_on changes only with both its queue's lock and its own
 * wait_lock held (queue first), so task_kill, which knows only the task,
 * can reach the queue through wait_lock while the queue surely lives. */
#include "export.h"
#include "sync.h"
#include "task_internal.h"

void wait_queue_init(struct wait_queue *wq)
{
	list_init(&wq->waiters);
	wq->lock = (struct spinlock){ 0 };
}

static void set_waiting_on(struct task *t, struct wait_queue *wq)
{
	irq_state_t s = spin_lock_irqsave(&t->wait_lock);
	t->waiting_on = wq;
	spin_unlock_irqrestore(&t->wait_lock, s);
}

bool wait_queue_wait_cond(struct wait_queue *wq, bool (*cond)(void *), void *arg)
{
	for (;;) {
		irq_state_t s = spin_lock_irqsave(&wq->lock);
		if (cond(arg)) {
			spin_unlock_irqrestore(&wq->lock, s);
			return true;
		}
		struct cpu *c = cpu_this();
		if (c->preempt || c->current->idle) {
			spin_unlock_irqrestore(&wq->lock, s);
			return false;
		}
		struct task *t = c->current;
		if (t->kill_requested && !t->unwinding) { /* a cleanup may wait while its task unwinds */
			spin_unlock_irqrestore(&wq->lock, s);
			task_check_kill();
			continue;
		}
		list_push_back(&wq->waiters, &t->wait_link);
		set_waiting_on(t, wq);
		sched_make_unrunnable(t, TASK_BLOCKED);
		/* Interrupts stay off from here to the switch: the lock is
		 * dropped, but nothing on this CPU can run before we block. */
		spin_unlock_irqs_off(&wq->lock);
		schedule();
		hal_irq_restore(s);
		task_check_kill();
	}
}

/* Takes a blocked task off the queue it waits on (task_kill). While
 * waiting_on names a queue under wait_lock, the task is in it, so the queue
 * lives; its lock is only tried, as everyone else takes it first. */
bool wait_queue_cancel(struct task *t)
{
	for (;;) {
		irq_state_t s = spin_lock_irqsave(&t->wait_lock);
		struct wait_queue *wq = t->waiting_on;
		if (!wq) {
			spin_unlock_irqrestore(&t->wait_lock, s);
			return false;
		}
		if (spin_trylock_irqs_off(&wq->lock)) {
			list_remove(&t->wait_link);
			t->waiting_on = NULL;
			spin_unlock_irqs_off(&wq->lock);
			spin_unlock_irqrestore(&t->wait_lock, s);
			return true; /* waiting_on is set with the task blocked, under the queue's lock */
		}
		spin_unlock_irqrestore(&t->wait_lock, s);
	}
}

static struct task *pop_waiter(struct wait_queue *wq)
{
	if (list_empty(&wq->waiters))
		return NULL;
	struct task *t = list_entry(wq->waiters.next, struct task, wait_link);
	list_remove(&t->wait_link);
	set_waiting_on(t, NULL);
	return t;
}

bool wait_queue_wake_one(struct wait_queue *wq)
{
	irq_state_t s = spin_lock_irqsave(&wq->lock);
	struct task *t = pop_waiter(wq);
	if (t)
		sched_make_runnable(t);
	spin_unlock_irqrestore(&wq->lock, s);
	return t != NULL;
}

size_t wait_queue_wake_all(struct wait_queue *wq)
{
	size_t n = 0;
	irq_state_t s = spin_lock_irqsave(&wq->lock);
	struct task *t;
	while ((t = pop_waiter(wq))) {
		sched_make_runnable(t);
		n++;
	}
	spin_unlock_irqrestore(&wq->lock, s);
	return n;
}

/* --- the sleeping mutex ------------------------------------------------------ */
void mutex_init(struct mutex *m)
{
	m->owner = NULL;
	wait_queue_init(&m->waiters);
}

static bool mutex_free_or_mine(void *p)
{
	struct mutex *m = p;
	struct task *me = task_current();
	if (m->owner == NULL)
		m->owner = me; /* taken under the queue lock */
	return m->owner == me;
}

bool mutex_lock(struct mutex *m)
{
	if (m->owner == task_current())
		return false; /* not recursive */
	return wait_queue_wait_cond(&m->waiters, mutex_free_or_mine, m);
}

/* Hands the mutex straight to the first waiter, so a releasing task that
 * loops cannot take it back before the waiter runs. */
void mutex_unlock(struct mutex *m)
{
	irq_state_t s = spin_lock_irqsave(&m->waiters.lock);
	struct task *next = pop_waiter(&m->waiters);
	m->owner = next;
	if (next)
		sched_make_runnable(next);
	spin_unlock_irqrestore(&m->waiters.lock, s);
}

bool mutex_held_by_me(const struct mutex *m) { return m->owner == task_current(); }

EXPORT_APP(wait_queue_init);
EXPORT_APP(wait_queue_wait_cond);
EXPORT_APP(wait_queue_wake_one);
EXPORT_APP(wait_queue_wake_all);
EXPORT_APP(mutex_init);
EXPORT_APP(mutex_lock);
EXPORT_APP(mutex_unlock);
EXPORT_APP(mutex_held_by_me);
