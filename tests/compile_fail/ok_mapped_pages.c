/* Control: correct use of every access path the fail_ cases misuse. */
#include "mm.h"

struct rec { int a; };

err_t use(struct mapped_pages *ro, struct mapped_pages_rw *rw, struct mapped_pages_rx *rx)
{
	const struct rec *r;
	struct rec *w;
	const void *code;
	err_t e = mp_as_type(ro, 0, struct rec, &r);
	if (!e)
		e = mp_as_type(rw, 0, struct rec, &r);
	if (!e)
		e = mp_as_type_mut(rw, 0, struct rec, &w);
	if (!e)
		w->a = r->a;
	if (!e)
		e = mp_as_code(rx, 0, &code);
	return e;
}
