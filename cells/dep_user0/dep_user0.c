/* dep_user0: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a direct call (R_X86_64_PLT32) that returns here. */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user0", CELL_APP, 1);

struct dep_answer dep_user0(int64_t x)
{
	struct dep_answer a = dep_apply(x);
	__asm__ volatile("" : "+r"(a.value)); /* a call, not a tail jump */
	return a;
}
