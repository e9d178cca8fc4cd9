/* chan_pingpong: two tasks play ping-pong over two channels
 * (docs/channel_apps.md). The app's own task sends ping n (n = 1, 2, ...)
 * and waits for pong n; the ponger task answers each ping with its number.
 * Both receivers check every number (chan_apps.h): none lost, duplicated
 * or out of order. Each pong also carries the ponger's counts so far, so
 * the summary covers both directions.
 *
 *   spawn chan_pingpong [ROUNDS]     ROUNDS round trips (default 1000), then
 *                                    one summary line
 *   spawn chan_pingpong ROUNDS 1     live: round trips until the channel
 *                                    flavor has changed twice, ROUNDS of
 *                                    each before it asks for a swap (the
 *                                    live channel swap, docs/channel_apps.md)
 *
 * Nothing here is static: the channels live in the objects the endpoints
 * own, the ponger's endpoints in its own task argument, which the kernel
 * releases when it ends (task_options.arg_release), the app's in its frame
 * (CHAN_AUTO). Whichever side ends first, the other sees "disconnected". */
#include <stdint.h>

#include "cell.h"
#include "chan/chan.h"
#include "chan_apps/chan_apps.h"
#include "klib.h"
#include "task.h"

CELL_INFO("chan_pingpong", CELL_APP, 1);

#define ROUNDS_DEFAULT 1000
#define CAPACITY 4                        /* one message is ever in flight each way */
#define ANSWER_NS 10000000000ull          /* a round trip not done by then lost a message */
#define LIVE_NAP_EVERY 32                 /* live: round trips between naps (the shell types the swaps) */
#define LIVE_NAP_NS 1000000ull
#define LIVE_ROUND_TRIPS_MAX 1000000ull   /* live: the swaps never came */

/* A ping carries its number; a pong the number it answers and the
 * ponger's counts so far. */
struct ball {
	uint64_t seq;
	uint64_t lost, duplicated, out_of_order;
};
CHAN_TYPE(balls, struct ball);

struct ponger_arg {
	struct balls_rx pings;
	struct balls_tx pongs;
};

/* The kernel calls this once the ponger has ended for good (or was never
 * run); the app calls it on a spawn that failed. */
static void ponger_arg_release(struct ponger_arg *a)
{
	balls_rx_drop(&a->pings);
	balls_tx_drop(&a->pongs);
}

/* Answers pings until the pinger is gone. */
static int64_t ponger(struct ponger_arg *a)
{
	struct seq_check check = SEQ_CHECK_INIT;
	for (;;) {
		struct ball b;
		struct chan_got g = chan_recv(&a->pings, &b);
		if (g.status == CHAN_DISCONNECTED)
			return 0;
		if (g.status != CHAN_OK)
			return -1;
		(void)seq_check_see(&check, b.seq);
		struct ball back = { b.seq, check.lost, check.duplicated, check.out_of_order };
		struct chan_sent s = chan_send(&a->pongs, &back);
		if (s.status == CHAN_DISCONNECTED)
			return 0;
		if (s.status != CHAN_OK)
			return -1;
	}
}

/* Makes both channels, gives the ponger its ends and keeps the others. */
static err_t spawn_ponger(struct balls_tx *pings, struct balls_rx *pongs, struct task_ref *out)
{
	struct ponger_arg a = { CHAN_NONE, CHAN_NONE };
	err_t e = chan_create(pings, &a.pings, CAPACITY);
	if (!e)
		e = chan_create(&a.pongs, pongs, CAPACITY);
	if (!e) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "ponger";
		e = TASK_SPAWN_OWNING(&o, ponger, ponger_arg_release, &a, out);
	}
	if (e)
		ponger_arg_release(&a);
	return e;
}

struct rally {
	uint64_t round_trips;
	struct seq_check pongs;
	struct ball ponger; /* the ponger's counts, from the last pong */
	uint64_t timeouts;
	struct chan_live live;
	bool failed;        /* a send or receive ended otherwise than ok or timeout */
};

/* One round trip; false when the rally must end. Pongs older than n (a
 * duplicate) are counted and passed over. */
static bool round_trip(struct balls_tx *pings, struct balls_rx *pongs, uint64_t n, struct rally *r)
{
	uint64_t deadline = chan_deadline_in(ANSWER_NS);
	struct ball ping = { .seq = n };
	struct chan_sent s = chan_send_until(pings, &ping, deadline);
	struct chan_got g = { s.status };
	struct ball pong = { 0 };
	while (g.status == CHAN_OK && pong.seq < n) {
		g = chan_recv_until(pongs, &pong, deadline);
		if (g.status == CHAN_OK)
			(void)seq_check_see(&r->pongs, pong.seq);
	}
	if (g.status == CHAN_TIMEOUT) {
		kprintf("chan_pingpong: round trip %llu: no answer within %llu s\n", (unsigned long long)n,
			ANSWER_NS / 1000000000ull);
		r->timeouts++;
		return false;
	}
	if (g.status != CHAN_OK) {
		kprintf("chan_pingpong: round trip %llu: %s\n", (unsigned long long)n, chan_status_name(g.status));
		r->failed = true;
		return false;
	}
	r->ponger = pong;
	r->round_trips++;
	return true;
}

/* ROUNDS round trips, or in live mode until the flavor changed twice. */
static void rally(struct balls_tx *pings, struct balls_rx *pongs, uint64_t rounds, bool live, struct rally *r)
{
	for (uint64_t n = 1; live || n <= rounds; n++) {
		if (!round_trip(pings, pongs, n, r))
			return;
		const char *flavor = chan_flavor();
		if (!live) {
			(void)flavor_log_count(&r->live.log, flavor);
			continue;
		}
		enum chan_live_state st = chan_live_step(&r->live, flavor);
		if (st == CHAN_LIVE_DONE)
			return;
		if (st == CHAN_LIVE_GAVE_UP) {
			chan_live_gave_up(&r->live);
			r->failed = true;
			return;
		}
		if (n % LIVE_NAP_EVERY == 0)
			(void)task_sleep_ns(LIVE_NAP_NS);
	}
}

/* The summary line; 0 if every number came once and in order. */
static int64_t report(const struct rally *r, bool live)
{
	uint64_t lost = r->pongs.lost + r->ponger.lost + r->timeouts;
	uint64_t dup = r->pongs.duplicated + r->ponger.duplicated;
	uint64_t ooo = r->pongs.out_of_order + r->ponger.out_of_order;
	char flavors[160];
	flavor_log_format(&r->live.log, flavors, sizeof flavors);
	kprintf("chan_pingpong: %llu round trips, %llu lost, %llu duplicated, %llu out of order; flavors: %s\n",
		(unsigned long long)r->round_trips, (unsigned long long)lost, (unsigned long long)dup,
		(unsigned long long)ooo, flavors);
	if (live)
		chan_live_turns(&r->live);
	if (r->pongs.first_bad)
		kprintf("chan_pingpong: first wrong pong: %llu where %llu was expected\n",
			(unsigned long long)r->pongs.first_bad, (unsigned long long)r->pongs.first_bad_expected);
	return lost || dup || ooo || r->failed ? 1 : 0;
}

static bool parse_args(const struct app_args *args, uint64_t *rounds, bool *live)
{
	if (args->argc > 2 || args->argv[0] < 0 || (args->argv[1] != 0 && args->argv[1] != 1)) {
		kprintf("chan_pingpong: usage: spawn chan_pingpong [ROUNDS] [1: live]; ROUNDS >= 0 (0: %d)\n",
			ROUNDS_DEFAULT);
		return false;
	}
	*rounds = args->argv[0] ? (uint64_t)args->argv[0] : ROUNDS_DEFAULT;
	*live = args->argv[1] == 1;
	return true;
}

int64_t chan_pingpong_main(const struct app_args *args)
{
	uint64_t rounds;
	bool live;
	if (!parse_args(args, &rounds, &live))
		return 2;
	struct rally r = { .pongs = SEQ_CHECK_INIT };
	r.live = (struct chan_live){ .app = "chan_pingpong", .unit = "round trips", .shown = rounds,
				     .max = LIVE_ROUND_TRIPS_MAX };
	struct task_ref ponger_task TASK_REF_AUTO = { 0 };
	{
		struct balls_tx pings CHAN_AUTO(balls_tx) = CHAN_NONE;
		struct balls_rx pongs CHAN_AUTO(balls_rx) = CHAN_NONE;
		err_t e = spawn_ponger(&pings, &pongs, &ponger_task);
		if (e) {
			kprintf("chan_pingpong: cannot start the ponger: %s\n", err_name(e));
			return 1;
		}
		rally(&pings, &pongs, rounds, live, &r);
	} /* our ends dropped: the ponger sees "disconnected" and returns */
	int64_t value = -1;
	if (task_join(&ponger_task, &value) || value) {
		kprintf("chan_pingpong: the ponger did not end cleanly\n");
		r.failed = true;
	}
	return report(&r, live);
}
APP_ENTRY(chan_pingpong_main);
