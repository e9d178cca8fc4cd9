// expect: static assertion failed: "a clone is an endpoint of the same type and side"
/* Cloning a sender into a receiver: the count of the wrong side would grow. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

err_t misuse(struct ticks_tx *tx, struct ticks_rx *out)
{
	return chan_clone_end(tx, out);
}
