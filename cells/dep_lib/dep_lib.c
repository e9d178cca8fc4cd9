/* dep_lib, version 1 (dep_lib.h): answers 3x + 1. Its coefficients are
 * read-only data of its own, which a swap must not copy into the next
 * version (only writable data is state). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_lib", CELL_APP, 1);

static const int64_t coefficients[2] = { 3, 1 };
int64_t dep_counter;

struct dep_answer dep_apply(int64_t x)
{
	const int64_t *c = coefficients;
	__asm__("" : "+r"(c)); /* read from memory, not folded into the code */
	return (struct dep_answer){ c[0] * x + c[1], 1 };
}

int64_t dep_version(void) { return 1; }
