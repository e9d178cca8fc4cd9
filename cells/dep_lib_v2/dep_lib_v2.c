/* dep_lib, version 2 (dep_lib.h): the same symbols as dep_lib, answering
 * 7x - 4, for `swap dep_lib=dep_lib_v2` and back. */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO_REPLACEMENT("dep_lib_v2", CELL_APP, 2);

static const int64_t coefficients[2] = { 7, -4 };
int64_t dep_counter;

struct dep_answer dep_apply(int64_t x)
{
	const int64_t *c = coefficients;
	__asm__("" : "+r"(c)); /* read from memory, not folded into the code */
	return (struct dep_answer){ c[0] * x + c[1], 2 };
}

int64_t dep_version(void) { return 2; }
