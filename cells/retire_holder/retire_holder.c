/* retire_holder: a word of a live cell's data for the tests of retired
 * cells to point somewhere (retire.c: a cell's data is read for pointers
 * into a retired cell). */
#include "cell.h"

CELL_INFO("retire_holder", CELL_KERNEL, 1);

void *retire_holder_slot;
