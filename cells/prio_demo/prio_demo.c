/* prio_demo: the thesis' scheduler case study. Three tasks of priority 1,
 * 5 and 10 take turns in rounds: a gate opens, each does three turns (it
 * records its priority and yields), and waits at the gate again. The order
 * of a round shows the policy in use: turns under round robin
 * (1 5 10 1 5 10 1 5 10), highest first under the priority scheduler
 * (10 10 10 5 5 5 1 1 1), which tests assert.
 *
 *   spawn prio_demo     one round, printing each turn and the run order.
 *   spawn prio_demo 1   live: rounds until the policy has changed twice,
 *                       for a live swap of the scheduler (docs/tasks.md):
 *                       after ROUNDS_SHOWN rounds of one policy it says so
 *                       and waits for a swap; at the end, the rounds of each
 *                       policy in order.
 *
 * The tasks share their spawner's CPU and all exist before the first round,
 * so the scheduler always chooses among all three. Between rounds the demo
 * sleeps, so lower-priority tasks (the shell) get the CPU under any policy. */
#include <stdint.h>

#include "cell.h"
#include "klib.h"
#include "ktime.h"
#include "task.h"

CELL_INFO("prio_demo", CELL_APP, 1);

#define DEMO_TASKS 3
#define DEMO_TURNS 3 /* turns of each task in a round */
#define ROUND_LEN (DEMO_TASKS * DEMO_TURNS)
#define ROUNDS_SHOWN 20                      /* rounds of one policy before it asks for a swap */
#define LIVE_ROUNDS_MAX 20000                /* a swap that never comes ends the demo */
#define ROUND_DEADLINE_NS 10000000000ull     /* a round not done by then lost a task */
#define SEGMENTS_MAX 16

static const int priorities[DEMO_TASKS] = { 1, 5, 10 };
static const char *const names[DEMO_TASKS] = { "prio1", "prio5", "prio10" };

static struct wait_queue gate;
static volatile unsigned round_open; /* the round the tasks may run; 0: none yet */
static volatile bool ending;
static volatile bool verbose;
static unsigned round_done; /* tasks done with the open round */
static int run_log[ROUND_LEN];
static unsigned run_logged;

static bool may_run(void *round)
{
	return ending || round_open >= (unsigned)(uintptr_t)round;
}

static int64_t demo_task(const int *priority)
{
	for (unsigned round = 1;; round++) {
		if (!wait_queue_wait_cond(&gate, may_run, (void *)(uintptr_t)round))
			return -1;
		if (ending)
			return *priority;
		for (int i = 0; i < DEMO_TURNS; i++) {
			unsigned slot = __atomic_fetch_add(&run_logged, 1, __ATOMIC_RELAXED);
			if (slot < ARRAY_LEN(run_log))
				run_log[slot] = *priority;
			if (verbose)
				kprintf("[prio %d] iteration %d\n", *priority, i);
			(void)task_yield();
		}
		__atomic_fetch_add(&round_done, 1, __ATOMIC_RELEASE);
	}
}

/* Runs one round; false if it did not end in time (a task was lost). */
static bool run_round(unsigned round)
{
	run_logged = 0;
	__atomic_store_n(&round_done, 0, __ATOMIC_RELEASE);
	round_open = round;
	wait_queue_wake_all(&gate);
	uint64_t deadline = time_ns() + ROUND_DEADLINE_NS;
	while (__atomic_load_n(&round_done, __ATOMIC_ACQUIRE) < DEMO_TASKS) {
		if (time_ns() > deadline)
			return false;
		(void)task_sleep_ns(1000000); /* off the queues: the round's tasks alone choose */
	}
	return true;
}

static void format_round(char *buf, size_t cap)
{
	size_t len = 0;
	for (unsigned i = 0; i < ROUND_LEN && len < cap; i++)
		len += (size_t)ksnprintf(buf + len, cap - len, "%s%d", i ? " " : "", run_log[i]);
}

/* What the last round's order shows: turns in a fixed rotation, highest
 * first, or neither (the policy changed within the round). */
static const char *round_policy(void)
{
	bool rotation = true, highest_first = true;
	for (unsigned i = 0; i < ROUND_LEN; i++) {
		rotation &= run_log[i] == run_log[i % DEMO_TASKS];
		highest_first &= i == 0 || run_log[i] <= run_log[i - 1];
	}
	rotation &= run_log[0] != run_log[1] && run_log[1] != run_log[2] && run_log[0] != run_log[2];
	return rotation ? "round robin" : highest_first ? "priority" : "mixed";
}

struct segment {
	const char *policy;
	unsigned rounds;
};

/* Live rounds until the policy has changed twice and ROUNDS_SHOWN rounds
 * of the third phase ran. Returns 0, 1 when no swap came, -1 when a task
 * was lost. */
static int64_t run_live(void)
{
	struct segment seg[SEGMENTS_MAX] = { 0 };
	unsigned n_seg = 0, phases = 0, phase_rounds = 0;
	const char *phase = NULL;
	int64_t status = 1;
	for (unsigned round = 1; round <= LIVE_ROUNDS_MAX; round++) {
		if (!run_round(round)) {
			kprintf("prio_demo: round %u did not end within %llu s: a task was lost\n", round,
				ROUND_DEADLINE_NS / 1000000000ull);
			return -1;
		}
		const char *p = round_policy();
		if (!n_seg || strcmp(seg[n_seg - 1].policy, p)) {
			if (n_seg == SEGMENTS_MAX)
				break;
			seg[n_seg++] = (struct segment){ p, 0 };
		}
		seg[n_seg - 1].rounds++;
		if (!strcmp(p, "mixed"))
			continue;
		if (!phase || strcmp(phase, p)) {
			phase = p;
			phase_rounds = 0;
			phases++;
		}
		if (++phase_rounds == ROUNDS_SHOWN) {
			char order[64];
			format_round(order, sizeof order);
			kprintf("prio_demo: %u rounds of %s (%s)%s\n", ROUNDS_SHOWN, p, order,
				phases < 3 ? "; waiting for a swap" : "");
			if (phases == 3) {
				status = 0;
				break;
			}
		}
	}
	kprintf("prio_demo: rounds:");
	for (unsigned i = 0; i < n_seg; i++)
		kprintf("%s %u %s", i ? "," : "", seg[i].rounds, seg[i].policy);
	kprintf("\n");
	if (status)
		kprintf("prio_demo: the policy did not change twice within %u rounds\n", LIVE_ROUNDS_MAX);
	return status;
}

int64_t prio_demo_main(const struct app_args *args)
{
	struct task_ref refs[DEMO_TASKS] = { 0 };
	size_t spawned = 0;
	int64_t status = 0;
	bool live = args->argc >= 1 && args->argv[0] == 1;
	wait_queue_init(&gate);
	round_open = 0;
	ending = false;
	verbose = !live;

	for (; spawned < DEMO_TASKS; spawned++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = names[spawned];
		o.priority = priorities[spawned];
		o.cpu = task_cpu(task_current()); /* one CPU: the policy alone orders them */
		const int *prio = &priorities[spawned];
		err_t e = TASK_SPAWN(&o, demo_task, prio, &refs[spawned]);
		if (e) {
			kprintf("prio_demo: cannot spawn %s: %s\n", names[spawned], err_name(e));
			status = 1;
			break;
		}
	}
	if (spawned == DEMO_TASKS) {
		if (live) {
			status = run_live();
		} else if (run_round(1)) {
			char order[64];
			format_round(order, sizeof order);
			kprintf("prio_demo: run order %s\n", order);
		} else {
			kprintf("prio_demo: the round did not end: a task was lost\n");
			status = -1;
		}
	}
	ending = true;
	wait_queue_wake_all(&gate);
	if (status < 0) { /* a lost task cannot be joined: leave them all */
		for (size_t i = 0; i < spawned; i++)
			task_ref_drop(&refs[i]);
		return 1;
	}
	for (size_t i = 0; i < spawned; i++) {
		int64_t value = 0;
		if (task_join(&refs[i], &value) || value != priorities[i]) {
			kprintf("prio_demo: task %s did not finish cleanly\n", names[i]);
			status = 1;
		}
		task_ref_drop(&refs[i]);
	}
	kprintf("prio_demo: done\n");
	return status;
}
APP_ENTRY(prio_demo_main);
