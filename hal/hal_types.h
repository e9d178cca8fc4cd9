/* Types shared by every HAL header. Only compiler-provided freestanding
 * headers are used so that kernel/ and cells/ stay libc-free. */
#ifndef HAL_TYPES_H
#define HAL_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HAL_PAGE_SIZE 4096UL
#define HAL_NORETURN __attribute__((noreturn))

#endif
