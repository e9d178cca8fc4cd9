/* swap_lib: version 1 of the swap tests' library (tests/unit/test_swap.c,
 * docs/swap.md). swap_user reaches it through every kind of site a swap
 * rewrites; swap_lib_v2 exports the same names with other answers, and
 * swap_lib_bad does not fit (a missing function, a data object grown). */
#include "cell.h"

CELL_INFO("swap_lib", CELL_APP, 1);

int swap_lib_calls; /* copied into the new version by a swap */
static const char greeting[] = "swap_lib v1";
const char *swap_lib_greeting = greeting; /* points into this cell: a swap translates it */

int swap_lib_version(void) { return 1; }

int swap_lib_apply(int x)
{
	swap_lib_calls++;
	return x + 1;
}
