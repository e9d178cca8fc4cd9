/* swap_lib_kernel: swap_lib's exports in a kernel-class cell, whose symbols
 * an app cell may not link: swapping it in under the app swap_user is
 * refused at verification (test_swap.c). */
#include "cell.h"

CELL_INFO_REPLACEMENT("swap_lib_kernel", CELL_KERNEL, 1);

int swap_lib_calls;
const char *swap_lib_greeting = "kernel";

int swap_lib_version(void) { return 9; }
int swap_lib_apply(int x) { return x; }
