/* The channel cells under stress (from the hostile review of issue 12):
 * kills racing every operation on 4 CPUs with a 1 kHz tick (a kill is
 * deferred while a channel's lock is held, so it never lands between
 * taking a message and putting it down), and a priority scheduler with a
 * low-priority task holding the lock when it is preempted (a contender
 * that only yielded would spin forever). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "hosted.h"
#include "swap.h"
#include "task.h"
#include "tboot.h"
#include "cells/chan/chan.h"
#include "cells/chan/chan_object.h"

#include <valgrind/valgrind.h>

#include "chan_forward.h"

CHAN_TYPE(num, uint64_t);

static unsigned review_hz = 1000;
static const char *review_sched = "sched_rr";
static unsigned review_cpus = 4;

static void setup_custom(void)
{
	tboot_setup_cells();
	hosted_cpu_init(review_cpus);
	hosted_signals_init();
	ck_assert_int_eq(tasks_init(review_cpus, review_sched, review_hz), E_OK);
	load("chan_rendezvous");
}
static void setup_smp(void)
{
	review_cpus = 4;
	review_sched = "sched_rr";
	review_hz = 1000;
	setup_custom();
}
static void setup_prio1(void)
{
	review_cpus = 1;
	review_sched = "sched_prio";
	review_hz = 1000;
	setup_custom();
}

/* Whichever channel cell serves at the end goes, and the retired one with it. */
static void teardown(void)
{
	unload(ns_find_cell(ns_root(), "chan_async") ? "chan_async" : "chan_rendezvous");
	swap_reap();
	ck_assert_uint_eq(swap_retired_count(), 0);
	tboot_teardown_tasks();
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Victims hammer one channel; a killer kills them at random; each is
 * replaced. Afterwards the channel must still work: lock free, lists sane,
 * no message received twice, no waiter left. */
#define KV 6
#define KMSG (1u << 25)
struct kboard {
	uint8_t seen[KMSG];
	volatile uint64_t next_seq;
	volatile unsigned dup, bad;
	volatile int stop;
};
struct k_arg {
	struct num_tx tx;
	struct num_rx rx;
	struct kboard *b;
	unsigned id;
};
static void k_release(struct k_arg *a)
{
	num_tx_drop(&a->tx);
	num_rx_drop(&a->rx);
}
static int64_t victim(struct k_arg *a)
{
	struct kboard *b = a->b;
	uint64_t seed = 0xabcdefull + a->id;
	while (!b->stop) {
		uint64_t v;
		enum chan_status st;
		switch (rnd(&seed) % 4) {
		case 0:
			v = __atomic_fetch_add(&b->next_seq, 1, __ATOMIC_RELAXED) % KMSG;
			st = chan_send_timeout(&a->tx, &v, rnd(&seed) % 50000).status;
			break;
		case 1:
			v = __atomic_fetch_add(&b->next_seq, 1, __ATOMIC_RELAXED) % KMSG;
			st = chan_send_word(&a->tx.end, v, time_ns() + rnd(&seed) % 50000).status;
			break;
		case 2:
			st = chan_recv_timeout(&a->rx, &v, rnd(&seed) % 50000).status;
			if (st == CHAN_OK && v < KMSG && __atomic_add_fetch(&b->seen[v], 1, __ATOMIC_RELAXED) != 1)
				__atomic_add_fetch(&b->dup, 1, __ATOMIC_RELAXED);
			break;
		default:
			st = chan_recv_word(&a->rx.end, &v, time_ns() + rnd(&seed) % 50000).status;
			if (st == CHAN_OK && v < KMSG && __atomic_add_fetch(&b->seen[v], 1, __ATOMIC_RELAXED) != 1)
				__atomic_add_fetch(&b->dup, 1, __ATOMIC_RELAXED);
			break;
		}
		if (st != CHAN_OK && st != CHAN_TIMEOUT && st != CHAN_KILLED)
			__atomic_add_fetch(&b->bad, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

static unsigned kill_rounds;
static struct chan *diag_ch;
static unsigned diag_round;
static void diag(const char *where)
{
	struct chan *ch = diag_ch;
	struct task *h = ch->holder;
	fprintf(stderr, "STUCK after %u kills, %s: locked %d holder %s(%u,%s) dirty %d count %zu senders %u receivers %u sw %d rw %d swq %d rwq %d\n",
		diag_round, where, ch->locked, h ? task_name(h) : "-", h ? task_id(h) : 0, h ? task_state_name(task_state(h)) : "-",
		ch->dirty, ch->count, ch->senders, ch->receivers, !list_empty(&ch->send_waiters),
		!list_empty(&ch->recv_waiters), !list_empty(&ch->send_wq.waiters), !list_empty(&ch->recv_wq.waiters));
}
/* task_join, but says what the channel looks like if it takes long. */
static err_t join_watch(struct task_ref *t, int64_t *v, const char *what)
{
	uint64_t t0 = time_ns();
	bool told = false;
	for (;;) {
		enum task_state s = task_state(t->t);
		if (s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED)
			return task_join(t, v);
		if (!told && time_ns() - t0 > 3000000000ull) {
			diag(what);
			fprintf(stderr, "  the task joined: %u %s\n", task_id(t->t), task_state_name(s));
			told = true;
		}
		task_sleep_ns(1000000);
	}
}
static int64_t kills(void *asyncp)
{
	kill_rounds = RUNNING_ON_VALGRIND ? 40 : 300;
	struct kboard *b = calloc(1, sizeof *b);
	struct swap_result res;
	if (asyncp)
		T_CHECK(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res) == E_OK);
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct chan *ch = tx.end.ch;
	diag_ch = ch;
	struct task_ref t[KV];
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "victim";
	uint64_t seed = 5;
	unsigned killed = 0;
	for (unsigned i = 0; i < KV; i++) {
		struct k_arg a = { .b = b, .id = i };
		T_CHECK(chan_clone_end(&tx, &a.tx) == E_OK && chan_clone_end(&rx, &a.rx) == E_OK);
		T_CHECK(TASK_SPAWN_OWNING(&o, victim, k_release, &a, &t[i]) == E_OK);
	}
	uint64_t start = time_ns();
	for (unsigned r = 0; r < kill_rounds && time_ns() - start < 60000000000ull; r++) {
		task_sleep_ns(200000 + rnd(&seed) % 2000000);
		unsigned i = (unsigned)(rnd(&seed) % KV);
		T_CHECK(task_kill(&t[i]) == E_OK);
		int64_t v;
		err_t e = join_watch(&t[i], &v, "joining a killed victim");
		T_CHECK(e == E_FAILED || e == E_OK);
		task_ref_drop(&t[i]);
		killed++;
		diag_round = killed;
		struct k_arg a = { .b = b, .id = i + KV * r };
		T_CHECK(chan_clone_end(&tx, &a.tx) == E_OK && chan_clone_end(&rx, &a.rx) == E_OK);
		T_CHECK(TASK_SPAWN_OWNING(&o, victim, k_release, &a, &t[i]) == E_OK);
	}
	b->stop = 1;
	for (unsigned i = 0; i < KV; i++) {
		int64_t v;
		T_CHECK(join_watch(&t[i], &v, "joining a stopped victim") == E_OK);
		task_ref_drop(&t[i]);
	}
	fprintf(stderr, "kills (%s): seq %llu, %u kills, dup %u bad %u, locked %d dirty %d repairs %u lost %u count %zu "
		"senders %u receivers %u sw %d rw %d\n", asyncp ? "async" : "rendezvous", (unsigned long long)b->next_seq, killed, b->dup, b->bad,
		ch->locked, ch->dirty, ch->repairs, ch->lost, ch->count, ch->senders, ch->receivers,
		!list_empty(&ch->send_waiters), !list_empty(&ch->recv_waiters));
	T_CHECK(ch->locked == 0);
	T_CHECK(b->dup == 0);
	T_CHECK(b->bad == 0);
	T_CHECK(ch->senders == 1 && ch->receivers == 1);
	T_CHECK(list_empty(&ch->send_waiters) && list_empty(&ch->recv_waiters));
	T_CHECK(list_empty(&ch->send_wq.waiters) && list_empty(&ch->recv_wq.waiters));
	free(b);
	return 0;
}
START_TEST(test_kills_rendezvous) { RUN_IN_TASK(kills, NULL); }
END_TEST
START_TEST(test_kills_async) { RUN_IN_TASK(kills, (void *)1); }
END_TEST

/* ---------------------------------------------------- priority inversion -- */
struct inv {
	struct num_tx tx;
	struct num_rx rx;
	volatile int stop;
	volatile uint64_t low_iters, high_iters;
};
static int64_t low_loop(struct inv **ip)
{
	struct inv *p = *ip;
	while (!p->stop) {
		uint64_t v = 1;
		if (chan_try_send(&p->tx, &v).status == CHAN_OK)
			(void)0;
		if (chan_try_recv(&p->rx, &v).status == CHAN_OK)
			(void)0;
		p->low_iters++;
	}
	return 0;
}
static int64_t high_loop(struct inv **ip)
{
	struct inv *p = *ip;
	for (int i = 0; i < (RUNNING_ON_VALGRIND ? 100 : 500) && !p->stop; i++) {
		uint64_t v;
		enum chan_status st = chan_try_recv(&p->rx, &v).status;
		T_CHECK(st == CHAN_EMPTY || st == CHAN_OK);
		p->high_iters++;
		task_sleep_ns(100000 + (uint64_t)(i % 7) * 37000);
	}
	return 0;
}
static int64_t inversion(void *unused)
{
	struct inv p = { 0 };
	struct inv *pp = &p;
	struct swap_result res;
	T_CHECK(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res) == E_OK);
	T_CHECK(chan_create(&p.tx, &p.rx, 4) == E_OK);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "low";
	o.priority = 0;
	o.cpu = 0;
	struct task_ref lo, hi;
	T_CHECK(TASK_SPAWN(&o, low_loop, &pp, &lo) == E_OK);
	o.name = "high";
	o.priority = 5;
	T_CHECK(TASK_SPAWN(&o, high_loop, &pp, &hi) == E_OK);
	o.priority = 10; /* the test task itself runs at 0: it needs to be above both to watch */
	int64_t v;
	T_CHECK(task_join(&hi, &v) == E_OK);
	p.stop = 1;
	T_CHECK(task_join(&lo, &v) == E_OK);
	task_ref_drop(&lo);
	task_ref_drop(&hi);
	fprintf(stderr, "inversion: high %llu low %llu\n", (unsigned long long)p.high_iters,
		(unsigned long long)p.low_iters);
	num_tx_drop(&p.tx);
	num_rx_drop(&p.rx);
	return 0;
}
START_TEST(test_priority_inversion) { RUN_IN_TASK(inversion, NULL); }
END_TEST


#define ADD(fn, setup, secs)                                      \
	do {                                                      \
		TCase *tc = tcase_create(#fn);                    \
		tcase_set_timeout(tc, secs);                      \
		tcase_add_checked_fixture(tc, setup, teardown);   \
		tcase_add_test(tc, fn);                           \
		suite_add_tcase(s, tc);                           \
	} while (0)

static Suite *stress_suite(void)
{
	Suite *s = suite_create("chan_stress");
	ADD(test_kills_rendezvous, setup_smp, 240);
	ADD(test_kills_async, setup_smp, 240);
	ADD(test_priority_inversion, setup_prio1, 240);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(stress_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
