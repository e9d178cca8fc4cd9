/* The counter cell's interface: both versions export exactly this, so
 * either can stand where the other stood (a swap verifies it). */
#ifndef EXAMPLE_COUNTER_H
#define EXAMPLE_COUNTER_H
#include <stdint.h>

/* Version 1: x + 1. Version 2: 2x + 1000000. For 0 <= x < 65536 the two
 * ranges do not meet, so every result says which version computed it. */
int64_t counter_apply(int64_t x);
/* How many times this cell's counter_apply ran (its own state). */
int64_t counter_calls(void);

#endif
