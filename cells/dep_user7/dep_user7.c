/* dep_user7: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a 64-bit offset in its read-only data (R_X86_64_PC64). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user7", CELL_APP, 1);

extern const int64_t user7_apply;
__asm__(".section .rodata.user7_apply,\"a\"\n"
	".balign 8\nuser7_apply: .quad dep_apply - .\n"
	".text\n");

struct dep_answer dep_user7(int64_t x)
{
	return ((dep_apply_fn *)((uintptr_t)&user7_apply + (uintptr_t)user7_apply))(x);
}
