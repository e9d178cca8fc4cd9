/* retire_probe: a cell the tests of retired cells (swap.h, retire.c) hold
 * on to in each way an old cell can be held after a swap took it out: a
 * task blocked inside one of its functions, a word pointing at its rodata
 * or its data. */
#include "cell.h"
#include "retire_probe.h"
#include "task.h"

CELL_INFO("retire_probe", CELL_KERNEL, 1);

const char retire_probe_message[] = "retire_probe v1";
int64_t retire_probe_counter = 41;

static bool opened(void *gate) { return ((struct retire_probe_gate *)gate)->open; }

/* Blocks in this cell until the gate opens; then counts once more (work
 * after the wait, so the frame is this function's, not a tail call's). */
int64_t retire_probe_wait(struct retire_probe_gate *gate)
{
	gate->inside = true;
	if (!wait_queue_wait_cond(&gate->wq, opened, gate))
		return -1;
	return ++retire_probe_counter;
}

/* A word of this cell's data, for a pair of retired cells that point only
 * at each other. */
void *retire_probe_slot;

/* Runs in this cell, never entering the kernel, until the gate opens: a
 * task that is running (not switched out) when another CPU checks. */
int64_t retire_probe_spin(struct retire_probe_gate *gate)
{
	gate->inside = true;
	while (!gate->open)
		__builtin_ia32_pause();
	return ++retire_probe_counter;
}
