/* Registering the nano_core's own .eh_frame with the unwinder. */
#ifndef KERNEL_SELF_UNWIND_H
#define KERNEL_SELF_UNWIND_H
#include "err.h"
#include "hal/boot.h"

err_t nano_core_register_unwind(const struct hal_boot_info *info) MUST_USE NONNULL(1);

#endif
