/* patchme: a test cell for text patching (cell_text_patch, docs/memory.md).
 * patchme_value returns a constant that patchme_set (or a unit test)
 * rewrites while the cell is loaded and its code has run. patchme_value is
 * written in assembly so its encoding is fixed: the immediate of
 * "movl $7, %eax" (b8 07 00 00 00) is at offset 1. A kernel cell: patching
 * is a kernel-only right. */
#include "cell.h"

CELL_INFO("patchme", CELL_KERNEL, 1);

int patchme_value(void);

__asm__(".section .text.patchme_value, \"ax\", @progbits\n"
	".globl patchme_value\n"
	".type patchme_value, @function\n"
	"patchme_value:\n"
	"	.cfi_startproc\n"
	"	movl $7, %eax\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size patchme_value, . - patchme_value\n"
	".text\n");

/* Makes patchme_value return v; returns what it returns now (v), or -1
 * with the refusal printed. */
int patchme_set(int v)
{
	struct cell_diag d;
	int32_t imm = v;
	err_t e = cell_text_patch((uint8_t *)(uintptr_t)&patchme_value + 1, &imm, sizeof imm, &d);
	if (e) {
		char line[256];
		cell_diag_format(&d, line, sizeof line);
		kprintf("patchme_set: %s\n", line);
		return -1;
	}
	return patchme_value();
}
