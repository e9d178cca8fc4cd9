/* The channel API for unit tests: the typed macros of cells/chan/chan.h
 * call these names, which forward to whichever channel cell serves now
 * (looked up at each call, so a swap shows). Include it once per test
 * program, after chan.h. Not through sym_addr: it asserts, and tasks may
 * not (tboot.h). */
#ifndef CHAN_FORWARD_H
#define CHAN_FORWARD_H
#include "cell.h"
#include "task.h"
#include "cells/chan/chan.h"

static uintptr_t chan_fn(const char *name)
{
	const struct cell_symbol *s = ns_resolve(ns_root(), name);
	if (!s)
		task_panic("a chan_ function does not resolve");
	return s->addr;
}
#define CHAN_FWD(name) ((__typeof__(&name))chan_fn(#name))

err_t chan_new(size_t msg_size, size_t capacity, struct chan_end *tx, struct chan_end *rx)
{
	return CHAN_FWD(chan_new)(msg_size, capacity, tx, rx);
}
err_t chan_clone(const struct chan_end *e, struct chan_end *out) { return CHAN_FWD(chan_clone)(e, out); }
void chan_drop(struct chan_end *e) { CHAN_FWD(chan_drop)(e); }
struct chan_sent chan_send_msg(struct chan_end *tx, const void *msg, size_t size, uint64_t deadline)
{
	return CHAN_FWD(chan_send_msg)(tx, msg, size, deadline);
}
struct chan_got chan_recv_msg(struct chan_end *rx, void *out, size_t size, uint64_t deadline)
{
	return CHAN_FWD(chan_recv_msg)(rx, out, size, deadline);
}
struct chan_sent chan_send_word(struct chan_end *tx, uint64_t word, uint64_t deadline)
{
	return CHAN_FWD(chan_send_word)(tx, word, deadline);
}
struct chan_got chan_recv_word(struct chan_end *rx, uint64_t *out, uint64_t deadline)
{
	return CHAN_FWD(chan_recv_word)(rx, out, deadline);
}
err_t chan_stats(const struct chan_end *e, struct chan_stats *out) { return CHAN_FWD(chan_stats)(e, out); }
const char *chan_flavor(void) { return CHAN_FWD(chan_flavor)(); }

#endif
