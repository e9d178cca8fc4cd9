/* dep_user5: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a sign-extended 32-bit immediate (R_X86_64_32S). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user5", CELL_APP, 1);

struct dep_answer dep_user5(int64_t x)
{
	dep_apply_fn *apply;
	__asm__("movq $dep_apply, %0" : "=r"(apply));
	return apply(x);
}
