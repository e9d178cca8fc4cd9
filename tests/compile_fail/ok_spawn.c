/* Control: a correctly typed spawn compiles. */
#include "task.h"

struct job { int n; };

static int64_t run_job(struct job *j) { return j->n; }

err_t use(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN(&opts, run_job, &j, out);
}
