/* Private to hal-x86_64: port I/O, control registers, the trap frame the
 * interrupt stubs build, and the setup steps x86_main runs in order. */
#ifndef X86_H
#define X86_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hal_boot.h"

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory"); }

/* Built by isr.S: general registers (pushed last to first), then the
 * vector and error code, then what the CPU pushed. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S builds this frame");

void serial_init(void);
void serial_putc(char c);
int serial_getc(void);

/* multiboot.c: fills memory regions, cell images, commands and the
 * kernel's own image from a Multiboot or Multiboot2 information block. */
bool multiboot_parse(uint32_t magic, uintptr_t info, struct hal_boot_info *bi);
/* After multiboot_parse: the page-aligned end of the image, the boot modules
 * (and a Multiboot2 information block); usable frames start there. */
uintptr_t multiboot_modules_end(void);

void gdt_init(void);
void idt_init(void);
void pic_init(void);
void time_init(void);
/* Reserves the arena's page tables; false if the layout does not fit. */
bool paging_init(struct hal_boot_info *bi);

void x86_trap(struct trap_frame *f);
_Noreturn void x86_halt_forever(void);

#define ARENA_BASE 0x40000000UL
#define ARENA_SIZE 0x40000000UL /* 1 GiB: one page directory of page tables */

#endif
