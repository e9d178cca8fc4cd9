/* unwind_b: the middle of the unwinding test chain a -> b -> c: one
 * cleanup around a call into unwind_c (tests/unit/test_unwind.c). */
#include "cell.h"
#include "unwind.h"

CELL_INFO("unwind_b", CELL_KERNEL, 1);

void unwind_log_append(char c);
int unwind_c_run(struct unwind_state *st, int mode);

static void cleanup_b(int *x) { unwind_log_append((char)('b' + *x)); }

int unwind_b_run(struct unwind_state *st, int mode)
{
	int x CLEANUP(cleanup_b) = 0;
	return unwind_c_run(st, mode) + 1;
}
