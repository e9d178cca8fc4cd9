/* The channel object and the mechanics both channel cells share
 * (docs/channels.md). Only the channel cells include this: to everyone
 * else struct chan is opaque. Both cells compile these inline functions
 * into their own text, so each is whole by itself and either can serve a
 * channel the other made: the layout below is the contract between them
 * (CHAN_LAYOUT, checked on every use of an endpoint).
 *
 * State: the ring holds buffered messages, oldest at head; send_waiters
 * and recv_waiters hold blocked tasks' waiters, oldest first. A waiter is
 * a record in the blocked task's own frame; the task waits on the side's
 * wait queue until another task sets its status. Invariants, whenever the
 * lock is free: a receiver waits only while the ring is empty and no sender
 * waits; senders wait only while no receiver does. So the order of
 * delivery is ring first, then waiting senders, oldest first: whichever
 * cell serves next, no message overtakes another. */
#ifndef CELLS_CHAN_OBJECT_H
#define CELLS_CHAN_OBJECT_H
#include <stdbool.h>
#include <stdint.h>

#include "chan/chan.h"
#include "chan_faults/chan_faults.h"
#include "heap.h"
#include "klib.h"
#include "panic.h"
#include "task.h"

#define CHAN_LAYOUT 0x4348414e00000002ull /* "CHAN", layout 2: a spare ring slot */
#define CHAN_WAITING (-1)                 /* a waiter's status until another task sets it */
#define CHAN_AGAIN (-2)   /* a waiter cut off by a repair: its call starts over (never returned to callers) */
#define CHAN_ENDPOINTS_MAX (1u << 16) /* endpoints of one side; a count past it is corrupt (chan_repair) */

struct chan_waiter {
	struct list link;   /* in send_waiters or recv_waiters while status is CHAN_WAITING */
	struct chan *ch;
	void *buf;          /* a sender's message, or where a receiver's goes */
	int status;         /* CHAN_WAITING, then an enum chan_status; written under the lock */
	bool receiver;
	bool queued;        /* queued, or holding a message, and its call has not returned its outcome yet */
	unsigned epoch;     /* the channel's repairs when it was queued: a repair since cut it off */
};
#define CHAN_WAITER(ch_, receiver_) { .ch = (ch_), .status = CHAN_OK, .receiver = (receiver_) }

struct chan {
	uint64_t layout;    /* CHAN_LAYOUT */
	int locked;         /* the channel's lock (chan_lock) */
	bool dirty;         /* a task died holding the lock: check the state before using it */
	struct task *holder;
	size_t msg_size, capacity;
	size_t head, count; /* the ring: count messages from slot head on */
	unsigned senders, receivers;
	struct list send_waiters, recv_waiters;
	struct wait_queue send_wq, recv_wq; /* blocked senders, receivers */
	uint64_t sent, received;
	unsigned repairs;
	unsigned lost; /* messages a dying receiver took that found no room to go back */
	unsigned char ring[] __attribute__((aligned(16)));
};

/* The ring has one slot more than its capacity, never filled by a send:
 * a receiver dying with a message its call never returned puts it back at
 * the head even when a refill filled the room its receive made (so count
 * may reach capacity + 1 until the next receive). */
static inline size_t chan_slots(const struct chan *ch) { return ch->capacity + 1; }

/* --- endpoints --------------------------------------------------------- */
/* The channel of e, checked: an endpoint that does not lead to a channel
 * of this layout, or on the wrong side, is a broken invariant of the
 * caller (a panic: its task fails and unwinds). */
static inline struct chan *chan_of(const struct chan_end *e, enum chan_side side, const char *what)
{
	if (!e->ch || e->side != side)
		task_panic(what);
	if (e->ch->layout != CHAN_LAYOUT)
		task_panic("channel endpoint does not lead to a channel");
	return e->ch;
}

static inline err_t chan_object_new(size_t msg_size, size_t capacity, struct chan_end *tx, struct chan_end *rx)
{
	*tx = *rx = (struct chan_end){ 0 };
	if (!msg_size || !capacity || capacity > CHAN_CAPACITY_MAX || msg_size > (1u << 20))
		return E_INVAL;
	struct chan *ch = kzalloc(sizeof *ch + msg_size * (capacity + 1)); /* chan_slots */
	if (!ch)
		return E_NOMEM;
	ch->layout = CHAN_LAYOUT;
	ch->msg_size = msg_size;
	ch->capacity = capacity;
	ch->senders = ch->receivers = 1;
	list_init(&ch->send_waiters);
	list_init(&ch->recv_waiters);
	wait_queue_init(&ch->send_wq);
	wait_queue_init(&ch->recv_wq);
	*tx = (struct chan_end){ ch, CHAN_SIDE_TX, 0 };
	*rx = (struct chan_end){ ch, CHAN_SIDE_RX, 0 };
	return E_OK;
}

/* --- the lock ----------------------------------------------------------- */
/* Held from chan_lock to chan_unlock, for a few instructions, never
 * across a wait (a task blocks only after dropping it). While it is held
 * kills are deferred (task_defer_kill): a kill arrives at the unlock, never
 * between taking a message from one place and putting it in another. A
 * fault or panic in between still unwinds the task: the guard's cleanup
 * repairs the state (chan_repair) and releases the lock. A task that finds the lock taken
 * yields to the holder a few times, then sleeps a tick: under a priority
 * scheduler, yielding alone would never let a preempted lower-priority
 * holder run. Lighter than the kernel's robust mutex, which keeps lists of
 * held locks, and every round trip takes the lock four times. */
#define CHAN_LOCK_YIELDS 16
struct chan_guard {
	struct chan *ch;
};
static inline void chan_repair(struct chan *ch);
static inline void chan_release(struct chan *ch)
{
	ch->holder = NULL;
	__atomic_store_n(&ch->locked, 0, __ATOMIC_RELEASE);
	task_allow_kill();
}
/* A dying holder repairs at once, in its cleanup: the tasks waiting on the
 * channel hear of it now, not when some task next locks the channel, which
 * may be never (docs/faults.md, "Channel fault cases"). */
static inline void chan_guard_release(struct chan_guard *g)
{
	if (!g->ch)
		return;
	if (task_ending()) {
		g->ch->dirty = true; /* left in the middle of a change: repaired again if this repair dies too */
		chan_repair(g->ch);
		g->ch->dirty = false;
	}
	chan_release(g->ch);
	g->ch = NULL;
}
#define CHAN_GUARD(g) struct chan_guard g CLEANUP(chan_guard_release) = { NULL }

/* What a task that died in the middle of a change can leave, and what the
 * repair does about it without following a pointer it cannot trust:
 * - the waiter lists (their links live in the waiting tasks' frames) are
 *   emptied and every waiting task is woken: one still waiting finds itself
 *   cut off (its epoch is older than repairs) and starts its call over,
 *   queueing a fresh waiter, so no waiter is lost or followed broken;
 * - the ring's count is recomputed from the message counters, which a
 *   push, pop or hand-over bumps last (its commit): a half-done push is
 *   undone, and its sender, never told OK, sends again;
 * - the head index is brought back in range (exact when the slot count,
 *   capacity + 1, is a power of two and the corruption lies above it);
 * - an endpoint count past CHAN_ENDPOINTS_MAX loses its high bits (exact
 *   for a flipped bit there); a count corrupted within range goes unseen. */
static inline void chan_repair(struct chan *ch)
{
	__atomic_store_n(&ch->repairs, ch->repairs + 1, __ATOMIC_RELEASE);
	ch->head %= chan_slots(ch);
	uint64_t held = ch->sent - ch->received - ch->lost;
	ch->count = held <= chan_slots(ch) ? held : chan_slots(ch);
	ch->senders &= CHAN_ENDPOINTS_MAX - 1;
	ch->receivers &= CHAN_ENDPOINTS_MAX - 1;
	list_init(&ch->send_waiters);
	list_init(&ch->recv_waiters);
	wait_queue_wake_all(&ch->send_wq);
	wait_queue_wake_all(&ch->recv_wq);
}

/* CHAN_OK with the lock held in g, or CHAN_REFUSED: the caller holds it
 * already, or runs with preemption disabled (kernel code), where it could
 * neither wait for a holder preempted on its own CPU nor wait for a peer;
 * or the lock is taken and the caller is an idle task. */
static inline enum chan_status chan_lock(struct chan *ch, struct chan_guard *g)
{
	if (!preempt_enabled())
		return CHAN_REFUSED;
	struct task *me = task_current();
	task_defer_kill(); /* before the lock is ours: no kill between taking it and the guard knowing */
	for (unsigned tries = 0; __atomic_exchange_n(&ch->locked, 1, __ATOMIC_ACQUIRE); tries++) {
		bool waited = __atomic_load_n(&ch->holder, __ATOMIC_RELAXED) != me &&
			      (tries < CHAN_LOCK_YIELDS ? task_yield() : task_sleep_ns(1));
		if (!waited) {
			task_allow_kill();
			return CHAN_REFUSED;
		}
	}
	ch->holder = me;
	g->ch = ch;
	if (ch->dirty) {
		chan_repair(ch);
		ch->dirty = false;
	}
	return CHAN_OK;
}

static inline void chan_unlock(struct chan_guard *g)
{
	struct chan *ch = g->ch;
	g->ch = NULL;
	chan_release(ch);
}

/* --- the ring and the waiters (the lock held) ------------------------- */
static inline void *chan_slot(struct chan *ch, size_t i) { return ch->ring + ((ch->head + i) % chan_slots(ch)) * ch->msg_size; }

/* The ring's indices are in range: a broken invariant otherwise (a panic:
 * the task unwinds, and its cleanup repairs the channel). */
static inline void chan_ring_check(const struct chan *ch)
{
	if (ch->head >= chan_slots(ch) || ch->count > chan_slots(ch))
		task_panic("channel: ring index out of range");
}

/* sent++ last: it commits the message (chan_repair recounts from it). */
static inline void chan_ring_push(struct chan *ch, const void *msg)
{
	chan_ring_check(ch);
	memcpy(chan_slot(ch, ch->count), msg, ch->msg_size);
	ch->count++;
	if (CHAN_FAULT(CF_PUSH_MIDWAY))
		chan_fault_trap(CF_PUSH_MIDWAY);
	ch->sent++;
}

static inline void chan_ring_pop(struct chan *ch, void *out)
{
	if (CHAN_FAULT(CF_RING_HEAD))
		ch->head ^= 1ull << 40;
	chan_ring_check(ch);
	memcpy(out, chan_slot(ch, 0), ch->msg_size);
	ch->head = (ch->head + 1) % chan_slots(ch);
	ch->count--;
	ch->received++;
}

static inline struct chan_waiter *chan_first_waiter(struct list *head)
{
	return list_empty(head) ? NULL : list_entry(head->next, struct chan_waiter, link);
}

static inline void chan_enqueue(struct chan_waiter *w, struct list *head, void *buf)
{
	w->buf = buf;
	w->status = CHAN_WAITING;
	w->queued = true;
	w->epoch = w->ch->repairs;
	list_push_back(head, &w->link);
}

/* A receive that took a message keeps it in w until its call returns: a
 * fault before that gives it back (chan_waiter_leave), it is not lost with
 * the dying receiver. */
static inline void chan_hold(struct chan_waiter *w, void *out)
{
	w->buf = out;
	w->status = CHAN_OK;
	w->queued = true;
}

/* w leaves its list with its outcome; its task, woken through the side's
 * queue, sees the status and returns. */
static inline void chan_complete(struct chan_waiter *w, enum chan_status status)
{
	list_remove(&w->link);
	__atomic_store_n(&w->status, (int)status, __ATOMIC_RELEASE);
}

static inline void chan_complete_all(struct list *head, enum chan_status status)
{
	struct chan_waiter *w;
	while ((w = chan_first_waiter(head)))
		chan_complete(w, status);
}

/* A receiver takes the message of the oldest waiting sender. */
static inline void chan_take_from_sender(struct chan *ch, void *out)
{
	if (CHAN_FAULT(CF_WAITER_REF))
		ch->send_waiters.next = CHAN_FAULT_BAD_PTR;
	struct chan_waiter *s = chan_first_waiter(&ch->send_waiters);
	if (CHAN_FAULT(CF_TAKE_SRC))
		s->buf = CHAN_FAULT_BAD_PTR;
	memcpy(out, s->buf, ch->msg_size);
	chan_complete(s, CHAN_OK);
	ch->sent++;
	ch->received++;
}

/* A sender hands its message straight to the oldest waiting receiver. */
static inline void chan_give_to_receiver(struct chan *ch, const void *msg)
{
	struct chan_waiter *r = chan_first_waiter(&ch->recv_waiters);
	if (CHAN_FAULT(CF_HANDOVER_DEST))
		r->buf = CHAN_FAULT_BAD_PTR;
	if (CHAN_FAULT(CF_SEND_SRC))
		msg = CHAN_FAULT_BAD_PTR;
	memcpy(r->buf, msg, ch->msg_size);
	if (CHAN_FAULT(CF_WAITER_LINK))
		r->link.next = CHAN_FAULT_BAD_PTR;
	chan_complete(r, CHAN_OK);
	ch->sent++;
	ch->received++;
}

/* Moves waiting senders' messages into the ring while it has room (the
 * buffered protocol): true if it completed any, whose tasks need waking. */
static inline bool chan_refill(struct chan *ch)
{
	bool any = false;
	struct chan_waiter *s;
	while (ch->count < ch->capacity && (s = chan_first_waiter(&ch->send_waiters))) {
		chan_ring_push(ch, s->buf);
		chan_complete(s, CHAN_OK);
		any = true;
	}
	return any;
}

/* --- waiting ------------------------------------------------------------- */
/* What a blocked waiter waits for: its status set, or a repair that cut it
 * off. Called by the kernel with the wait queue's spinlock held, where a
 * fault stops the machine: it reads only the waiter and the channel that
 * chan_wait checked first. */
struct chan_wait_arg {
	struct chan_waiter *w;
	const struct chan *ch;
};
static inline bool chan_waiter_done(void *p)
{
	const struct chan_wait_arg *a = p;
	return __atomic_load_n(&a->w->status, __ATOMIC_ACQUIRE) != CHAN_WAITING ||
	       __atomic_load_n(&a->ch->repairs, __ATOMIC_ACQUIRE) != a->w->epoch;
}

/* Blocks after the caller queued w on the side of wq and dropped the lock,
 * until another task sets w's status or the deadline passes. polls: yields
 * to try first (the word fastpath): a peer on this CPU, or running on
 * another, usually answers within a few, and a yield costs a task switch
 * without the wait queue's sleep and wake-up. CHAN_AGAIN when a repair cut
 * w off its list: the caller starts its call over. */
#define CHAN_WORD_POLLS 8
static inline int chan_wait(struct chan_waiter *w, struct wait_queue *wq, uint64_t deadline, unsigned polls)
{
	struct chan *ch = w->ch;
	if (w->receiver && CHAN_FAULT(CF_WAIT_QUEUED))
		ch = CHAN_FAULT_BAD_PTR;
	/* A wrong channel pointer faults here, in the cell, rather than in
	 * chan_waiter_done under the queue's spinlock (the machine would stop). */
	if (((volatile struct chan *)ch)->layout != CHAN_LAYOUT)
		task_panic("channel: not a channel any more before a wait");
	struct chan_wait_arg arg = { w, ch };
	for (unsigned i = 0; i < polls && !chan_waiter_done(&arg); i++)
		if (!task_yield())
			break;
	enum wait_status ws = wait_queue_wait_until(wq, chan_waiter_done, &arg, deadline);
	if (__atomic_load_n(&w->status, __ATOMIC_ACQUIRE) == CHAN_WAITING) {
		CHAN_GUARD(g);
		if (chan_lock(ch, &g) != CHAN_OK)
			task_panic("channel: cannot take the lock back after a wait");
		if (w->status == CHAN_WAITING && w->epoch != ch->repairs)
			w->status = CHAN_AGAIN; /* on no list any more */
		else if (w->status == CHAN_WAITING)
			chan_complete(w, ws == WAIT_TIMEOUT ? CHAN_TIMEOUT : CHAN_REFUSED);
		chan_unlock(&g);
	}
	w->queued = false;
	return w->status;
}

/* The cleanup of every waiter, on every path out of a send or receive. A
 * waiter still queued when its call did not return (a kill or a fault
 * unwinds its task) leaves the queue (unless a repair emptied it); a
 * receiver's that got a message its call never returned (handed over, or
 * held by chan_hold) gives the message back, first in line, so it is not
 * lost with the dying task. */
static inline void chan_waiter_leave(struct chan_waiter *w)
{
	if (!w->queued)
		return;
	struct chan *ch = w->ch;
	CHAN_GUARD(g);
	if (chan_lock(ch, &g) != CHAN_OK)
		task_panic("channel: a dying waiter cannot take the lock to leave its queue");
	if (w->status == CHAN_WAITING) {
		if (w->epoch == ch->repairs)
			list_remove(&w->link);
	} else if (w->receiver && w->status == CHAN_OK) {
		ch->received--;
		if (!list_empty(&ch->recv_waiters)) {
			ch->sent--; /* counted again by the hand-over */
			chan_give_to_receiver(ch, w->buf);
			wait_queue_wake_all(&ch->recv_wq);
		} else if (ch->count < chan_slots(ch)) { /* the spare slot: room even after a refill */
			ch->head = (ch->head + chan_slots(ch) - 1) % chan_slots(ch);
			ch->count++;
			memcpy(chan_slot(ch, 0), w->buf, ch->msg_size);
		} else {
			ch->lost++;
		}
	}
	w->queued = false;
	chan_unlock(&g);
}
#define CHAN_WAITER_AUTO CLEANUP(chan_waiter_leave)

/* --- endpoints, receiving (the same under both protocols) --------------- */
/* The new endpoint is written before it is counted, both under the lock:
 * a fault writing it leaves the count as it was (counted first, a count
 * would leak and the side could never disconnect). */
static inline err_t chan_object_clone(const struct chan_end *e, struct chan_end *out)
{
	*out = (struct chan_end){ 0 };
	if (!e->ch)
		return E_INVAL;
	struct chan *ch = chan_of(e, e->side, "chan_clone of an endpoint of no side");
	CHAN_GUARD(g);
	if (chan_lock(ch, &g) != CHAN_OK)
		return E_FAILED;
	unsigned *count = e->side == CHAN_SIDE_TX ? &ch->senders : &ch->receivers;
	if (*count >= CHAN_ENDPOINTS_MAX - 1)
		return E_RANGE;
	if (e->side == CHAN_SIDE_TX && CHAN_FAULT(CF_CLONE))
		out = CHAN_FAULT_BAD_PTR;
	*out = *e;
	(*count)++;
	chan_unlock(&g);
	return E_OK;
}

/* The last of a side wakes the other side's waiters with
 * CHAN_DISCONNECTED, under the lock (once it is dropped the channel may be
 * freed by the other side's last drop); the last of all frees it. */
static inline void chan_object_drop(struct chan_end *e)
{
	if (!e->ch)
		return;
	/* A dying task's endpoint that no longer leads to a channel is
	 * forgotten (the count it held stays, the one thing lost): a panic
	 * here, in its cleanup, would end the unwind and the task for good. */
	if (task_ending() && (e->side == CHAN_SIDE_NONE || e->ch->layout != CHAN_LAYOUT)) {
		e->ch = NULL;
		return;
	}
	TASK_DEFER_KILL_SCOPE; /* a kill at the unlock would leave the last drop's channel unfreed */
	struct chan *ch = chan_of(e, e->side, "chan_drop of an endpoint of no side");
	bool tx = e->side == CHAN_SIDE_TX;
	CHAN_GUARD(g);
	if (chan_lock(ch, &g) != CHAN_OK)
		task_panic("chan_drop: the channel lock cannot be taken here (preemption disabled?)");
	unsigned *count = tx ? &ch->senders : &ch->receivers;
	if (!*count)
		task_panic("chan_drop: the channel has no endpoint of this side left (dropped twice?)");
	e->ch = NULL;
	if (!--*count) {
		if (tx && CHAN_FAULT(CF_DROP_LAST))
			chan_fault_trap(CF_DROP_LAST);
		chan_complete_all(tx ? &ch->recv_waiters : &ch->send_waiters, CHAN_DISCONNECTED);
		wait_queue_wake_all(tx ? &ch->recv_wq : &ch->send_wq);
	}
	bool last = !ch->senders && !ch->receivers;
	chan_unlock(&g);
	if (last) {
		ch->layout = 0; /* a stale endpoint copy is caught by chan_of while the block is not reused */
		kfree(ch);
	}
}

static inline err_t chan_object_stats(const struct chan_end *e, struct chan_stats *out)
{
	*out = (struct chan_stats){ 0 };
	if (!e->ch)
		return E_INVAL;
	struct chan *ch = chan_of(e, e->side, "chan_stats of an endpoint of no side");
	CHAN_GUARD(g);
	if (chan_lock(ch, &g) != CHAN_OK)
		return E_FAILED;
	unsigned sw = 0, rw = 0;
	struct list *pos;
	list_for_each(pos, &ch->send_waiters) sw++;
	list_for_each(pos, &ch->recv_waiters) rw++;
	*out = (struct chan_stats){ ch->msg_size, ch->capacity, ch->count, ch->senders, ch->receivers, sw, rw,
				    ch->sent, ch->received, ch->repairs, ch->lost };
	chan_unlock(&g);
	return E_OK;
}

/* A receive: the ring first, then the oldest waiting sender, then wait.
 * refill: the buffered protocol, which moves a waiting sender's message
 * into the room a receive made; polls: chan_wait's. */
static inline struct chan_got chan_object_recv(struct chan_end *rx, void *out, size_t size, uint64_t deadline,
					       bool refill, unsigned polls)
{
	struct chan *ch = chan_of(rx, CHAN_SIDE_RX, "chan_recv on an endpoint that is not a receiver");
	if (CHAN_FAULT(CF_RECV_SIZE))
		size ^= 4;
	if (size != ch->msg_size)
		task_panic("chan_recv: the message size differs from the channel's");
	struct chan_waiter w CHAN_WAITER_AUTO = CHAN_WAITER(ch, true);
	CHAN_GUARD(g);
again:;
	enum chan_status s = chan_lock(ch, &g);
	if (s != CHAN_OK)
		return (struct chan_got){ s };
	if (CHAN_FAULT(CF_SENDER_COUNT))
		ch->senders ^= 1u << 24;
	if (ch->senders >= CHAN_ENDPOINTS_MAX || ch->receivers >= CHAN_ENDPOINTS_MAX)
		task_panic("channel: endpoint count out of range");
	if ((ch->count || !list_empty(&ch->send_waiters)) && CHAN_FAULT(CF_RECV_DEST))
		out = CHAN_FAULT_BAD_PTR;
	bool wake = false;
	if (ch->count) {
		chan_ring_pop(ch, out);
		chan_hold(&w, out);
		wake = refill && chan_refill(ch);
	} else if (!list_empty(&ch->send_waiters)) {
		chan_take_from_sender(ch, out);
		chan_hold(&w, out);
		wake = true;
	} else if (!ch->senders) {
		s = CHAN_DISCONNECTED;
	} else if (deadline == CHAN_NOW) {
		s = CHAN_EMPTY;
	} else if (task_ending()) {
		s = CHAN_KILLED;
	} else {
		chan_enqueue(&w, &ch->recv_waiters, out);
		chan_unlock(&g);
		int got = chan_wait(&w, &ch->recv_wq, deadline, polls);
		if (got == CHAN_AGAIN)
			goto again;
		return (struct chan_got){ got };
	}
	if (wake && CHAN_FAULT(CF_WAKE_RX))
		chan_fault_trap(CF_WAKE_RX);
	if (CHAN_FAULT(CF_KILL_RX))
		chan_fault_kill(CF_KILL_RX);
	if (wake)
		wait_queue_wake_all(&ch->send_wq);
	chan_unlock(&g); /* a kill deferred while the lock was held arrives here: w still holds the message */
	w.queued = false; /* returned: the message is the caller's now */
	return (struct chan_got){ s };
}

#endif
