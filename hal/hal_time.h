/* Time contract: a monotonic nanosecond clock and a raw cycle counter.
 * hal_time_ns never goes backwards; hal_cycles is for fine measurement only. */
#ifndef HAL_TIME_H
#define HAL_TIME_H
#include "hal_types.h"

uint64_t hal_time_ns(void);
uint64_t hal_cycles(void);

#endif
