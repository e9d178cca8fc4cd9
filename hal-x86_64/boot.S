/* Bare-metal entry. A Multiboot (v1, QEMU -kernel) or Multiboot2 (GRUB)
 * loader enters _start in 32-bit protected mode with paging off. We clear
 * .bss, identity-map the first 1 GiB with 2 MiB pages, enable PAE, long mode
 * (and NX when the CPU has it) and paging, load a 64-bit GDT, and call
 * x86_main(magic, info) on the boot stack. The boot map is writable and
 * executable everywhere and lives only until paging_init (paging.c) switches
 * to the kernel's W^X tables, early in x86_main. */
#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x3 /* page-align modules, provide the memory map */
#define MB2_MAGIC 0xE85250D6

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC, MB1_FLAGS, -(MB1_MAGIC + MB1_FLAGS)

	.balign 8
mb2_header:
	.long MB2_MAGIC, 0, mb2_end - mb2_header
	.long -(MB2_MAGIC + 0 + (mb2_end - mb2_header))
	.word 0, 0 /* end tag */
	.long 8
mb2_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	/* No stack yet (Multiboot leaves %esp undefined): keep state in registers. */
	mov %eax, %esi /* loader magic */
	mov %ebx, %ebp /* info pointer */
	cld
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl

	/* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] = i * 2 MiB (present, writable, huge). */
	mov $boot_pdpt, %eax
	or $0x3, %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $0x3, %eax
	mov %eax, boot_pdpt
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax
	mov %eax, boot_pd(, %ecx, 8)
	inc %ecx
	cmp $512, %ecx
	jne 1b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $0x20, %eax /* PAE */
	mov %eax, %cr4

	/* EFER: LME, and NXE if CPUID says the CPU has NX. */
	mov $0x80000001, %eax
	cpuid
	xor %ebx, %ebx
	bt $20, %edx
	jnc 2f
	mov $0x800, %ebx
2:	mov $0xC0000080, %ecx
	rdmsr
	or $0x100, %eax
	or %ebx, %eax
	wrmsr

	mov %cr0, %eax
	or $0x80010000, %eax /* PG, WP: the kernel too obeys read-only pages */
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

	.code64
long_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	xor %ax, %ax
	mov %ax, %fs
	mov %ax, %gs
	lea boot_stack_top(%rip), %rsp
	/* x86_main(magic = %esi, info = %ebp), both zero-extended */
	mov %esi, %edi
	mov %ebp, %esi
	xor %ebp, %ebp
	call x86_main
3:	cli
	hlt
	jmp 3b

	.section .rodata.boot, "a"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00AF9A000000FFFF /* 0x08: 64-bit code */
	.quad 0x00CF92000000FFFF /* 0x10: data */
boot_gdt_ptr:
	.word boot_gdt_ptr - boot_gdt - 1
	.long boot_gdt

	.section .bss.boot, "aw", @nobits
	.balign 4096
boot_pml4: .skip 4096
boot_pdpt: .skip 4096
boot_pd: .skip 4096
	.balign 16
	.globl boot_stack_top
boot_stack: .skip 65536
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
