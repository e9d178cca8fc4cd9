/* floor: core */
/* Time for cells, under the kernel's names (the HAL's clock, exported). */
#ifndef KERNEL_KTIME_H
#define KERNEL_KTIME_H
#include <stdint.h>

/* Nanoseconds of a monotonic clock: never goes backwards. */
uint64_t time_ns(void);
/* The raw cycle counter, for fine measurement only. */
uint64_t time_cycles(void);

#endif
