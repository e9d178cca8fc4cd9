/* chan_faults: the fault injector of the channel cells (chan_faults.h).
 * It is the one cell of the channel machinery that keeps static data: the
 * armed sites and their countdowns. The channel cells only read
 * chan_fault_armed at their fault points and call chan_fault_fire when it
 * is set; nothing here changes a channel. */
#include "cell.h"
#include "chan_faults/chan_faults.h"
#include "task.h"

CELL_INFO("chan_faults", CELL_APP, 1);

unsigned chan_fault_armed;

struct chan_fault_slot {
	bool armed;
	unsigned countdown; /* reaches left until it fires, this one included */
	unsigned times;     /* fires left, this next one included */
	unsigned fired;
};
static struct chan_fault_slot slots[CHAN_FAULT_SITES];

static const char *const site_names[CHAN_FAULT_SITES] = {
	[CF_RECV_DEST] = "recv_dest",       [CF_SEND_SRC] = "send_src",       [CF_HANDOVER_DEST] = "handover_dest",
	[CF_TAKE_SRC] = "take_src",         [CF_RING_HEAD] = "ring_head",     [CF_RING_COUNT] = "ring_count",
	[CF_WAITER_LINK] = "waiter_link",   [CF_WAITER_REF] = "waiter_ref",   [CF_SENDER_COUNT] = "sender_count",
	[CF_WAIT_QUEUED] = "wait_queued",   [CF_PUSH_MIDWAY] = "push_midway", [CF_WAKE_RX] = "wake_rx",
	[CF_WAKE_TX] = "wake_tx",           [CF_DROP_LAST] = "drop_last",     [CF_CLONE] = "clone",
	[CF_RECV_SIZE] = "recv_size",       [CF_ENDPOINT_CH] = "endpoint_ch", [CF_KILL_RX] = "kill_rx",
};

const char *chan_fault_site_name(enum chan_fault_site site)
{
	return (unsigned)site < CHAN_FAULT_SITES ? site_names[site] : "?";
}

void chan_fault_arm(enum chan_fault_site site, unsigned skip) { chan_fault_arm_times(site, skip, 1); }

void chan_fault_arm_times(enum chan_fault_site site, unsigned skip, unsigned times)
{
	if ((unsigned)site >= CHAN_FAULT_SITES || !times)
		return;
	struct chan_fault_slot *s = &slots[site];
	bool was = __atomic_exchange_n(&s->armed, false, __ATOMIC_ACQ_REL);
	__atomic_store_n(&s->countdown, skip + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->times, times, __ATOMIC_RELAXED);
	__atomic_store_n(&s->armed, true, __ATOMIC_RELEASE);
	if (!was)
		__atomic_add_fetch(&chan_fault_armed, 1, __ATOMIC_RELEASE);
}

void chan_fault_disarm_all(void)
{
	for (unsigned i = 0; i < CHAN_FAULT_SITES; i++)
		if (__atomic_exchange_n(&slots[i].armed, false, __ATOMIC_ACQ_REL))
			__atomic_sub_fetch(&chan_fault_armed, 1, __ATOMIC_RELEASE);
}

/* Only a reach that takes the countdown to zero fires; after the last of
 * its times the site is disarmed by exchange, so two CPUs reaching it at
 * once fire it once. */
bool chan_fault_fire(enum chan_fault_site site)
{
	if ((unsigned)site >= CHAN_FAULT_SITES)
		return false;
	struct chan_fault_slot *s = &slots[site];
	if (!__atomic_load_n(&s->armed, __ATOMIC_ACQUIRE))
		return false;
	if (__atomic_sub_fetch(&s->countdown, 1, __ATOMIC_ACQ_REL) != 0)
		return false;
	if (__atomic_sub_fetch(&s->times, 1, __ATOMIC_ACQ_REL) != 0) {
		__atomic_store_n(&s->countdown, 1, __ATOMIC_RELEASE); /* the next reach fires too */
		__atomic_add_fetch(&s->fired, 1, __ATOMIC_RELAXED);
		return true;
	}
	if (!__atomic_exchange_n(&s->armed, false, __ATOMIC_ACQ_REL))
		return false;
	__atomic_sub_fetch(&chan_fault_armed, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->fired, 1, __ATOMIC_RELAXED);
	return true;
}

void chan_fault_kill(enum chan_fault_site site)
{
	(void)site;
	struct task_ref me TASK_REF_AUTO = task_current_ref();
	if (task_kill(&me))
		task_panic("chan_fault_kill: the task cannot be killed");
}

unsigned chan_fault_fired(enum chan_fault_site site)
{
	return (unsigned)site < CHAN_FAULT_SITES ? __atomic_load_n(&slots[site].fired, __ATOMIC_RELAXED) : 0;
}

/* noipa: gcc must not see that this writes through a constant pointer, or
 * it could take the call for one that cannot unwind (docs/faults.md). */
__attribute__((noipa)) void chan_fault_trap(enum chan_fault_site site)
{
	volatile unsigned *nowhere = CHAN_FAULT_BAD_PTR;
	__asm__("" : "+r"(nowhere)); /* an address the compiler cannot judge */
	*nowhere = (unsigned)site;
}
