/* The channel fault cases, after the thesis' comparison with MINIX 3
 * (§9.2.1): what each injects where, in whose context, and what must
 * follow. The exchange that runs them is in itc_faults.c. */
#include "itc_faults/itc_faults.h"

#define RV "rendezvous"
#define AS "async"
#define RX ITC_RECEIVER
#define TX ITC_SENDER

static const struct itc_case cases[] = {
	{ "recv_dest", CF_RECV_DEST, "chan_object_recv: the receiver's destination pointer, taking from a waiting sender",
	  RV, 4, ITC_RECEIVER_YIELDS, 5, RX, false, 0, true, true,
	  "receiver page-faults holding the lock, restarts, takes the same message again; sender re-queues", NULL, 0 },
	{ "send_src", CF_SEND_SRC, "chan_give_to_receiver: the sender's message pointer, handing to a waiting receiver",
	  RV, 4, ITC_SENDER_YIELDS, 5, TX, false, 0, true, true,
	  "sender page-faults holding the lock, restarts, sends the unacknowledged message again", NULL, 0 },
	{ "handover_dest", CF_HANDOVER_DEST, "chan_give_to_receiver: the waiting receiver's buffer pointer in its waiter",
	  RV, 4, ITC_SENDER_YIELDS, 7, TX, false, 0, true, true,
	  "sender page-faults; the repair cuts the broken waiter off, the receiver re-queues; sender restarts, resends", NULL, 0 },
	{ "take_src", CF_TAKE_SRC, "chan_take_from_sender: the waiting sender's message pointer in its waiter",
	  RV, 4, ITC_RECEIVER_YIELDS, 7, RX, false, 0, true, true,
	  "receiver page-faults; the repair cuts the sender's waiter off, the sender re-queues; receiver restarts", NULL, 0 },
	{ "ring_head", CF_RING_HEAD, "chan_ring_pop: the ring's head index (a high bit flipped)",
	  AS, 7, ITC_RECEIVER_YIELDS, 9, RX, true, 0, true, true,
	  "receiver panics (index out of range), restarts; the repair brings the head back in range", NULL, 0 },
	{ "ring_count", CF_RING_COUNT, "chan_async send, before chan_ring_push: the ring's count (a high bit flipped)",
	  AS, 64, ITC_RECEIVER_YIELDS, 9, TX, true, 0, true, true,
	  "sender panics (index out of range), restarts; the repair recounts the ring from the message counters", NULL, 0 },
	{ "waiter_link", CF_WAITER_LINK, "chan_give_to_receiver -> chan_complete: the first waiting receiver's list link",
	  RV, 4, ITC_SENDER_YIELDS, 11, TX, false, 0, true, true,
	  "sender page-faults unlinking the waiter; the repair empties the lists, the receiver re-queues", NULL, 0 },
	{ "waiter_ref", CF_WAITER_REF, "chan_take_from_sender: the channel's reference to its first waiting sender",
	  RV, 4, ITC_RECEIVER_YIELDS, 11, RX, false, 0, true, true,
	  "receiver page-faults following it; the repair empties the lists, never following it; the sender re-queues", NULL, 0 },
	{ "sender_count", CF_SENDER_COUNT, "chan_object_recv: the channel's count of senders (a high bit flipped)",
	  RV, 4, ITC_SENDER_YIELDS, 13, RX, true, 0, true, true,
	  "receiver panics (count out of range), restarts; the repair drops the count's impossible bits", NULL, 0 },
	{ "wait_queued", CF_WAIT_QUEUED, "chan_wait: the channel pointer, after the waiter is queued, before the wait",
	  RV, 4, ITC_SENDER_YIELDS, 13, RX, false, 0, true, true,
	  "receiver page-faults in the cell (not in the kernel), its cleanup takes its waiter off the queue; restarts",
	  NULL, 0 },
	{ "push_midway", CF_PUSH_MIDWAY, "chan_ring_push: a fault holding the lock between the slot and its commit",
	  AS, 64, ITC_RECEIVER_YIELDS, 15, TX, false, 0, true, true,
	  "sender faults mid-update; the repair undoes the uncommitted slot; the sender resends it, no duplicate", NULL, 0 },
	{ "wake_rx", CF_WAKE_RX, "chan_object_recv: after the take completed the sender, before waking it",
	  RV, 4, ITC_RECEIVER_YIELDS, 15, RX, false, 0, true, true,
	  "receiver faults; its cleanup gives the message back to the ring, the repair wakes the sender; restarts", NULL, 0 },
	{ "wake_tx", CF_WAKE_TX, "chan_rendezvous send: after the hand-over completed the receiver, before waking it",
	  RV, 4, ITC_SENDER_YIELDS, 17, TX, false, 1, true, true,
	  "sender faults; the repair wakes the receiver (it has the message); the restarted sender resends it once, "
	  "the receiver discards it by its number", NULL, 0 },
	{ "drop_last", CF_DROP_LAST, "chan_object_drop: the last sender, after the count reached 0, before receivers hear",
	  RV, 4, ITC_SENDER_YIELDS, 0, TX, false, 0, true, true,
	  "sender faults in its final drop; the repair wakes the receiver, which finds no sender: disconnected", NULL, 0 },
	{ "clone", CF_CLONE, "chan_object_clone: the new endpoint's address, before it is counted",
	  RV, 4, ITC_SENDER_YIELDS, 0, TX, false, 0, true, true,
	  "sender page-faults at its start; the count is unchanged, so the last drop still disconnects", NULL, 0 },
	{ "recv_size", CF_RECV_SIZE, "chan_object_recv: the message size the receiver asks for",
	  RV, 4, ITC_SENDER_YIELDS, 19, RX, true, 0, true, true,
	  "receiver panics (size differs) before taking the lock, restarts", NULL, 0 },
	{ "endpoint_ch", CF_ENDPOINT_CH, "chan_send_msg: the channel pointer in the sender's own endpoint",
	  RV, 4, ITC_SENDER_YIELDS, 19, TX, true, 0, false, false,
	  "sender panics (not a channel), restarts, every message arrives; its old endpoint's count stays",
	  "the count the corrupted endpoint held cannot be given back (its channel pointer is what was lost): "
	  "the channel keeps a sender too many, so its receivers are never told the senders are gone", 0 },
	{ "wake_rx_async", CF_WAKE_RX, "chan_object_recv: after a pop and the refill it made room for, before the wake-up",
	  AS, 2, ITC_RECEIVER_YIELDS, 5, RX, false, 0, true, true,
	  "receiver faults with the ring full again; its cleanup puts the message back in the spare slot; restarts",
	  NULL, 0 },
	{ "waiter_ref_x3", CF_WAITER_REF, "chan_take_from_sender: the reference to the first waiting sender, three times",
	  RV, 4, ITC_RECEIVER_YIELDS, 11, RX, false, 0, true, true,
	  "receiver page-faults at the same place thrice: restarted, restarted again (stage 3 has no data to put back), "
	  "then chan_rendezvous reloaded mid-exchange; the fourth run takes every message", NULL, 3 },
};

unsigned itc_faults_count(void) { return sizeof cases / sizeof cases[0]; }

const struct itc_case *itc_faults_case(unsigned i) { return i < itc_faults_count() ? &cases[i] : NULL; }
