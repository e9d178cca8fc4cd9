/* The bare-metal HAL's entry, called by boot.S in long mode: bring up the
 * console, descriptor tables, interrupts and time, read the loader's boot
 * information, reserve the page arena, and hand over to kernel_main. Its
 * status leaves through isa-debug-exit in QEMU. */
#include "hal_boot.h"
#include "hal_cpu.h"
#include "klib.h"
#include "x86.h"

void x86_main(uint32_t magic, uintptr_t info);

void x86_main(uint32_t magic, uintptr_t info)
{
	static struct hal_boot_info bi;
	serial_init();
	gdt_init();
	idt_init();
	pic_init();
	time_init();
	if (!multiboot_parse(magic, info, &bi)) {
		kprintf("hal-x86_64: not started by a Multiboot loader (magic %#x)\n", magic);
		hal_cpu_poweroff(2);
	}
	if (!paging_init(&bi)) {
		kprintf("hal-x86_64: cannot set up the page arena\n");
		hal_cpu_poweroff(2);
	}
	hal_cpu_poweroff(kernel_main(&bi));
}
