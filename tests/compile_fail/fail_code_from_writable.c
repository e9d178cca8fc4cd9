// expect: incompatible pointer type
/* Taking code from a writable mapping (W^X). */
#include "mm.h"

err_t misuse(struct mapped_pages_rw *rw)
{
	const void *code;
	return mp_as_code(rw, 0, &code);
}
