/* The live channel evolution, many times over (docs/channel_apps.md): on
 * TBOOT_SMP_CPUS virtual CPUs, a ping-pong (CPU 1) and a pipeline of
 * STAGES stages (CPU 2) run through the typed channel API while the test's
 * task (CPU 0) swaps chan_rendezvous for chan_async and back SWAPS times,
 * letting both make progress after each swap. Every receiver checks every
 * sequence number (cells/chan_apps/chan_apps.h), the pipeline's sink every
 * checksum, and each counts the messages it got under each flavor. At the
 * end: nothing lost, duplicated or reordered, messages under both flavors,
 * every task ended normally (none failed, so none restarted), and with
 * the channel cell unloaded and the old versions reaped, frames, pages,
 * heap and cells are as before: no channel object or endpoint is left. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "ktime.h"
#include "swap.h"
#include "swap_retired.h"
#include "task.h"
#include "tboot.h"
#include "cells/chan/chan.h"
#include "cells/chan_apps/chan_apps.h"

#include <valgrind/valgrind.h>
/* Under memcheck the vCPUs take turns and a swap costs ~50x more. */
#define SWAPS (RUNNING_ON_VALGRIND ? 100 : 1000)
#define STAGES 3
#define CAPACITY 4
#define STALL_NS 10000000000ull /* no progress for this long after a swap: a message was lost */
#define PAUSE_TRIES 5

#include "chan_forward.h"

struct msg {
	uint64_t seq, sum;
};
CHAN_TYPE(msgs, struct msg);

static uint64_t seed(uint64_t seq) { return seq * 0x9e3779b97f4a7c15ull; }

/* What one checking receiver saw; written by its task only. */
struct checker {
	struct seq_check seq;
	uint64_t units;        /* round trips, or messages at the sink (read by the swapper) */
	uint64_t by_flavor[2]; /* [0] rendezvous, [1] async */
	uint64_t other_flavor, changes, bad_sums;
	int last; /* the flavor of the last unit: -1 none yet */
};

static struct {
	int stop;
	struct checker pinger, ponger, sink;
	unsigned swaps_done, pause_retries;
	char failure[3072];
} m;

static void count_unit(struct checker *c)
{
	const char *f = chan_flavor();
	int i = !strcmp(f, "rendezvous") ? 0 : !strcmp(f, "async") ? 1 : -1;
	if (i < 0) {
		c->other_flavor++;
	} else {
		c->by_flavor[i]++;
		c->changes += c->last >= 0 && c->last != i;
		c->last = i;
	}
	__atomic_store_n(&c->units, c->units + 1, __ATOMIC_RELEASE);
}

static bool stopping(void) { return __atomic_load_n(&m.stop, __ATOMIC_ACQUIRE); }

/* --- ping-pong ---------------------------------------------------------- */
struct pair_arg {
	struct msgs_tx out;
	struct msgs_rx in;
};
static void pair_release(struct pair_arg *a)
{
	msgs_tx_drop(&a->out);
	msgs_rx_drop(&a->in);
}

static int64_t pinger(struct pair_arg *a)
{
	for (uint64_t n = 1; !stopping(); n++) {
		uint64_t deadline = time_ns() + STALL_NS;
		struct msg ping = { n, 0 }, pong = { 0, 0 };
		enum chan_status s = chan_send_until(&a->out, &ping, deadline).status;
		while (s == CHAN_OK && pong.seq < n)
			if ((s = chan_recv_until(&a->in, &pong, deadline).status) == CHAN_OK)
				(void)seq_check_see(&m.pinger.seq, pong.seq);
		if (s != CHAN_OK)
			return (int64_t)s;
		count_unit(&m.pinger);
	}
	return 0;
}

static int64_t ponger(struct pair_arg *a)
{
	for (;;) {
		struct msg b;
		enum chan_status s = chan_recv(&a->in, &b).status;
		if (s == CHAN_DISCONNECTED)
			return 0;
		if (s == CHAN_OK) {
			(void)seq_check_see(&m.ponger.seq, b.seq);
			s = chan_send(&a->out, &b).status;
		}
		if (s == CHAN_DISCONNECTED)
			return 0;
		if (s != CHAN_OK)
			return (int64_t)s;
	}
}

/* --- the pipeline ---------------------------------------------------------- */
struct stage_arg {
	uint64_t index; /* 0: the source; STAGES + 1: the sink */
	struct msgs_rx in;
	struct msgs_tx out;
};
static void stage_release(struct stage_arg *a)
{
	msgs_rx_drop(&a->in);
	msgs_tx_drop(&a->out);
}

/* Returns how many it sent: the sink's total. */
static int64_t source(struct stage_arg *a)
{
	uint64_t seq = 1;
	for (; !stopping(); seq++) {
		struct msg it = { seq, seed(seq) };
		enum chan_status s = chan_send_until(&a->out, &it, time_ns() + STALL_NS).status;
		if (s != CHAN_OK)
			return -(int64_t)s;
	}
	return (int64_t)seq - 1;
}

static int64_t stage(struct stage_arg *a)
{
	for (;;) {
		struct msg it;
		enum chan_status s = chan_recv(&a->in, &it).status;
		if (s == CHAN_DISCONNECTED)
			return 0;
		if (s != CHAN_OK)
			return (int64_t)s;
		it.sum += a->index;
		if ((s = chan_send(&a->out, &it).status) != CHAN_OK)
			return (int64_t)s;
	}
}

static int64_t sink(struct stage_arg *a)
{
	for (;;) {
		struct msg it;
		enum chan_status s = chan_recv(&a->in, &it).status;
		if (s == CHAN_DISCONNECTED)
			return 0;
		if (s != CHAN_OK)
			return (int64_t)s;
		(void)seq_check_see(&m.sink.seq, it.seq);
		m.sink.bad_sums += it.sum != seed(it.seq) + STAGES * (STAGES + 1) / 2;
		count_unit(&m.sink);
	}
}

/* --- the swaps ------------------------------------------------------------- */
struct world_tasks {
	struct task_ref t[4 + STAGES];
	unsigned n;
};

static void spawn_pair(struct world_tasks *w)
{
	struct pair_arg a = { CHAN_NONE, CHAN_NONE }, b = { CHAN_NONE, CHAN_NONE };
	T_CHECK(chan_create(&a.out, &b.in, CAPACITY) == E_OK);
	T_CHECK(chan_create(&b.out, &a.in, CAPACITY) == E_OK);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 1;
	T_CHECK(TASK_SPAWN_OWNING(&o, pinger, pair_release, &a, &w->t[w->n++]) == E_OK);
	T_CHECK(TASK_SPAWN_OWNING(&o, ponger, pair_release, &b, &w->t[w->n++]) == E_OK);
}

/* source -> stage 1 .. STAGES -> sink, all on CPU 2. */
static void spawn_pipeline(struct world_tasks *w)
{
	struct msgs_rx upstream = CHAN_NONE;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 2;
	for (uint64_t i = 0; i <= STAGES + 1; i++) {
		struct stage_arg a = { i, CHAN_NONE, CHAN_NONE };
		chan_move(&a.in, &upstream);
		if (i <= STAGES)
			T_CHECK(chan_create(&a.out, &upstream, CAPACITY) == E_OK);
		int64_t (*fn)(struct stage_arg *) = i == 0 ? source : i <= STAGES ? stage : sink;
		T_CHECK(TASK_SPAWN_OWNING(&o, *fn, stage_release, &a, &w->t[w->n++]) == E_OK);
	}
}

/* Until the pinger and the sink have each done two units more than when
 * called: both saw the flavor now serving. False after STALL_NS. */
static bool let_them_run(void)
{
	uint64_t deadline = time_ns() + STALL_NS;
	uint64_t p = __atomic_load_n(&m.pinger.units, __ATOMIC_ACQUIRE) + 2;
	uint64_t k = __atomic_load_n(&m.sink.units, __ATOMIC_ACQUIRE) + 2;
	while (__atomic_load_n(&m.pinger.units, __ATOMIC_ACQUIRE) < p ||
	       __atomic_load_n(&m.sink.units, __ATOMIC_ACQUIRE) < k) {
		if (time_ns() > deadline)
			return false;
		(void)task_yield();
	}
	return true;
}

static int64_t swap_back_and_forth(int64_t *source_sent)
{
	struct world_tasks w = { .n = 0 };
	spawn_pair(&w);
	spawn_pipeline(&w);
	bool ok = let_them_run();
	for (m.swaps_done = 0; ok && m.swaps_done < SWAPS; m.swaps_done++) {
		bool forth = m.swaps_done % 2 == 0;
		struct swap_result res;
		err_t e;
		/* A pause refused because a vCPU did not reach a safe point in
		 * time (a starved host thread) changed nothing: tried again. */
		for (unsigned tries = 0;; tries++) {
			e = swap_one(forth ? "chan_rendezvous" : "chan_async", forth ? "chan_async" : "chan_rendezvous",
				     NULL, 0, &res);
			if (e != E_TIMEOUT || tries == PAUSE_TRIES)
				break;
			m.pause_retries++;
		}
		if (e || strcmp(chan_flavor(), forth ? "async" : "rendezvous")) {
			snprintf(m.failure, sizeof m.failure, "swap %u: %s, flavor %s: %s", m.swaps_done, err_name(e),
				 chan_flavor(), res.problems);
			break;
		}
		if (!(ok = let_them_run()))
			snprintf(m.failure, sizeof m.failure, "swap %u: no progress within %llu s", m.swaps_done,
				 STALL_NS / 1000000000ull);
	}
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < w.n; i++) {
		int64_t v = -1;
		T_CHECK(task_join(&w.t[i], &v) == E_OK); /* none failed: none was restarted */
		if (i == 2)
			*source_sent = v;
		else
			T_CHECK(v == 0);
		task_ref_drop(&w.t[i]);
	}
	return 0;
}

static void assert_checker(const char *name, const struct checker *c, uint64_t total)
{
	struct seq_check s = c->seq;
	seq_check_end(&s, total);
	fprintf(stderr, "%s: %llu received (rendezvous %llu, async %llu), %llu flavor changes seen\n", name,
		(unsigned long long)s.received, (unsigned long long)c->by_flavor[0], (unsigned long long)c->by_flavor[1],
		(unsigned long long)c->changes);
	ck_assert_msg(!seq_check_anomalies(&s), "%s: %llu lost, %llu duplicated, %llu out of order; first %llu for %llu",
		      name, (unsigned long long)s.lost, (unsigned long long)s.duplicated,
		      (unsigned long long)s.out_of_order, (unsigned long long)s.first_bad,
		      (unsigned long long)s.first_bad_expected);
	ck_assert_uint_eq(s.received, total);
}

/* Until no more tasks are alive than *before and this one (the swap's
 * reaper may still be ending), for at most 2 s. */
static int64_t tasks_settle(size_t *before)
{
	uint64_t deadline = time_ns() + 2000000000ull;
	struct task_stats t;
	for (task_stats(&t); t.alive > *before + 1 && time_ns() < deadline; task_stats(&t))
		(void)task_sleep_ns(10000000);
	return (int64_t)t.alive - (int64_t)*before - 1;
}

static int64_t yield_twice(unsigned *unused)
{
	(void)unused;
	return task_yield() && task_yield() ? 0 : 1;
}

/* Every CPU switches tasks once more: the contexts the switch saves (an
 * idle task's, of a CPU that has not switched since the swaps) are
 * written anew, and no longer hold a stale register value that the
 * conservative scan takes for a pointer into a retired cell. */
static void switch_every_cpu(void)
{
	struct task_ref t[TBOOT_SMP_CPUS];
	unsigned n = 0;
	for (unsigned cpu = 0; cpu < tasks_cpus() && cpu < TBOOT_SMP_CPUS; cpu++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "switch";
		o.cpu = (int)cpu;
		if (TASK_SPAWN(&o, yield_twice, &cpu, &t[n]) == E_OK)
			n++;
	}
	for (unsigned i = 0; i < n; i++) {
		int64_t v;
		if (task_join(&t[i], &v) != E_OK)
			T_CHECK(!"a switch task failed");
		task_ref_drop(&t[i]);
	}
}

/* The old versions are freed once nothing refers to them; a word on a
 * stack that has just ended, or in a saved context, may still do, and the
 * kernel retries on its own: so does this, for at most 2 s, with every CPU
 * switching between tries. Returns how many are left. */
static int64_t reap_settle(void *unused)
{
	(void)unused;
	uint64_t deadline = time_ns() + 2000000000ull;
	for (swap_reap(); swap_retired_count() && time_ns() < deadline; swap_reap()) {
		switch_every_cpu();
		(void)task_sleep_ns(10000000);
	}
	return (int64_t)swap_retired_count();
}

static void retired_why(const struct cell *c, const char *why, void *arg)
{
	snprintf(arg, 256, "%s (%s)", c->name, why);
}

START_TEST(test_channels_swapped_back_and_forth_under_load)
{
	ck_assert_uint_eq(tasks_cpus(), TBOOT_SMP_CPUS);
	struct task_stats tasks_before;
	task_stats(&tasks_before);
	struct world before = world_now();
	load("chan_rendezvous");
	int64_t sent = -1;
	RUN_IN_TASK(swap_back_and_forth, &sent);
	fprintf(stderr, "%u swaps, %u tried again after a pause timed out\n", m.swaps_done, m.pause_retries);
	ck_assert_msg(!m.failure[0], "%s", m.failure);
	ck_assert_uint_eq(m.swaps_done, SWAPS);
	ck_assert_int_gt(sent, 0);
	assert_checker("pinger", &m.pinger, m.pinger.seq.next - 1);
	assert_checker("ponger", &m.ponger, m.pinger.seq.next - 1); /* each ping answered */
	assert_checker("sink", &m.sink, (uint64_t)sent);
	ck_assert_uint_eq(m.sink.bad_sums, 0);
	const struct checker *seen[] = { &m.pinger, &m.sink };
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_uint_eq(seen[i]->other_flavor, 0);
		ck_assert_uint_gt(seen[i]->by_flavor[0], 0);
		ck_assert_uint_gt(seen[i]->by_flavor[1], 0);
		ck_assert_uint_ge(seen[i]->changes, SWAPS); /* each saw every flavor in turn */
	}
	unload(SWAPS % 2 ? "chan_async" : "chan_rendezvous");
	if (RUN_IN_TASK(reap_settle, NULL)) {
		char why[256] = "";
		swap_retired_for_each(retired_why, why);
		ck_abort_msg("a retired channel cell is left: %s", why);
	}
	if (ns_find_cell(ns_root(), "chan_faults")) /* the channel cells' fault injector, loaded along */
		unload("chan_faults");
	ck_assert_int_eq(RUN_IN_TASK(tasks_settle, &tasks_before.alive), 0); /* the kernel's reaper too */
	assert_world_is(before, "after the swaps, the channel cell unloaded and the old versions reaped");
}
END_TEST

static void setup(void)
{
	tboot_setup_tasks_smp();
	m = (typeof(m)){ .pinger = { .seq = SEQ_CHECK_INIT, .last = -1 },
			 .ponger = { .seq = SEQ_CHECK_INIT, .last = -1 },
			 .sink = { .seq = SEQ_CHECK_INIT, .last = -1 } };
}

static Suite *chan_swap_many_suite(void)
{
	Suite *s = suite_create("chan_swap_many");
	TCase *tc = tcase_create("live channel evolution");
	tcase_set_timeout(tc, 240);
	tcase_add_checked_fixture(tc, setup, tboot_teardown_tasks);
	tcase_add_test(tc, test_channels_swapped_back_and_forth_under_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(chan_swap_many_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
