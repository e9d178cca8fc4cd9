/* The IDT and the trap dispatcher. CPU exceptions (vectors 0-31) become
 * struct hal_fault for the kernel's handler, with the full register state;
 * the timer interrupt runs the tick callback. An exception the kernel does
 * not handle is reported on the console and stops the machine. */
#include "hal_cpu.h"
#include "hal_fault.h"
#include "klib.h"
#include "x86.h"

#define VEC_TIMER 32
#define FAULT_EXIT_STATUS 3
#define RFLAGS_IF (1u << 9)

extern const uint64_t isr_table[256];

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[256];
static hal_fault_fn fault_handler;
bool (*x86_tick_fn)(struct hal_regs *interrupted);

static void set_gate(int vec, uint64_t addr, uint8_t ist)
{
	idt[vec] = (struct idt_entry){ (uint16_t)addr, 0x08, ist, 0x8e, (uint16_t)(addr >> 16),
				       (uint32_t)(addr >> 32), 0 };
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0);
	set_gate(8, isr_table[8], 1);   /* double fault: always a good stack */
	set_gate(14, isr_table[14], 2); /* page fault: survives a blown stack */
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" ::"m"(ptr));
}

void hal_fault_set_handler(hal_fault_fn handler) { fault_handler = handler; }

static enum hal_fault_kind kind_of(uint64_t vec)
{
	switch (vec) {
	case 0: return HAL_FAULT_DIVIDE;
	case 3: return HAL_FAULT_BREAKPOINT;
	case 6: return HAL_FAULT_ILLEGAL;
	case 13: return HAL_FAULT_PROTECTION;
	case 14: return HAL_FAULT_PAGE;
	}
	return HAL_FAULT_OTHER;
}

static void frame_to_regs(const struct trap_frame *f, struct hal_regs *r)
{
	*r = (struct hal_regs){ f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rbp, f->rsp,
				f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15,
				f->rip, f->rflags };
}

static void regs_to_frame(const struct hal_regs *r, struct trap_frame *f)
{
	f->rax = r->rax, f->rbx = r->rbx, f->rcx = r->rcx, f->rdx = r->rdx;
	f->rsi = r->rsi, f->rdi = r->rdi, f->rbp = r->rbp, f->rsp = r->rsp;
	f->r8 = r->r8, f->r9 = r->r9, f->r10 = r->r10, f->r11 = r->r11;
	f->r12 = r->r12, f->r13 = r->r13, f->r14 = r->r14, f->r15 = r->r15;
	f->rip = r->rip, f->rflags = r->rflags;
}

static void exception(struct trap_frame *f)
{
	struct hal_fault fault = { .kind = kind_of(f->vector), .code = f->error,
				   .irq_enabled = (f->rflags & RFLAGS_IF) != 0 };
	if (f->vector == 14)
		fault.addr = read_cr2();
	frame_to_regs(f, &fault.regs);
	if (fault_handler && fault_handler(&fault)) {
		regs_to_frame(&fault.regs, f);
		return;
	}
	kprintf("hal-x86_64: unhandled CPU exception %lu (error %#lx) at rip %#lx, address %#lx, rsp %#lx\n",
		(unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->rip,
		(unsigned long)fault.addr, (unsigned long)f->rsp);
	hal_cpu_poweroff(FAULT_EXIT_STATUS);
}

void x86_trap(struct trap_frame *f)
{
	if (f->vector < 32) {
		exception(f);
	} else if (f->vector == VEC_TIMER) {
		outb(0x20, 0x20); /* EOI first: the tick may switch tasks */
		struct hal_regs regs;
		frame_to_regs(f, &regs);
		if (x86_tick_fn && x86_tick_fn(&regs))
			regs_to_frame(&regs, f);
	} else if (f->vector < 48) {
		if (f->vector >= 40)
			outb(0xa0, 0x20);
		outb(0x20, 0x20); /* spurious or unexpected IRQ */
	}
}
