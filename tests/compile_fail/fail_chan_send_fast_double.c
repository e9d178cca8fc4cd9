// expect: the fastpath carries one word, an integer or pointer
/* A double through the word fastpath: converting it to a word and back
 * would change its bits (2.5 would arrive as a denormal). */
#include "chan/chan.h"

CHAN_TYPE(reals, double);

int misuse(struct reals_tx *tx)
{
	double v = 2.5;
	return chan_send_fast(tx, v).status;
}
