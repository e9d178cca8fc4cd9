/* Boots a small hosted machine (memory, mm, heap) for one unit test. */
#ifndef TBOOT_H
#define TBOOT_H
#include "hal/boot.h"

#define TBOOT_MEMORY (64UL << 20)

extern struct hal_boot_info tboot_info;
void tboot_setup(void);
void tboot_teardown(void);

#endif
