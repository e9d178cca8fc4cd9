/* What a cell uses instead of the HAL: the kernel's own names for
 * interrupt masking, time and the dynamic call (the control of
 * fail_cell_includes_hal.c). */
#include "dyncall.h"
#include "ktime.h"
#include "spinlock.h"

static int add(int a, int b) { return a + b; }

uint64_t services(void)
{
	static struct spinlock l;
	irq_state_t s = spin_lock_irqsave(&l);
	spin_unlock_irqrestore(&l, s);
	enum dyn_type types[2] = { DYN_I32, DYN_I32 };
	uint64_t args[2] = { 1, 2 }, r = 0;
	if (dyncall((void *)add, DYN_I32, 2, types, args, &r))
		return 0;
	return r + time_ns() + time_cycles();
}
