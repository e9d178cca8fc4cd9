/* floor: swap */
/* The swap floor at shutdown. Private to the nano_core. */
#ifndef KERNEL_PRIVATE_SWAP_BOOT_H
#define KERNEL_PRIVATE_SWAP_BOOT_H

/* Frees every retired cell, whatever refers to it: call after the tasks
 * have ended and the other CPUs stopped (tasks_fini), before cells_fini,
 * which cannot unload the cells a retired one still depends on. */
void swap_fini(void);

#endif
