/* The channel fault cases (docs/faults.md, "Channel fault cases"), one
 * test per case: cells/itc_faults runs an exchange of ITC_MESSAGES numbered
 * messages between a restartable sender and a restartable receiver with
 * one site of the channel code armed (cells/chan_faults); this test checks
 * what the exchange saw (who restarted, every number once and in order, the
 * disconnection at the end) and, from outside, what the kernel recorded:
 * one fault, in the expected task, of the expected kind, at the expected
 * place, recovered by a restart, the channel repaired when its lock was held,
 * and the machine still running. Each test says what it expects and which
 * broken implementation it catches.
 * Not under memcheck: most cases are deliberate machine faults, an invalid
 * access by design (docs/faults.md), and every case restarts a task, which
 * memcheck sees as reads below the stack pointer in the context switch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "fault.h"
#include "hosted.h"
#include "swap.h"
#include "task.h"
#include "tboot.h"
#include "itc_faults/itc_faults.h"
#include "chan/chan.h"

#include <valgrind/valgrind.h>

static void setup(void)
{
	tboot_setup_tasks();
	hosted_fault_init();
	fault_init();
	load("itc_faults"); /* and what it needs: chan_rendezvous, chan_faults */
}

struct log_copy {
	size_t n;
	struct fault_record r[4];
};
static void copy_one(const struct fault_record *r, void *arg)
{
	struct log_copy *l = arg;
	if (l->n < 4)
		l->r[l->n] = *r;
	l->n++;
}

struct run {
	unsigned index;
	struct itc_outcome out;
};
static int64_t run_case(struct run *r)
{
	bool (*run)(unsigned, struct itc_outcome *) = (void *)sym_addr("itc_faults_run");
	return run(r->index, &r->out) ? 0 : -1;
}

static unsigned case_index(const char *name)
{
	unsigned (*count)(void) = (void *)sym_addr("itc_faults_count");
	const struct itc_case *(*get)(unsigned) = (void *)sym_addr("itc_faults_case");
	for (unsigned i = 0; i < count(); i++)
		if (!strcmp(get(i)->name, name))
			return i;
	ck_abort_msg("no case %s", name);
	return 0;
}

#include "chan_forward.h"
CHAN_TYPE(num, uint64_t);

/* What the kernel must have recorded, beyond what the case itself checks. */
struct expect {
	const char *where; /* in the fault record's place */
	bool lock_held;    /* the channel's lock was held: the channel was repaired */
};

/* Runs the named case and checks it. Returns the outcome for more checks. */
static struct itc_outcome check_case(const char *name, struct expect x)
{
	unsigned i = case_index(name);
	const struct itc_case *c = ((const struct itc_case *(*)(unsigned))sym_addr("itc_faults_case"))(i);
	if (!strcmp(c->flavor, "async")) {
		struct swap_result res;
		ck_assert_int_eq(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res), E_OK);
	}
	size_t before = fault_log_count();
	struct run r = { .index = i };
	ck_assert_int_eq(RUN_IN_TASK(run_case, &r), 0);
	struct itc_outcome o = r.out;
	unsigned times = c->times ? c->times : 1;
	ck_assert_msg(o.ran, "%s did not run under %s", name, c->flavor);
	ck_assert_msg(o.as_expected, "%s: %s", name, o.observed);
	ck_assert_uint_eq(o.fired, times);
	ck_assert_uint_eq(o.accepted, ITC_MESSAGES);
	ck_assert_uint_eq(o.gaps, 0);
	ck_assert_uint_eq(o.dups, c->wire_dups);
	ck_assert_uint_eq(o.sender_runs, c->victim == ITC_SENDER ? times + 1 : 1);
	ck_assert_uint_eq(o.receiver_runs, c->victim == ITC_RECEIVER ? times + 1 : 1);
	ck_assert(o.recovered == c->full);
	ck_assert(o.late == !c->disconnects); /* only endpoint_ch's receiver waits out its final deadline */
	/* The kernel's side: one fault per firing, in the victim, climbing the
	 * cascade from a restart: stage 3 is passed over (the channel cells
	 * have no data to put back), stage 4 reloads the faulting cell. */
	static const enum fault_action climb[] = { ACTION_RESTARTED, ACTION_RESTARTED, ACTION_RELOADED };
	struct log_copy l = { 0 };
	fault_log_for_each(copy_one, &l);
	ck_assert_uint_eq(l.n - before, times);
	for (unsigned k = 0; k < times; k++) {
		const struct fault_record *f = &l.r[before + k];
		ck_assert_str_eq(f->task, c->victim == ITC_SENDER ? "itc_sender" : "itc_receiver");
		ck_assert_int_eq(f->kind, c->panics ? FAULT_PANIC : FAULT_MACHINE);
		ck_assert_int_eq(f->action, climb[k]);
		ck_assert_msg(strstr(f->where, x.where), "%s: the fault was at %s, not in %s", name, f->where, x.where);
	}
	ck_assert_msg(!x.lock_held || o.repairs >= 1, "%s: the channel was not repaired", name);
	return o;
}

/* Receiver page-faults copying from a waiting sender into a corrupted
 * destination, holding the lock: it restarts and takes the same message
 * again; the sender's wait is repaired and it re-queues, never restarted.
 * Catches: a take that completes the sender before its copy (the message
 * would be lost), a repair that leaves the sender waiting on a list it
 * was cut from (the exchange would hang). */
START_TEST(test_recv_dest) { check_case("recv_dest", (struct expect){ "memcpy", true }); }
END_TEST

/* Sender page-faults reading its corrupted message pointer while handing
 * over: it restarts and sends the unacknowledged message again.
 * Catches: a hand-over that completes the receiver before the copy (a
 * message lost), a sender that counts a send it never finished. */
START_TEST(test_send_src) { check_case("send_src", (struct expect){ "memcpy", true }); }
END_TEST

/* The waiting receiver's buffer pointer is corrupted in its own waiter:
 * the sender page-faults handing over. The repair must cut the broken
 * waiter off instead of leaving it first in line, and the receiver must
 * re-queue with its own good buffer. Catches: a repair that keeps waiter
 * lists (the restarted sender faults at the same place again, climbing
 * the cascade to a reboot), a cut-off waiter that never re-queues. */
START_TEST(test_handover_dest) { check_case("handover_dest", (struct expect){ "memcpy", true }); }
END_TEST

/* The waiting sender's message pointer is corrupted in its waiter: the
 * receiver page-faults taking it. The sender, cut off by the repair,
 * re-queues with its own message. Catches: the same as handover_dest,
 * from the receiving side; a sender told OK for a message never taken. */
START_TEST(test_take_src) { check_case("take_src", (struct expect){ "memcpy", true }); }
END_TEST

/* A high bit of the ring's head flips (async): the pop's range check
 * panics the receiver, whose cleanup repairs the head (exact: the bit lies
 * above the power-of-two capacity). Catches: a ring without a range check
 * (it would read past its slots), a repair that does not bring the head
 * back (the restarted receiver would panic again). */
START_TEST(test_ring_head) { check_case("ring_head", (struct expect){ "chan_async", true }); }
END_TEST

/* A high bit of the ring's count flips at a push (async): the sender
 * panics; the repair recounts from sent - received - lost. Catches: a
 * repair that only clamps the count (the ring would hold phantom
 * messages: numbers repeated or garbage received). */
START_TEST(test_ring_count) { check_case("ring_count", (struct expect){ "chan_async", true }); }
END_TEST

/* The first waiting receiver's link is corrupted: the sender page-faults
 * unlinking it after the copy. Catches: a repair that walks the waiter
 * lists (it follows the bad link and faults in every later locker), a
 * receiver that returns the copied message although never completed. */
START_TEST(test_waiter_link) { check_case("waiter_link", (struct expect){ "chan_rendezvous", true }); }
END_TEST

/* The channel's reference to its first waiting sender is corrupted: the
 * receiver page-faults following it. Catches: a repair that follows it,
 * a waiting sender that is never woken to re-queue (a hang). */
START_TEST(test_waiter_ref) { check_case("waiter_ref", (struct expect){ "chan_rendezvous", true }); }
END_TEST

/* A high bit of the sender count flips: the receiver's range check panics;
 * the repair drops the impossible bits. Catches: no range check (the last
 * sender's drop would never disconnect: the receiver would time out), a
 * repair that leaves the count (the restarted receiver panics again). */
START_TEST(test_sender_count) { check_case("sender_count", (struct expect){ "chan_rendezvous", true }); }
END_TEST

/* The receiver's channel pointer is corrupted after its waiter is queued,
 * before it blocks: it page-faults in the cell's check before the wait, and
 * its cleanup takes its waiter off the queue. Catches: a wait that hands
 * the pointer to the kernel unchecked (a fault under the wait queue's
 * spinlock stops the machine), a cleanup that leaves the dead waiter
 * queued (the next hand-over writes into a dead frame). */
START_TEST(test_wait_queued) { check_case("wait_queued", (struct expect){ "chan_rendezvous", false }); }
END_TEST

/* A fault between a push's slot and its commit (async, lock held): the
 * repair undoes the uncommitted slot, the sender resends it. Catches: a
 * repair that keeps the half-pushed message (the receiver would get that
 * number twice: one duplicate). */
START_TEST(test_push_midway) { check_case("push_midway", (struct expect){ "chan_fault_trap", true }); }
END_TEST

/* The receiver faults after taking a waiting sender's message, before
 * waking it: its cleanup gives the message back (first in line, the ring),
 * and the repair wakes the sender, already completed. Catches: a receive
 * that does not hold the message until it returns (lost), a repair that
 * does not wake waiters (the sender would wait forever). */
START_TEST(test_wake_rx) { check_case("wake_rx", (struct expect){ "chan_fault_trap", true }); }
END_TEST

/* The same under the buffered protocol, where the receive's pop made room
 * that the refill filled again with the waiting sender's message: the
 * dying receiver's message goes back into the ring's spare slot, first in
 * line. Catches: a ring without the spare slot (the message finds no room
 * and is lost: chan_stats.lost), a give-back behind the refilled message
 * (out of order). This one is reachable without injection: a kill the
 * tick delivers in that window. */
START_TEST(test_wake_rx_async) { check_case("wake_rx_async", (struct expect){ "chan_fault_trap", true }); }
END_TEST

/* The sender faults after handing over, before waking the receiver: the
 * repair in its cleanup wakes the receiver, which returns the message;
 * the restarted sender resends it once, discarded by its number. Catches:
 * a dying lock holder that does not repair at once (the receiver waits
 * until someone locks the channel), a receiver that counts a resend. */
START_TEST(test_wake_tx) { check_case("wake_tx", (struct expect){ "chan_fault_trap", true }); }
END_TEST

/* The last sender faults in its drop after the count reached 0, before
 * the receivers are told: the repair wakes the waiting receiver, which
 * finds no sender left and is told disconnected. Catches: a waiter left
 * waiting for a completion that will never come (a hang, here a timeout). */
START_TEST(test_drop_last) { check_case("drop_last", (struct expect){ "chan_fault_trap", true }); }
END_TEST

/* The clone's destination is corrupted: the sender page-faults at its
 * start, restarts and clones again. Catches: a clone that counts the
 * endpoint before writing it (a count leaks: the last drop would not
 * disconnect and the receiver would time out with a sender left). */
START_TEST(test_clone) { check_case("clone", (struct expect){ "chan_rendezvous", true }); }
END_TEST

/* The receiver asks for a wrong message size: a checked panic before the
 * lock. Catches: a receive that copies a size other than the channel's. */
START_TEST(test_recv_size) { check_case("recv_size", (struct expect){ "chan_rendezvous", false }); }
END_TEST

/* The sender's own endpoint is corrupted to lead to something that is not
 * a channel: the layout check panics, the dying task's drop forgets the
 * endpoint, the sender restarts and every message arrives. Not recovered
 * fully, as the case states: the count the lost endpoint held stays, so
 * the receiver is never told that the senders are gone (it times out).
 * Catches: a drop that panics in the cleanup (the unwind would end there
 * and the sender would never restart: messages lost), a count "repaired"
 * by guessing (the channel would disconnect while a sender lives). */
START_TEST(test_endpoint_ch)
{
	struct itc_outcome o = check_case("endpoint_ch", (struct expect){ "chan_rendezvous", false });
	ck_assert_uint_eq(o.senders_left, 1);
	ck_assert_int_eq(o.receiver_end, CHAN_TIMEOUT);
}
END_TEST

/* waiter_ref three times over: the receiver faults at the same place in
 * chan_rendezvous thrice, so recovery climbs the cascade: restart, restart
 * again (stage 3 finds no data to put back), then chan_rendezvous reloaded
 * from its object by a swap while the sender waits inside the old load. The
 * channel's state lives in its object, so the fourth run takes every
 * message and the sender never notices. Catches: channel state kept in the
 * cell (lost by the reload), a waiter left on a list by the reload (the
 * sender would hang), a reload refused (the machine would reboot). */
START_TEST(test_waiter_ref_x3)
{
	check_case("waiter_ref_x3", (struct expect){ "chan_rendezvous", true });
	struct log_copy l = { 0 };
	fault_log_for_each(copy_one, &l);
	ck_assert_msg(strstr(l.r[2].detail, "chan_rendezvous reloaded"), "%s", l.r[2].detail);
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "chan_rendezvous"));
}
END_TEST

/* A kill of a receiver that took a message arrives at the channel's unlock
 * (kills are deferred while the lock is held), before its call returns:
 * the message must go back to the ring's head, not die with the task.
 * Catches: a receive that lets go of the message before the unlock (the
 * kill lands after it: the message is lost, the ring empty). */
static int64_t receive_once(struct num_rx **rx)
{
	uint64_t v = 0;
	return chan_recv(*rx, &v).status == CHAN_OK ? (int64_t)v : -1;
}
static int64_t killed_at_unlock(void *unused)
{
	struct num_tx tx CHAN_AUTO(num_tx) = CHAN_NONE;
	struct num_rx rx CHAN_AUTO(num_rx) = CHAN_NONE;
	T_CHECK(chan_create(&tx, &rx, 4) == E_OK);
	uint64_t v = 77;
	T_CHECK(chan_try_send(&tx, &v).status == CHAN_OK); /* buffered: async */
	((void (*)(enum chan_fault_site, unsigned))sym_addr("chan_fault_arm"))(CF_KILL_RX, 0);
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "kill_rx";
	o.cpu = task_cpu(task_current());
	struct num_rx *rxp = &rx;
	struct task_ref t;
	T_CHECK(TASK_SPAWN(&o, receive_once, &rxp, &t) == E_OK);
	int64_t got = 0;
	T_CHECK(task_join(&t, &got) == E_FAILED); /* killed */
	task_ref_drop(&t);
	uint64_t back = 0;
	T_CHECK(chan_try_recv(&rx, &back).status == CHAN_OK && back == 77);
	struct chan_stats st;
	T_CHECK(chan_stats(&rx.end, &st) == E_OK);
	T_CHECK(st.sent == 1 && st.received == 1 && st.lost == 0 && st.buffered == 0);
	return 0;
}
START_TEST(test_kill_at_the_unlock_gives_the_message_back)
{
	struct swap_result res;
	ck_assert_int_eq(swap_one("chan_rendezvous", "chan_async", NULL, 0, &res), E_OK);
	RUN_IN_TASK(killed_at_unlock, NULL);
	ck_assert_uint_eq(((unsigned (*)(enum chan_fault_site))sym_addr("chan_fault_fired"))(CF_KILL_RX), 1);
}
END_TEST

static Suite *chan_faults_suite(void)
{
	Suite *s = suite_create("chan_faults");
	TCase *tc = tcase_create("cases");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, tboot_teardown_tasks);
	tcase_add_test(tc, test_recv_dest);
	tcase_add_test(tc, test_send_src);
	tcase_add_test(tc, test_handover_dest);
	tcase_add_test(tc, test_take_src);
	tcase_add_test(tc, test_ring_head);
	tcase_add_test(tc, test_ring_count);
	tcase_add_test(tc, test_waiter_link);
	tcase_add_test(tc, test_waiter_ref);
	tcase_add_test(tc, test_sender_count);
	tcase_add_test(tc, test_wait_queued);
	tcase_add_test(tc, test_push_midway);
	tcase_add_test(tc, test_wake_rx);
	tcase_add_test(tc, test_wake_rx_async);
	tcase_add_test(tc, test_wake_tx);
	tcase_add_test(tc, test_drop_last);
	tcase_add_test(tc, test_clone);
	tcase_add_test(tc, test_recv_size);
	tcase_add_test(tc, test_endpoint_ch);
	tcase_add_test(tc, test_waiter_ref_x3);
	tcase_add_test(tc, test_kill_at_the_unlock_gives_the_message_back);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (RUNNING_ON_VALGRIND) {
		printf("test_chan_faults: not under memcheck (deliberate machine faults and restarts)\n");
		return EXIT_SUCCESS;
	}
	SRunner *r = srunner_create(chan_faults_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
