/* What the parts of bench share: timing, failure, pinning, running in a
 * task, the Linux-side measurements (linux.c) that bench.c's figure table
 * runs, and the swap stages (swap.c). */
#ifndef BENCH_H
#define BENCH_H
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* One batch of n operations; returns nanoseconds per operation. */
typedef double (*batch_fn)(unsigned n);

extern int bench_cpu; /* the core the process is pinned to */
uint64_t now_ns(void);
__attribute__((noreturn)) void die(const char *what, const char *why);
void check_rc(int rc, const char *what);
/* Thread attributes pinning a thread to bench_cpu. */
void pinned_attr(pthread_attr_t *attr);

/* Runs fn(n) in a task on CPU 0 (the boot context idles meanwhile). */
double batch_in_task(batch_fn fn, unsigned n);
/* The stages of a single-cell swap with ten dependents (swap.c); prepare
 * before the memory counters are taken. */
void bench_swap_prepare(void);
void bench_swap(bool quick);

double lx_getpid(unsigned n);
double lx_switch(unsigned n);
double lx_spawn(unsigned n);
double lx_map(unsigned n);
double lx_dl(unsigned n);
double lx_fork(unsigned n);

#endif
