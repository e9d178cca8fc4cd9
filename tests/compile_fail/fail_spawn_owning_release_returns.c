// expect: arg_release must be void release\(T \*\) for an argument of type T \*
/* A release that returns a value is not a release. */
#include "task.h"

struct job { int n; };

static int64_t run_job(struct job *j) { return j->n; }
static int drop_job(struct job *j) { return j->n; }

err_t misuse(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN_OWNING(&opts, run_job, drop_job, &j, out);
}
