// expect: static assertion failed: "the fastpath carries one word, an integer or pointer of the channel
/* A word of another type on a word channel: a double's bits taken for a
 * count (the cast inside the fastpath would convert it silently). */
#include "chan/chan.h"

CHAN_TYPE(counts, uint64_t);

struct chan_sent misuse(struct counts_tx *tx)
{
	double d = 1.5;
	return chan_send_fast(tx, d);
}
