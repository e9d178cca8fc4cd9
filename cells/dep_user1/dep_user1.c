/* dep_user1: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a tail jump (R_X86_64_PLT32 in a jmp). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user1", CELL_APP, 1);

struct dep_answer dep_user1(int64_t x) { return dep_apply(x); }
