/* The channel fault injector (docs/faults.md, "Channel fault cases"): the
 * fault sites of the channel cells' send and receive paths, after the
 * thesis' comparison with MINIX 3 (§9.2.1). A site is a line in the
 * channel code, `if (CHAN_FAULT(site)) <corrupt something>`, that stays
 * silent until the site is armed; armed, it fires once, on the (skip+1)-th
 * time the site is reached (or on that reach and the next ones, to make a
 * fault come back), and the corruption it makes manifests right
 * after as a machine fault or a checked panic in the task that reached it.
 * cells/itc_faults runs one exchange per site and checks the outcome.
 *
 * Cost when nothing is armed: CHAN_FAULT is one load of chan_fault_armed
 * and a branch predicted not taken (the channel fastpath runs through it). */
#ifndef CELLS_CHAN_FAULTS_H
#define CELLS_CHAN_FAULTS_H
#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"

/* Where a fault is injected; rx / tx: the context it hits in (the task
 * receiving, the task sending). The list in chan_faults.c names each. */
enum chan_fault_site {
	CF_RECV_DEST,      /* rx: the receiver's destination pointer, before the copy */
	CF_SEND_SRC,       /* tx: the sender's message pointer, before the copy */
	CF_HANDOVER_DEST,  /* tx: a waiting receiver's buffer pointer in its waiter, at the hand-over */
	CF_TAKE_SRC,       /* rx: a waiting sender's message pointer in its waiter, at the take */
	CF_RING_HEAD,      /* rx: the ring's head index, at a pop */
	CF_RING_COUNT,     /* tx: the ring's message count, at a push */
	CF_WAITER_LINK,    /* tx: the first waiting receiver's list link, before its completion */
	CF_WAITER_REF,     /* rx: the channel's reference to its first waiting sender */
	CF_SENDER_COUNT,   /* rx: the channel's count of senders */
	CF_WAIT_QUEUED,    /* rx: the channel pointer, after the waiter is queued, before the wait */
	CF_PUSH_MIDWAY,    /* tx: a fault holding the lock between a push's slot and its commit */
	CF_WAKE_RX,        /* rx: a fault after a pop and refill completed a sender, before its wake-up */
	CF_WAKE_TX,        /* tx: a fault after a hand-over completed a receiver, before its wake-up */
	CF_DROP_LAST,      /* tx: a fault in the last sender's drop, before receivers hear of it */
	CF_CLONE,          /* tx: the clone's destination pointer, after the count went up */
	CF_RECV_SIZE,      /* rx: the message size a receive asks for */
	CF_ENDPOINT_CH,    /* tx: the channel pointer in the sender's own endpoint */
	CF_KILL_RX,        /* rx: a kill of the receiver after it took a message, arriving at the unlock */
	CHAN_FAULT_SITES,
};

/* Nonzero while some site is armed: what CHAN_FAULT reads first. */
extern unsigned chan_fault_armed;

/* Arms site: it fires on the (skip+1)-th time it is reached from now, once.
 * Arming an armed site re-arms it. Out-of-range sites are ignored. */
void chan_fault_arm(enum chan_fault_site site, unsigned skip);
/* The same, firing on that reach and the times - 1 reaches right after it:
 * a fault that comes back, as corrupted code would, to climb the recovery
 * cascade (docs/faults.md). */
void chan_fault_arm_times(enum chan_fault_site site, unsigned skip, unsigned times);
/* Disarms every site (nothing fires until the next arm). */
void chan_fault_disarm_all(void);
/* At a fault point: true when site is armed and this reach is one it waits
 * for (after the last, it is disarmed). Any CPU, any task. */
bool chan_fault_fire(enum chan_fault_site site);
/* How many times site fired since load. */
unsigned chan_fault_fired(enum chan_fault_site site);
/* A pointer that leads nowhere: reading or writing through it page-faults
 * on both targets (an address in the lowest page, never mapped). */
#define CHAN_FAULT_BAD_PTR ((void *)(uintptr_t)0x18)
/* A fault at this very point (a page fault in chan_faults' code, called
 * from the fault point): for sites where the question is what a fault at
 * that moment leaves behind, whatever corrupted value caused it. */
void chan_fault_trap(enum chan_fault_site site);
/* A kill of the calling task at this point (task_kill of itself): where a
 * kill is deferred, it arrives when the deferral ends. */
void chan_fault_kill(enum chan_fault_site site);
/* The site's name ("recv_dest") and what it corrupts, for tables. */
const char *chan_fault_site_name(enum chan_fault_site site);

#define CHAN_FAULT(site) (__builtin_expect(__atomic_load_n(&chan_fault_armed, __ATOMIC_RELAXED) != 0, 0) && \
			  chan_fault_fire(site))

#endif
