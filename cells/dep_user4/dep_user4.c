/* dep_user4: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a load from its GOT slot (R_X86_64_REX_GOTPCRELX). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user4", CELL_APP, 1);

struct dep_answer dep_user4(int64_t x)
{
	dep_apply_fn *apply;
	__asm__("movq dep_apply@GOTPCREL(%%rip), %0" : "=r"(apply));
	return apply(x);
}
