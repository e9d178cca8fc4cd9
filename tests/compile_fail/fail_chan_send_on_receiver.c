// expect: has no member named 'sends'
/* Sending on a receiver. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

struct chan_sent misuse(struct ticks_rx *rx)
{
	uint64_t v = 1;
	return chan_send(rx, &v);
}
