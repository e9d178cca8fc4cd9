/* A cell that ignores a MUST_USE result: out of tree too, that does not build
 * (tools/cell.flags: -Werror=unused-result). */
#include "sync.h"
static struct mutex m;
int ign(void){ mutex_lock(&m); return 0; }
