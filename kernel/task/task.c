/* Task lifecycle: spawn (stack with a guard page, context, a private copy
 * of the argument, the entry cell kept loaded), exit, join, and reaping
 * when the last counted reference is dropped. Switching itself is sched.c. */
#include "export.h"
#include "heap.h"
#include "panic.h"
#include "sync.h"
#include "task_fail.h"
#include "task_internal.h"

static struct {
	struct list all;
	struct spinlock lock;
	unsigned next_id, next_service_id;
	struct task_stats stats;
} reg = { .all = LIST_INIT(reg.all), .next_id = 1, .next_service_id = TASK_SERVICE_IDS };

/* Ids are for people (ps, join 2): every CPU's idle task is 0, and other
 * tasks count from 1 in spawn order, so the shell is 1 and its first spawn
 * 2 however many CPUs run (secondary CPUs come up in parallel with it);
 * the kernel's own service tasks count apart, from TASK_SERVICE_IDS. */
void task_registry_add(struct task *t)
{
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	t->id = t->idle ? 0 : t->service ? reg.next_service_id++ : reg.next_id++;
	list_push_back(&reg.all, &t->all_link);
	reg.stats.alive++;
	reg.stats.spawned++;
	spin_unlock_irqrestore(&reg.lock, s);
}

static struct task *task_alloc(const char *name)
{
	struct task *t = kzalloc(sizeof *t);
	if (!t)
		return NULL;
	t->ctx = kzalloc(hal_context_size());
	if (!t->ctx) {
		kfree(t);
		return NULL;
	}
	strlcpy(t->name, name && *name ? name : "task", sizeof t->name);
	t->refs = 1; /* the task's own */
	wait_queue_init(&t->ended);
	list_init(&t->wait_link);
	list_init(&t->sleep_link);
	list_init(&t->all_link);
	list_init(&t->held_mutexes);
	return t;
}

struct task *task_new_initial(unsigned cpu, const char *name)
{
	struct task *t = task_alloc(name);
	if (!t)
		return NULL;
	t->cpu = (int)cpu;
	t->idle = true;
	t->state = TASK_RUNNABLE;
	task_registry_add(t);
	return t;
}

err_t task_stack_size(size_t bytes, size_t *out)
{
	*out = 0;
	if (!bytes)
		bytes = TASK_STACK_DEFAULT;
	if (bytes > TASK_STACK_MAX)
		return E_TOOBIG; /* checked before rounding, which could wrap */
	bytes = ALIGN_UP(bytes, PAGE_SIZE);
	if (bytes < TASK_STACK_MIN)
		return E_RANGE;
	*out = bytes;
	return E_OK;
}
EXPORT_KERNEL(task_stack_size);

size_t task_stack_bytes(const struct task *t) { return mp_size(&t->stack.m); }
EXPORT_KERNEL(task_stack_bytes);

/* Room for unwinding an overflowed stack: the landing pads and cleanups of
 * the frames at its bottom, the unwinder between them (it runs below the
 * pad it came back from) and a tick that interrupts either. */
#define HEADROOM_PAGES 4

/* Stack pages with the lowest pages of the range left unmapped: an
 * overflow faults instead of corrupting what lies below. The upper
 * HEADROOM_PAGES of them (spare) are mapped as headroom while an
 * overflowed task unwinds; the lowest stays a guard even then. Virtual
 * pages only: no frame backs them until an overflow. */
static err_t stack_alloc(struct task *t, size_t pages)
{
	struct allocated_pages all, usable;
	struct allocated_frames frames;
	err_t e = pages_alloc(pages + 1 + HEADROOM_PAGES, &all);
	if (e)
		return e;
	if ((e = pages_split(&all, 1 + HEADROOM_PAGES, &usable)) || (e = pages_split(&all, 1, &t->spare))) {
		pages_free(&usable);
		pages_free(&all);
		return e;
	}
	t->guard = all;
	if ((e = frames_alloc(pages, &frames))) {
		pages_free(&usable);
		return e;
	}
	if ((e = mp_map_rw(&usable, &frames, &t->stack))) {
		pages_free(&usable);
		frames_free(&frames);
	}
	return e;
}

err_t task_headroom_map(struct task *t)
{
	struct allocated_frames frame;
	if (!t->spare.count)
		return t->headroom.m.pages.count ? E_OK : E_EMPTY;
	err_t e = frames_alloc(HEADROOM_PAGES, &frame);
	if (!e && (e = mp_map_rw(&t->spare, &frame, &t->headroom)))
		frames_free(&frame);
	return e;
}

void task_headroom_unmap(struct task *t)
{
	if (t->headroom.m.pages.count)
		mp_unmap_keep_pages(&t->headroom.m, &t->spare);
}

static NORETURN void release_then_end(struct task *t);

void task_trampoline(void *p)
{
	struct task *t = p;
	sched_finish_switch();
	hal_irq_enable();
	if (t->release_now)
		release_then_end(t);
	task_headroom_unmap(t); /* a restart after an overflow: the guard is back (we run at the top) */
	void (*first)(struct task *t) = t->restart_first;
	t->restart_first = NULL;
	if (first)
		first(t); /* may move the entry */
	task_exit(t->entry(t->arg));
}

/* A fresh start at the entry on the task's own stack (spawn and restart).
 * The run before it (a restart) ended: what it still held is released. */
void task_prepare_context(struct task *t)
{
	mutex_release_held(t);
	hal_context_release(t->ctx);
	hal_context_prepare(t->ctx, (void *)mp_start(&t->stack.m), mp_size(&t->stack.m), task_trampoline, t);
}

static int pick_cpu(int wanted)
{
	static unsigned next;
	if (wanted >= 0 && (unsigned)wanted < tasks_cpus())
		return wanted;
	return (int)(__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % tasks_cpus());
}

static void task_free(struct task *t)
{
	hal_context_release(t->ctx);
	mp_unmap_rw(&t->stack);
	mp_unmap_rw(&t->headroom);
	pages_free(&t->spare);
	pages_free(&t->guard);
	kfree(t->arg);
	kfree(t->arg_pristine);
	kfree(t->ctx);
	kfree(t);
}

err_t task_spawn_raw(const struct task_options *o, task_entry_fn entry, const void *arg, size_t arg_size,
		     struct task_ref *out)
{
	if (!tasks_cpus())
		return E_INVAL;
	size_t stack;
	err_t e = task_stack_size(o->stack_bytes, &stack);
	if (e)
		return e;
	if (o->arg_release && !arg_size)
		return E_INVAL; /* nothing to own */
	struct task *t = task_alloc(o->name);
	if (!t)
		return E_NOMEM;
	e = stack_alloc(t, stack / PAGE_SIZE);
	if (!e && arg_size && !(t->arg = kmalloc(arg_size)))
		e = E_NOMEM;
	if (!e && arg_size && o->restartable && !(t->arg_pristine = kmalloc(arg_size)))
		e = E_NOMEM;
	if (e) {
		task_free(t);
		return e;
	}
	if (arg_size)
		memcpy(t->arg, arg, arg_size);
	if (t->arg_pristine)
		memcpy(t->arg_pristine, arg, arg_size);
	t->arg_size = arg_size;
	t->entry = entry;
	t->cpu = pick_cpu(o->cpu);
	t->priority = o->priority;
	t->restartable = o->restartable;
	t->service = o->service;
	t->arg_release = o->arg_release;
	t->ns = o->ns ? o->ns : ns_root();
	{
		/* Under the cells lock: an unload checks task_refs under it too. */
		CELLS_GUARD();
		const struct cell_section *home = cell_section_at((uintptr_t)entry);
		if (home && !home->cell->builtin) {
			t->entry_cell = home->cell;
			__atomic_add_fetch(&t->entry_cell->task_refs, 1, __ATOMIC_RELAXED);
		}
	}
	task_prepare_context(t);
	t->refs = 2; /* its own, and the caller's */
	out->t = t;
	task_registry_add(t);
	sched_make_runnable(t);
	return E_OK;
}

/* The running task's arg_release, once, as its run ends for good (task.h).
 * Taken first and the task made not restartable: a fault or panic in it
 * ends the task through task_end_current again (logged; if the task was
 * unwinding, as a fault in a cleanup: fault_abandon ends it, which the
 * fault layer allows once per unwind, so the record of an earlier cleanup's
 * fault is forgotten here, being in the log already). */
static void release_arg(struct task *t, void (*release)(void *arg))
{
	t->restartable = false;
	t->nested = NULL;
	t->diverted_end = NULL;
	release(t->arg_pristine ? t->arg_pristine : t->arg);
}

/* The release runs as task code does, on the task's own stack: in place
 * when the end comes there with room left; else (the end comes on a CPU's
 * emergency stack, which a release that blocks must not hold, or in the
 * headroom of an overflow, or deep in the stack) on a fresh context at the
 * top of the stack, through task_trampoline (the unwinder's boundary), then
 * the end. The frames we run in then lie outside the task's stack or
 * below RELEASE_ROOM, so preparing the context at the top does not
 * overwrite them before the switch. */
#define RELEASE_ROOM (TASK_STACK_MIN / 2)

static void release_on_own_stack(struct task *t, enum task_state how, int64_t value)
{
	void (*release)(void *arg) = t->arg_release;
	t->arg_release = NULL;
	mutex_release_held(t); /* the release finds them as a new owner would */
	uintptr_t lo = mp_start(&t->stack.m), hi = lo + mp_size(&t->stack.m);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (sp >= lo + RELEASE_ROOM && sp < hi) {
		release_arg(t, release);
		return;
	}
	hal_irq_state_t s = hal_irq_save();
	(void)s; /* the fresh context enables them */
	t->release_now = release;
	t->end_how = how;
	t->end_value = value;
	task_prepare_context(t);
	schedule_final();
}

/* The fresh context of release_on_own_stack: the release, then the end. */
static NORETURN void release_then_end(struct task *t)
{
	void (*release)(void *arg) = t->release_now;
	t->release_now = NULL;
	release_arg(t, release);
	task_end_current(t->end_how, t->end_value);
}

/* The end of the running task: its argument released first (arg_release,
 * with the mutexes it held released already, as a new owner would find
 * them), then the mutexes it still holds released (as owner died), joiners
 * woken, its entry cell released, and the CPU given away for good. */
NORETURN void task_end_current(enum task_state how, int64_t value)
{
	struct task *t = task_current();
	if (t->arg_release)
		release_on_own_stack(t, how, value);
	hal_irq_state_t s = hal_irq_save();
	(void)s; /* never restored: this task does not run again */
	mutex_release_held(t); /* and what the release left held */
	t->exit_value = value;
	if (t->entry_cell)
		__atomic_sub_fetch(&t->entry_cell->task_refs, 1, __ATOMIC_RELAXED);
	sched_make_unrunnable(t, how);
	wait_queue_wake_all(&t->ended);
	sched_note_task_ended();
	cpu_this()->dead = t;
	schedule_final();
}

void task_describe_addr(uintptr_t a, char *buf, size_t cap)
{
	CELLS_READ_GUARD(); /* the section stays alive while we print it */
	const struct cell_section *sec = cell_section_at(a);
	if (sec)
		ksnprintf(buf, cap, "%s:%s+0x%lx", sec->cell->name, sec->name, (unsigned long)(a - sec->addr));
	else
		ksnprintf(buf, cap, "%p", (const void *)a);
}

/* Mutexes a returning task still holds: named here, released by
 * task_end_current as owner died (faults and kills name them in the
 * fault log instead). */
static void warn_held_mutexes(const struct task *t)
{
	const struct mutex *held[4];
	size_t n = mutex_died_with(t, held, ARRAY_LEN(held)); /* not unwinding: only what it holds */
	for (size_t i = 0; i < MIN(n, ARRAY_LEN(held)); i++) {
		char where[128];
		task_describe_addr((uintptr_t)held[i], where, sizeof where);
		kprintf("theseus: task %u (%s) returned holding mutex %s: released, marked owner died\n", t->id,
			t->name, where);
	}
	if (n > ARRAY_LEN(held))
		kprintf("theseus: task %u (%s) returned holding %zu more mutex(es): released, marked owner died\n",
			t->id, t->name, n - ARRAY_LEN(held));
}

/* A task that returns holding a spinlock leaves it taken for good: a
 * broken invariant (the panic stops the machine, as a fault holding one
 * does). Preemption left disabled is the CPU's, not the task's: it is
 * given back, with a warning, so the next task on this CPU is preemptible.
 * A mutex still held is released by the end of the task, with a warning. */
void task_exit(int64_t value)
{
	struct task *t = task_current();
	warn_held_mutexes(t);
	unsigned held = spin_held();
	if (held)
		panic("task %u (%s) ended holding %u spinlock%s", t->id, t->name, held, held == 1 ? "" : "s");
	struct cpu *c = cpu_this();
	if (c->preempt) {
		kprintf("theseus: task %u (%s) ended with preemption disabled (depth %d): enabled again\n", t->id,
			t->name, c->preempt);
		c->preempt = 0;
	}
	task_end_current(TASK_EXITED, value);
}

static bool ended(const struct task *t)
{
	return t->state == TASK_EXITED || t->state == TASK_FAILED || t->state == TASK_KILLED;
}

static bool ended_cond(void *t) { return ended(t); }

err_t task_join(const struct task_ref *r, int64_t *value)
{
	struct task *t = r->t;
	if (!t)
		return E_EMPTY;
	if (t == task_current())
		return E_INVAL; /* joining oneself never ends */
	if (!wait_queue_wait_cond(&t->ended, ended_cond, t))
		return E_INVAL; /* the caller holds a preemption-disabling lock */
	if (value)
		*value = t->exit_value;
	return t->state == TASK_EXITED ? E_OK : E_FAILED;
}

struct task_ref task_ref_clone(const struct task_ref *r)
{
	if (r->t)
		__atomic_add_fetch(&r->t->refs, 1, __ATOMIC_RELAXED);
	return *r;
}

void task_ref_drop(struct task_ref *r)
{
	struct task *t = r->t;
	r->t = NULL;
	if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
		task_reap(t);
}

void task_reap(struct task *t)
{
	if (!ended(t) && !t->idle)
		panic("task %s reaped while %s", t->name, task_state_name(t->state));
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	list_remove(&t->all_link);
	reg.stats.alive--;
	spin_unlock_irqrestore(&reg.lock, s);
	task_free(t);
}

static bool alive(const struct task *t) { return !t->idle && !ended(t); }

size_t task_kill_all(void)
{
	size_t first_count = SIZE_MAX;
	for (;;) {
		struct task_ref victim = { NULL };
		size_t live = 0;
		irq_state_t s = spin_lock_irqsave(&reg.lock);
		struct list *pos;
		list_for_each(pos, &reg.all) {
			struct task *t = list_entry(pos, struct task, all_link);
			live += alive(t);
			if (alive(t) && !t->kill_requested && !victim.t) {
				victim.t = t;
				victim = task_ref_clone(&victim);
			}
		}
		spin_unlock_irqrestore(&reg.lock, s);
		if (first_count == SIZE_MAX)
			first_count = live; /* killed ones may end while we go on */
		if (!victim.t)
			return first_count;
		/* E_INVAL when it ended meanwhile; a restart clears the request,
		 * and the next call asks again. */
		(void)!task_kill(&victim);
		task_ref_drop(&victim);
	}
}

void task_print_live(void)
{
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	struct list *pos;
	list_for_each(pos, &reg.all) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (alive(t))
			kprintf("  task %u (%s) %s on cpu %d%s\n", t->id, t->name, task_state_name(t->state), t->cpu,
				t->unwinding ? ", unwinding" : "");
	}
	spin_unlock_irqrestore(&reg.lock, s);
}

struct task_ref task_current_ref(void)
{
	struct task_ref r = { task_current() };
	return task_ref_clone(&r);
}

bool task_find(unsigned id, struct task_ref *out)
{
	bool found = false;
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	struct list *pos;
	list_for_each(pos, &reg.all) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (t->id == id) {
			out->t = t;
			*out = task_ref_clone(out);
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&reg.lock, s);
	return found;
}

void task_for_each(void (*fn)(const struct task *t, void *arg), void *arg)
{
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	struct list *pos;
	list_for_each(pos, &reg.all) fn(list_entry(pos, struct task, all_link), arg);
	spin_unlock_irqrestore(&reg.lock, s);
}

/* What t (not the caller) uses in [lo, hi), read under its wait_lock: a
 * queue it waits on (a mutex's or any other), or a mutex it holds. */
static bool uses_region(struct task *t, uintptr_t lo, uintptr_t hi, struct task_region_use *use)
{
	bool found = false;
	irq_state_t s = spin_lock_irqsave(&t->wait_lock);
	uintptr_t q = (uintptr_t)t->waiting_on;
	if (q >= lo && q < hi) {
		*use = (struct task_region_use){ .task_id = t->id, .addr = q, .waits = true };
		found = true;
	}
	struct list *pos;
	list_for_each(pos, &t->held_mutexes) {
		uintptr_t m = (uintptr_t)list_entry(pos, struct mutex, held_link);
		if (!found && m >= lo && m < hi) {
			*use = (struct task_region_use){ .task_id = t->id, .addr = m, .waits = false };
			found = true;
		}
	}
	spin_unlock_irqrestore(&t->wait_lock, s);
	if (found)
		strlcpy(use->task, t->name, sizeof use->task);
	return found;
}

bool task_region_in_use(const struct task *self, uintptr_t lo, uintptr_t hi, struct task_region_use *use)
{
	bool found = false;
	irq_state_t s = spin_lock_irqsave(&reg.lock);
	struct list *pos;
	list_for_each(pos, &reg.all) {
		struct task *t = list_entry(pos, struct task, all_link);
		if (t != self && !ended(t) && uses_region(t, lo, hi, use)) {
			found = true;
			break;
		}
	}
	spin_unlock_irqrestore(&reg.lock, s);
	return found;
}

void task_stats(struct task_stats *out)
{
	*out = reg.stats;
	out->switches = 0;
	for (unsigned c = 0; c < tasks_cpus(); c++)
		out->switches += cpu_get(c)->switches;
}

const char *task_name(const struct task *t) { return t->name; }
unsigned task_id(const struct task *t) { return t->id; }
enum task_state task_state(const struct task *t) { return t->state; }
int task_cpu(const struct task *t) { return t->cpu; }
int task_priority(const struct task *t) { return t->priority; }
bool task_is_idle(const struct task *t) { return t->idle; }
const char *task_entry_cell(const struct task *t) { return t->entry_cell ? t->entry_cell->name : "nano_core"; }
const char *task_namespace(const struct task *t) { return t->ns ? t->ns->name : "root"; }

struct rq_link *task_rq_link(struct task *t) { return &t->rq; }
struct task *task_of_rq_link(struct rq_link *l) { return container_of(l, struct task, rq); }

const char *task_state_name(enum task_state s)
{
	static const char *const names[] = { "runnable", "blocked", "sleeping", "exited", "failed", "killed" };
	return (unsigned)s < ARRAY_LEN(names) ? names[s] : "?";
}

EXPORT_APP(task_spawn_raw);
EXPORT_APP(task_ref_clone);
EXPORT_APP(task_ref_drop);
EXPORT_APP(task_current);
EXPORT_APP(task_current_ref);
EXPORT_APP(task_exit);
EXPORT_APP(task_join);
EXPORT_APP(task_name);
EXPORT_APP(task_id);
EXPORT_APP(task_state);
EXPORT_APP(task_state_name);
EXPORT_APP(task_cpu);
EXPORT_APP(task_priority);
EXPORT_APP(task_is_idle);
EXPORT_APP(task_entry_cell);
EXPORT_APP(task_namespace);
EXPORT_APP(task_find);
EXPORT_APP(task_for_each);
EXPORT_APP(task_stats);
EXPORT_KERNEL(task_rq_link);
EXPORT_KERNEL(task_of_rq_link);
