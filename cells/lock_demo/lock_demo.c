/* lock_demo: a mutex whose owner dies (docs/tasks.md, "Locks whose owner
 * died"). The mutex guards two accounts whose sum is always 100. Its owner
 * takes it plainly, with no cleanup to release it, moves 10 from one
 * account and dies before adding it to the other: by a page fault
 * (`spawn lock_demo`) or a panic (`spawn lock_demo 1`, which also runs
 * under memcheck). A second task queued behind it wakes up told the owner
 * died, finds the sum broken, repairs it and marks the mutex consistent;
 * then the demo takes the lock again and is told all is well. `faults`
 * names the mutex the kernel released.
 * `spawn lock_demo 2`: recovery stage 3 with the mutex in the data it puts
 * back. A restartable spender locks it and spends through a pointer the
 * demo corrupted, faulting at the same place twice: the kernel releases
 * the mutex (owner died) before it reinitialises the cell's data, which
 * repairs the pointer and gives the mutex back as loaded; the third run
 * initialises it again, locks it and succeeds.
 * `spawn lock_demo 3`: the same while the demo itself holds another mutex
 * of this cell's data: reinitialising would overwrite it under its holder,
 * so the kernel restarts the spender without it (the record says why) and
 * the fault, recurring, reboots the machine (stage 5).
 * `spawn lock_demo 4`: a keeper task returns still holding the mutex: the
 * kernel says so on the console, releases it marked owner died, and the
 * demo, told so, marks it consistent. */
#include "cell.h"
#include "klib.h"
#include "sync.h"
#include "task.h"

CELL_INFO("lock_demo", CELL_APP, 1);

struct how {
	int64_t panic; /* 0: die by a page fault, 1: by a panic; 2, 3: the spender; 4: the keeper */
};

static struct mutex accounts_lock, other_lock;
static int64_t from, to; /* from + to == 100 while accounts_lock is free */
static volatile bool owner_holds, owner_may_die;
static bool lock_ready;        /* accounts_lock initialised; false again when the data is put back */
static int64_t cash = 100;
static int64_t *volatile account = &cash; /* the demo corrupts it; the data as loaded repairs it */

static int64_t owner(struct how *how)
{
	struct mutex_result r = mutex_lock(&accounts_lock);
	if (r.status != MUTEX_OK)
		return -1;
	from -= 10;
	owner_holds = true;
	while (!owner_may_die)
		(void)task_yield();
	kprintf("lock_demo: owner dies holding the lock, halfway through a transfer\n");
	if (how->panic)
		task_panic("lock_demo: the owner gives up mid-transfer");
	*(volatile int64_t *)(uintptr_t)(how->panic - how->panic) = 10; /* null dereference */
	to += 10;
	mutex_unlock(&accounts_lock);
	return 0;
}

static int64_t repairer(struct how *unused)
{
	(void)unused;
	MUTEX_GUARD(g, &accounts_lock);
	kprintf("lock_demo: the waiter got the lock: %s\n", mutex_status_name(g.status));
	if (g.status != MUTEX_OWNER_DIED)
		return g.status;
	kprintf("lock_demo: accounts hold %lld + %lld = %lld: repairing\n", (long long)from, (long long)to,
		(long long)(from + to));
	to = 100 - from;
	if (mutex_mark_consistent(g.held))
		return -1;
	return g.status;
}

/* Spends 10 under accounts_lock, faulting while account is corrupted. */
static int64_t spender(struct how *unused)
{
	(void)unused;
	if (!lock_ready) {
		mutex_init(&accounts_lock);
		lock_ready = true;
	}
	struct mutex_result r = mutex_lock(&accounts_lock);
	kprintf("lock_demo: the spender got the lock: %s\n", mutex_status_name(r.status));
	if (!mutex_result_held(r))
		return -1;
	if (r.status == MUTEX_OWNER_DIED && mutex_mark_consistent(&accounts_lock))
		return -1; /* nothing half done to repair: the spend is one store */
	*account -= 10;
	int64_t left = *account;
	mutex_unlock(&accounts_lock);
	return left;
}

/* Takes accounts_lock and returns with it. */
static int64_t keeper(struct how *unused)
{
	(void)unused;
	return mutex_lock(&accounts_lock).status;
}

static struct task_ref spawn(int64_t (*fn)(struct how *), const char *name, const struct how *how)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = name;
	o.restartable = fn == spender;
	o.cpu = task_cpu(task_current()); /* one CPU: the order below is the order of events */
	struct task_ref t = { NULL };
	if (task_spawn_raw(&o, (task_entry_fn)fn, how, sizeof *how, &t))
		kprintf("lock_demo: cannot spawn %s\n", name);
	return t;
}

static void wait_for(const struct task *t, enum task_state s)
{
	while (task_state(t) != s)
		(void)task_yield();
}

static int64_t spend_demo(const struct how *how)
{
	mutex_init(&accounts_lock);
	lock_ready = true;
	mutex_init(&other_lock);
	struct mutex_guard other CLEANUP(mutex_guard_release) = { NULL, MUTEX_OK };
	if (how->panic == 3)
		other = mutex_guard_take(&other_lock); /* held across the spender's faults */
	account = NULL; /* the corruption */
	struct task_ref s TASK_REF_AUTO = spawn(spender, "lock_spender", how);
	if (!s.t)
		return -1;
	int64_t v = -1;
	err_t e = task_join(&s, &v);
	MUTEX_GUARD(again, &accounts_lock);
	kprintf("lock_demo: the spender %s %lld; the lock again: %s\n", e ? "failed" : "returned", (long long)v,
		mutex_status_name(again.status));
	return !e && v == 90 && again.status == MUTEX_OK ? 0 : 1;
}

static int64_t keep_demo(const struct how *how)
{
	mutex_init(&accounts_lock);
	struct task_ref k TASK_REF_AUTO = spawn(keeper, "lock_keeper", how);
	if (!k.t)
		return -1;
	int64_t v = -1;
	err_t e = task_join(&k, &v);
	MUTEX_GUARD(after, &accounts_lock);
	kprintf("lock_demo: the keeper %s %lld; the lock after it: %s\n", e ? "failed" : "returned", (long long)v,
		mutex_status_name(after.status));
	if (after.status == MUTEX_OWNER_DIED && mutex_mark_consistent(after.held))
		return 1;
	return !e && v == MUTEX_OK && after.status == MUTEX_OWNER_DIED ? 0 : 1;
}

int64_t lock_demo_main(const struct app_args *args)
{
	struct how how = { args->argv[0] };
	if (how.panic == 4)
		return keep_demo(&how);
	if (how.panic >= 2)
		return spend_demo(&how);
	mutex_init(&accounts_lock);
	from = 100;
	to = 0;
	owner_holds = owner_may_die = false;
	struct task_ref o TASK_REF_AUTO = spawn(owner, "lock_owner", &how);
	if (!o.t)
		return -1;
	while (!owner_holds)
		(void)task_yield();
	struct task_ref w TASK_REF_AUTO = spawn(repairer, "lock_repairer", &how);
	if (!w.t)
		return -1;
	wait_for(w.t, TASK_BLOCKED); /* queued behind the owner */
	owner_may_die = true;
	int64_t v = -1;
	err_t died = task_join(&o, &v);
	err_t repaired = task_join(&w, &v);
	kprintf("lock_demo: owner %s, waiter returned %lld\n", died ? "died" : "returned", (long long)v);
	MUTEX_GUARD(again, &accounts_lock);
	kprintf("lock_demo: the lock again: %s, accounts %lld + %lld\n", mutex_status_name(again.status),
		(long long)from, (long long)to);
	return died && !repaired && v == MUTEX_OWNER_DIED && again.status == MUTEX_OK && from + to == 100 ? 0 : 1;
}
APP_ENTRY(lock_demo_main);
