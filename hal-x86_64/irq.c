/* Interrupts on bare metal: the legacy PIC remapped to vectors 32-47 with
 * only the timer unmasked, the PIT as the periodic tick, and cli/sti
 * behind the HAL's save/restore contract. */
#include "hal_irq.h"
#include "x86.h"

#define PIT_HZ 1193182u

extern bool (*x86_tick_fn)(struct hal_regs *interrupted);
static unsigned tick_hz;

void pic_init(void)
{
	outb(0x20, 0x11); /* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0x20); /* master at vector 32 */
	outb(0xa1, 0x28); /* slave at vector 40 */
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* everything masked until the timer starts */
	outb(0xa1, 0xff);
}

hal_irq_state_t hal_irq_save(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq\n\tpopq %0\n\tcli" : "=r"(flags)::"memory");
	return (flags >> 9) & 1;
}

void hal_irq_restore(hal_irq_state_t state)
{
	if (state)
		__asm__ volatile("sti" ::: "memory");
}

void hal_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }

bool hal_irq_enabled(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags));
	return (flags >> 9) & 1;
}

bool hal_timer_start(unsigned hz, hal_tick_fn on_tick)
{
	if (hz == 0) {
		outb(0x21, 0xff);
		tick_hz = 0;
		return true;
	}
	if (hz < 19 || hz > PIT_HZ)
		return false;
	x86_tick_fn = on_tick;
	tick_hz = hz;
	uint32_t divisor = PIT_HZ / hz;
	outb(0x43, 0x36); /* channel 0, lo/hi, rate generator */
	outb(0x40, (uint8_t)divisor);
	outb(0x40, (uint8_t)(divisor >> 8));
	outb(0x21, 0xfe); /* unmask IRQ0 */
	return true;
}

unsigned hal_timer_hz(void) { return tick_hz; }
