/* counter_user: a cell that depends on counter and calls it in a loop in a
 * task, classifying every result by the version that computed it. The test
 * reads the tallies through the exported objects below. */
#include "counter.h"

int64_t user_v1, user_v2; /* results of version 1, of version 2 */
int64_t user_wrong;       /* results of neither */
int64_t user_back;        /* version 1 results after a version 2 one */

static void tally(int64_t *n) { __atomic_add_fetch(n, 1, __ATOMIC_RELAXED); }

/* The task: runs until it has seen *v2_wanted results of version 2; returns
 * how many calls it made. */
int64_t user_loop(const int64_t *v2_wanted)
{
	int64_t i = 0;
	for (; __atomic_load_n(&user_v2, __ATOMIC_RELAXED) < *v2_wanted; i++) {
		int64_t x = i & 0xffff;
		int64_t r = counter_apply(x);
		if (r == x + 1)
			tally(__atomic_load_n(&user_v2, __ATOMIC_RELAXED) ? &user_back : &user_v1);
		else if (r == 2 * x + 1000000)
			tally(&user_v2);
		else
			tally(&user_wrong);
	}
	return i;
}
