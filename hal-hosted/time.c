/* Hosted time: CLOCK_MONOTONIC for nanoseconds, rdtsc for cycles. */
#include <time.h>

#include "hal_time.h"

static uint64_t host_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t boot_ns;

/* From the simulator's start, as bare metal counts from boot. */
__attribute__((constructor)) static void time_start(void) { boot_ns = host_ns(); }

uint64_t hal_time_ns(void) { return host_ns() - boot_ns; }

uint64_t hal_cycles(void) { return __builtin_ia32_rdtsc(); }
