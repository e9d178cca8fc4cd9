/* dup_hello: exports hello_main like the hello cell. Loading both into one
 * namespace must fail with a duplicate-symbol error. */
#include "cell.h"

CELL_INFO("dup_hello", CELL_APP, 1);

int hello_main(void)
{
	return 7;
}
