// expect: static assertion failed: "a move is between endpoints of one type"
/* Moving a receiver into a sender variable. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

void misuse(struct ticks_rx *rx, struct ticks_tx *out)
{
	chan_move(out, rx);
}
