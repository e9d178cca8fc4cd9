/* itc_faults: runs the channel fault cases (cases.c) inside the OS and
 * prints a table. One case is one exchange of ITC_MESSAGES numbered
 * messages between a restartable sender and a restartable receiver, on the
 * driver's CPU, with one site of the channel code armed.
 *
 * Stateless communication makes a restart lose nothing: the progress of
 * each side lives in the driver's record of the run, not in the task (the
 * client owns it, as in opaque exportation): the sender moves on only when
 * a send returned OK, so a restarted sender resends what was not
 * acknowledged; the receiver takes the message numbered one past the last
 * it took and discards a repeat, so a resend never counts twice. Each run
 * of a task clones its endpoint from the driver's, which lives as long as
 * the exchange. `spawn itc_faults` runs the cases of the channel cell that
 * serves now; `spawn itc_faults N` runs case N. */
#include "cell.h"
#include "itc_faults/itc_faults.h"
#include "klib.h"
#include "ktime.h"
#include "task.h"

CELL_INFO("itc_faults", CELL_APP, 1);

CHAN_TYPE(seqs, uint64_t);

#define ITC_PATIENCE_NS 5000000000ull /* a bound on one call, so a hang ends the case instead of the test */
#define ITC_END_NS 1000000000ull      /* the final wait where the senders are not expected to go */

struct itc_run {
	const struct itc_case *c;
	struct seqs_tx tx; /* the driver's endpoints: each run of a task clones its own from them */
	struct seqs_rx rx;
	volatile uint64_t next_send; /* the sender's progress: every number below it was acknowledged */
	volatile uint64_t delivered; /* the receiver's progress: every number up to it taken in order */
	volatile bool sender_cloned;
	struct itc_outcome *out;
};

struct itc_arg {
	struct itc_run *run;
};

static int64_t itc_sender(struct itc_arg *a)
{
	struct itc_run *r = a->run;
	r->out->sender_runs++;
	if (r->next_send > ITC_MESSAGES)
		return 0; /* restarted after its last send was acknowledged */
	struct seqs_tx tx CHAN_AUTO(seqs_tx) = CHAN_NONE;
	if (chan_clone_end(&r->tx, &tx))
		return -1;
	r->sender_cloned = true;
	while (r->next_send <= ITC_MESSAGES) {
		if (r->c->pace == ITC_SENDER_YIELDS)
			(void)task_yield();
		uint64_t v = r->next_send;
		enum chan_status s = chan_send_until(&tx, &v, chan_deadline_in(ITC_PATIENCE_NS)).status;
		r->out->sender_end = s;
		if (s != CHAN_OK)
			return -1;
		r->next_send = v + 1;
	}
	if (r->c->pace == ITC_SENDER_YIELDS)
		(void)task_yield(); /* the receiver waits again when this sender's endpoint goes */
	return 0;
}

/* In order: taken; a repeat: discarded; past the next: the ones between are lost. */
static void itc_take(struct itc_run *r, uint64_t v)
{
	if (v == r->delivered + 1) {
		r->delivered = v;
		r->out->accepted++;
	} else if (v <= r->delivered) {
		r->out->dups++;
	} else {
		r->out->gaps += (unsigned)(v - r->delivered - 1);
		r->delivered = v;
	}
}

static int64_t itc_receiver(struct itc_arg *a)
{
	struct itc_run *r = a->run;
	r->out->receiver_runs++;
	struct seqs_rx rx CHAN_AUTO(seqs_rx) = CHAN_NONE;
	if (chan_clone_end(&r->rx, &rx))
		return -1;
	for (;;) {
		if (r->c->pace == ITC_RECEIVER_YIELDS)
			(void)task_yield();
		uint64_t v = 0;
		/* Told disconnected at once where the case expects it; a case that
		 * expects no disconnection ends by ITC_END_NS. */
		bool end = r->delivered >= ITC_MESSAGES && !r->c->disconnects;
		uint64_t patience = end ? ITC_END_NS : ITC_PATIENCE_NS;
		uint64_t deadline = chan_deadline_in(patience);
		enum chan_status s = chan_recv_until(&rx, &v, deadline).status;
		r->out->receiver_end = s;
		/* Told only once its deadline passed (it hung till then), whatever the status. */
		r->out->late |= time_ns() >= deadline;
		if (s == CHAN_DISCONNECTED)
			return r->delivered == ITC_MESSAGES ? 0 : -1;
		if (s != CHAN_OK)
			return -1;
		itc_take(r, v);
	}
}

static struct task_ref itc_spawn(int64_t (*fn)(struct itc_arg *), const char *name, struct itc_run *r)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = name;
	o.restartable = true;
	o.cpu = task_cpu(task_current()); /* one CPU: the pace decides who waits first */
	struct itc_arg a = { r };
	struct task_ref t = { NULL };
	if (task_spawn_raw(&o, (task_entry_fn)fn, &a, sizeof a, &t))
		kprintf("itc_faults: cannot spawn %s\n", name);
	return t;
}

static int64_t itc_join(struct task_ref *t)
{
	int64_t v = -1;
	if (t->t && task_join(t, &v))
		v = -1;
	task_ref_drop(t);
	return v;
}

/* The exchange, with c's site armed: the driver keeps its endpoints until
 * the sender has ended for good (drop_last: only until the sender has its
 * own, so that the sender's is the last), then lets the receiver hear that
 * the senders are gone. */
static unsigned itc_times(const struct itc_case *c) { return c->times ? c->times : 1; }

static bool itc_exchange(struct itc_run *r)
{
	if (chan_create(&r->tx, &r->rx, r->c->capacity))
		return false;
	chan_fault_disarm_all();
	chan_fault_arm_times(r->c->site, r->c->skip, itc_times(r->c));
	unsigned fired_before = chan_fault_fired(r->c->site);
	struct task_ref rt = itc_spawn(itc_receiver, "itc_receiver", r);
	struct task_ref st = itc_spawn(itc_sender, "itc_sender", r);
	if (r->c->site == CF_DROP_LAST) {
		while (!r->sender_cloned && st.t && task_state(st.t) == TASK_RUNNABLE)
			(void)task_yield();
		seqs_tx_drop(&r->tx);
	}
	r->out->sender_value = itc_join(&st);
	seqs_tx_drop(&r->tx);
	r->out->receiver_value = itc_join(&rt);
	chan_fault_disarm_all();
	r->out->fired = chan_fault_fired(r->c->site) - fired_before;
	r->out->delivered = r->delivered;
	struct chan_stats s;
	if (!chan_stats(&r->rx.end, &s)) {
		r->out->senders_left = s.senders;
		r->out->repairs = s.repairs;
	}
	seqs_rx_drop(&r->rx);
	return true;
}

/* Whether the run recovered fully: the fault fired once, the victim
 * restarted once and the peer never did, every message arrived once and in
 * order (a resend discarded by its number only where the case says so),
 * both tasks ended well and the receiver heard that the senders are gone. */
static void itc_judge(const struct itc_case *c, struct itc_outcome *o)
{
	unsigned victim = c->victim == ITC_SENDER ? o->sender_runs : o->receiver_runs;
	unsigned peer = c->victim == ITC_SENDER ? o->receiver_runs : o->sender_runs;
	bool delivered = o->delivered == ITC_MESSAGES && o->accepted == ITC_MESSAGES && !o->gaps &&
			 o->dups == c->wire_dups;
	bool restarts = o->fired == itc_times(c) && victim == itc_times(c) + 1 && peer == 1;
	bool ended = o->sender_value == 0 && o->receiver_value == 0 && o->receiver_end == CHAN_DISCONNECTED &&
		     o->senders_left == 0 && !o->late;
	o->recovered = restarts && delivered && ended;
	if (c->full)
		o->as_expected = o->recovered;
	else /* endpoint_ch: all but the disconnection, which times out with one sender left */
		o->as_expected = restarts && delivered && o->sender_value == 0 && o->receiver_end == CHAN_TIMEOUT &&
				 o->senders_left == 1;
	ksnprintf(o->observed, sizeof o->observed, "%s restarted %ux, peer ran %ux; %llu/%u in order, %u dup, %u lost; %s, %u sender(s) left%s",
		  c->victim == ITC_SENDER ? "sender" : "receiver", victim ? victim - 1 : 0, peer,
		  (unsigned long long)o->accepted, ITC_MESSAGES, o->dups, o->gaps, chan_status_name(o->receiver_end), o->senders_left,
		  o->late ? ", after its deadline" : "");
}

bool itc_faults_run(unsigned i, struct itc_outcome *out)
{
	*out = (struct itc_outcome){ 0 };
	const struct itc_case *c = itc_faults_case(i);
	if (!c)
		return false;
	if (strcmp(chan_flavor(), c->flavor) != 0)
		return true; /* out->ran stays false */
	struct itc_run r = { .c = c, .tx = CHAN_NONE, .rx = CHAN_NONE, .next_send = 1, .out = out };
	out->ran = itc_exchange(&r);
	if (out->ran)
		itc_judge(c, out);
	return true;
}

static void itc_row(unsigned i, const struct itc_case *c, const struct itc_outcome *o)
{
	kprintf("%2u %-13s | %s | %s %s | %s | %s\n", i + 1, c->name, c->where,
		c->victim == ITC_SENDER ? "[tx]" : "[rx]", c->expected, o->observed,
		o->recovered ? "recovered: yes" : o->as_expected ? "recovered: no (as expected)" : "recovered: NO, UNEXPECTED");
}

/* The table of case `which` (1..), or of every case of the channel cell
 * serving now (0). 0 when every case run went as expected, 1 if not, 2
 * for no such case. Also `call itc_faults_table N`: the shell waits in the
 * foreground, so no prompt cuts the table. */
int64_t itc_faults_table(int64_t which)
{
	unsigned n = itc_faults_count(), first = 0, last = n;
	if (which < 0 || which > (int64_t)n) {
		kprintf("itc_faults: no case %lld (1..%u)\n", (long long)which, n);
		return 2;
	}
	if (which) {
		first = (unsigned)which - 1;
		last = first + 1;
	}
	kprintf("itc_faults: channels served by %s; case | injected where | expected | observed | recovered\n",
		chan_flavor());
	unsigned run = 0, full = 0, expected = 0;
	for (unsigned i = first; i < last; i++) {
		struct itc_outcome o;
		const struct itc_case *c = itc_faults_case(i);
		(void)itc_faults_run(i, &o);
		if (!o.ran) {
			if (which)
				kprintf("itc_faults: case %u (%s) needs the %s channel cell (swap it in first)\n", i + 1,
					c->name, c->flavor);
			continue;
		}
		itc_row(i, c, &o);
		run++;
		full += o.recovered;
		expected += o.as_expected;
	}
	kprintf("itc_faults: %u case(s) run, %u recovered fully, %u as expected\n", run, full, expected);
	return run && expected == run ? 0 : 1;
}

/* `spawn itc_faults`: every case of the channel cell serving now;
 * `spawn itc_faults N`: case N. */
int64_t itc_faults_main(const struct app_args *args)
{
	return itc_faults_table(args->argc > 0 ? args->argv[0] : 0);
}
APP_ENTRY(itc_faults_main);
