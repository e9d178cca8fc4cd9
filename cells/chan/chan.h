/* Inter-task channels (docs/channels.md): typed, counted endpoints over a
 * channel object that the endpoints own. Two cells serve this one API:
 * chan_rendezvous (a send returns once a receiver has taken the message)
 * and chan_async (a send leaves the message in a bounded buffer); both
 * export the same functions and understand the same channel object, so one
 * is swapped for the other while channels are in use, and every channel in
 * the system follows the protocol of the cell that serves it now.
 *
 * Spill-free: a channel's whole state (buffer, waiters, counts) lives in
 * the object its endpoints reference; a waiting task's part of it lives in
 * its own stack frame. The channel cells keep no static data at all.
 *
 * Use it typed:
 *     CHAN_TYPE(ticks, uint64_t);          declares struct ticks_tx, ticks_rx
 *     struct ticks_tx tx CHAN_AUTO(ticks_tx) = CHAN_NONE;
 *     struct ticks_rx rx CHAN_AUTO(ticks_rx) = CHAN_NONE;
 *     if (chan_create(&tx, &rx, 8)) ...    err_t: E_NOMEM, E_INVAL
 *     uint64_t v = 1;
 *     struct chan_sent s = chan_send(&tx, &v);
 *     struct chan_got g = chan_recv(&rx, &v);
 * Sending a value of another type, sending on a receiver, receiving on a
 * sender, or ignoring a result does not compile (tests/compile_fail).
 * Endpoints are released by CHAN_AUTO at the end of their scope, on return
 * and on unwinding alike; chan_clone makes another of the same side. */
#ifndef CELLS_CHAN_H
#define CELLS_CHAN_H
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "err.h"
#include "ktime.h"

/* What a send or receive did. Only CHAN_OK moved a message; after any other
 * status a send's message is still the caller's (handed back untouched). */
enum chan_status {
	CHAN_OK,
	CHAN_DISCONNECTED, /* send: no receiver is left; receive: no sender is left and nothing is buffered */
	CHAN_FULL,         /* try_send: no room, and no receiver waiting */
	CHAN_EMPTY,        /* try_recv: nothing to take */
	CHAN_TIMEOUT,      /* the deadline passed first */
	CHAN_KILLED,       /* the caller is ending (killed, or unwinding after a fault): it may not wait */
	CHAN_REFUSED,      /* the caller runs with preemption disabled (kernel code), or is an idle task that would wait */
};
static inline const char *chan_status_name(enum chan_status s)
{
	static const char *const names[] = { "ok", "disconnected", "full", "empty", "timeout", "killed", "refused" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

/* Distinct result types, checked by the compiler: a send's result cannot be
 * taken for a receive's, neither can be used as a truth value, and neither
 * can be dropped (MUST_USE on every function returning one). */
struct chan_sent {
	enum chan_status status;
};
struct chan_got {
	enum chan_status status;
};

/* Deadlines are absolute, on time_ns()'s clock. */
#define CHAN_NOW 0ull               /* do not wait: the try_ variants */
#define CHAN_FOREVER UINT64_MAX     /* wait as long as it takes */

enum chan_side { CHAN_SIDE_NONE, CHAN_SIDE_TX, CHAN_SIDE_RX };
struct chan;
/* One counted endpoint: a reference to the channel as a sender or as a
 * receiver. Empty (ch NULL) after chan_drop or when moved from. */
struct chan_end {
	struct chan *ch;
	enum chan_side side;
	uint32_t reserved;
};
_Static_assert(sizeof(struct chan_end) == 16, "an endpoint is two words, copied by value into task arguments");

/* --- the exported functions (the same in both channel cells) ------------ */
/* A channel of messages of msg_size bytes with room for capacity of them
 * when chan_async serves it (chan_rendezvous keeps that room empty); tx and
 * rx get its first sender and receiver. E_INVAL for a zero size or
 * capacity or a capacity past CHAN_CAPACITY_MAX, E_NOMEM. */
#define CHAN_CAPACITY_MAX 65536u
err_t chan_new(size_t msg_size, size_t capacity, struct chan_end *tx, struct chan_end *rx) MUST_USE NONNULL(3, 4);
/* Another endpoint of e's side. E_INVAL if e is empty. */
err_t chan_clone(const struct chan_end *e, struct chan_end *out) MUST_USE NONNULL(1, 2);
/* Releases e (nothing if empty) and empties it. The last sender gone,
 * receivers drain what is buffered and then see CHAN_DISCONNECTED; the last
 * receiver gone, senders see CHAN_DISCONNECTED (waiting ones too, their
 * messages handed back). The last endpoint frees the channel. */
void chan_drop(struct chan_end *e) NONNULL(1);
struct chan_sent chan_send_msg(struct chan_end *tx, const void *msg, size_t size, uint64_t deadline)
	MUST_USE NONNULL(1, 2);
struct chan_got chan_recv_msg(struct chan_end *rx, void *out, size_t size, uint64_t deadline) MUST_USE NONNULL(1, 2);
/* The fastpath for one-word messages (a channel of msg_size 8). */
struct chan_sent chan_send_word(struct chan_end *tx, uint64_t word, uint64_t deadline) MUST_USE NONNULL(1);
struct chan_got chan_recv_word(struct chan_end *rx, uint64_t *out, uint64_t deadline) MUST_USE NONNULL(1, 2);

/* A snapshot, for ps-like views and tests. */
struct chan_stats {
	size_t msg_size, capacity, buffered;
	unsigned senders, receivers;     /* endpoints alive */
	unsigned send_waiting, recv_waiting;
	uint64_t sent, received;         /* messages moved, ever */
	unsigned repairs;                /* times its state was checked after a task died inside it */
	unsigned lost;                   /* messages a dying receiver took that found no room to go back */
};
err_t chan_stats(const struct chan_end *e, struct chan_stats *out) MUST_USE NONNULL(1, 2);
/* "rendezvous" or "async": the protocol of the cell that serves channels now. */
const char *chan_flavor(void);

/* --- the typed layer ------------------------------------------------------ */
/* Declares struct NAME_tx and struct NAME_rx, endpoints of channels of T,
 * and NAME_tx_drop / NAME_rx_drop for CHAN_AUTO. The zero-length member
 * carries T (and the side) for the macros below; it takes no room. */
#define CHAN_TYPE(NAME, T)                                                                   \
	struct NAME##_tx {                                                                   \
		struct chan_end end;                                                         \
		T sends[0];                                                                  \
	};                                                                                   \
	struct NAME##_rx {                                                                   \
		struct chan_end end;                                                         \
		T receives[0];                                                               \
	};                                                                                   \
	static inline UNUSED void NAME##_tx_drop(struct NAME##_tx *e) { chan_drop(&e->end); } \
	static inline UNUSED void NAME##_rx_drop(struct NAME##_rx *e) { chan_drop(&e->end); }

#define CHAN_NONE { .end = { .ch = NULL } }
/* `struct ticks_tx tx CHAN_AUTO(ticks_tx) = CHAN_NONE;` */
#define CHAN_AUTO(TYPE) CLEANUP(TYPE##_drop)

/* A compile-time check inside an expression. */
#define CHAN_CHECK_(cond, msg) ((void)sizeof(struct { _Static_assert(cond, msg); int chan_check_; }))
#define CHAN_SAME_(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))
#define CHAN_MSG_OK_(slot, msgp)                                                                    \
	CHAN_CHECK_(CHAN_SAME_((slot)[0], *(msgp)), "this channel carries another message type")

#define chan_create(tx, rx, capacity)                                                              \
	(CHAN_CHECK_(CHAN_SAME_((tx)->sends[0], (rx)->receives[0]), "sender and receiver of different types"), \
	 chan_new(sizeof((tx)->sends[0]), (capacity), &(tx)->end, &(rx)->end))
/* *out becomes another endpoint like *e (same type and side). */
#define chan_clone_end(e, out)                                                                     \
	(CHAN_CHECK_(CHAN_SAME_(*(e), *(out)), "a clone is an endpoint of the same type and side"),   \
	 chan_clone(&(e)->end, &(out)->end))
/* Moves *from into *to (which must be empty): no count changes. */
#define chan_move(to, from)                                                                        \
	do {                                                                                       \
		CHAN_CHECK_(CHAN_SAME_(*(to), *(from)), "a move is between endpoints of one type"); \
		*(to) = *(from);                                                                   \
		(from)->end = (struct chan_end){ 0 };                                              \
	} while (0)

#define chan_send_until(tx, msgp, deadline)                                                        \
	(CHAN_MSG_OK_((tx)->sends, msgp), chan_send_msg(&(tx)->end, (msgp), sizeof(*(msgp)), (deadline)))
#define chan_recv_until(rx, outp, deadline)                                                        \
	(CHAN_MSG_OK_((rx)->receives, outp), chan_recv_msg(&(rx)->end, (outp), sizeof(*(outp)), (deadline)))
#define chan_send(tx, msgp) chan_send_until(tx, msgp, CHAN_FOREVER)
#define chan_recv(rx, outp) chan_recv_until(rx, outp, CHAN_FOREVER)
#define chan_try_send(tx, msgp) chan_send_until(tx, msgp, CHAN_NOW)
#define chan_try_recv(rx, outp) chan_recv_until(rx, outp, CHAN_NOW)
#define chan_send_timeout(tx, msgp, ns) chan_send_until(tx, msgp, chan_deadline_in(ns))
#define chan_recv_timeout(rx, outp, ns) chan_recv_until(rx, outp, chan_deadline_in(ns))
/* The word fastpath, for channels of a one-word type. */
/* An integer or a pointer (its value is converted to a word and back), so
 * a double, whose bits a conversion would change, does not compile. */
#define CHAN_WORD_TYPE_(x) (__builtin_classify_type(x) == 1 || __builtin_classify_type(x) == 5)
#define chan_send_fast(tx, word)                                                                   \
	(CHAN_CHECK_(sizeof((tx)->sends[0]) == 8 && CHAN_SAME_((tx)->sends[0], (word)) &&             \
			     CHAN_WORD_TYPE_((tx)->sends[0]),                                         \
		     "the fastpath carries one word, an integer or pointer of the channel's type"),   \
	 chan_send_word(&(tx)->end, (uint64_t)(word), CHAN_FOREVER))
#define chan_recv_fast(rx, outp)                                                                   \
	(CHAN_CHECK_(sizeof((rx)->receives[0]) == 8 && CHAN_SAME_((rx)->receives[0], *(outp)) &&      \
			     CHAN_WORD_TYPE_((rx)->receives[0]),                                      \
		     "the fastpath carries one word, an integer or pointer of the channel's type"),   \
	 chan_recv_word(&(rx)->end, (uint64_t *)(outp), CHAN_FOREVER))

static inline uint64_t chan_deadline_in(uint64_t ns)
{
	uint64_t now = time_ns();
	return ns >= CHAN_FOREVER - now ? CHAN_FOREVER - 1 : now + ns;
}

#endif
