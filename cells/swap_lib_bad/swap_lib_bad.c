/* swap_lib_bad: a replacement for swap_lib that does not fit its users:
 * swap_lib_apply is missing and swap_lib_calls grew to 8 bytes. A swap to
 * it is refused at verification, listing both, and changes nothing. */
#include "cell.h"

CELL_INFO_REPLACEMENT("swap_lib_bad", CELL_APP, 3);

long swap_lib_calls;
const char *swap_lib_greeting = "swap_lib bad";

int swap_lib_version(void) { return 3; }
