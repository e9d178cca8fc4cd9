/* floor: mm */
/* Bringing up memory from the HAL's boot information. Private to the
 * nano_core (kernel/private is on its include path, not on the cells'):
 * the headers of kernel/include are the cells' view and name no HAL type. */
#ifndef KERNEL_PRIVATE_MM_BOOT_H
#define KERNEL_PRIVATE_MM_BOOT_H
#include "compiler.h"
#include "err.h"
#include "hal_boot.h"

/* Brings up frames and pages from the HAL's memory map and arena. */
err_t mm_init(const struct hal_boot_info *info) MUST_USE NONNULL(1);

#endif
