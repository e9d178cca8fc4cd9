// expect: has no member named 'receives'
/* Receiving on a sender. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

struct chan_got misuse(struct ticks_tx *tx)
{
	uint64_t v;
	return chan_try_recv(tx, &v);
}
