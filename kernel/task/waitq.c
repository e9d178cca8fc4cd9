/* Blocking: wait queues, and the sleeping mutex built on one. A waiter
 * checks its condition with the queue locked and only then blocks, so a
 * wake-up can never fall between the check and the sleep.
 * A task's waiting_on changes only with both its queue's lock and its own
 * wait_lock held (queue first), so task_kill, which knows only the task,
 * can reach the queue through wait_lock while the queue surely lives. */
#include "export.h"
#include "hal_time.h"
#include "panic.h"
#include "sync.h"
#include "task_fail.h"
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

/* The running task t joins wq (locked) for one wait, with its wake-up
 * open, unless a kill came (false). task_kill sets kill_requested and only
 * then reads waiting_on under wait_lock, so the flag read here, under the
 * same lock and after waiting_on is set, sees every kill whose cancel found
 * nothing to cancel: no kill is slept through. A cleanup of an unwinding
 * task may wait even so, and so may a task that defers kills (it is woken
 * by the kill's cancel, and goes back to waiting). */
static bool wait_join(struct wait_queue *wq, struct task *t)
{
	irq_state_t s = spin_lock_irqsave(&t->wait_lock);
	bool kill = __atomic_load_n(&t->kill_requested, __ATOMIC_ACQUIRE) && !t->unwinding && !t->kill_deferred;
	if (!list_empty(&t->wait_link))
		panic("task %u (%s) joins a wait queue while on one", t->id, t->name);
	if (!kill) {
		__atomic_store_n(&t->wake_claim, 0, __ATOMIC_RELAXED); /* published by the queue lock's release */
		list_push_back(&wq->waiters, &t->wait_link);
		t->waiting_on = wq;
	}
	spin_unlock_irqrestore(&t->wait_lock, s);
	return !kill;
}

/* Back from the switch, interrupts off: t leaves the lists that still hold
 * it. Whoever claimed its wake-up took it off only its own list (the tick
 * cannot take a queue's lock), and a loser may have unlinked it too. */
static void wait_leave(struct wait_queue *wq, struct task *t, bool timed)
{
	irq_state_t s = spin_lock_irqsave(&wq->lock);
	if (t->waiting_on == wq) {
		list_remove(&t->wait_link);
		set_waiting_on(t, NULL);
	}
	if (timed)
		sched_sleep_unlink(t);
	spin_unlock_irqrestore(&wq->lock, s);
}

/* Blocks the running task t in wq (locked, interrupts saved in s) until a
 * wake-up, its deadline (if timed) or a kill; returns with the lock dropped,
 * interrupts restored, and t on neither list. */
static void wait_block(struct wait_queue *wq, struct task *t, uint64_t deadline_ns, irq_state_t s)
{
	bool timed = deadline_ns != WAIT_FOREVER;
	if (!wait_join(wq, t)) {
		spin_unlock_irqrestore(&wq->lock, s);
		return;
	}
	if (timed)
		sched_sleep_link(t, deadline_ns);
	sched_make_unrunnable(t, TASK_BLOCKED);
	/* Interrupts stay off from here to the switch: the lock is dropped,
	 * but nothing on this CPU can run before we block. */
	spin_unlock_irqs_off(&wq->lock);
	schedule();
	wait_leave(wq, t, timed);
	hal_irq_restore(s);
}

/* Every blocking wait (task.h). The condition comes first, under the queue
 * lock, each time the task runs again, so a wake-up racing the deadline is
 * not lost: a condition that holds wins over a deadline that passed. */
enum wait_status wait_queue_wait_until(struct wait_queue *wq, bool (*cond)(void *), void *arg, uint64_t deadline_ns)
{
	for (;;) {
		irq_state_t s = spin_lock_irqsave(&wq->lock);
		struct cpu *c = cpu_this();
		struct task *t = c->current;
		enum wait_status st;
		if (cond(arg))
			st = WAIT_DONE;
		else if (c->preempt || t->idle)
			st = WAIT_REFUSED;
		else if (deadline_ns != WAIT_FOREVER && hal_time_ns() >= deadline_ns)
			st = WAIT_TIMEOUT;
		else {
			wait_block(wq, t, deadline_ns, s);
			task_check_kill(); /* a kill unwinds from here */
			continue;
		}
		spin_unlock_irqrestore(&wq->lock, s);
		return st;
	}
}

bool wait_queue_wait_cond(struct wait_queue *wq, bool (*cond)(void *), void *arg)
{
	return wait_queue_wait_until(wq, cond, arg, WAIT_FOREVER) == WAIT_DONE;
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
			bool claimed = task_claim_wake(t); /* else the tick woke it at its deadline */
			spin_unlock_irqs_off(&wq->lock);
			spin_unlock_irqrestore(&t->wait_lock, s);
			return claimed;
		}
		spin_unlock_irqrestore(&t->wait_lock, s);
	}
}

/* The first waiter whose wake-up is ours, off the queue; one the tick
 * already woke at its deadline is only unlinked (it checks the condition
 * itself when it runs), so a wake_one is never spent on it. */
static struct task *pop_waiter(struct wait_queue *wq)
{
	while (!list_empty(&wq->waiters)) {
		struct task *t = list_entry(wq->waiters.next, struct task, wait_link);
		list_remove(&t->wait_link);
		set_waiting_on(t, NULL);
		if (task_claim_wake(t))
			return t;
	}
	return NULL;
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

/* --- the sleeping mutex ------------------------------------------------------
 * owner, state and held_link change only under waiters.lock; taken only
 * by the owner (or by a hand-over, under the lock, to a new owner).
 * A task's list of held mutexes changes by the task itself (lock, unlock,
 * the end of its run) or by a hand-over to it while it is blocked in that
 * mutex's queue, so the two never race; the end of a run finds there every
 * mutex the task still holds. Each change also holds the task's wait_lock
 * (after the queue's), so another task may read the list under it
 * (task_region_in_use). Robustness follows POSIX (EOWNERDEAD, then
 * ENOTRECOVERABLE if unlocked without being made consistent). */
enum mutex_state {
	MUTEX_CONSISTENT,
	MUTEX_INCONSISTENT,  /* its owner died holding it; not marked consistent yet */
	MUTEX_UNRECOVERABLE, /* unlocked while inconsistent: unusable */
};

void mutex_init(struct mutex *m)
{
	struct task *me = task_current();
	if (me && m->owner == me) { /* its held_link would point to itself: the end of the run would loop */
		char where[128];
		task_describe_addr((uintptr_t)m, where, sizeof where);
		panic("mutex_init of mutex %s, which the calling task %u (%s) holds", where, me->id, me->name);
	}
	/* Another task holding it, or waiting on it, would be left on a list
	 * the reset cuts (its end would loop, its wait never end). Memory
	 * that is not a mutex yet is on no task's list, so this reads none of it. */
	struct task_region_use use;
	if (task_region_in_use(me, (uintptr_t)m, (uintptr_t)(m + 1), &use)) {
		char where[128];
		task_describe_addr((uintptr_t)m, where, sizeof where);
		panic("mutex_init of mutex %s, which task %u (%s) %s", where, use.task_id, use.task,
		      use.waits ? "waits on" : "holds");
	}
	m->owner = NULL;
	wait_queue_init(&m->waiters);
	list_init(&m->held_link);
	m->state = MUTEX_CONSISTENT;
	m->taken = false;
	m->by_cleanup = false;
}

/* m joins or leaves t's list of held mutexes; m's queue is locked. */
static void held_add(struct task *t, struct mutex *m)
{
	irq_state_t s = spin_lock_irqsave(&t->wait_lock);
	list_push_back(&t->held_mutexes, &m->held_link);
	spin_unlock_irqrestore(&t->wait_lock, s);
}

static void held_remove(struct task *t, struct mutex *m)
{
	irq_state_t s = spin_lock_irqsave(&t->wait_lock);
	list_remove(&m->held_link);
	spin_unlock_irqrestore(&t->wait_lock, s);
}

/* m becomes t's (or nobody's); t has not returned from mutex_lock yet. */
static void mutex_give(struct mutex *m, struct task *t)
{
	m->owner = t;
	m->taken = false;
	if (t)
		held_add(t, m);
}

/* The waiting condition, under the queue lock: the mutex is ours (taken
 * now if free), or unusable (waiting would never end). */
static bool mutex_free_or_mine(void *p)
{
	struct mutex *m = p;
	struct task *me = task_current();
	if (m->state == MUTEX_UNRECOVERABLE)
		return true;
	if (m->owner == NULL)
		mutex_give(m, me);
	return m->owner == me;
}

struct mutex_result mutex_lock(struct mutex *m)
{
	struct task *me = task_current();
	if (m->owner == me)
		return (struct mutex_result){ MUTEX_REFUSED }; /* not recursive */
	if (!wait_queue_wait_cond(&m->waiters, mutex_free_or_mine, m))
		return (struct mutex_result){ MUTEX_REFUSED };
	if (m->owner != me)
		return (struct mutex_result){ MUTEX_NOT_RECOVERABLE };
	/* Ours: owner and state change only by us now. A kill before this line
	 * ends the run with the mutex handed but never used: not owner-died. */
	m->taken = true;
	m->by_cleanup = me->unwinding;
	return (struct mutex_result){ m->state == MUTEX_INCONSISTENT ? MUTEX_OWNER_DIED : MUTEX_OK };
}

/* Passes m on, with its queue locked and m off its owner's list: to the
 * first waiter, or, once unusable, to nobody with every waiter woken (each
 * sees MUTEX_NOT_RECOVERABLE). */
static void mutex_pass_on(struct mutex *m)
{
	if (m->state == MUTEX_UNRECOVERABLE) {
		m->owner = NULL;
		struct task *t;
		while ((t = pop_waiter(&m->waiters)))
			sched_make_runnable(t);
		return;
	}
	/* Straight to the first waiter, so a releasing task that loops cannot
	 * take it back before the waiter runs. */
	struct task *next = pop_waiter(&m->waiters);
	mutex_give(m, next);
	if (next)
		sched_make_runnable(next);
}

void mutex_unlock(struct mutex *m)
{
	struct task *me = task_current();
	irq_state_t s = spin_lock_irqsave(&m->waiters.lock);
	if (m->owner != me) {
		spin_unlock_irqrestore(&m->waiters.lock, s);
		panic("mutex %p unlocked by task %u (%s), which does not hold it", (void *)m, me->id, me->name);
	}
	held_remove(me, m);
	if (me->unwinding && !m->by_cleanup) {
		/* A cleanup lets it go while its owner unwinds: the owner died in
		 * its critical section, as if it had ended holding it. Already
		 * owner died (told so, not repaired yet): it stays so. */
		if (m->state == MUTEX_CONSISTENT)
			m->state = MUTEX_INCONSISTENT;
		if (me->died_count < ARRAY_LEN(me->died))
			me->died[me->died_count] = m;
		me->died_count++;
	} else if (m->state == MUTEX_INCONSISTENT) {
		m->state = MUTEX_UNRECOVERABLE; /* released unrepaired: unusable */
	}
	mutex_pass_on(m);
	spin_unlock_irqrestore(&m->waiters.lock, s);
}

err_t mutex_mark_consistent(struct mutex *m)
{
	irq_state_t s = spin_lock_irqsave(&m->waiters.lock);
	bool ok = m->owner == task_current() && m->state == MUTEX_INCONSISTENT;
	if (ok)
		m->state = MUTEX_CONSISTENT;
	spin_unlock_irqrestore(&m->waiters.lock, s);
	return ok ? E_OK : E_INVAL;
}

bool mutex_held_by_me(const struct mutex *m) { return m->owner == task_current(); }

size_t mutex_died_with(const struct task *t, const struct mutex **out, size_t cap)
{
	size_t n = 0;
	for (unsigned i = 0; t->unwinding && i < t->died_count; i++, n++)
		if (n < cap)
			out[n] = i < ARRAY_LEN(t->died) ? t->died[i] : NULL;
	struct list *pos;
	list_for_each(pos, &t->held_mutexes) {
		const struct mutex *m = list_entry(pos, struct mutex, held_link);
		if (!m->taken)
			continue; /* handed over, never used: released unmarked */
		if (n < cap)
			out[n] = m;
		n++;
	}
	return n;
}

size_t mutex_release_held(struct task *t)
{
	size_t n = 0;
	while (!list_empty(&t->held_mutexes)) {
		struct mutex *m = list_entry(t->held_mutexes.next, struct mutex, held_link);
		irq_state_t s = spin_lock_irqsave(&m->waiters.lock);
		held_remove(t, m);
		if (m->taken && m->state == MUTEX_CONSISTENT)
			m->state = MUTEX_INCONSISTENT;
		mutex_pass_on(m);
		spin_unlock_irqrestore(&m->waiters.lock, s);
		n++;
	}
	return n;
}

const char *mutex_status_name(enum mutex_status st)
{
	static const char *const names[] = { "ok", "owner died", "refused", "not recoverable" };
	return (unsigned)st < ARRAY_LEN(names) ? names[st] : "?";
}

EXPORT_APP(wait_queue_init);
EXPORT_APP(wait_queue_wait_cond);
EXPORT_APP(wait_queue_wait_until);
EXPORT_APP(wait_queue_wake_one);
EXPORT_APP(wait_queue_wake_all);
EXPORT_APP(mutex_init);
EXPORT_APP(mutex_lock);
EXPORT_APP(mutex_unlock);
EXPORT_APP(mutex_mark_consistent);
EXPORT_APP(mutex_held_by_me);
EXPORT_APP(mutex_status_name);
EXPORT_KERNEL(mutex_died_with);
