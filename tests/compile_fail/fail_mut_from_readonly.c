// expect: '_Generic' selector of type 'struct mapped_pages \*' is not compatible
/* Asking a read-only mapping for writable access. */
#include "mm.h"

struct rec { int a; };

err_t misuse(struct mapped_pages *ro)
{
	struct rec *w;
	return mp_as_type_mut(ro, 0, struct rec, &w);
}
