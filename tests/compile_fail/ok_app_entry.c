/* Control: a correctly typed app entry compiles. */
#include "cell.h"

CELL_INFO("good", CELL_APP, 1);

int64_t good_main(const struct app_args *args);
int64_t good_main(const struct app_args *args) { return args->argc; }
APP_ENTRY(good_main);
