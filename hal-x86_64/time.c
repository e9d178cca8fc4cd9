/* Monotonic time from the TSC, calibrated once against PIT channel 2
 * (a 10 ms one-shot gated through port 0x61). */
#include "hal_time.h"
#include "x86.h"

static uint64_t tsc_hz;
static uint64_t tsc_at_boot;

uint64_t hal_cycles(void) { return __builtin_ia32_rdtsc(); }

void time_init(void)
{
	outb(0x61, (inb(0x61) & 0xfd) | 0x01); /* gate on, speaker off */
	outb(0x43, 0xb0);                      /* channel 2, lo/hi, one-shot */
	uint16_t count = 11932;                /* 10 ms at 1.193182 MHz */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	uint8_t gate = inb(0x61);
	outb(0x61, gate & 0xfe); /* restart the count */
	outb(0x61, gate | 0x01);
	uint64_t start = hal_cycles();
	while (!(inb(0x61) & 0x20))
		__builtin_ia32_pause();
	tsc_hz = (hal_cycles() - start) * 100;
	if (tsc_hz == 0)
		tsc_hz = 1000000000ull; /* no TSC progress: count cycles as ns */
	tsc_at_boot = hal_cycles();
}

uint64_t hal_time_ns(void)
{
	unsigned __int128 t = (unsigned __int128)(hal_cycles() - tsc_at_boot) * 1000000000ull;
	uint64_t hi = (uint64_t)(t >> 64), lo = (uint64_t)t;
	/* 128-by-64 division without libgcc: the quotient fits in 64 bits for centuries */
	uint64_t q, r;
	__asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "r"(tsc_hz));
	(void)r;
	return q;
}
