/* Interfaces between the files of kernel/mm; not for other folders. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include "boot.h"
#include "hal_memory.h"
#include "mm.h"

_Static_assert(PAGE_SIZE == HAL_PAGE_SIZE, "mm.h names the HAL's page size");

err_t frames_init(const struct hal_mem_region *regions, size_t n) MUST_USE;
err_t pages_init(uintptr_t base, size_t size) MUST_USE;

#endif
