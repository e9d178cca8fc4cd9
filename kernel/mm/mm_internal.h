/* Interfaces between the files of kernel/mm; not for other folders. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include "mm.h"

err_t frames_init(const struct hal_mem_region *regions, size_t n) MUST_USE;
err_t pages_init(uintptr_t base, size_t size) MUST_USE;

#endif
