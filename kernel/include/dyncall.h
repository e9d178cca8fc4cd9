/* floor: core */
/* Calling a function whose signature is known only at run time (the
 * shell's `call`), exported by the kernel so a cell needs no HAL header:
 * integer and pointer arguments and results travel as 64-bit words. */
#ifndef KERNEL_DYNCALL_H
#define KERNEL_DYNCALL_H
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"

#define DYNCALL_MAX_ARGS 6

enum dyn_type { DYN_VOID, DYN_I32, DYN_I64, DYN_PTR };

/* Calls fn(args...) with nargs arguments of the given types and stores the
 * result (an i32 sign-extended) in *ret unless ret is NULL. E_INVAL, with
 * nothing called, for a signature this cannot make (more than
 * DYNCALL_MAX_ARGS arguments, a void or unknown type). */
err_t dyncall(void *fn, enum dyn_type ret_type, size_t nargs, const enum dyn_type *arg_types,
	      const uint64_t *args, uint64_t *ret) MUST_USE NONNULL(1);

#endif
