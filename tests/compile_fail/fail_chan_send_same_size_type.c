// expect: static assertion failed: "this channel carries another message type"
/* A pointer to another type of the same size: no byte would be lost, but a
 * fahrenheit would be taken for a celsius. The check is on the type, not
 * on the size. */
#include "chan/chan.h"

struct celsius { int64_t milli; };
struct fahrenheit { int64_t milli; };
CHAN_TYPE(temps, struct celsius);

struct chan_sent misuse(struct temps_tx *tx)
{
	struct fahrenheit f = { 98600 };
	_Static_assert(sizeof f == sizeof(struct celsius), "the same size: only the type differs");
	return chan_send(tx, &f);
}
