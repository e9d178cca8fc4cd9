/* prio_demo: the thesis' scheduler case study. Three tasks of priority 1,
 * 5 and 10 each print a few iterations, yielding between them, so the
 * interleaving shows the policy in use: turns under round robin, highest
 * first under the priority scheduler. Run it with `spawn prio_demo`. */
#include <stdint.h>

#include "cell.h"
#include "klib.h"
#include "task.h"

CELL_INFO("prio_demo", CELL_APP, 1);

#define DEMO_ITERATIONS 3

struct demo_arg {
	int priority;
	int iterations;
};

static int64_t demo_task(struct demo_arg *a)
{
	for (int i = 0; i < a->iterations; i++) {
		kprintf("[prio %d] iteration %d\n", a->priority, i);
		task_yield();
	}
	return a->priority;
}

int64_t prio_demo_main(void *unused)
{
	static const int priorities[] = { 1, 5, 10 };
	static const char *const names[] = { "prio1", "prio5", "prio10" };
	struct task_ref refs[ARRAY_LEN(priorities)] = { 0 };
	size_t spawned = 0;
	int64_t status = 0;

	for (; spawned < ARRAY_LEN(priorities); spawned++) {
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = names[spawned];
		o.priority = priorities[spawned];
		struct demo_arg arg = { .priority = priorities[spawned], .iterations = DEMO_ITERATIONS };
		struct demo_arg *argp = &arg; /* copied by the spawn */
		err_t e = TASK_SPAWN(&o, demo_task, argp, &refs[spawned]);
		if (e) {
			kprintf("prio_demo: cannot spawn %s: %s\n", names[spawned], err_name(e));
			status = 1;
			break;
		}
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
