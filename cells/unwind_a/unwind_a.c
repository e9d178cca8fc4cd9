/* unwind_a: the top of the unwinding test chain a -> b -> c: one cleanup
 * around a call into unwind_b (tests/unit/test_unwind.c). Loading it
 * loads b and c first. */
#include "cell.h"
#include "unwind.h"

CELL_INFO("unwind_a", CELL_KERNEL, 1);

void unwind_log_append(char c);
int unwind_b_run(struct unwind_state *st, int mode);

static void cleanup_a(int *x) { unwind_log_append((char)('a' + *x)); }

int unwind_a_run(struct unwind_state *st, int mode)
{
	int x CLEANUP(cleanup_a) = 0;
	return unwind_b_run(st, mode) + 1;
}
