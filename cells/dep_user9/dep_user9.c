/* dep_user9: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a PC-relative address (R_X86_64_PC32 in a lea). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user9", CELL_APP, 1);

struct dep_answer dep_user9(int64_t x)
{
	dep_apply_fn *apply;
	__asm__("leaq dep_apply(%%rip), %0" : "=r"(apply));
	return apply(x);
}
