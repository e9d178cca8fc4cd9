// expect: arg_release must be void release\(T \*\) for an argument of type T \*
/* A release for another argument type than the entry's. */
#include "task.h"

struct job { int n; };
struct other { long x; };

static int64_t run_job(struct job *j) { return j->n; }
static void drop_other(struct other *o) { o->x = 0; }

err_t misuse(struct task_ref *out)
{
	struct job j = { 1 };
	struct task_options opts = TASK_OPTIONS_DEFAULT;
	return TASK_SPAWN_OWNING(&opts, run_job, drop_other, &j, out);
}
