/* unwind_c: the bottom of the unwinding test chain a -> b -> c (tests/unit/
 * test_unwind.c). Holds the log every cleanup of the chain appends to, and
 * starts the unwind itself: mode 0 returns normally, mode 1 unwinds with
 * unwind_here, mode 2 first smashes its own return address. */
#include "cell.h"
#include "unwind.h"

CELL_INFO("unwind_c", CELL_KERNEL, 1);

char unwind_log[16];
unsigned unwind_log_len;

void unwind_log_append(char c)
{
	if (unwind_log_len < sizeof unwind_log - 1)
		unwind_log[unwind_log_len++] = c;
}

static void cleanup_c(int *x) { unwind_log_append((char)('c' + *x)); }

int unwind_c_run(struct unwind_state *st, int mode)
{
	int x CLEANUP(cleanup_c) = 0;
	if (mode == 2) {
		/* With a frame pointer (which __builtin_frame_address forces):
		 * [rbp] is the saved rbp, [rbp + 8] the return address into b. */
		void **fp = __builtin_frame_address(0);
		fp[1] = (void *)0x1234;
	}
	if (mode)
		unwind_here(st);
	return 1;
}
