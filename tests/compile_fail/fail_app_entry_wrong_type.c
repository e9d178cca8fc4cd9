// expect: app entry old_main must be int64_t old_main\(const struct app_args \*\)
/* An app entry of the old shape, int fn(void): `spawn` would call it with
 * an argument it does not take and read a 32-bit result as 64. */
#include "cell.h"

CELL_INFO("old", CELL_APP, 1);

int old_main(void);
int old_main(void) { return 0; }
APP_ENTRY(old_main);
