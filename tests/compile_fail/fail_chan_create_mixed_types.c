// expect: static assertion failed: "sender and receiver of different types"
/* A channel made from a sender of uint64_t and a receiver of uint32_t. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);
CHAN_TYPE(small, uint32_t);

err_t misuse(struct ticks_tx *tx, struct small_rx *rx)
{
	return chan_create(tx, rx, 4);
}
