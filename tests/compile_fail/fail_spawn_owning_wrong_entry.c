// expect: task entry must be int64_t fn\(T \*\) for an argument of type T \*
/* TASK_SPAWN_OWNING checks the entry as TASK_SPAWN does. */
#include "task.h"

struct job { int n; };
struct other { long x; };

static int64_t run_other(struct other *o) { return o->x; }
static void drop_job(struct job *j) { j->n = 0; }

err_t misuse(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN_OWNING(&opts, run_other, drop_job, &j, out);
}
