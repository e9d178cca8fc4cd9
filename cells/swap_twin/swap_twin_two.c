#include "cell.h"

static int count = 10;

int swap_twin_bump2(void) { return ++count; }
