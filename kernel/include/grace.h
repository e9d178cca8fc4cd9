/* floor: lib */
/* Grace periods for lock-free readers (an SRCU-style pair of epoch
 * counters). A reader brackets its reads with grace_read_lock/unlock; a
 * writer unpublishes an object (one atomic pointer store), calls
 * grace_wait, and may then free it: every read section that could still
 * see the object has ended. Readers never wait for a writer, take no lock
 * and allocate nothing, so the fault handler and the unwinder may read.
 *
 * A read section disables interrupts (the HAL tick) on its CPU: it cannot
 * be preempted, so a writer that waits with interrupts off (under a
 * spinlock) never waits for a reader its own CPU would have to run. Read
 * sections nest; they must be short and must not block, take a lock that
 * a writer holds while it waits, or call grace_wait on the same domain. */
#ifndef KERNEL_GRACE_H
#define KERNEL_GRACE_H
#include <stdbool.h>

#include "compiler.h"
#include "irq.h"
#include "spinlock.h"

/* CPUs whose read-section depth is tracked for assertions (the kernel's
 * MAX_CPUS; the HALs start no more). */
#define GRACE_CPUS 16

/* One domain: the readers of one set of published objects. Zero-initialised
 * is ready to use. */
struct grace {
	unsigned epoch;               /* readers entering now count in readers[epoch & 1] */
	unsigned long readers[2];     /* open read sections per epoch parity */
	unsigned depth[GRACE_CPUS];   /* open read sections on each CPU (for grace_reading) */
	struct spinlock wait_lock;    /* one grace_wait at a time per domain */
};

/* An open read section; handed back to grace_read_unlock. */
struct grace_read {
	irq_state_t irq;
	unsigned idx;
};

/* Enters a read section of g: interrupts off until the matching unlock.
 * Any context (task, tick, fault handler); never waits for a writer. */
struct grace_read grace_read_lock(struct grace *g) NONNULL(1) MUST_USE;
void grace_read_unlock(struct grace *g, struct grace_read r) NONNULL(1);
/* Whether the executing CPU is inside a read section of g. */
bool grace_reading(struct grace *g) NONNULL(1);
/* Waits until every read section of g that began before the call has
 * ended. Precondition (asserted): the caller is not inside a read section
 * of g, which would wait for itself. May be called with interrupts off and
 * spinlocks held: readers never wait for anything. */
void grace_wait(struct grace *g) NONNULL(1);

struct grace_guard {
	struct grace *g;
	struct grace_read r;
};
static inline void grace_guard_release(struct grace_guard *gd) { grace_read_unlock(gd->g, gd->r); }
static inline struct grace_guard grace_guard_take(struct grace *g)
{
	return (struct grace_guard){ g, grace_read_lock(g) };
}
/* `GRACE_READ_GUARD(&domain);` is a read section to the end of the scope. */
#define GRACE_READ_GUARD(g) \
	struct grace_guard UNIQUE_NAME(grace_guard_) CLEANUP(grace_guard_release) = grace_guard_take(g)

#endif
