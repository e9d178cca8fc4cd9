/* swap_twin: two files, each with its own file-local `count`, and a
 * pointer to a merged string: a copy cannot tell the two counts apart by
 * name (test_swap.c). */
#include "cell.h"

CELL_INFO("swap_twin", CELL_APP, 1);

static int count = 1000;
const char *swap_twin_msg = "beta-one-long-string";

int swap_twin_bump1(void) { return ++count; }
int swap_twin_ch(int i) { return swap_twin_msg[i]; }
