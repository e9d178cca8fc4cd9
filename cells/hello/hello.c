/* hello: the smallest cell. It greets through the kernel's console and
 * is the first thing the loader tests load. */
#include "cell.h"
#include "klib.h"

CELL_INFO("hello", CELL_APP, 1);

/* Also `call hello_main`: it reads no argument. */
int64_t hello_main(const struct app_args *args)
{
	(void)args;
	kprintf("Hello from the hello cell!\n");
	return 0;
}
APP_ENTRY(hello_main);
