// expect: mp_as_type needs a const struct rec \*\* out pointer
/* Getting a mutable pointer out of the read-only accessor. */
#include "mm.h"

struct rec { int a; };

err_t misuse(struct mapped_pages *ro)
{
	struct rec *w;
	return mp_as_type(ro, 0, struct rec, &w);
}
