/* A spinlock that also disables interrupts (the HAL tick) while held, so
 * interrupt context can never deadlock on it and no task switch happens
 * inside the critical section. */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H
#include "hal/irq.h"

struct spinlock {
	int locked;
};

static inline hal_irq_state_t spin_lock_irqsave(struct spinlock *l)
{
	hal_irq_state_t s = hal_irq_save();
	while (__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	return s;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, hal_irq_state_t s)
{
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
	hal_irq_restore(s);
}

#endif
