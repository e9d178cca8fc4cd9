/* retire_probe's interface, shared with the tests that hold on to it. */
#ifndef RETIRE_PROBE_H
#define RETIRE_PROBE_H
#include <stdbool.h>
#include <stdint.h>

#include "task.h"

/* A task calls retire_probe_wait(gate) and stays blocked inside the cell
 * until open is set and wq woken; inside says it got there. */
struct retire_probe_gate {
	struct wait_queue wq;
	volatile bool open;
	volatile bool inside;
};

#endif
