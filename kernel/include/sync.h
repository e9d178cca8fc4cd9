/* floor: task */
/* Locks (DESIGN.md §5), from the lightest to the sleeping one:
 * - struct spinlock (spinlock.h): also disables interrupts; for state shared
 *   with interrupt (hosted: signal) context.
 * - struct preempt_lock: disables preemption while held, so the holder cannot
 *   be switched away; blocking calls refuse to block under it (they return
 *   false, or MUTEX_REFUSED), so a task switch while it is held cannot happen.
 * - struct mutex: sleeps while another task holds it; hands over in FIFO order.
 *   Robust: a task that ends holding one (killed, failed, restarted, or even
 *   returning), or whose cleanup releases it while the task unwinds, leaves
 *   it marked "owner died"; the next locker is told so and must repair and
 *   mark it consistent (docs/tasks.md, "Locks whose owner died").
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
	struct preempt_lock *UNIQUE_NAME(preempt_guard_) CLEANUP(preempt_unlock_ptr) = (preempt_lock(l), (l))

/* The tasks that hold mutexes keep them on a list (struct mutex.held_link),
 * so the kernel finds what a task still holds when its run ends. */
struct mutex {
	struct task *volatile owner;
	struct wait_queue waiters;
	struct list held_link;  /* in the owner's list of held mutexes */
	unsigned char state;    /* enum mutex_state (waitq.c), under waiters.lock */
	bool taken;             /* the owner returned from mutex_lock (not just handed it) */
	bool by_cleanup;        /* taken while its owner unwinds (a cleanup's own): released as usual */
};

/* What mutex_lock did. OK and OWNER_DIED hold the mutex; the others do not.
 * The result is a struct, so it cannot be mistaken for a truth value (the
 * old `if (!mutex_lock(m))` no longer compiles), and it must be used. */
enum mutex_status {
	MUTEX_OK,
	/* Held, but its previous owner ended holding it, or died in its
	 * critical section (released by a cleanup while it unwound): what it
	 * guards may be half changed. Repair it, then mutex_mark_consistent; unlocking without
	 * that makes the mutex unusable for good (MUTEX_NOT_RECOVERABLE). */
	MUTEX_OWNER_DIED,
	/* Not held: it would block with preemption disabled (or from an idle
	 * context), or the caller already holds it (not recursive). */
	MUTEX_REFUSED,
	/* Not held: a holder told OWNER_DIED unlocked it without marking it
	 * consistent; every lock fails so until mutex_init. */
	MUTEX_NOT_RECOVERABLE,
};
struct mutex_result {
	enum mutex_status status;
};
static inline bool mutex_result_held(struct mutex_result r)
{
	return r.status == MUTEX_OK || r.status == MUTEX_OWNER_DIED;
}
const char *mutex_status_name(enum mutex_status s);

/* m must be neither held nor waited on (its holder's list links it); held
 * by the caller, it panics naming m (the task fails). */
void mutex_init(struct mutex *m) NONNULL(1);
/* Takes m, sleeping while another task holds it. Call from a task. */
struct mutex_result mutex_lock(struct mutex *m) NONNULL(1) MUST_USE;
/* Releases m, held by the caller (anything else panics): to the first
 * waiter, which then holds it. After OWNER_DIED without
 * mutex_mark_consistent it becomes not recoverable, and its waiters are
 * told so. Released by a cleanup while its task unwinds (a fault or kill
 * in the critical section), it passes on marked owner died: what it
 * guards may be half changed (unless that cleanup took it itself). */
void mutex_unlock(struct mutex *m) NONNULL(1);
/* The caller holds m after MUTEX_OWNER_DIED and repaired what it guards:
 * later lockers get MUTEX_OK again. E_INVAL if the caller does not hold m
 * or m is not marked owner died. */
err_t mutex_mark_consistent(struct mutex *m) NONNULL(1) MUST_USE;
bool mutex_held_by_me(const struct mutex *m) NONNULL(1);
/* The mutexes t's run leaves marked owner died (the fault log names them):
 * while t unwinds, those its cleanups released, in release order; then
 * those it holds now (not counting one handed to it that it never
 * returned from locking), which the end of its run releases. Their count,
 * and up to cap of them in out (NULL past the first MUTEX_DIED_KEPT
 * released by cleanups). t is the running task, or one that cannot run. */
#define MUTEX_DIED_KEPT 4
size_t mutex_died_with(const struct task *t, const struct mutex **out, size_t cap) NONNULL(1);

/* `MUTEX_GUARD(g, &m);` tries to take m: g.held is m if it did (OK or
 * OWNER_DIED, in g.status), NULL if not; held, it is released at the end
 * of the scope, on return and on unwinding (then marked owner died: see
 * mutex_unlock). */
struct mutex_guard {
	struct mutex *held;
	enum mutex_status status;
};
static inline void mutex_guard_release(struct mutex_guard *g)
{
	if (g->held)
		mutex_unlock(g->held);
}
static inline struct mutex_guard mutex_guard_take(struct mutex *m)
{
	struct mutex_result r = mutex_lock(m);
	return (struct mutex_guard){ mutex_result_held(r) ? m : NULL, r.status };
}
#define MUTEX_GUARD(g, m) struct mutex_guard g CLEANUP(mutex_guard_release) = mutex_guard_take(m)

#endif
