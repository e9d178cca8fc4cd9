/* dep_user2: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a pointer in its writable data (R_X86_64_64 in .data). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user2", CELL_APP, 1);

static dep_apply_fn *volatile apply = dep_apply;

struct dep_answer dep_user2(int64_t x) { return apply(x); }
