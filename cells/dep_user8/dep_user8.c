/* dep_user8: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a direct call, after counting the call in
 * dep_lib's own data: dep_counter, changed by one instruction through an
 * R_X86_64_PC32 site, so a swap falls before or after it, never inside. */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user8", CELL_APP, 1);

struct dep_answer dep_user8(int64_t x)
{
	__asm__ volatile("lock incq dep_counter(%%rip)" ::: "memory");
	struct dep_answer a = dep_apply(x);
	__asm__ volatile("" : "+r"(a.value));
	return a;
}
