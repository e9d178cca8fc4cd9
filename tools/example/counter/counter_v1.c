/* counter, version 1 (built as the cell "counter"). */
#include "counter.h"

static int64_t calls;

int64_t counter_apply(int64_t x)
{
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return x + 1;
}

int64_t counter_calls(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }
