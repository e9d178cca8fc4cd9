/* floor: task */
/* Holding the other CPUs at a safe point, for code that must change what
 * they might execute or read (the swap's stage 3: patching relocation
 * sites, moving edges, transferring state). A CPU stops only where it holds
 * no spinlock (interrupts were on): at a timer tick, in its idle loop, or
 * while it waits for the cells lock. It spins there, interrupts off, until
 * released. Private to the nano_core. */
#ifndef KERNEL_PRIVATE_TASK_PAUSE_H
#define KERNEL_PRIVATE_TASK_PAUSE_H
#include <stdint.h>

#include "compiler.h"
#include "err.h"

/* Asks every other online CPU to stop and waits until all have, for at most
 * timeout_ns; E_TIMEOUT (all released again, nothing held) if one did not
 * reach a safe point in time (it spins with a spinlock held). Call with
 * interrupts off (the cells lock held), never nested. */
err_t tasks_pause_others(uint64_t timeout_ns) MUST_USE;
/* Releases the CPUs tasks_pause_others stopped. */
void tasks_resume_others(void);

#endif
