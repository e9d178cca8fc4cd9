/* faulty_text's function that the fault injector corrupts, in a file of
 * its own: the compiler cannot inline or clone it into its callers, so
 * every call runs the very bytes at its symbol. */
#ifndef FAULTY_TEXT_H
#define FAULTY_TEXT_H
#include <stdint.h>

/* 2n + 1 */
int64_t faulty_text_value(int64_t n);

#endif
