/* big_stack: an app whose entry keeps a 100 KiB array on its stack, as real
 * code does (lz4's high-compression path keeps 66 KiB). With the default
 * 64 KiB task stack it overflows into the guard page and is unwound; with
 * `spawn --stack 256K big_stack` it runs to completion. `spawn big_stack 1`
 * fills the array from its low end first, as memset would: only the
 * compiler's stack-clash probes (-fstack-clash-protection, tools/cell.flags)
 * make that overflow hit the guard page instead of memory below it. */
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "klib.h"

CELL_INFO("big_stack", CELL_APP, 1);

#define BIG_STACK_ARRAY (100 * 1024)

/* Touches the array from its top down, calling nothing meanwhile: the
 * first byte past the stack's end that it writes is in the guard page
 * right below the stack, so an overflow always faults there and is
 * reported as one (a call would first push a return address at the far,
 * low end of the frame, past the guard). */
static __attribute__((noinline)) int64_t fill_and_sum(void)
{
	volatile uint8_t buf[BIG_STACK_ARRAY];
	for (size_t i = BIG_STACK_ARRAY; i-- > 0;)
		buf[i] = (uint8_t)i;
	int64_t sum = 0;
	for (size_t i = 0; i < BIG_STACK_ARRAY; i++)
		sum += buf[i];
	return sum;
}

/* Low end first: without probes the first write lands 36 KiB below the
 * guard page of a 64 KiB stack, in whatever lies there. */
static __attribute__((noinline)) int64_t fill_low_first(void)
{
	volatile uint8_t buf[BIG_STACK_ARRAY];
	for (size_t i = 0; i < BIG_STACK_ARRAY; i++)
		buf[i] = (uint8_t)i;
	int64_t sum = 0;
	for (size_t i = 0; i < BIG_STACK_ARRAY; i++)
		sum += buf[i];
	return sum;
}

static void announce_end(const int *unused)
{
	(void)unused;
	kprintf("big_stack: cleanup runs\n");
}

int64_t big_stack_main(const struct app_args *args)
{
	bool low_first = args && args->argc > 0 && args->argv[0] == 1; /* `call` passes no arguments */
	int guard __attribute__((cleanup(announce_end))) = 0;
	kprintf("big_stack: filling a %d KiB array on the stack%s\n", BIG_STACK_ARRAY / 1024,
		low_first ? ", low end first" : "");
	int64_t sum = low_first ? fill_low_first() : fill_and_sum();
	kprintf("big_stack: done, sum %lld\n", (long long)sum);
	return sum == (int64_t)(BIG_STACK_ARRAY / 256) * (255 * 256 / 2) ? 0 : 1;
}
APP_ENTRY(big_stack_main);
