// expect: used struct type value where scalar is required
/* A send's result read as "failed or not": with CHAN_OK == 0 the test reads
 * backwards, and "timeout" and "disconnected" would need different answers. */
#include "chan/chan.h"

CHAN_TYPE(ticks, uint64_t);

int misuse(struct ticks_tx *tx)
{
	uint64_t v = 1;
	if (chan_send(tx, &v))
		return -1;
	return 0;
}
