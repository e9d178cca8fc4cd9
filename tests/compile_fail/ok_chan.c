/* Control: every macro of chan/chan.h used as meant, every result looked at:
 * typed endpoints released by CHAN_AUTO, a struct message and a word one,
 * blocking, try_, timeout and deadline variants, clone, move, the fastpath,
 * stats and the names of the statuses. */
#include "chan/chan.h"

struct req {
	uint32_t id;
	uint16_t op;
	uint8_t pad[2];
};
CHAN_TYPE(reqs, struct req);
CHAN_TYPE(words, uint64_t);
CHAN_TYPE(ptrs, struct req *);
_Static_assert(CHAN_CAPACITY_MAX >= 4, "use_struct's channel has room for 4");

static const char *last;

static err_t status_err(enum chan_status s)
{
	last = chan_status_name(s);
	switch (s) {
	case CHAN_OK:
		return E_OK;
	case CHAN_DISCONNECTED:
	case CHAN_FULL:
	case CHAN_EMPTY:
	case CHAN_TIMEOUT:
	case CHAN_KILLED:
	case CHAN_REFUSED:
		break;
	}
	return E_FAILED;
}

/* Makes a channel, hands a sender clone out by move, sends and receives
 * with every deadline form; CHAN_AUTO releases what is left. */
err_t use_struct(struct reqs_tx *handed_out)
{
	struct reqs_tx tx CHAN_AUTO(reqs_tx) = CHAN_NONE;
	struct reqs_rx rx CHAN_AUTO(reqs_rx) = CHAN_NONE;
	struct reqs_tx tx2 CHAN_AUTO(reqs_tx) = CHAN_NONE;
	struct reqs_rx rx2 CHAN_AUTO(reqs_rx) = CHAN_NONE;
	err_t e = chan_create(&tx, &rx, 4);
	if (e || (e = chan_clone_end(&tx, &tx2)) || (e = chan_clone_end(&rx, &rx2)))
		return e;
	chan_move(handed_out, &tx2);

	struct req q = { 1, 2, { 0 } }, got;
	struct chan_sent s = chan_send(&tx, &q);
	if (s.status != CHAN_OK)
		return status_err(s.status);
	if ((s = chan_try_send(&tx, &q)).status == CHAN_FULL || s.status == CHAN_OK)
		s = chan_send_timeout(&tx, &q, 1000000);
	if (s.status != CHAN_OK || (s = chan_send_until(&tx, &q, chan_deadline_in(5000))).status != CHAN_OK)
		return status_err(s.status);

	struct chan_got g = chan_recv(&rx, &got);
	if (g.status == CHAN_OK)
		g = chan_try_recv(&rx2, &got);
	if (g.status == CHAN_OK || g.status == CHAN_EMPTY)
		g = chan_recv_timeout(&rx, &got, 1000000);
	if (g.status == CHAN_OK)
		g = chan_recv_until(&rx, &got, CHAN_NOW);
	if (g.status == CHAN_OK)
		g = chan_recv_until(&rx, &got, CHAN_FOREVER);
	return status_err(g.status);
}

/* The word fastpath, a channel of pointers, stats and the flavour. */
err_t use_words(void)
{
	struct words_tx tx CHAN_AUTO(words_tx) = CHAN_NONE;
	struct words_rx rx CHAN_AUTO(words_rx) = CHAN_NONE;
	struct ptrs_tx ptx CHAN_AUTO(ptrs_tx) = CHAN_NONE;
	struct ptrs_rx prx CHAN_AUTO(ptrs_rx) = CHAN_NONE;
	err_t e = chan_create(&tx, &rx, 1);
	if (e || (e = chan_create(&ptx, &prx, 1)))
		return e;
	uint64_t w = 42, back = 0;
	struct chan_sent s = chan_send_fast(&tx, w);
	if (s.status != CHAN_OK)
		return status_err(s.status);
	struct chan_got g = chan_recv_fast(&rx, &back);
	if (g.status != CHAN_OK)
		return status_err(g.status);
	static struct req r;
	struct req *p = &r, *q = NULL;
	if ((s = chan_try_send(&ptx, &p)).status != CHAN_OK || (g = chan_try_recv(&prx, &q)).status != CHAN_OK)
		return E_FAILED;
	struct chan_stats st;
	if ((e = chan_stats(&tx.end, &st)))
		return e;
	last = chan_flavor();
	words_tx_drop(&tx); /* early, by hand: CHAN_AUTO then finds it empty */
	return back == w && q == p && st.sent == st.received ? E_OK : E_FAILED;
}
