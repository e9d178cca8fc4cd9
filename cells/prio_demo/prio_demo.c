/* prio_demo: the thesis' scheduler case study. Three tasks of priority 1,
 * 5 and 10 each print a few iterations, yielding between them, so the
 * interleaving shows the policy in use: turns under round robin, highest
 * first under the priority scheduler. Run it with `spawn prio_demo`.
 *
 * The tasks share their spawner's CPU and wait at a gate until all three
 * exist, so the scheduler always chooses among all of them; each records
 * its priority as it runs, and the demo prints that run order at the end
 * (under sched_prio: 10 10 10 5 5 5 1 1 1, which a test asserts). */
#include <stdint.h>

#include "cell.h"
#include "klib.h"
#include "task.h"

CELL_INFO("prio_demo", CELL_APP, 1);

#define DEMO_TASKS 3
#define DEMO_ITERATIONS 3

struct demo_arg {
	int priority;
	int iterations;
};

static struct wait_queue gate;
static volatile bool gate_open;
static int run_log[DEMO_TASKS * DEMO_ITERATIONS];
static unsigned run_logged;

static bool is_open(void *unused)
{
	(void)unused;
	return gate_open;
}

static int64_t demo_task(struct demo_arg *a)
{
	if (!wait_queue_wait_cond(&gate, is_open, NULL))
		return -1;
	for (int i = 0; i < a->iterations; i++) {
		unsigned slot = __atomic_fetch_add(&run_logged, 1, __ATOMIC_RELAXED);
		if (slot < ARRAY_LEN(run_log))
			run_log[slot] = a->priority;
		kprintf("[prio %d] iteration %d\n", a->priority, i);
		task_yield();
	}
	return a->priority;
}

static void print_run_order(void)
{
	kprintf("prio_demo: run order");
	for (unsigned i = 0; i < run_logged && i < ARRAY_LEN(run_log); i++)
		kprintf(" %d", run_log[i]);
	kprintf("\n");
}

int64_t prio_demo_main(const struct app_args *unused)
{
	static const int priorities[DEMO_TASKS] = { 1, 5, 10 };
	static const char *const names[DEMO_TASKS] = { "prio1", "prio5", "prio10" };
	struct task_ref refs[DEMO_TASKS] = { 0 };
	size_t spawned = 0;
	int64_t status = 0;
	wait_queue_init(&gate);
	gate_open = false;
	run_logged = 0;

	for (; spawned < ARRAY_LEN(priorities); spawned++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = names[spawned];
		o.priority = priorities[spawned];
		o.cpu = task_cpu(task_current()); /* one CPU: the policy alone orders them */
		struct demo_arg arg = { .priority = priorities[spawned], .iterations = DEMO_ITERATIONS };
		struct demo_arg *argp = &arg; /* copied by the spawn */
		err_t e = TASK_SPAWN(&o, demo_task, argp, &refs[spawned]);
		if (e) {
			kprintf("prio_demo: cannot spawn %s: %s\n", names[spawned], err_name(e));
			status = 1;
			break;
		}
	}
	gate_open = true;
	wait_queue_wake_all(&gate);
	for (size_t i = 0; i < spawned; i++) {
		int64_t value = 0;
		if (task_join(&refs[i], &value) || value != priorities[i]) {
			kprintf("prio_demo: task %s did not finish cleanly\n", names[i]);
			status = 1;
		}
		task_ref_drop(&refs[i]);
	}
	print_run_order();
	kprintf("prio_demo: done\n");
	return status;
}
APP_ENTRY(prio_demo_main);
