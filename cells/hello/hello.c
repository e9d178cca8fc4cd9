/* hello: the smallest cell. It greets through the kernel's console and
 * is the first thing the loader tests load. */
#include "klib.h"

int hello_main(void)
{
	kprintf("Hello from the hello cell!\n");
	return 0;
}
