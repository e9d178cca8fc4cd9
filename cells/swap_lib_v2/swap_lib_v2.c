/* swap_lib_v2: version 2 of swap_lib (same exports, other answers), with a
 * transfer function for swaps that name it. */
#include "cell.h"
#include "swap.h"

CELL_INFO_REPLACEMENT("swap_lib_v2", CELL_APP, 2);

int swap_lib_calls;
static const char greeting[] = "swap_lib v2";
const char *swap_lib_greeting = greeting;

int swap_lib_version(void) { return 2; }

int swap_lib_apply(int x)
{
	swap_lib_calls++;
	return x * 2;
}

/* `--transfer swap_lib_v2_transfer`: carries the call count over, scaled
 * by 100 so a test tells it from a plain copy. */
int64_t swap_lib_v2_transfer(const struct swap_transfer *from)
{
	size_t size;
	const int *calls = swap_old_object(from, "swap_lib_calls", &size);
	if (!calls || size != sizeof *calls)
		return 1;
	swap_lib_calls = *calls * 100;
	return 0;
}
SWAP_TRANSFER(swap_lib_v2_transfer);
