// expect: static assertion failed: "this channel carries another message type"
/* Sending a uint32_t on a channel of uint64_t: the message would be read
 * past its end (the size comes from the value, the type from the channel). */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

struct chan_sent misuse(struct ticks_tx *tx)
{
	uint32_t v = 1;
	return chan_send(tx, &v);
}
