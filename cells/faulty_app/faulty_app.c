/* faulty_app: the fault-recovery demonstration. Its worker task, spawned
 * restartable, holds a heap buffer and a mutex (both released by cleanup
 * handlers) and dereferences null on its first run. The kernel unwinds it,
 * running both cleanups, restarts it with a fresh copy of its argument,
 * and the second run completes: it is told the lock's owner died (released
 * by a cleanup while its task unwound) and marks it consistent, as what
 * the lock guards (runs) is whole. `faults` then shows what happened. */
#include "cell.h"
#include "heap.h"
#include "sync.h"
#include "task.h"

CELL_INFO("faulty_app", CELL_APP, 1);

struct job {
	int64_t n;
};

static struct mutex lock;
static int runs;

static void release_buffer(char **p)
{
	if (*p)
		kprintf("faulty_app: cleanup frees the buffer\n");
	kfree(*p);
}

static void release_lock(struct mutex_guard *g)
{
	if (g->held)
		kprintf("faulty_app: cleanup releases the lock\n");
	mutex_guard_release(g);
}

static int64_t worker(struct job *j)
{
	char *buffer __attribute__((cleanup(release_buffer))) = kmalloc(64);
	struct mutex_guard held __attribute__((cleanup(release_lock))) = mutex_guard_take(&lock);
	if (!buffer || !held.held)
		return -1;
	if (held.status == MUTEX_OWNER_DIED) {
		kprintf("faulty_app: worker run %d finds the lock's owner died: nothing half done, marked consistent\n",
			runs + 1);
		if (mutex_mark_consistent(&lock))
			return -1;
	}
	runs++;
	kprintf("faulty_app: worker run %d holds the lock and a buffer\n", runs);
	if (runs == 1)
		*(volatile int64_t *)(uintptr_t)(j->n - j->n) = j->n; /* null dereference */
	return 2 * j->n;
}

int64_t faulty_app_main(const struct app_args *unused)
{
	(void)unused;
	mutex_init(&lock);
	runs = 0;
	struct job job = { 21 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "faulty_worker";
	o.restartable = true;
	struct task_ref t;
	if (TASK_SPAWN(&o, worker, &job, &t))
		return -1;
	int64_t v = -1;
	err_t e = task_join(&t, &v);
	task_ref_drop(&t);
	kprintf("faulty_app: worker %s with %lld after %d run(s)\n", e ? "failed" : "returned", (long long)v, runs);
	MUTEX_GUARD(again, &lock);
	if (again.status != MUTEX_OK) {
		kprintf("faulty_app: the lock is %s\n", mutex_status_name(again.status));
		return -1;
	}
	kprintf("faulty_app: the lock is free again\n");
	return e ? -1 : v;
}
APP_ENTRY(faulty_app_main);
