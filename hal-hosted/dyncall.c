/* Hosted dynamic call through libffi: the signature is built at run time
 * from the argument types the shell parsed. */
#include <ffi.h>

#include "hal_dyncall.h"

static ffi_type *ffi_of(enum hal_dyn_type t)
{
	switch (t) {
	case HAL_DYN_VOID: return &ffi_type_void;
	case HAL_DYN_I32: return &ffi_type_sint32;
	case HAL_DYN_I64: return &ffi_type_sint64;
	case HAL_DYN_PTR: return &ffi_type_pointer;
	}
	return NULL;
}

bool hal_dyncall(void *fn, enum hal_dyn_type ret_type, size_t nargs,
		 const enum hal_dyn_type *arg_types, const uint64_t *args, uint64_t *ret)
{
	ffi_type *types[HAL_DYNCALL_MAX_ARGS];
	void *values[HAL_DYNCALL_MAX_ARGS];
	int32_t i32[HAL_DYNCALL_MAX_ARGS];
	if (nargs > HAL_DYNCALL_MAX_ARGS || !ffi_of(ret_type))
		return false;
	for (size_t i = 0; i < nargs; i++) {
		if (arg_types[i] == HAL_DYN_VOID || !(types[i] = ffi_of(arg_types[i])))
			return false;
		i32[i] = (int32_t)args[i];
		values[i] = arg_types[i] == HAL_DYN_I32 ? (void *)&i32[i] : (void *)&args[i];
	}
	ffi_cif cif;
	if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)nargs, ffi_of(ret_type), types) != FFI_OK)
		return false;
	ffi_arg result = 0;
	ffi_call(&cif, FFI_FN(fn), &result, values);
	if (ret)
		*ret = ret_type == HAL_DYN_I32 ? (uint64_t)(int64_t)(int32_t)result
		       : ret_type == HAL_DYN_VOID ? 0 : (uint64_t)result;
	return true;
}
