/* dep_user3: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a pointer in its read-only data (R_X86_64_64 in .rodata). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user3", CELL_APP, 1);

extern dep_apply_fn *const user3_apply;
__asm__(".section .rodata.user3_apply,\"a\"\n"
	".balign 8\nuser3_apply: .quad dep_apply\n"
	".text\n");

struct dep_answer dep_user3(int64_t x) { return user3_apply(x); }
