/* Dynamic calls on bare metal: with only integer and pointer arguments,
 * the SysV ABI passes the first six in registers, so calling through a
 * six-argument pointer passes them all (extra registers are ignored). */
#include "hal_dyncall.h"

typedef uint64_t (*call6_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

bool hal_dyncall(void *fn, enum hal_dyn_type ret_type, size_t nargs,
		 const enum hal_dyn_type *arg_types, const uint64_t *args, uint64_t *ret)
{
	uint64_t a[HAL_DYNCALL_MAX_ARGS] = { 0 };
	if (nargs > HAL_DYNCALL_MAX_ARGS)
		return false;
	for (size_t i = 0; i < nargs; i++) {
		if (arg_types[i] == HAL_DYN_VOID)
			return false;
		a[i] = arg_types[i] == HAL_DYN_I32 ? (uint64_t)(int64_t)(int32_t)args[i] : args[i];
	}
	uint64_t r = ((call6_fn)fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret)
		*ret = ret_type == HAL_DYN_I32 ? (uint64_t)(int64_t)(int32_t)r : ret_type == HAL_DYN_VOID ? 0 : r;
	return true;
}
