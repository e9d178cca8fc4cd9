/* Grace periods (grace.h): the reader enters the counter of the current
 * epoch's parity and checks the epoch did not move meanwhile; the writer
 * moves the epoch and waits for the old parity's counter to drain.
 *
 * Why one flip suffices (all accesses sequentially consistent): a reader
 * that incremented readers[p] and then still read epoch E (E & 1 == p) did
 * both before the writer's flip E -> E+1, so the writer's later reads of
 * readers[p] count it until it leaves. A reader that read E+1 began after
 * the flip and so after the unpublish that preceded it. Readers of older
 * epochs of parity p were drained by the previous grace_wait, which ended
 * before this one began (wait_lock orders them). */
#include "grace.h"
#include "hal_cpu.h"
#include "panic.h"

/* A CPU id past the table (never seen) shares the last slot. */
static unsigned *depth_here(struct grace *g)
{
	unsigned id = hal_cpu_id();
	return &g->depth[id < GRACE_CPUS ? id : GRACE_CPUS - 1];
}

struct grace_read grace_read_lock(struct grace *g)
{
	struct grace_read r = { .irq = irq_save() };
	for (;;) {
		unsigned e = __atomic_load_n(&g->epoch, __ATOMIC_SEQ_CST);
		r.idx = e & 1;
		__atomic_add_fetch(&g->readers[r.idx], 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&g->epoch, __ATOMIC_SEQ_CST) == e)
			break;
		/* A writer flipped in between: count in the new epoch instead. */
		__atomic_sub_fetch(&g->readers[r.idx], 1, __ATOMIC_SEQ_CST);
	}
	++*depth_here(g);
	return r;
}

void grace_read_unlock(struct grace *g, struct grace_read r)
{
	unsigned *d = depth_here(g);
	if (!*d)
		panic("grace_read_unlock: no read section open on cpu %u", hal_cpu_id());
	--*d;
	__atomic_sub_fetch(&g->readers[r.idx], 1, __ATOMIC_SEQ_CST);
	irq_restore(r.irq);
}

bool grace_reading(struct grace *g)
{
	irq_state_t s = irq_save(); /* so the CPU cannot change under the read */
	bool in = *depth_here(g) != 0;
	irq_restore(s);
	return in;
}

void grace_wait(struct grace *g)
{
	if (grace_reading(g))
		panic("grace_wait inside a read section of the same domain: it would wait for itself");
	irq_state_t s = spin_lock_irqsave(&g->wait_lock);
	unsigned old = __atomic_fetch_add(&g->epoch, 1, __ATOMIC_SEQ_CST) & 1;
	while (__atomic_load_n(&g->readers[old], __ATOMIC_SEQ_CST))
		__builtin_ia32_pause();
	spin_unlock_irqrestore(&g->wait_lock, s);
}
