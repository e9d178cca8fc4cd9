// expect: static assertion failed: "this channel carries another message type"
/* A channel of pointers to one struct, sent a pointer to another struct:
 * both messages are one word, the receiver would read the wrong struct. */
#include "chan/chan.h"

struct job { int id; };
struct reply { int id; };
CHAN_TYPE(jobs, struct job *);

struct chan_sent misuse(struct jobs_tx *tx, struct reply *r)
{
	return chan_send(tx, &r);
}
