/* Dynamic call contract: call a function whose signature is known only at
 * run time (the shell's `call`). Integer and pointer arguments and results
 * are passed as 64-bit words; hosted uses libffi, bare metal the SysV ABI. */
#ifndef HAL_DYNCALL_H
#define HAL_DYNCALL_H
#include "hal_types.h"

#define HAL_DYNCALL_MAX_ARGS 6

enum hal_dyn_type { HAL_DYN_VOID, HAL_DYN_I32, HAL_DYN_I64, HAL_DYN_PTR };

/* Calls fn(args...) and stores the result (sign-extended) in *ret.
 * Returns false when the signature is unsupported. */
bool hal_dyncall(void *fn, enum hal_dyn_type ret_type, size_t nargs,
		 const enum hal_dyn_type *arg_types, const uint64_t *args, uint64_t *ret)
	__attribute__((warn_unused_result));

#endif
