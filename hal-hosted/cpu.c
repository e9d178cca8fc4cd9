/* Hosted CPU: one virtual CPU for now (the tasks issue adds threads);
 * power-off is process exit. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hal/cpu.h"

unsigned hal_cpu_id(void) { return 0; }
unsigned hal_cpu_count(void) { return 1; }
void hal_cpu_halt(void) { pause(); }

void hal_cpu_poweroff(int status)
{
	fflush(NULL);
	exit(status);
}
