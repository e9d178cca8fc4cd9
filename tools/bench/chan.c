/* bench: the round trip of a one-byte message over the channel cells
 * (docs/channels.md), beside a pipe round trip between two Linux threads
 * pinned to one core (linux.c), DESIGN.md §9: >= 5x faster than the pipe
 * (the thesis: 1.06 us in Theseus against 3.65 us over a Linux pipe).
 *
 * Two tasks on CPU 0 play ping-pong over two channels, one each way: the
 * pinger sends, the ponger receives and sends it back, the pinger receives
 * and checks it; the pinger times n round trips. Three rows: a byte type
 * through chan_send/chan_recv over chan_rendezvous, uint64_t through the
 * word fastpath (chan_send_fast/chan_recv_fast) over chan_rendezvous, and
 * the byte again after chan_rendezvous has been swapped for chan_async
 * (swap_cells, as `swap chan_rendezvous=chan_async` does), then back.
 *
 * The bench is not a cell: it reaches the cell that serves channels now
 * through the chan_* forwarders below, whose targets are resolved in the
 * root namespace at the start of each batch (after a swap, the new cell's). */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cell.h"
#include "chan/chan.h"
#include "swap.h"
#include "task.h"

/* --- the cell that serves channels now -------------------------------------- */
static struct {
	err_t (*new_)(size_t, size_t, struct chan_end *, struct chan_end *);
	void (*drop)(struct chan_end *);
	struct chan_sent (*send_msg)(struct chan_end *, const void *, size_t, uint64_t);
	struct chan_got (*recv_msg)(struct chan_end *, void *, size_t, uint64_t);
	struct chan_sent (*send_word)(struct chan_end *, uint64_t, uint64_t);
	struct chan_got (*recv_word)(struct chan_end *, uint64_t *, uint64_t);
	const char *(*flavor)(void);
} cell;

static void *resolve(const char *name)
{
	const struct cell_symbol *s = ns_resolve(ns_root(), name);
	if (!s || !s->is_func)
		die("channel bench: no function exported as", name);
	return (void *)s->addr;
}

/* Before each batch: no task uses a channel then. */
static void resolve_all(void)
{
	cell.new_ = resolve("chan_new");
	cell.drop = resolve("chan_drop");
	cell.send_msg = resolve("chan_send_msg");
	cell.recv_msg = resolve("chan_recv_msg");
	cell.send_word = resolve("chan_send_word");
	cell.recv_word = resolve("chan_recv_word");
	cell.flavor = resolve("chan_flavor");
}

err_t chan_new(size_t msg_size, size_t capacity, struct chan_end *tx, struct chan_end *rx)
{
	return cell.new_(msg_size, capacity, tx, rx);
}
void chan_drop(struct chan_end *e) { cell.drop(e); }
struct chan_sent chan_send_msg(struct chan_end *tx, const void *msg, size_t size, uint64_t deadline)
{
	return cell.send_msg(tx, msg, size, deadline);
}
struct chan_got chan_recv_msg(struct chan_end *rx, void *out, size_t size, uint64_t deadline)
{
	return cell.recv_msg(rx, out, size, deadline);
}
struct chan_sent chan_send_word(struct chan_end *tx, uint64_t word, uint64_t deadline)
{
	return cell.send_word(tx, word, deadline);
}
struct chan_got chan_recv_word(struct chan_end *rx, uint64_t *out, uint64_t deadline)
{
	return cell.recv_word(rx, out, deadline);
}
const char *chan_flavor(void) { return cell.flavor(); }

/* --- ping-pong ----------------------------------------------------------------- */
CHAN_TYPE(byte, uint8_t);
CHAN_TYPE(word, uint64_t);

/* The endpoints live in the batch's frame, which outlives both tasks (it
 * joins them); each task uses its two through these pointers. */
struct pingpong {
	unsigned n;
	bool fast;
	struct byte_tx *ping_tx, *pong_tx;
	struct byte_rx *ping_rx, *pong_rx;
	struct word_tx *wping_tx, *wpong_tx;
	struct word_rx *wping_rx, *wpong_rx;
	uint64_t t0, t1;
};
struct pingpong_arg {
	struct pingpong *pp;
};

static void must_move(enum chan_status s, const char *what)
{
	if (s != CHAN_OK)
		die(what, chan_status_name(s));
}

static int64_t ponger(struct pingpong_arg *a)
{
	struct pingpong *pp = a->pp;
	for (unsigned i = 0; i < pp->n; i++) {
		if (pp->fast) {
			uint64_t w;
			must_move(chan_recv_fast(pp->wping_rx, &w).status, "ponger: receive a word");
			must_move(chan_send_fast(pp->wpong_tx, w).status, "ponger: send a word back");
		} else {
			uint8_t b;
			must_move(chan_recv(pp->ping_rx, &b).status, "ponger: receive a byte");
			must_move(chan_send(pp->pong_tx, &b).status, "ponger: send a byte back");
		}
	}
	return 0;
}

/* Each round trip carries its own number; a wrong one back stops the bench. */
static int64_t pinger(struct pingpong_arg *a)
{
	struct pingpong *pp = a->pp;
	pp->t0 = now_ns();
	for (unsigned i = 0; i < pp->n; i++) {
		if (pp->fast) {
			uint64_t w = i;
			must_move(chan_send_fast(pp->wping_tx, w).status, "pinger: send a word");
			must_move(chan_recv_fast(pp->wpong_rx, &w).status, "pinger: receive a word");
			if (w != i)
				die("channel bench", "a word came back changed");
		} else {
			uint8_t b = (uint8_t)i;
			must_move(chan_send(pp->ping_tx, &b).status, "pinger: send a byte");
			must_move(chan_recv(pp->pong_rx, &b).status, "pinger: receive a byte");
			if (b != (uint8_t)i)
				die("channel bench", "a byte came back changed");
		}
	}
	pp->t1 = now_ns();
	return 0;
}

/* The ponger first, so it waits in its receive when the pinger starts. */
static double play(struct pingpong *pp)
{
	struct pingpong_arg a = { pp };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	struct task_ref pong, ping;
	o.name = "ponger";
	if (TASK_SPAWN(&o, ponger, &a, &pong))
		die("channel bench", "cannot spawn the ponger");
	o.name = "pinger";
	if (TASK_SPAWN(&o, pinger, &a, &ping))
		die("channel bench", "cannot spawn the pinger");
	if (task_join(&ping, NULL) || task_join(&pong, NULL))
		die("channel bench", "a ping-pong task failed");
	task_ref_drop(&ping);
	task_ref_drop(&pong);
	return (double)(pp->t1 - pp->t0) / pp->n;
}

/* Capacity 1: at most one message is ever in flight each way (chan_async
 * uses it; chan_rendezvous keeps no room). */
static double byte_round_trips(unsigned n, const char *flavor)
{
	resolve_all();
	if (strcmp(chan_flavor(), flavor))
		die("channel bench: channels are served by the wrong cell", chan_flavor());
	struct byte_tx ping_tx CHAN_AUTO(byte_tx) = CHAN_NONE, pong_tx CHAN_AUTO(byte_tx) = CHAN_NONE;
	struct byte_rx ping_rx CHAN_AUTO(byte_rx) = CHAN_NONE, pong_rx CHAN_AUTO(byte_rx) = CHAN_NONE;
	if (chan_create(&ping_tx, &ping_rx, 1) || chan_create(&pong_tx, &pong_rx, 1))
		die("channel bench", "chan_create failed");
	struct pingpong pp = { .n = n, .ping_tx = &ping_tx, .pong_tx = &pong_tx, .ping_rx = &ping_rx,
			       .pong_rx = &pong_rx };
	return play(&pp);
}

double th_chan_rendezvous(unsigned n)
{
	return byte_round_trips(n, "rendezvous");
}

double th_chan_async(unsigned n)
{
	return byte_round_trips(n, "async");
}

double th_chan_fast(unsigned n)
{
	resolve_all();
	if (strcmp(chan_flavor(), "rendezvous"))
		die("channel bench: channels are served by the wrong cell", chan_flavor());
	struct word_tx ping_tx CHAN_AUTO(word_tx) = CHAN_NONE, pong_tx CHAN_AUTO(word_tx) = CHAN_NONE;
	struct word_rx ping_rx CHAN_AUTO(word_rx) = CHAN_NONE, pong_rx CHAN_AUTO(word_rx) = CHAN_NONE;
	if (chan_create(&ping_tx, &ping_rx, 1) || chan_create(&pong_tx, &pong_rx, 1))
		die("channel bench", "chan_create failed");
	struct pingpong pp = { .n = n, .fast = true, .wping_tx = &ping_tx, .wpong_tx = &pong_tx,
			       .wping_rx = &ping_rx, .wpong_rx = &pong_rx };
	return play(&pp);
}

/* --- which cell serves ------------------------------------------------------------ */
/* One swap of the channel cell, from a task (batch_in_task's n unused). */
static const char *swap_from, *swap_to;

static double swap_batch(unsigned n)
{
	(void)n;
	const struct cell_image *img = cell_image_find(swap_to);
	if (!img)
		die("channel bench: no cell image", swap_to);
	struct swap_object obj = { img->name, img->addr, img->size };
	struct swap_spec spec = { ns_root(), &swap_from, 1, &obj, 1, NULL, 0 };
	struct swap_result res;
	if (swap_cells(&spec, &res)) {
		char line[512];
		swap_result_format(&res, line, sizeof line);
		die("channel bench: swap", line);
	}
	return 0;
}

/* The forwarders' targets are forgotten first: a word pointing into the
 * retired cell would keep it from being freed (swap_reap). */
static void swap_chan(const char *from, const char *to)
{
	struct task_stats before;
	task_stats(&before);
	memset(&cell, 0, sizeof cell);
	swap_from = from;
	swap_to = to;
	(void)batch_in_task(swap_batch, 0);
	/* the retired cell is freed by a kernel task: let it end */
	(void)batch_in_task(tasks_settle, (unsigned)before.alive);
}

void bench_chan_async_begin(void)
{
	swap_chan("chan_rendezvous", "chan_async");
}

void bench_chan_async_end(void)
{
	swap_chan("chan_async", "chan_rendezvous");
}

/* chan_rendezvous serves channels from here to the end of the bench (the
 * async row swaps it out and back in); loaded before the memory counters.
 * So is one swap each way: a swap makes room in the root namespace's symbol
 * map for every export of the new cell (docs/swap.md), and the map keeps
 * its size; made here, that room is not counted as a leak of the async row. */
void bench_chan_prepare(void)
{
	struct cell *c;
	struct cell_diag d;
	if (cell_load(ns_root(), "chan_rendezvous", &c, &d))
		die("channel bench: load chan_rendezvous", d.detail);
	bench_chan_async_begin();
	bench_chan_async_end();
}
