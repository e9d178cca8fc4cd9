/* What the two halves of bench share: timing, failure, pinning, and the
 * Linux-side measurements (linux.c) that bench.c's figure table runs. */
#ifndef BENCH_H
#define BENCH_H
#include <pthread.h>
#include <stdint.h>

/* One batch of n operations; returns nanoseconds per operation. */
typedef double (*batch_fn)(unsigned n);

extern int bench_cpu; /* the core the process is pinned to */
uint64_t now_ns(void);
__attribute__((noreturn)) void die(const char *what, const char *why);
void check_rc(int rc, const char *what);
/* Thread attributes pinning a thread to bench_cpu. */
void pinned_attr(pthread_attr_t *attr);

double lx_getpid(unsigned n);
double lx_switch(unsigned n);
double lx_spawn(unsigned n);
double lx_map(unsigned n);
double lx_dl(unsigned n);
double lx_fork(unsigned n);

#endif
