/* floor: lib */
/* A spinlock that also disables interrupts (the HAL tick) while held, so
 * interrupt context can never deadlock on it and no task switch happens
 * inside the critical section. Each CPU counts the spinlocks it holds:
 * a fault or panic while one is held cannot be recovered by unwinding
 * (the lock would stay taken and the state it guards may be half-updated),
 * so the fault handler stops the machine instead (docs/faults.md). */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H
#include <stdbool.h>

#include "irq.h"

struct spinlock {
	int locked;
};

/* Bookkeeping of the executing CPU's count (kernel/lib/spinlock.c); call
 * only with interrupts disabled, so the count cannot change CPU under it. */
void spin_note_locked(void);
void spin_note_unlocked(void);
/* Spinlocks the executing CPU holds now. */
unsigned spin_held(void);

static inline irq_state_t spin_lock_irqsave(struct spinlock *l)
{
	irq_state_t s = irq_save();
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	spin_note_locked();
	return s;
}

/* Takes the lock if it is free; the caller has interrupts disabled. */
static inline bool spin_trylock_irqs_off(struct spinlock *l)
{
	if (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE))
		return false;
	spin_note_locked();
	return true;
}

/* Releases the lock but leaves interrupts disabled (for a caller that
 * switches away before it restores them, as a blocking wait does). */
static inline void spin_unlock_irqs_off(struct spinlock *l)
{
	spin_note_unlocked();
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
}

static inline void spin_unlock_irqrestore(struct spinlock *l, irq_state_t s)
{
	spin_unlock_irqs_off(l);
	irq_restore(s);
}

struct spin_guard {
	struct spinlock *lock;
	irq_state_t irq;
};
static inline void spin_guard_release(struct spin_guard *g) { spin_unlock_irqrestore(g->lock, g->irq); }
static inline struct spin_guard spin_guard_take(struct spinlock *l) { return (struct spin_guard){ l, spin_lock_irqsave(l) }; }
/* `SPIN_GUARD(&lock);` holds the spinlock (interrupts off) to the end of the scope. */
#define SPIN_GUARD(l) struct spin_guard UNIQUE_NAME(spin_guard_) CLEANUP(spin_guard_release) = spin_guard_take(l)

#endif
