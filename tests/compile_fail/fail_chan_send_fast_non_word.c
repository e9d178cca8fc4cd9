// expect: static assertion failed: "the fastpath carries one word, an integer or pointer of the channel
/* The word fastpath on a channel of bytes: the cell would move 8 bytes. */
#include "chan/chan.h"

CHAN_TYPE(bytes, uint8_t);

struct chan_sent misuse(struct bytes_tx *tx)
{
	uint8_t b = 1;
	return chan_send_fast(tx, b);
}
