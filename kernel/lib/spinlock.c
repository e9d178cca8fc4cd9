/* The per-CPU count of held spinlocks behind spinlock.h. The fault path
 * reads it to tell a fault it can recover (nothing held) from one it must
 * not unwind (kernel/fault). Changed only with interrupts off, on
 * the CPU that owns the count, so it needs no atomics. */
#include "export.h"
#include "hal_cpu.h"
#include "klib.h"
#include "spinlock.h"

static unsigned held[MAX_CPUS];

/* A CPU id past the table (never seen: the HALs start at most MAX_CPUS)
 * shares the last slot rather than writing out of bounds. */
static unsigned *held_here(void)
{
	unsigned id = hal_cpu_id();
	return &held[id < MAX_CPUS ? id : MAX_CPUS - 1];
}

void spin_note_locked(void) { ++*held_here(); }

void spin_note_unlocked(void)
{
	unsigned *n = held_here();
	if (*n)
		--*n;
}

unsigned spin_held(void) { return *held_here(); }

/* Kernel cells only: an app never disables interrupts. */
EXPORT_KERNEL(spin_note_locked);
EXPORT_KERNEL(spin_note_unlocked);
EXPORT_KERNEL(spin_held);
