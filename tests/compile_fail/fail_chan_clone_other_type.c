// expect: static assertion failed: "a clone is an endpoint of the same type and side"
/* Cloning a sender of uint64_t into a sender of uint32_t: the clone would
 * send 4-byte messages on an 8-byte channel. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);
CHAN_TYPE(small, uint32_t);

err_t misuse(struct ticks_tx *tx, struct small_tx *out)
{
	return chan_clone_end(tx, out);
}
