/* dup_hello: exports hello_main like the hello cell. Loading both into one
 * namespace must fail with a duplicate-symbol error. As two images export
 * hello_main, a cell that needed it from an image would be refused as
 * ambiguous, so no in-tree cell imports it (test_cell_images checks that no
 * in-tree cell needs a symbol two images export). */
#include "cell.h"

CELL_INFO("dup_hello", CELL_APP, 1);

int hello_main(void)
{
	return 7;
}
