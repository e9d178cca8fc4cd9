/* chan_pipeline: messages through a pipeline of N stage tasks
 * (docs/channel_apps.md). A source task numbers messages from 1 and seeds
 * each one's checksum from its number; stage i (1..N) adds i to the
 * checksum and forwards it; the app's own task is the sink, which checks
 * every number (chan_apps.h: none lost, duplicated or out of order) and
 * every checksum (the seed plus 1 + 2 + ... + N). N+1 channels join them:
 * source -> stage 1 -> ... -> stage N -> sink.
 *
 *   spawn chan_pipeline [STAGES] [MESSAGES]     STAGES stages (default 4,
 *                                               at most 16), MESSAGES
 *                                               messages (default 1000)
 *   spawn chan_pipeline STAGES MESSAGES 1       live: until the channel
 *                                               flavor has changed twice,
 *                                               MESSAGES of each before it
 *                                               asks for a swap
 *
 * The pipeline ends by disconnection alone: a source that has sent all it
 * should drops its sender, each stage drains and drops its own; a sink
 * that is done (or killed) drops its receiver, and each stage's next send
 * fails back to the source. Every task borrows the endpoints of its own
 * argument, which the kernel releases when it ends (arg_release). */
#include <stdint.h>

#include "cell.h"
#include "chan/chan.h"
#include "chan_apps/chan_apps.h"
#include "klib.h"
#include "task.h"

CELL_INFO("chan_pipeline", CELL_APP, 1);

#define STAGES_DEFAULT 4
#define STAGES_MAX 16
#define MESSAGES_DEFAULT 1000
#define CAPACITY 4                    /* small, so the async rings fill and senders wait */
#define RECEIVE_NS 10000000000ull     /* nothing reaches the sink for this long: the pipeline lost it */
#define LIVE_NAP_EVERY 32             /* live: messages the source sends between naps */
#define LIVE_NAP_NS 1000000ull
#define LIVE_MESSAGES_MAX 1000000ull  /* live: the swaps never came */

struct item {
	uint64_t seq;
	uint64_t sum;
};
CHAN_TYPE(items, struct item);

static uint64_t seed(uint64_t seq) { return seq * 0x9e3779b97f4a7c15ull; }

struct source_arg {
	uint64_t messages; /* 0: until the pipeline is disconnected */
	struct items_tx out;
};
struct stage_arg {
	uint64_t index;
	struct items_rx in;
	struct items_tx out;
};

static void source_arg_release(struct source_arg *a) { items_tx_drop(&a->out); }
static void stage_arg_release(struct stage_arg *a)
{
	items_rx_drop(&a->in);
	items_tx_drop(&a->out);
}

/* Returns how many it sent; -1 when a send ended otherwise than ok or
 * disconnected. */
static int64_t source(struct source_arg *a)
{
	uint64_t seq = 1;
	for (; !a->messages || seq <= a->messages; seq++) {
		struct item it = { seq, seed(seq) };
		struct chan_sent s = chan_send(&a->out, &it);
		if (s.status == CHAN_DISCONNECTED)
			break;
		if (s.status != CHAN_OK)
			return -1;
		if (!a->messages && seq % LIVE_NAP_EVERY == 0)
			(void)task_sleep_ns(LIVE_NAP_NS);
	}
	return (int64_t)seq - 1;
}

/* Returns how many it forwarded; -1 as above. */
static int64_t stage(struct stage_arg *a)
{
	for (int64_t forwarded = 0;; forwarded++) {
		struct item it;
		struct chan_got g = chan_recv(&a->in, &it);
		if (g.status == CHAN_DISCONNECTED)
			return forwarded;
		if (g.status != CHAN_OK)
			return -1;
		it.sum += a->index;
		struct chan_sent s = chan_send(&a->out, &it);
		if (s.status == CHAN_DISCONNECTED)
			return forwarded;
		if (s.status != CHAN_OK)
			return -1;
	}
}

struct tasks {
	struct task_ref ref[STAGES_MAX + 1];
	unsigned n;
};
static void tasks_drop(struct tasks *t)
{
	for (unsigned i = 0; i < t->n; i++)
		task_ref_drop(&t->ref[i]);
}

static err_t spawn_source(uint64_t messages, struct items_rx *first, struct tasks *t)
{
	struct source_arg a = { messages, CHAN_NONE };
	err_t e = chan_create(&a.out, first, CAPACITY);
	if (!e) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "source";
		e = TASK_SPAWN_OWNING(&o, source, source_arg_release, &a, &t->ref[t->n]);
	}
	if (e)
		source_arg_release(&a);
	else
		t->n++;
	return e;
}

/* Stage index reads from *upstream (moved into its argument) and leaves
 * the receiver of its own output there. */
static err_t spawn_stage(uint64_t index, struct items_rx *upstream, struct tasks *t)
{
	struct stage_arg a = { index, CHAN_NONE, CHAN_NONE };
	struct items_rx next = CHAN_NONE;
	err_t e = chan_create(&a.out, &next, CAPACITY);
	chan_move(&a.in, upstream);
	if (!e) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "stage";
		e = TASK_SPAWN_OWNING(&o, stage, stage_arg_release, &a, &t->ref[t->n]);
	}
	if (e) {
		stage_arg_release(&a);
		items_rx_drop(&next);
	} else {
		t->n++;
		chan_move(upstream, &next);
	}
	return e;
}

struct sink {
	uint64_t stages, messages;
	struct seq_check check;
	uint64_t bad_sums, first_bad_sum_seq;
	struct chan_live live;
	bool live_mode, failed;
};

/* Receives until the pipeline is drained (or, live, the flavor changed
 * twice), checking every message. */
static void drain(struct items_rx *in, struct sink *k)
{
	uint64_t added = k->stages * (k->stages + 1) / 2;
	for (;;) {
		struct item it;
		struct chan_got g = chan_recv_until(in, &it, chan_deadline_in(RECEIVE_NS));
		if (g.status == CHAN_DISCONNECTED && !k->live_mode)
			return;
		if (g.status != CHAN_OK) {
			kprintf("chan_pipeline: after message %llu: %s\n", (unsigned long long)k->check.received,
				chan_status_name(g.status));
			k->failed = true;
			return;
		}
		(void)seq_check_see(&k->check, it.seq);
		if (it.sum != seed(it.seq) + added && !k->bad_sums++)
			k->first_bad_sum_seq = it.seq;
		const char *flavor = chan_flavor();
		if (!k->live_mode) {
			(void)flavor_log_count(&k->live.log, flavor);
			continue;
		}
		enum chan_live_state st = chan_live_step(&k->live, flavor);
		if (st == CHAN_LIVE_GAVE_UP) {
			chan_live_gave_up(&k->live);
			k->failed = true;
		}
		if (st != CHAN_LIVE_ON)
			return;
	}
}

static int64_t report(struct sink *k)
{
	if (!k->live_mode)
		seq_check_end(&k->check, k->messages);
	char flavors[160];
	flavor_log_format(&k->live.log, flavors, sizeof flavors);
	kprintf("chan_pipeline: %llu stages, %llu messages, %llu lost, %llu duplicated, %llu out of order, "
		"%llu bad checksums; flavors: %s\n",
		(unsigned long long)k->stages, (unsigned long long)k->check.received,
		(unsigned long long)k->check.lost, (unsigned long long)k->check.duplicated,
		(unsigned long long)k->check.out_of_order, (unsigned long long)k->bad_sums, flavors);
	if (k->live_mode)
		chan_live_turns(&k->live);
	if (k->check.first_bad)
		kprintf("chan_pipeline: first wrong number: %llu where %llu was expected\n",
			(unsigned long long)k->check.first_bad, (unsigned long long)k->check.first_bad_expected);
	if (k->bad_sums)
		kprintf("chan_pipeline: first wrong checksum: message %llu\n",
			(unsigned long long)k->first_bad_sum_seq);
	return seq_check_anomalies(&k->check) || k->bad_sums || k->failed ? 1 : 0;
}

static bool parse_args(const struct app_args *args, struct sink *k)
{
	if (args->argc > 3 || args->argv[0] < 0 || args->argv[0] > STAGES_MAX || args->argv[1] < 0 ||
	    (args->argv[2] != 0 && args->argv[2] != 1)) {
		kprintf("chan_pipeline: usage: spawn chan_pipeline [STAGES] [MESSAGES] [1: live]; STAGES 0..%d "
			"(0: %d), MESSAGES >= 0 (0: %d)\n",
			STAGES_MAX, STAGES_DEFAULT, MESSAGES_DEFAULT);
		return false;
	}
	k->stages = args->argv[0] ? (uint64_t)args->argv[0] : STAGES_DEFAULT;
	k->messages = args->argv[1] ? (uint64_t)args->argv[1] : MESSAGES_DEFAULT;
	k->live_mode = args->argv[2] == 1;
	return true;
}

/* Builds the pipeline and drains it into upstream's last receiver. */
static void run(struct sink *k, struct tasks *t)
{
	struct items_rx upstream CHAN_AUTO(items_rx) = CHAN_NONE;
	err_t e = spawn_source(k->live_mode ? 0 : k->messages, &upstream, t);
	for (uint64_t i = 1; !e && i <= k->stages; i++)
		e = spawn_stage(i, &upstream, t);
	if (e) {
		kprintf("chan_pipeline: cannot build the pipeline: %s\n", err_name(e));
		k->failed = true;
		return; /* upstream dropped: what was started drains and ends */
	}
	drain(&upstream, k);
} /* upstream dropped: the stages' sends fail back to the source, which ends */

int64_t chan_pipeline_main(const struct app_args *args)
{
	struct sink k = { .check = SEQ_CHECK_INIT };
	if (!parse_args(args, &k))
		return 2;
	k.live = (struct chan_live){ .app = "chan_pipeline", .unit = "messages", .shown = k.messages,
				     .max = LIVE_MESSAGES_MAX };
	struct tasks t CLEANUP(tasks_drop) = { .n = 0 };
	run(&k, &t);
	for (unsigned i = 0; i < t.n; i++) {
		int64_t value = -1;
		if (task_join(&t.ref[i], &value) || value < 0) {
			kprintf("chan_pipeline: %s %u did not end cleanly\n", i ? "stage" : "source", i);
			k.failed = true;
		}
	}
	return report(&k);
}
APP_ENTRY(chan_pipeline_main);
