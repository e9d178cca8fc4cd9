/* floor: task */
/* Locks (DESIGN.md §5), from the lightest to the sleeping one:
 * - struct spinlock (spinlock.h): also disables interrupts; for state shared
 *   with interrupt (hosted: signal) context.
 * - struct preempt_lock: disables preemption while held, so the holder cannot
 *   be switched away; blocking calls refuse to block under it (they return
 *   false), so a task switch while it is held cannot happen.
 * - struct mutex: sleeps while another task holds it; hands over in FIFO order.
 * Each has a guard macro that releases it on every path via cleanup. */
#ifndef KERNEL_SYNC_H
#define KERNEL_SYNC_H
#include "spinlock.h"
#include "task.h"

struct preempt_lock {
	int locked;
};

static inline void preempt_lock(struct preempt_lock *l)
{
	preempt_disable();
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static inline void preempt_unlock(struct preempt_lock *l)
{
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
	preempt_enable();
}

static inline void preempt_unlock_ptr(struct preempt_lock **l)
{
	if (*l)
		preempt_unlock(*l);
}
/* `PREEMPT_GUARD(&lock);` holds the lock to the end of the scope. */
#define PREEMPT_GUARD(l)                                                                          \
	struct preempt_lock *preempt_guard_##__LINE__ CLEANUP(preempt_unlock_ptr) = (preempt_lock(l), (l))

struct mutex {
	struct task *volatile owner;
	struct wait_queue waiters;
};

void mutex_init(struct mutex *m) NONNULL(1);
/* False if it would block while preemption is disabled, or on relock. */
bool mutex_lock(struct mutex *m) NONNULL(1) MUST_USE;
void mutex_unlock(struct mutex *m) NONNULL(1);
bool mutex_held_by_me(const struct mutex *m) NONNULL(1);

static inline void mutex_unlock_ptr(struct mutex **m)
{
	if (*m)
		mutex_unlock(*m);
}
/* `MUTEX_GUARD(held, &m);` takes m (held is NULL if it could not: check it)
 * and releases it at the end of the scope, on return and on unwinding. */
#define MUTEX_GUARD(name, m) struct mutex *name CLEANUP(mutex_unlock_ptr) = mutex_lock(m) ? (m) : NULL

#endif
