/* floor: lib */
/* The mechanism behind task_pause.h: one CPU asks a set of others to stop
 * at a safe point and waits until they have; each of them spins in
 * pause_point until released. It lives at the bottom so that spin loops of
 * every floor (the cells lock's) can be safe points too. The task floor
 * knows which CPUs are online and wakes them (task_pause.h). */
#ifndef KERNEL_PRIVATE_PAUSE_H
#define KERNEL_PRIVATE_PAUSE_H
#include <stdint.h>

#include "compiler.h"
#include "err.h"

/* A safe point: if another CPU asked for a pause and the executing CPU holds
 * no spinlock, stop here (interrupts off) until it is released. Cheap when
 * no pause is asked. */
void pause_point(void);
/* Whether a pause asked by another CPU is waiting for this one. */
bool pause_wanted(void);

/* Asks the CPUs in mask (bit n: CPU n; never the caller's) to stop; wake
 * them after this call so that idle ones notice. */
void pause_request(uint32_t mask);
/* Waits until every CPU of the request stopped: E_OK, or E_TIMEOUT (the
 * request is withdrawn, the ones that stopped go on) after timeout_ns;
 * *late is then the first CPU that did not stop. */
err_t pause_wait(uint64_t timeout_ns, unsigned *late) MUST_USE NONNULL(2);
/* Lets the stopped CPUs go. */
void pause_release(void);

#endif
