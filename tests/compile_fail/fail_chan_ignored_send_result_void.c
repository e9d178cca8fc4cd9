// expect: ignoring return value of 'chan_send_msg'.*warn_unused_result
/* A cast to void does not silence it either (cells build with
 * -Werror=unused-result; gcc warns even through the cast). */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

void misuse(struct ticks_tx *tx)
{
	uint64_t v = 1;
	(void)chan_try_send(tx, &v);
}
