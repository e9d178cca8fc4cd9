// expect: assignment of member 'a' in read-only object
/* Writing through a pointer obtained from a read-only mapping. */
#include "mm.h"

struct rec { int a; };

err_t misuse(struct mapped_pages *ro)
{
	const struct rec *r;
	err_t e = mp_as_type(ro, 0, struct rec, &r);
	if (!e)
		r->a = 1;
	return e;
}
