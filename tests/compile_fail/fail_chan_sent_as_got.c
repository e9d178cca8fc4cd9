// expect: incompatible types when assigning to type 'struct chan_got' from type 'struct chan_sent'
/* A send's result kept in a receive's result variable: the two say
 * different things (a send's message handed back, a receive's not taken). */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

enum chan_status misuse(struct ticks_tx *tx)
{
	uint64_t v = 1;
	struct chan_got g;
	g = chan_send(tx, &v);
	return g.status;
}
