// expect: ignoring return value of 'chan_recv_msg'.*warn_unused_result
/* Receiving without looking whether something came: v would be read
 * uninitialised after "empty", "disconnected" or "timeout". */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

uint64_t misuse(struct ticks_rx *rx)
{
	uint64_t v = 0;
	chan_recv_timeout(rx, &v, 1000);
	return v;
}
