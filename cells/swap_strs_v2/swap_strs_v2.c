/* swap_strs_v2: swap_strs with another string laid out before its message,
 * so the old pointer's offset means other bytes here: a copy cannot
 * translate it, the swap needs a transfer function. */
#include "cell.h"

CELL_INFO_REPLACEMENT("swap_strs_v2", CELL_APP, 2);

const char *swap_strs_pad = "PAD-PAD-PAD";
const char *swap_strs_msg = "alpha-two";

int swap_strs_ch(int i) { return swap_strs_msg[i]; }
