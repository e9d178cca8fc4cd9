// expect: wrong type argument to unary exclamation mark|used struct type value where scalar is required
/* A receive's result negated as a truth value. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

int misuse(struct ticks_rx *rx, uint64_t *v)
{
	return !chan_try_recv(rx, v);
}
