/* dep_caller: tasks that keep calling through dep_lib's ten dependents
 * (dep_user0..9, one kind of relocation site each) and check every answer
 * against the version that gave it, while the shell swaps dep_lib for
 * dep_lib_v2 and back (docs/swap.md, "Case studies"):
 *
 *   load dep_lib; load dep_caller          (dep_caller loads the users)
 *   call dep_caller_start 2                 two calling tasks; returns once
 *                                           each has called through every user
 *   swap dep_lib=dep_lib_v2; swap dep_lib_v2=dep_lib; ...
 *   call dep_caller_stop                    stops them, prints what they saw,
 *                                           returns 0 if every answer was right
 *                                           and each task saw the version change */
#include <stdbool.h>
#include <stdint.h>

#include "cell.h"
#include "dep_lib/dep_lib.h"
#include "klib.h"
#include "task.h"

CELL_INFO("dep_caller", CELL_APP, 1);

dep_apply_fn dep_user0, dep_user1, dep_user2, dep_user3, dep_user4, dep_user5, dep_user6, dep_user7,
	dep_user8, dep_user9;
static dep_apply_fn *const users[DEP_USERS] = { dep_user0, dep_user1, dep_user2, dep_user3, dep_user4,
						dep_user5, dep_user6, dep_user7, dep_user8, dep_user9 };

#define CALLERS_MAX 8

/* What one calling task saw; written by that task only. */
struct caller {
	uint64_t rounds, calls, wrong, changes;
	uint64_t by_version[3]; /* answers of version 1 and 2 ([0]: neither) */
	int64_t last_version;
	struct dep_answer first_wrong;
	int64_t first_wrong_x;
	unsigned first_wrong_user;
};

static struct caller callers[CALLERS_MAX];
static struct task_ref refs[CALLERS_MAX];
static unsigned n_callers;
static volatile bool stop;

/* One call through user u, checked. */
static void call_checked(struct caller *c, unsigned u, int64_t x)
{
	struct dep_answer a = users[u](x);
	bool known = a.version == 1 || a.version == 2;
	c->calls++;
	c->by_version[known ? a.version : 0]++;
	if (!known || a.value != dep_expected(a.version, x)) {
		if (!c->wrong++) {
			c->first_wrong = a;
			c->first_wrong_x = x;
			c->first_wrong_user = u;
		}
		return;
	}
	if (c->last_version && a.version != c->last_version)
		c->changes++;
	c->last_version = a.version;
}

static int64_t caller_task(struct caller **cp)
{
	struct caller *c = *cp;
	for (int64_t x = 1; !stop; x++) {
		for (unsigned u = 0; u < DEP_USERS; u++)
			call_checked(c, u, x * DEP_USERS + u);
		__atomic_store_n(&c->rounds, c->rounds + 1, __ATOMIC_RELEASE);
		(void)task_yield(); /* take turns with the shell when they share a CPU */
	}
	return 0;
}

/* Starts n (1..CALLERS_MAX) calling tasks spread over the CPUs; returns 0
 * once each has called through every user, -1 when some already run or n
 * is out of range, -2 when a task cannot be spawned (those spawned go on). */
int64_t dep_caller_start(int64_t n)
{
	if (n_callers || n < 1 || n > CALLERS_MAX)
		return -1;
	stop = false;
	for (unsigned i = 0; i < (unsigned)n; i++) {
		callers[i] = (struct caller){ 0 };
		struct task_options o = TASK_OPTIONS_DEFAULT;
		o.name = "dep_caller";
		o.cpu = (int)((i + 1) % tasks_cpus());
		struct caller *c = &callers[i];
		err_t e = TASK_SPAWN(&o, caller_task, &c, &refs[i]);
		if (e) {
			kprintf("dep_caller: cannot spawn a calling task: %s\n", err_name(e));
			return -2;
		}
		n_callers++;
	}
	for (unsigned i = 0; i < n_callers; i++)
		while (!__atomic_load_n(&callers[i].rounds, __ATOMIC_ACQUIRE))
			(void)task_yield();
	kprintf("dep_caller: %u tasks calling through %d users\n", n_callers, DEP_USERS);
	return 0;
}

/* Stops the calling tasks and prints what they saw. Returns 0 when every
 * answer was right and every task saw the version change at least once,
 * else the number of wrong answers (at least 1); -1 when none run. */
int64_t dep_caller_stop(void)
{
	if (!n_callers)
		return -1;
	stop = true;
	uint64_t calls = 0, wrong = 0, v1 = 0, v2 = 0, least_changes = UINT64_MAX;
	for (unsigned i = 0; i < n_callers; i++) {
		int64_t value = -1;
		if (task_join(&refs[i], &value) || value != 0)
			wrong++; /* a calling task that did not end cleanly */
		task_ref_drop(&refs[i]);
		struct caller *c = &callers[i];
		calls += c->calls;
		wrong += c->wrong;
		v1 += c->by_version[1];
		v2 += c->by_version[2];
		least_changes = MIN(least_changes, c->changes);
		if (c->wrong)
			kprintf("dep_caller: task %u: dep_user%u(%lld) gave %lld as version %lld\n", i,
				c->first_wrong_user, (long long)c->first_wrong_x, (long long)c->first_wrong.value,
				(long long)c->first_wrong.version);
	}
	kprintf("dep_caller: %u tasks, %llu calls, %llu wrong; answered by dep_lib %llu, by dep_lib_v2 %llu; "
		"each task saw the version change at least %llu times\n",
		n_callers, (unsigned long long)calls, (unsigned long long)wrong, (unsigned long long)v1,
		(unsigned long long)v2, (unsigned long long)least_changes);
	n_callers = 0;
	return wrong ? (int64_t)wrong : least_changes ? 0 : 1;
}
