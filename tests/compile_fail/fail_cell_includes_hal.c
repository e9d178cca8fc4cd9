// expect: hal_cpu\.h: No such file or directory
/* A cell includes a HAL header: the HAL is not part of a cell's interface,
 * and the cell include path (tools/cell.include) does not reach hal/. */
#include "hal_cpu.h"

unsigned which_cpu(void) { return hal_cpu_id(); }
