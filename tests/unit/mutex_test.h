/* Shared by the mutex unit tests (test_mutex.c: owner died; test_mutex_misuse.c:
 * misuse, hand-over order, fault records, stage 3's check): one mutex under
 * test, task helpers and the fault log's newest record of a task. */
#ifndef MUTEX_TEST_H
#define MUTEX_TEST_H
#include <check.h>
#include <string.h>

#include "compiler.h"
#include "fault.h"
#include "hal_time.h"
#include "sync.h"
#include "task.h"
#include "tboot.h"

#define SECOND 1000000000ull

struct nothing {
	int unused;
};

static struct mutex mtx, mtx2 UNUSED;
static struct wait_queue never;
static volatile int holding, runs;

static UNUSED bool is_false(void *unused)
{
	(void)unused;
	return false;
}

static UNUSED bool yield_until(const struct task *t, enum task_state state)
{
	uint64_t deadline = hal_time_ns() + 30 * SECOND; /* a bound against a hang, not a timing: valgrind runs CPUs one at a time */
	while (task_state(t) != state && hal_time_ns() < deadline)
		(void)task_yield();
	return task_state(t) == state;
}

static bool spread UNUSED; /* place tasks over every CPU instead of CPU 0 */

static UNUSED struct task_ref spawn(int64_t (*fn)(struct nothing *), const char *name, bool restartable)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = spread ? -1 : 0;
	o.name = name;
	o.restartable = restartable;
	struct nothing arg = { 0 };
	struct task_ref t = { NULL };
	T_CHECK(task_spawn_raw(&o, (task_entry_fn)fn, &arg, sizeof arg, &t) == E_OK); /* fn's type: the parameter's */
	return t;
}

static UNUSED int64_t join(struct task_ref *t, err_t want)
{
	int64_t v = -99;
	T_CHECK(task_join(t, &v) == want);
	task_ref_drop(t);
	return v;
}

/* The newest fault record of task id, or NULL. */
static const struct fault_record *newest;
static unsigned wanted_id;
static UNUSED void pick_newest(const struct fault_record *r, void *unused)
{
	(void)unused;
	if (r->task_id == wanted_id)
		newest = r;
}
static UNUSED const struct fault_record *record_of(unsigned id)
{
	newest = NULL;
	wanted_id = id;
	fault_log_for_each(pick_newest, NULL);
	return newest;
}

/* Takes mtx plainly (no guard: nothing releases it) and blocks for good. */
static UNUSED int64_t hold_and_block(struct nothing *unused)
{
	(void)unused;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	holding = 1;
	(void)!wait_queue_wait_cond(&never, is_false, NULL);
	return 0;
}

static UNUSED void reset(void)
{
	mutex_init(&mtx);
	wait_queue_init(&never);
	holding = runs = 0;
}

/* Takes mtx and returns still holding it. */
static UNUSED int64_t lock_and_return(struct nothing *unused)
{
	(void)unused;
	T_CHECK(mutex_lock(&mtx).status == MUTEX_OK);
	return 5; /* still holding mtx */
}

/* Takes mtx if it can and lets go; returns the status it got. */
static UNUSED int64_t lock_status(struct nothing *unused)
{
	(void)unused;
	struct mutex_result r = mutex_lock(&mtx);
	if (mutex_result_held(r))
		mutex_unlock(&mtx);
	return r.status;
}

#endif
