// expect: static assertion failed: "the fastpath carries one word, an integer or pointer of the channel
/* Receiving a word into a 4-byte message: 4 bytes past it would be written. */
#include "chan/chan.h"

CHAN_TYPE(small, uint32_t);

struct chan_got misuse(struct small_rx *rx, uint32_t *out)
{
	return chan_recv_fast(rx, out);
}
