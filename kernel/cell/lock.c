/* The cell system's concurrency rule (cell.h, docs/concurrency.md): the
 * cells lock that serialises every change, the grace domain of the
 * lock-free readers, and the address index they search (every loaded cell
 * of every namespace), with the lookups by address over it. */
#include "export.h"
#include "hal_cpu.h"
#include "cell_swap.h"
#include "load.h"
#include "panic.h"
#include "pause.h"
#include "spinlock.h"

#define NO_OWNER (~0u)

/* A test-and-set lock, recursive on the holding CPU. Not a ticket lock:
 * hosted vCPUs are host threads, and a FIFO hand-off to a waiter the host
 * has descheduled stalls every CPU behind it (measured: a load/unload
 * round went from ~0.5 ms to ~100 ms on a busy host). It is not fair: a
 * CPU that loads cells in a tight loop can delay the others' spawns. */
static struct {
	int locked;
	unsigned owner; /* the CPU holding it (interrupts are off there, so it cannot move) */
	unsigned depth; /* how many times that CPU took it */
	irq_state_t irq; /* the interrupt state before the outermost cells_lock */
} lk = { 0, NO_OWNER, 0, 0 };

static struct grace cells_grace;
static struct cell *index_head; /* published with release stores; see cells_index_add */

/* Only the holder ever stores its own id in owner, and clears it before
 * releasing, so reading our id means we hold the lock. */
bool cells_locked(void)
{
	irq_state_t s = irq_save();
	bool mine = __atomic_load_n(&lk.owner, __ATOMIC_RELAXED) == hal_cpu_id();
	irq_restore(s);
	return mine;
}

/* Precondition (asserted): not inside a cells read section, since a holder
 * may wait for the grace period that read section holds up. */
void cells_lock(void)
{
	irq_state_t s = irq_save();
	if (__atomic_load_n(&lk.owner, __ATOMIC_RELAXED) == hal_cpu_id()) {
		lk.depth++;
		irq_restore(s); /* interrupts stay off: the outer hold has them off */
		return;
	}
	if (grace_reading(&cells_grace))
		panic("cells_lock inside a cells read section: a grace-period wait would never end");
	/* Waiting here is a safe point when no other spinlock is held: the
	 * holder may be a swap that pauses the other CPUs. */
	while (__atomic_test_and_set(&lk.locked, __ATOMIC_ACQUIRE)) {
		pause_point();
		__builtin_ia32_pause();
	}
	spin_note_locked();
	__atomic_store_n(&lk.owner, hal_cpu_id(), __ATOMIC_RELAXED);
	lk.depth = 1;
	lk.irq = s;
}

/* Precondition (asserted): the executing CPU holds the lock. */
void cells_unlock(void)
{
	if (!cells_locked())
		panic("cells_unlock on cpu %u, which does not hold the cells lock", hal_cpu_id());
	if (--lk.depth)
		return;
	irq_state_t s = lk.irq;
	__atomic_store_n(&lk.owner, NO_OWNER, __ATOMIC_RELAXED);
	spin_note_unlocked();
	__atomic_clear(&lk.locked, __ATOMIC_RELEASE);
	irq_restore(s);
}

void cells_assert_locked(const char *who)
{
	if (!cells_locked())
		panic("%s: called without the cells lock", who);
}

struct grace_read cells_read_lock(void) { return grace_read_lock(&cells_grace); }
void cells_read_unlock(struct grace_read r) { grace_read_unlock(&cells_grace, r); }

void cells_grace_wait(void) { grace_wait(&cells_grace); }

/* --- the address index --------------------------------------------------------
 * A singly linked list: an add stores the new head with release order after
 * the cell is complete, so a reader that finds it sees its sections; a
 * removal unlinks with one release store and leaves the cell's own link,
 * so a reader standing on it still reaches the rest. */
void cells_index_add(struct cell *c)
{
	cells_assert_locked("cells_index_add");
	c->index_next = index_head;
	__atomic_store_n(&index_head, c, __ATOMIC_RELEASE);
}

void cells_index_remove(struct cell *c)
{
	cells_assert_locked("cells_index_remove");
	struct cell **at = &index_head;
	while (*at && *at != c)
		at = &(*at)->index_next;
	if (!*at)
		panic("cells_index_remove: cell %s is not in the index", c->name);
	__atomic_store_n(at, c->index_next, __ATOMIC_RELEASE);
}

void cells_for_each(void (*fn)(struct cell *c, void *arg), void *arg)
{
	cells_assert_locked("cells_for_each");
	for (struct cell *c = index_head, *next; c; c = next) {
		next = c->index_next; /* fn may free c */
		fn(c, arg);
	}
}

/* A builtin cell's sections are sorted by address (nano_core.c): a binary
 * search; a loaded cell has a few, walked in order. */
static const struct cell_section *section_in(const struct cell *c, uintptr_t addr)
{
	size_t lo = 0, hi = c->n_sections;
	if (!c->builtin) {
		lo = hi;
		for (size_t i = 0; i < c->n_sections; i++) {
			const struct cell_section *s = &c->sections[i];
			if (addr >= s->addr && addr - s->addr < MAX(s->size, 1))
				return s;
		}
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cell_section *s = &c->sections[mid];
		if (addr < s->addr)
			hi = mid;
		else if (addr - s->addr >= s->size)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

/* The symbol of v[0..n) closest below addr that contains it, or best. */
static const struct cell_symbol *closest(const struct cell_symbol *v, size_t n, uintptr_t addr,
					 const struct cell_symbol *best)
{
	for (size_t i = 0; i < n; i++) {
		const struct cell_symbol *y = &v[i];
		if (y->addr <= addr && (!best || y->addr > best->addr) && (addr - y->addr < MAX(y->size, 1)))
			best = y;
	}
	return best;
}

const struct cell_section *cell_section_at(uintptr_t addr)
{
	if (!cells_locked() && !grace_reading(&cells_grace))
		panic("cell_section_at(%#lx) outside a cells read section and without the cells lock",
		      (unsigned long)addr);
	for (const struct cell *c = __atomic_load_n(&index_head, __ATOMIC_ACQUIRE); c;
	     c = __atomic_load_n(&c->index_next, __ATOMIC_ACQUIRE)) {
		const struct cell_section *s = section_in(c, addr);
		if (s)
			return s;
	}
	return NULL;
}

/* Precondition: as cell_section_at's. Exports first: where an export and
 * an image symbol start at the same address, reports use the exported name. */
const struct cell_symbol *cell_symbol_at(uintptr_t addr)
{
	const struct cell_section *s = cell_section_at(addr);
	if (!s)
		return NULL;
	const struct cell *c = s->cell;
	return closest(c->image_symbols, c->n_image_symbols, addr, closest(c->symbols, c->n_symbols, addr, NULL));
}

EXPORT_KERNEL(cells_lock);
EXPORT_KERNEL(cells_unlock);
EXPORT_KERNEL(cells_locked);
EXPORT_KERNEL(cells_read_lock);
EXPORT_KERNEL(cells_read_unlock);
