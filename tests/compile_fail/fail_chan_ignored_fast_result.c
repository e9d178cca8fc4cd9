// expect: ignoring return value of 'chan_recv_word'.*warn_unused_result
/* The fastpath's results must be looked at too. */
#include "chan/chan.h"

CHAN_TYPE(words, uint64_t);

uint64_t misuse(struct words_rx *rx)
{
	uint64_t v = 0;
	chan_recv_fast(rx, &v);
	return v;
}
