/* HAL services cells may use, in the nano_core export table (cells link
 * only against exports) under the kernel's own names, so no HAL name is
 * part of a cell's link ABI: console input, time and the dynamic call.
 * (Interrupt masking for the inline spinlocks is kernel/lib/irq.c.) */
#include "console.h"
#include "dyncall.h"
#include "export.h"
#include "hal_console.h"
#include "hal_dyncall.h"
#include "hal_time.h"
#include "ktime.h"

_Static_assert(CONSOLE_EOF == HAL_CONSOLE_EOF && CONSOLE_NONE == HAL_CONSOLE_NONE,
	       "console.h passes the HAL's input codes through unchanged");
_Static_assert(DYNCALL_MAX_ARGS == HAL_DYNCALL_MAX_ARGS, "dyncall takes what the HAL can call");

int console_getc(void) { return hal_console_getc(); }
int console_poll(void) { return hal_console_poll(); }
bool console_interactive(void) { return hal_console_interactive(); }
bool console_raw(bool on) { return hal_console_raw(on); }

uint64_t time_ns(void) { return hal_time_ns(); }
uint64_t time_cycles(void) { return hal_cycles(); }

static bool hal_dyn_type_of(enum dyn_type t, enum hal_dyn_type *out)
{
	switch (t) {
	case DYN_VOID: *out = HAL_DYN_VOID; return true;
	case DYN_I32: *out = HAL_DYN_I32; return true;
	case DYN_I64: *out = HAL_DYN_I64; return true;
	case DYN_PTR: *out = HAL_DYN_PTR; return true;
	}
	return false;
}

err_t dyncall(void *fn, enum dyn_type ret_type, size_t nargs, const enum dyn_type *arg_types,
	      const uint64_t *args, uint64_t *ret)
{
	enum hal_dyn_type hal_ret, hal_args[HAL_DYNCALL_MAX_ARGS];
	if (nargs > DYNCALL_MAX_ARGS || !hal_dyn_type_of(ret_type, &hal_ret))
		return E_INVAL;
	for (size_t i = 0; i < nargs; i++)
		if (!hal_dyn_type_of(arg_types[i], &hal_args[i]))
			return E_INVAL;
	return hal_dyncall(fn, hal_ret, nargs, hal_args, args, ret) ? E_OK : E_INVAL;
}

EXPORT_KERNEL(console_getc);
EXPORT_KERNEL(console_poll);
EXPORT_KERNEL(console_interactive);
EXPORT_KERNEL(console_raw);
EXPORT_KERNEL(dyncall);
EXPORT_APP(time_ns);
EXPORT_APP(time_cycles);
