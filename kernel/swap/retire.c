/* Retired cells: interim policy until the reference check lands (a task's
 * frames, a conservative scan): a swapped-out cell is kept, retired, and
 * freed at shutdown (cells_fini frees every withdrawn cell), as Theseus
 * keeps every old crate. */
#include "swap_internal.h"

static size_t retired;

bool retire_add(struct cell *c)
{
	(void)c;
	retired++;
	return false;
}

size_t swap_retired_count(void) { return retired; }
size_t swap_reap(void) { return 0; }
