/* Hosted time: CLOCK_MONOTONIC for nanoseconds, rdtsc for cycles. */
#include <time.h>

#include "hal/time.h"

uint64_t hal_time_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t hal_cycles(void) { return __builtin_ia32_rdtsc(); }
