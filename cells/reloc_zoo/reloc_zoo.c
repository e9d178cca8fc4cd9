/* reloc_zoo: one cell that makes gcc and gas emit every relocation type
 * the loader supports against another cell's symbol (chain_c_value), and
 * checks at run time that each was patched to the right value. */
#include "cell.h"

CELL_INFO("reloc_zoo", CELL_APP, 1);

int chain_c_value(int x);

/* R_X86_64_64 (data), R_X86_64_PC64 and R_X86_64_32 / 32S (rodata, asm). */
void *const zoo_abs64 = (void *)chain_c_value;
extern const int64_t zoo_pc64;
extern const uint32_t zoo_abs32;
__asm__(".section .rodata.zoo,\"a\"\n"
	".balign 8\n"
	".globl zoo_pc64\nzoo_pc64: .quad chain_c_value - .\n"
	".globl zoo_abs32\nzoo_abs32: .long chain_c_value\n"
	".text\n");

static uintptr_t via_32s(void)
{
	uintptr_t v;
	__asm__("movq $chain_c_value, %0" : "=r"(v)); /* R_X86_64_32S */
	return v;
}

static uintptr_t via_gotpcrel(void)
{
	uintptr_t v;
	__asm__("movq chain_c_value@GOTPCREL(%%rip), %0" : "=r"(v)); /* R_X86_64_REX_GOTPCRELX */
	return v;
}

/* 0 when every relocation resolved to chain_c_value; else the first bad one. */
int zoo_check(void)
{
	uintptr_t want = (uintptr_t)chain_c_value; /* R_X86_64_32S or PC32, gcc's choice */
	if ((uintptr_t)zoo_abs64 != want)
		return 1;
	if ((uintptr_t)&zoo_pc64 + (uintptr_t)zoo_pc64 != want)
		return 2;
	if (zoo_abs32 != want)
		return 3;
	if (via_32s() != want)
		return 4;
	if (via_gotpcrel() != want)
		return 5;
	return chain_c_value(2) == 6 ? 0 : 6;
}
