/* hello: the smallest cell. It greets through the kernel's console and
 * is the first thing the loader tests load. */
#include "cell.h"
#include "klib.h"

CELL_INFO("hello", CELL_APP, 1);

int hello_main(void)
{
	kprintf("Hello from the hello cell!\n");
	return 0;
}
