/* What the parts of bench share: timing, failure, pinning, running in a
 * task, the Linux-side measurements (linux.c) that bench.c's figure table
 * runs, the swap stages (swap.c) and the channel round trips (chan.c). */
#ifndef BENCH_H
#define BENCH_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One batch of n operations; returns nanoseconds per operation. */
typedef double (*batch_fn)(unsigned n);

extern int bench_cpu; /* the core the process is pinned to */
uint64_t now_ns(void);
__attribute__((noreturn)) void die(const char *what, const char *why);
void check_rc(int rc, const char *what);
/* Thread attributes pinning a thread to bench_cpu. */
void pinned_attr(pthread_attr_t *attr);

/* bench.c: the median of n times (sorts t); a batch run inside a task on
 * CPU 0; a time as "1.23 µs"; s left-aligned in width columns. */
double median(double *t, unsigned n);
double batch_in_task(batch_fn fn, unsigned n);
void format_time(double ns, char *buf, size_t cap);
void cell_out(const char *s, int width);

/* The stages of a single-cell swap with ten dependents (swap.c); prepare
 * before the memory counters are taken. */
void bench_swap_prepare(void);
void bench_swap(bool quick);

/* Until no more than n tasks and the caller are alive (a kernel task that
 * frees retired cells may still be ending), for at most 2 s; a batch_fn. */
double tasks_settle(unsigned n);

/* chan.c: one-byte round trips over the channel cells (a batch_fn each);
 * prepare loads chan_rendezvous before the memory counters; the async row
 * runs between async_begin and async_end (a swap each way). */
void bench_chan_prepare(void);
double th_chan_rendezvous(unsigned n);
double th_chan_fast(unsigned n);
double th_chan_async(unsigned n);
void bench_chan_async_begin(void);
void bench_chan_async_end(void);

/* reload.c: the stage-4 reload row, runs measured reloads (median). */
void bench_reload(unsigned runs);

double lx_getpid(unsigned n);
double lx_switch(unsigned n);
double lx_spawn(unsigned n);
double lx_map(unsigned n);
double lx_dl(unsigned n);
double lx_fork(unsigned n);
double lx_pipe(unsigned n);

#endif
