/* dep_user6: one of dep_lib's ten dependents (dep_lib.h); it reaches
 * dep_apply through a 32-bit address in its read-only data (R_X86_64_32). */
#include "cell.h"
#include "dep_lib/dep_lib.h"

CELL_INFO("dep_user6", CELL_APP, 1);

extern const uint32_t user6_apply;
__asm__(".section .rodata.user6_apply,\"a\"\n"
	".balign 4\nuser6_apply: .long dep_apply\n"
	".text\n");

struct dep_answer dep_user6(int64_t x) { return ((dep_apply_fn *)(uintptr_t)user6_apply)(x); }
