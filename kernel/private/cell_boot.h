/* floor: cell */
/* Bringing up the cell system from the HAL's boot information. Private to
 * the nano_core, like mm_boot.h. */
#ifndef KERNEL_PRIVATE_CELL_BOOT_H
#define KERNEL_PRIVATE_CELL_BOOT_H
#include "compiler.h"
#include "err.h"
#include "hal_boot.h"

/* Creates the root namespace, represents the nano_core as cells, and indexes
 * the exports of the HAL's cell images for dependency loading. */
err_t cells_init(const struct hal_boot_info *info) MUST_USE NONNULL(1);
/* Registers the nano_core's own unwind information (from its image) and the
 * HAL's extra .eh_frames with the unwinder. */
err_t nano_core_register_unwind(const struct hal_boot_info *info) MUST_USE NONNULL(1);

#endif
