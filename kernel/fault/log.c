/* The fault log: a fixed ring of records (no heap: faults happen when the
 * heap may be the thing that broke), each saying when, which task and CPU,
 * what kind, where in cell terms, and what recovery did. */
#include "cell.h"
#include "export.h"
#include "fault_internal.h"
#include "hal_cpu.h"
#include "hal_time.h"
#include "klib.h"
#include "spinlock.h"
#include "sync.h"
#include "task.h"

#define LOG_SLOTS 64

static struct {
	struct fault_record ring[LOG_SLOTS];
	unsigned next_seq;
	struct spinlock lock;
} log;

static const char *const machine_fault_names[] = {
	[MACHINE_FAULT_PAGE] = "page fault",
	[MACHINE_FAULT_BUS] = "bus error",
	[MACHINE_FAULT_ILLEGAL] = "illegal instruction",
	[MACHINE_FAULT_DIVIDE] = "divide error",
	[MACHINE_FAULT_PROTECTION] = "general protection fault",
	[MACHINE_FAULT_BREAKPOINT] = "breakpoint",
	[MACHINE_FAULT_OTHER] = "CPU exception",
};

const char *fault_kind_name(const struct fault_record *r)
{
	if (r->kind == FAULT_PANIC)
		return "panic";
	if (r->kind == FAULT_KILL)
		return "kill";
	return (unsigned)r->machine < ARRAY_LEN(machine_fault_names) ? machine_fault_names[r->machine] : "fault";
}

const char *fault_action_name(enum fault_action a)
{
	static const char *const names[] = { "pending", "unwound", "restarted", "data reinitialised",
					     "cell reloaded", "reboot", "unwind failed", "halted", "machine stopped" };
	_Static_assert(ARRAY_LEN(names) == ACTION_STOPPED + 1, "a name for every action");
	return (unsigned)a < ARRAY_LEN(names) ? names[a] : "?";
}

int fault_describe_addr(uintptr_t addr, char *buf, size_t cap)
{
	CELLS_READ_GUARD(); /* the section and symbol stay alive while we print them */
	const struct cell_section *sec = cell_section_at(addr);
	if (!sec)
		return ksnprintf(buf, cap, "%#lx (outside every cell)", (unsigned long)addr);
	const struct cell_symbol *sym = cell_symbol_at(addr);
	if (sym)
		return ksnprintf(buf, cap, "%s:%s+0x%lx (%s+0x%lx)", sec->cell->name, sec->name,
				 (unsigned long)(addr - sec->addr), sym->name, (unsigned long)(addr - sym->addr));
	return ksnprintf(buf, cap, "%s:%s+0x%lx", sec->cell->name, sec->name, (unsigned long)(addr - sec->addr));
}

/* The recovery chain a record belongs to: the task (a restartable task
 * keeps its id across restarts; ids are never reused), the cell's lineage
 * (the instance of its first load; a stage-4 reload continues it) and the
 * place in the cell (pc_key: the same in every load of one object). */
struct chain {
	unsigned task_id;
	uint64_t lineage;
	uintptr_t pc_key;
};

static bool in_chain(const struct fault_record *r, const struct chain *c)
{
	return r->seq && r->kind != FAULT_KILL && r->pc_key == c->pc_key && r->task_id == c->task_id &&
	       r->cell_lineage == c->lineage;
}

static unsigned earlier_in(const struct chain *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < LOG_SLOTS; i++)
		n += in_chain(&log.ring[i], c);
	return n;
}

/* Stage-4 reloads, a ring under log.lock: each new instance with the
 * lineage of the one it replaced (already followed back, so one look-up
 * finds the first load). */
static struct {
	uint64_t instance, lineage;
} reloads[FAULT_RELOADS_KEPT];
static unsigned next_reload;

static uint64_t lineage_of(uint64_t instance)
{
	for (unsigned i = 0; instance && i < FAULT_RELOADS_KEPT; i++)
		if (reloads[i].instance == instance)
			return reloads[i].lineage;
	return instance;
}

void fault_note_reload(uint64_t old_instance, uint64_t new_instance)
{
	SPIN_GUARD(&log.lock);
	uint64_t lineage = lineage_of(old_instance);
	reloads[next_reload++ % FAULT_RELOADS_KEPT] = (typeof(reloads[0])){ new_instance, lineage };
}

/* pc as a place in its cell that every load of the same object shares:
 * the index of its section and the offset in it (a cell has far fewer than
 * 2^23 sections, a section is far smaller than 2^40 bytes). Outside loaded
 * cells (the nano_core, nowhere) pc itself, with instance 0. */
static uintptr_t place_of(uintptr_t pc, uint64_t *instance)
{
	CELLS_READ_GUARD();
	const struct cell_section *sec = cell_section_at(pc);
	*instance = sec ? sec->cell->instance : 0;
	if (!*instance)
		return pc;
	return (uintptr_t)(sec - sec->cell->sections) << 40 | (pc - sec->addr);
}

struct fault_record *fault_record(enum fault_kind kind, enum machine_fault machine, uintptr_t pc,
				  uintptr_t addr, const char *detail)
{
	struct task *t = task_current();
	uint64_t instance;
	struct chain chain = { t ? task_id(t) : 0, 0, place_of(pc, &instance) };
	irq_state_t s = spin_lock_irqsave(&log.lock);
	chain.lineage = lineage_of(instance);
	unsigned seq = ++log.next_seq;
	struct fault_record *r = &log.ring[seq % LOG_SLOTS];
	unsigned recur = kind == FAULT_KILL ? 0 : earlier_in(&chain);
	*r = (struct fault_record){ .seq = seq, .time_ns = hal_time_ns(), .task_id = chain.task_id,
				    .cpu = hal_cpu_id(), .kind = kind, .machine = machine, .addr = addr, .pc = pc,
				    .cell_instance = instance, .cell_lineage = chain.lineage,
				    .pc_key = chain.pc_key, .recurrence = recur };
	spin_unlock_irqrestore(&log.lock, s);
	if (t)
		strlcpy(r->task, task_name(t), sizeof r->task);
	fault_describe_addr(pc, r->where, sizeof r->where);
	strlcpy(r->detail, detail ? detail : "", sizeof r->detail);
	return r;
}

void fault_note_held_mutexes(struct fault_record *r, const struct task *t)
{
	const struct mutex *held[3];
	_Static_assert(ARRAY_LEN(held) <= MUTEX_DIED_KEPT, "mutex_died_with fills every slot asked for");
	size_t n = mutex_died_with(t, held, ARRAY_LEN(held));
	r->mutexes = (unsigned)n;
	r->mutex_names[0] = '\0';
	for (size_t i = 0, len = 0; i < MIN(n, ARRAY_LEN(held)) && len < sizeof r->mutex_names; i++) {
		if (i)
			len += (size_t)ksnprintf(r->mutex_names + len, sizeof r->mutex_names - len, ", ");
		if (len < sizeof r->mutex_names)
			len += (size_t)fault_describe_addr((uintptr_t)held[i], r->mutex_names + len,
							   sizeof r->mutex_names - len);
	}
}

size_t fault_log_count(void) { return MIN(log.next_seq, LOG_SLOTS); }

void fault_log_for_each(void (*fn)(const struct fault_record *r, void *arg), void *arg)
{
	unsigned first = log.next_seq > LOG_SLOTS ? log.next_seq - LOG_SLOTS + 1 : 1;
	for (unsigned seq = first; seq <= log.next_seq; seq++)
		fn(&log.ring[seq % LOG_SLOTS], arg);
}

static void print_one(const struct fault_record *r, void *arg)
{
	(void)arg;
	kprintf("#%u %lu.%03lus task %u (%s) cpu %u: %s at %s", r->seq, (unsigned long)(r->time_ns / 1000000000),
		(unsigned long)(r->time_ns / 1000000 % 1000), r->task_id, r->task, r->cpu, fault_kind_name(r), r->where);
	if (r->kind == FAULT_MACHINE)
		kprintf(", address %#lx", (unsigned long)r->addr);
	if (r->detail[0])
		kprintf(" (%s)", r->detail);
	kprintf(": %s, %u landing pad(s) run%s", fault_action_name(r->action), r->cleanups,
		r->recurrence ? ", recurring" : "");
	if (r->mutexes)
		kprintf("; released %u mutex(es) it held, marked owner died: %s%s", r->mutexes, r->mutex_names,
			r->mutexes > 3 ? ", ..." : "");
	kprintf("\n");
}

void fault_log_print(void) { fault_log_for_each(print_one, NULL); }

EXPORT_KERNEL(fault_log_for_each);
EXPORT_KERNEL(fault_log_count);
EXPORT_KERNEL(fault_log_print);
EXPORT_KERNEL(fault_action_name);
EXPORT_KERNEL(fault_kind_name);
