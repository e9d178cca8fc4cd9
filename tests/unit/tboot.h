/* Boots a small hosted machine for one unit test: memory, mm and heap
 * (tboot_setup), plus the cell system over the build's cell objects
 * (tboot_setup_cells). Use as Check checked fixtures. */
#ifndef TBOOT_H
#define TBOOT_H
#include "hal/boot.h"

#define TBOOT_MEMORY (64UL << 20)

extern struct hal_boot_info tboot_info;
void tboot_setup(void);
void tboot_teardown(void);
void tboot_setup_cells(void);
void tboot_teardown_cells(void);

#endif
