// expect: app entry shell_like_main must be int64_t shell_like_main\(const struct app_args \*\)
/* A function taking a string (like shell_main) declared as the app entry:
 * `spawn` would hand it the argument array as if it were text. */
#include "cell.h"

CELL_INFO("shell_like", CELL_APP, 1);

int64_t shell_like_main(const char *commands);
int64_t shell_like_main(const char *commands) { return commands != 0; }
APP_ENTRY(shell_like_main);
