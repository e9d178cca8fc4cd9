// expect: task entry must be int64_t fn\(T \*\) for an argument of type T \*
/* Spawning an entry whose result is not the task's exit value type. */
#include "task.h"

struct job { int n; };

static void *run_job(struct job *j) { return j; }

err_t misuse(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN(&opts, run_job, &j, out);
}
