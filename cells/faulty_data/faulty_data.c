/* faulty_data: recovery stage 3. The cell corrupts a pointer in its own
 * data, then runs a restartable worker that reads through it. The first
 * restart faults again at the same place, so the kernel reinitialises the
 * cell's data from its loaded image, and the next run succeeds. */
#include "cell.h"
#include "task.h"

CELL_INFO("faulty_data", CELL_APP, 1);

struct job {
	int64_t n;
};

static int value = 7;
static int *volatile ptr = &value;

static int64_t worker(struct job *j)
{
	kprintf("faulty_data: worker reads through the pointer\n");
	return *ptr + j->n;
}

int64_t faulty_data_main(const struct app_args *unused)
{
	(void)unused;
	ptr = NULL; /* the corruption */
	struct job job = { 35 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "data_worker";
	o.restartable = true;
	struct task_ref t;
	if (TASK_SPAWN(&o, worker, &job, &t))
		return -1;
	int64_t v = -1;
	err_t e = task_join(&t, &v);
	task_ref_drop(&t);
	kprintf("faulty_data: worker %s %lld\n", e ? "failed" : "returned", (long long)v);
	return v;
}
APP_ENTRY(faulty_data_main);
