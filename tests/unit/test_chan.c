/* The channel cells at their own level (docs/channels.md): the typed API
 * of cells/chan/chan.h against the loaded chan_rendezvous (and chan_async
 * after a swap), in tasks on one virtual CPU, so every interleaving below
 * is the one the test sets up: a spawned task runs when the test's task
 * blocks or yields. Each test states what it would catch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "cell_support.h"
#include "heap.h"
#include "swap.h"
#include "task.h"
#include "tboot.h"
#include "cells/chan/chan.h"

#include "chan_forward.h"

CHAN_TYPE(num, uint64_t);

static struct chan_stats stats_of(const struct chan_end *e)
{
	struct chan_stats s;
	T_CHECK(chan_stats(e, &s) == E_OK);
	return s;
}

/* Yields until n senders (or receivers) wait on e's channel: a spawned
 * task runs when the test's task yields, but the tick may preempt it
 * before it blocks, so one yield is not always enough. */
static bool waiting(const struct chan_end *e, bool senders, unsigned n)
{
	for (int i = 0; i < 10000; i++) {
		struct chan_stats s = stats_of(e);
		if ((senders ? s.send_waiting : s.recv_waiting) == n)
			return true;
		T_CHECK(task_yield());
	}
	return false;
}

static void setup(void)
{
	tboot_setup_tasks();
	load("chan_rendezvous");
}

static void setup_untimed(void)
{
	tboot_setup_tasks_untimed();
	load("chan_rendezvous");
}

/* Whichever channel cell serves at the end goes, and the retired one
 * with it: nothing of the channels is left. */
static void teardown(void)
{
	unload(ns_find_cell(ns_root(), "chan_async") ? "chan_async" : "chan_rendezvous");
	swap_reap();
	ck_assert_uint_eq(swap_retired_count(), 0);
	tboot_teardown_tasks();
}

/* A task that sends one number and records the outcome. */
struct sender {
	struct num_tx *tx; /* borrowed: the test holds it until the join */
	uint64_t value;
	uint64_t deadline;
	enum chan_status status;
	uint64_t value_after; /* the message after the call: handed back untouched unless OK */
};
static int64_t send_one(struct sender **sp)
{
	struct sender *s = *sp;
	uint64_t v = s->value;
	s->status = chan_send_until(s->tx, &v, s->deadline).status;
	s->value_after = v;
	return 0;
}

struct receiver {
	struct num_rx *rx;
	uint64_t deadline;
	enum chan_status status;
	uint64_t got;
};
static int64_t recv_one(struct receiver **rp)
{
	struct receiver *r = *rp;
	r->status = chan_recv_until(r->rx, &r->got, r->deadline).status;
	return 0;
}

static struct task_ref spawn_sender(struct sender *s)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "sender";
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, send_one, &s, &t) == E_OK);
	return t;
}

static struct task_ref spawn_receiver(struct receiver *r)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "receiver";
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, recv_one, &r, &t) == E_OK);
	return t;
}

static void join(struct task_ref *t)
{
	int64_t v;
	T_CHECK(task_join(t, &v) == E_OK);
	task_ref_drop(t);
}

/* Catches: a try that blocks or reports the wrong status; counts not set. */
static int64_t try_paths(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 4) == E_OK);
	uint64_t v = 7;
	T_CHECK(chan_try_recv(&rx, &v).status == CHAN_EMPTY);
	T_CHECK(chan_try_send(&tx, &v).status == CHAN_FULL); /* rendezvous: no receiver waits */
	T_CHECK(v == 7);
	struct chan_stats s = stats_of(&tx.end);
	T_CHECK(s.senders == 1 && s.receivers == 1 && s.buffered == 0 && s.capacity == 4 && s.msg_size == 8);
	T_CHECK(!strcmp(chan_flavor(), "rendezvous"));
	return 0;
}
START_TEST(test_try_variants_never_block) { RUN_IN_TASK(try_paths, NULL); }
END_TEST

/* Catches: a rendezvous send that returns before a receiver took the
 * message (it would have buffered), or senders served out of order. */
static int64_t rendezvous_order(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 4) == E_OK);
	struct sender s[3];
	struct task_ref t[3];
	for (int i = 0; i < 3; i++) {
		s[i] = (struct sender){ &tx, 100 + i, CHAN_FOREVER, -1, 0 };
		t[i] = spawn_sender(&s[i]);
		T_CHECK(waiting(&tx.end, true, (unsigned)i + 1)); /* it runs until it blocks in its send */
		T_CHECK(s[i].status == (enum chan_status)-1); /* still waiting: nothing buffered */
	}
	T_CHECK(stats_of(&rx.end).buffered == 0);
	for (int i = 0; i < 3; i++) {
		uint64_t got = 0;
		T_CHECK(chan_recv(&rx, &got).status == CHAN_OK);
		T_CHECK(got == 100u + (unsigned)i);
	}
	for (int i = 0; i < 3; i++) {
		join(&t[i]);
		T_CHECK(s[i].status == CHAN_OK);
	}
	struct chan_stats st = stats_of(&rx.end);
	T_CHECK(st.sent == 3 && st.received == 3 && st.send_waiting == 0);
	return 0;
}
START_TEST(test_rendezvous_send_waits_for_its_receiver_in_order) { RUN_IN_TASK(rendezvous_order, NULL); }
END_TEST

/* Catches: a receiver that waits is not handed the message directly (it
 * would need a second wake), or the handed message is wrong. */
static int64_t handoff(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 1) == E_OK);
	struct receiver r = { &rx, CHAN_FOREVER, -1, 0 };
	struct task_ref t = spawn_receiver(&r);
	T_CHECK(waiting(&rx.end, false, 1));
	uint64_t v = 42;
	T_CHECK(chan_try_send(&tx, &v).status == CHAN_OK); /* a waiting receiver takes it at once */
	join(&t);
	T_CHECK(r.status == CHAN_OK && r.got == 42);
	return 0;
}
START_TEST(test_a_waiting_receiver_takes_the_message_at_once) { RUN_IN_TASK(handoff, NULL); }
END_TEST

/* Catches: dropping the last receiver without waking waiting senders, a
 * sender's message changed when it is handed back, later sends accepted. */
static int64_t receiver_gone(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct num_rx rx2 CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_clone_end(&rx, &rx2) == E_OK);
	struct sender s = { &tx, 5, CHAN_FOREVER, -1, 0 };
	struct task_ref t = spawn_sender(&s);
	T_CHECK(waiting(&tx.end, true, 1));
	num_rx_drop(&rx);
	T_CHECK(s.status == (enum chan_status)-1); /* a receiver is left */
	T_CHECK(stats_of(&tx.end).receivers == 1);
	num_rx_drop(&rx2);
	join(&t);
	T_CHECK(s.status == CHAN_DISCONNECTED && s.value_after == 5);
	uint64_t v = 6;
	T_CHECK(chan_send(&tx, &v).status == CHAN_DISCONNECTED && v == 6);
	T_CHECK(stats_of(&tx.end).receivers == 0);
	return 0;
}
START_TEST(test_last_receiver_gone_fails_sends_and_hands_messages_back) { RUN_IN_TASK(receiver_gone, NULL); }
END_TEST

/* Catches: receivers told "disconnected" while messages are still
 * buffered, or a waiting receiver never woken by the last sender's drop. */
static int64_t sender_gone(void *unused)
{
	struct swap_result res;
	T_CHECK(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res) == E_OK);
	T_CHECK(!strcmp(chan_flavor(), "async"));
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 4) == E_OK);
	for (uint64_t i = 1; i <= 3; i++)
		T_CHECK(chan_try_send(&tx, &i).status == CHAN_OK);
	T_CHECK(stats_of(&rx.end).buffered == 3);
	num_tx_drop(&tx);
	for (uint64_t i = 1; i <= 3; i++) {
		uint64_t got = 0;
		T_CHECK(chan_recv(&rx, &got).status == CHAN_OK && got == i);
	}
	uint64_t got;
	T_CHECK(chan_recv(&rx, &got).status == CHAN_DISCONNECTED);
	/* A receiver already waiting when the last sender goes. */
	struct num_tx tx2 CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx2 CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx2, &rx2, 4) == E_OK);
	struct receiver r = { &rx2, CHAN_FOREVER, -1, 0 };
	struct task_ref t = spawn_receiver(&r);
	T_CHECK(waiting(&rx2.end, false, 1));
	num_tx_drop(&tx2);
	join(&t);
	T_CHECK(r.status == CHAN_DISCONNECTED);
	return 0;
}
START_TEST(test_last_sender_gone_drains_then_disconnects) { RUN_IN_TASK(sender_gone, NULL); }
END_TEST

/* Catches: a deadline ignored (the test would hang), a timed-out waiter
 * left queued (the next send would write into a dead frame). */
static int64_t timeouts(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 1) == E_OK);
	uint64_t v = 9, before = time_ns();
	T_CHECK(chan_recv_timeout(&rx, &v, 20000000).status == CHAN_TIMEOUT);
	T_CHECK(time_ns() - before >= 20000000);
	T_CHECK(chan_send_timeout(&tx, &v, 20000000).status == CHAN_TIMEOUT && v == 9);
	struct chan_stats s = stats_of(&tx.end);
	T_CHECK(s.send_waiting == 0 && s.recv_waiting == 0 && s.sent == 0);
	return 0;
}
START_TEST(test_timeouts_leave_nothing_queued) { RUN_IN_TASK(timeouts, NULL); }
END_TEST

/* Catches: clones not counted (the first drop would disconnect), drops
 * that do not count down, the last drop not freeing the channel. */
static int64_t clones(void *unused)
{
	struct heap_stats h0;
	heap_stats(&h0);
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct num_tx more[3];
	for (int i = 0; i < 3; i++)
		T_CHECK(chan_clone_end(&tx, &more[i]) == E_OK);
	T_CHECK(stats_of(&rx.end).senders == 4);
	num_tx_drop(&tx);
	for (int i = 0; i < 2; i++)
		num_tx_drop(&more[i]);
	uint64_t v;
	T_CHECK(chan_try_recv(&rx, &v).status == CHAN_EMPTY); /* one sender is left */
	num_tx_drop(&more[2]);
	T_CHECK(chan_try_recv(&rx, &v).status == CHAN_DISCONNECTED);
	num_rx_drop(&rx);
	num_rx_drop(&rx); /* an empty endpoint: nothing */
	struct heap_stats h1;
	heap_stats(&h1);
	T_CHECK(h1.live_blocks == h0.live_blocks);
	return 0;
}
START_TEST(test_clones_count_and_the_last_drop_frees) { RUN_IN_TASK(clones, NULL); }
END_TEST

/* Catches: a waiter left queued when its task is killed (the next send
 * would write into its dead frame), the killed task's endpoint kept. */
static int64_t killed_waiter(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct receiver r = { &rx, CHAN_FOREVER, -1, 0 };
	struct task_ref t = spawn_receiver(&r);
	T_CHECK(waiting(&rx.end, false, 1));
	T_CHECK(task_kill(&t) == E_OK);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_FAILED);
	task_ref_drop(&t);
	T_CHECK(stats_of(&rx.end).recv_waiting == 0);
	uint64_t m = 3;
	T_CHECK(chan_try_send(&tx, &m).status == CHAN_FULL); /* nobody waits any more */
	return 0;
}
START_TEST(test_a_killed_waiter_leaves_the_queue) { RUN_IN_TASK(killed_waiter, NULL); }
END_TEST

/* Catches: a message handed to a receiver that dies before its call
 * returns is lost with it; it must go back first in line. */
static int64_t dying_receiver(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct receiver r = { &rx, CHAN_FOREVER, -1, 0 };
	struct task_ref t = spawn_receiver(&r);
	T_CHECK(waiting(&rx.end, false, 1));
	uint64_t m = 77;
	T_CHECK(chan_send(&tx, &m).status == CHAN_OK); /* handed over; the receiver has not run yet */
	T_CHECK(task_kill(&t) == E_OK);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_FAILED);
	task_ref_drop(&t);
	uint64_t got = 0;
	T_CHECK(chan_try_recv(&rx, &got).status == CHAN_OK && got == 77);
	struct chan_stats s = stats_of(&rx.end);
	T_CHECK(s.sent == 1 && s.received == 1 && s.lost == 0);
	return 0;
}
START_TEST(test_a_message_taken_by_a_dying_receiver_is_not_lost) { RUN_IN_TASK(dying_receiver, NULL); }
END_TEST

/* Catches: a swap that drops the senders waiting under the rendezvous
 * protocol, or lets a new message overtake them; and a swap back that
 * loses what the ring buffered. */
static int64_t swap_mid_flight(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 8) == E_OK);
	struct sender s[2] = { { &tx, 1, CHAN_FOREVER, -1, 0 }, { &tx, 2, CHAN_FOREVER, -1, 0 } };
	struct task_ref t[2];
	for (int i = 0; i < 2; i++) {
		t[i] = spawn_sender(&s[i]);
		T_CHECK(waiting(&tx.end, true, (unsigned)i + 1)); /* 1 waits before 2 */
	}
	struct swap_result res;
	T_CHECK(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res) == E_OK);
	uint64_t three = 3, four = 4;
	T_CHECK(chan_try_send(&tx, &three).status == CHAN_OK); /* buffered now, behind 1 and 2 */
	T_CHECK(chan_try_send(&tx, &four).status == CHAN_OK);
	for (int i = 0; i < 2; i++) {
		join(&t[i]);
		T_CHECK(s[i].status == CHAN_OK);
	}
	T_CHECK(stats_of(&tx.end).buffered == 4);
	uint64_t got = 0;
	T_CHECK(chan_recv(&rx, &got).status == CHAN_OK && got == 1);
	T_CHECK(swap_one("chan_async", "chan_rendezvous", NULL, 0, &res) == E_OK);
	T_CHECK(!strcmp(chan_flavor(), "rendezvous"));
	for (uint64_t want = 2; want <= 4; want++)
		T_CHECK(chan_recv(&rx, &got).status == CHAN_OK && got == want);
	T_CHECK(chan_try_recv(&rx, &got).status == CHAN_EMPTY);
	return 0;
}
START_TEST(test_a_swap_mid_flight_keeps_every_message_in_order) { RUN_IN_TASK(swap_mid_flight, NULL); }
END_TEST

/* A task whose cleanup receives from a channel, killed while it sleeps:
 * its cleanup runs while it unwinds, and a blocking receive there must
 * not wait (nothing would ever come, and the kill would never end). */
struct cleanup_recv {
	struct num_rx *rx;
	enum chan_status status;
};
static void receive_in_cleanup(struct cleanup_recv **cp)
{
	uint64_t v;
	(*cp)->status = chan_recv((*cp)->rx, &v).status;
}
static int64_t sleeps_with_a_cleanup(struct cleanup_recv **cp)
{
	struct cleanup_recv *c CLEANUP(receive_in_cleanup) = *cp;
	while (c)
		task_sleep_ns(1000000000);
	return 0;
}

/* Catches: a blocking call from a dying task's cleanup that waits (the
 * kill would hang), or one that does not say why it did not wait. */
static int64_t killed_status(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	struct cleanup_recv c = { &rx, -1 }, *cp = &c;
	struct task_options o = TASK_OPTIONS_DEFAULT;
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, sleeps_with_a_cleanup, &cp, &t) == E_OK);
	T_CHECK(task_yield());
	T_CHECK(task_kill(&t) == E_OK);
	int64_t v;
	T_CHECK(task_join(&t, &v) == E_FAILED);
	task_ref_drop(&t);
	T_CHECK(c.status == CHAN_KILLED);
	T_CHECK(stats_of(&rx.end).recv_waiting == 0);
	return 0;
}
START_TEST(test_a_dying_task_does_not_wait_in_a_channel) { RUN_IN_TASK(killed_status, NULL); }
END_TEST

/* Catches: a channel used with preemption disabled (a wait would hang one
 * CPU, and a lock held by a task preempted on this CPU would never come
 * free), or a refused waiter left queued. */
static int64_t refused(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	uint64_t v = 1;
	preempt_disable();
	enum chan_status got = chan_recv(&rx, &v).status;
	enum chan_status sent = chan_try_send(&tx, &v).status;
	preempt_enable();
	T_CHECK(got == CHAN_REFUSED);
	T_CHECK(sent == CHAN_REFUSED && v == 1);
	T_CHECK(stats_of(&rx.end).recv_waiting == 0);
	return 0;
}
START_TEST(test_a_wait_with_preemption_disabled_is_refused) { RUN_IN_TASK(refused, NULL); }
END_TEST

/* A restartable receiver that owns its endpoint through its argument:
 * the kept copy keeps the receiver side alive while the task restarts,
 * and each run takes a fresh endpoint from it. */
struct owner_arg {
	struct num_rx rx;
	uint64_t *got;
	unsigned *runs;
};
static void owner_release(struct owner_arg *a) { num_rx_drop(&a->rx); }
static int64_t restarting_receiver(struct owner_arg *a)
{
	struct num_rx mine CHAN_AUTO(num_rx) = CHAN_NONE;
	if (chan_clone_end(&a->rx, &mine))
		return -1;
	if ((*a->runs)++ == 0)
		task_panic("the first run fails before it receives");
	for (int i = 0; i < 3; i++)
		if (chan_recv(&mine, &a->got[i]).status != CHAN_OK)
			return -2;
	return 0;
}

/* Catches: a restart that finds the channel disconnected (the endpoint
 * dropped with the failed run and nothing kept), an endpoint leaked by the
 * failed run (the sender would never see the disconnection), arg_release
 * not dropping the kept endpoint at the task's end. */
static int64_t restarted_receiver(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 2) == E_OK);
	uint64_t got[3] = { 0 };
	unsigned runs = 0;
	struct owner_arg a = { .got = got, .runs = &runs };
	chan_move(&a.rx, &rx);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "receiver";
	o.restartable = true;
	struct task_ref t;
	struct owner_arg *ap = &a;
	T_CHECK(TASK_SPAWN_OWNING(&o, restarting_receiver, owner_release, ap, &t) == E_OK);
	for (uint64_t i = 1; i <= 3; i++)
		T_CHECK(chan_send(&tx, &i).status == CHAN_OK); /* the restarted run takes them */
	int64_t v = -1;
	T_CHECK(task_join(&t, &v) == E_OK && v == 0);
	task_ref_drop(&t);
	T_CHECK(runs == 2 && got[0] == 1 && got[1] == 2 && got[2] == 3);
	T_CHECK(stats_of(&tx.end).receivers == 0); /* the kept copy was released at the end */
	uint64_t m = 4;
	T_CHECK(chan_send(&tx, &m).status == CHAN_DISCONNECTED);
	return 0;
}
START_TEST(test_a_restarted_receiver_takes_a_fresh_endpoint) { RUN_IN_TASK(restarted_receiver, NULL); }
END_TEST

/* Catches: state kept in the channel cells' own data (a table of
 * channels, a counter), which a swap or a reload would lose. */
static void assert_no_writable_data(const char *name)
{
	struct cell *c = ns_find_cell(ns_root(), name);
	ck_assert_msg(c, "%s is not loaded", name);
	size_t sections = 0;
	for (size_t k = 0; k < c->n_sections; k++) {
		const struct cell_section *sec = &c->sections[k];
		ck_assert_msg(sec->region != REGION_DATA || sec->size == 0, "%s has writable data: %s (%zu bytes)",
			      name, sec->name, sec->size);
		sections += sec->region == REGION_TEXT;
	}
	ck_assert_uint_gt(sections, 0); /* the cell was really looked at */
}

START_TEST(test_the_channel_cells_keep_no_static_data)
{
	assert_no_writable_data("chan_rendezvous");
	struct swap_result res;
	ck_assert_int_eq(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res), E_OK);
	assert_no_writable_data("chan_async");
	ck_assert_uint_eq(res.copied, 0); /* nothing to carry over */
}
END_TEST

static Suite *chan_suite(void)
{
	Suite *s = suite_create("chan");
	/* Interleavings set up by the test itself: no tick preempts a task
	 * between the steps (a receiver killed after it was handed a
	 * message, before it ran). */
	TCase *tc = tcase_create("interleavings");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_untimed, teardown);
	tcase_add_test(tc, test_try_variants_never_block);
	tcase_add_test(tc, test_rendezvous_send_waits_for_its_receiver_in_order);
	tcase_add_test(tc, test_a_waiting_receiver_takes_the_message_at_once);
	tcase_add_test(tc, test_last_receiver_gone_fails_sends_and_hands_messages_back);
	tcase_add_test(tc, test_last_sender_gone_drains_then_disconnects);
	tcase_add_test(tc, test_clones_count_and_the_last_drop_frees);
	tcase_add_test(tc, test_a_killed_waiter_leaves_the_queue);
	tcase_add_test(tc, test_a_message_taken_by_a_dying_receiver_is_not_lost);
	tcase_add_test(tc, test_a_swap_mid_flight_keeps_every_message_in_order);
	tcase_add_test(tc, test_a_restarted_receiver_takes_a_fresh_endpoint);
	tcase_add_test(tc, test_a_dying_task_does_not_wait_in_a_channel);
	tcase_add_test(tc, test_a_wait_with_preemption_disabled_is_refused);
	tcase_add_test(tc, test_the_channel_cells_keep_no_static_data);
	suite_add_tcase(s, tc);
	TCase *timed = tcase_create("deadlines");
	tcase_set_timeout(timed, 60);
	tcase_add_checked_fixture(timed, setup, teardown);
	tcase_add_test(timed, test_timeouts_leave_nothing_queued);
	suite_add_tcase(s, timed);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(chan_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
