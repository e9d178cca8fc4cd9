/* Control: a task that owns its argument, with matching entry and release, compiles. */
#include "task.h"

struct job { int n; };

static int64_t run_job(struct job *j) { return j->n; }
static void drop_job(struct job *j) { j->n = 0; }

err_t use(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN_OWNING(&opts, run_job, drop_job, &j, out);
}
