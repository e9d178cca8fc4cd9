// expect: task entry must be int64_t fn\(T \*\) for an argument of type T \*
/* Spawning an entry with an argument of another type. */
#include "task.h"

struct job { int n; };
struct other { long x; };

static int64_t run_job(struct job *j) { return j->n; }

err_t misuse(struct task_ref *out)
{
	struct other o = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN(&opts, run_job, &o, out);
}
