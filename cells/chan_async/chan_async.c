/* chan_async: the buffered channel protocol (docs/channels.md). A send
 * leaves its message in the channel's ring when there is room (or hands
 * it to a receiver that waits) and returns; a sender waits only while the
 * ring is full, and a receive that makes room moves the oldest waiting
 * sender's message in. It is the replacement for chan_rendezvous: swapped
 * in, it serves the channels that protocol made, moving the senders that
 * wait there into the ring in their order. No static data: a channel's
 * state is all in its object (cells/chan/chan_object.h). */
#include "cell.h"
#include "chan/chan_object.h"

CELL_INFO_REPLACEMENT("chan_async", CELL_APP, 1);

const char *chan_flavor(void) { return "async"; }

err_t chan_new(size_t msg_size, size_t capacity, struct chan_end *tx, struct chan_end *rx)
{
	return chan_object_new(msg_size, capacity, tx, rx);
}

err_t chan_clone(const struct chan_end *e, struct chan_end *out) { return chan_object_clone(e, out); }
void chan_drop(struct chan_end *e) { chan_object_drop(e); }
err_t chan_stats(const struct chan_end *e, struct chan_stats *out) { return chan_object_stats(e, out); }

/* Senders that wait (left by the synchronous protocol, or by a full ring)
 * go into the ring first, so a new message never overtakes them. */
static struct chan_sent send(struct chan_end *tx, const void *msg, size_t size, uint64_t deadline, unsigned polls)
{
	if (CHAN_FAULT(CF_ENDPOINT_CH))
		tx->ch = (struct chan *)tx;
	struct chan *ch = chan_of(tx, CHAN_SIDE_TX, "chan_send on an endpoint that is not a sender");
	if (size != ch->msg_size)
		task_panic("chan_send: the message size differs from the channel's");
	struct chan_waiter w CHAN_WAITER_AUTO = CHAN_WAITER(ch, false);
	CHAN_GUARD(g);
again:;
	enum chan_status s = chan_lock(ch, &g);
	if (s != CHAN_OK)
		return (struct chan_sent){ s };
	if (chan_refill(ch))
		wait_queue_wake_all(&ch->send_wq);
	if (!ch->receivers) {
		s = CHAN_DISCONNECTED;
	} else if (!list_empty(&ch->recv_waiters)) {
		chan_give_to_receiver(ch, msg);
		wait_queue_wake_all(&ch->recv_wq);
	} else if (ch->count < ch->capacity) {
		if (CHAN_FAULT(CF_RING_COUNT))
			ch->count ^= 1ull << 40;
		chan_ring_push(ch, msg);
	} else if (deadline == CHAN_NOW) {
		s = CHAN_FULL;
	} else if (task_ending()) {
		s = CHAN_KILLED;
	} else {
		chan_enqueue(&w, &ch->send_waiters, (void *)msg);
		chan_unlock(&g);
		int sent = chan_wait(&w, &ch->send_wq, deadline, polls);
		if (sent == CHAN_AGAIN)
			goto again; /* a repair cut the waiter off: the message is still ours */
		return (struct chan_sent){ sent };
	}
	chan_unlock(&g);
	return (struct chan_sent){ s };
}

struct chan_sent chan_send_msg(struct chan_end *tx, const void *msg, size_t size, uint64_t deadline)
{
	return send(tx, msg, size, deadline, 0);
}

struct chan_got chan_recv_msg(struct chan_end *rx, void *out, size_t size, uint64_t deadline)
{
	return chan_object_recv(rx, out, size, deadline, true, 0);
}

/* The fastpath: a word, and a few yields before sleeping (chan_wait). */
struct chan_sent chan_send_word(struct chan_end *tx, uint64_t word, uint64_t deadline)
{
	return send(tx, &word, sizeof word, deadline, CHAN_WORD_POLLS);
}

struct chan_got chan_recv_word(struct chan_end *rx, uint64_t *out, uint64_t deadline)
{
	return chan_object_recv(rx, out, sizeof *out, deadline, true, CHAN_WORD_POLLS);
}
