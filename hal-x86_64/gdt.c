/* The long-mode GDT and the TSS. The TSS gives faults their own stacks
 * (IST): a double fault or a page fault on a blown kernel stack still has
 * somewhere to run. */
#include "x86.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "hardware layout");

static struct tss tss;
static uint64_t gdt[7];
static uint8_t ist_stacks[2][16384] __attribute__((aligned(16)));

void gdt_init(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFull; /* 0x08 kernel code */
	gdt[2] = 0x00CF92000000FFFFull; /* 0x10 kernel data */
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof tss - 1;
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		 (((base >> 24) & 0xff) << 56); /* 0x18 TSS, low half */
	gdt[4] = base >> 32;                   /* high half */
	tss.ist[0] = (uint64_t)(uintptr_t)(ist_stacks[0] + sizeof ist_stacks[0]);
	tss.ist[1] = (uint64_t)(uintptr_t)(ist_stacks[1] + sizeof ist_stacks[1]);
	tss.iomap_base = sizeof tss;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x08\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
			 "movw $0x18, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(ptr)
			 : "rax", "memory");
}
