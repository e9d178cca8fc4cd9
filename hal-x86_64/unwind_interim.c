/* The two symbols gcc's cleanup landing pads reference (-fexceptions).
 * Hosted, libgcc provides them; on bare metal nothing can start an unwind
 * until the kernel's own unwinder exists (kernel/unwind, the unwinding
 * issue), which will define both for every target. Until then reaching
 * either is a broken invariant, and says so. */
#include "hal/cpu.h"
#include "klib.h"

void _Unwind_Resume(void *exception);
int __gcc_personality_v0(int version, int actions, uint64_t klass, void *exception, void *context);

void _Unwind_Resume(void *exception)
{
	kprintf("hal-x86_64: _Unwind_Resume(%p) without an unwinder\n", exception);
	hal_cpu_poweroff(99);
}

int __gcc_personality_v0(int version, int actions, uint64_t klass, void *exception, void *context)
{
	kprintf("hal-x86_64: personality called without an unwinder\n");
	hal_cpu_poweroff(99);
}
