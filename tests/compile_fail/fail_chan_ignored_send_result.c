// expect: ignoring return value of 'chan_send_msg'.*warn_unused_result
/* Sending without looking whether the message went: after "disconnected"
 * or "timeout" it is still the caller's, and would be lost unnoticed. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

void misuse(struct ticks_tx *tx)
{
	uint64_t v = 1;
	chan_send(tx, &v);
}
