// expect: ignoring return value of 'mp_map'.*warn_unused_result
/* Ignoring whether a mapping succeeded. */
#include "mm.h"

void misuse(struct allocated_pages *p, struct allocated_frames *f, struct mapped_pages *out)
{
	mp_map(p, f, out);
}
