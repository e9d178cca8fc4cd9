// expect: '_Generic' selector of type 'struct mapped_pages_rx \*' is not compatible
/* Writable access to an executable mapping (W^X). */
#include "mm.h"

struct rec { int a; };

err_t misuse(struct mapped_pages_rx *rx)
{
	struct rec *w;
	return mp_as_type_mut(rx, 0, struct rec, &w);
}
