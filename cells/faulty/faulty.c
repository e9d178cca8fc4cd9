/* faulty: a test cell that faults in chosen ways, so the tests can check
 * that a CPU exception is reported in cell terms (and, later, recovered). */
#include "cell.h"

CELL_INFO("faulty", CELL_APP, 1);

static volatile int zero;

int fault_null(void)
{
	return *(volatile int *)(uintptr_t)zero;
}

int fault_wild(void)
{
	return *(volatile int *)0x7ff0dead000ul;
}

int fault_illegal(void)
{
	__asm__ volatile("ud2");
	return 0;
}

int fault_divide(int x)
{
	return x / zero;
}
