/* swap_strs: a pointer in data to a string in the merged string section
 * (.rodata.str1.1), which every cell has and whose layout differs between
 * builds: what a swap's copy may and may not translate (test_swap.c). */
#include "cell.h"

CELL_INFO("swap_strs", CELL_APP, 1);

const char *swap_strs_msg = "alpha-one";

int swap_strs_ch(int i) { return swap_strs_msg[i]; }
