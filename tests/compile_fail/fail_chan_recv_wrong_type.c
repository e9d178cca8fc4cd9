// expect: static assertion failed: "this channel carries another message type"
/* Receiving a uint64_t message into an int: the cell would write 8 bytes
 * into a 4-byte variable if the size were taken from the channel. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

struct chan_got misuse(struct ticks_rx *rx)
{
	int v;
	return chan_recv(rx, &v);
}
