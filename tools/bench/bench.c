/* bench: the headline figures of DESIGN.md §1/§9, each measured against its
 * Linux equivalent in the same run. Boots the hosted machine in-process
 * (256 MiB, the build's cells, one CPU, no timer tick), runs the theseus-c
 * side of every figure inside a task and the Linux side on the boot thread,
 * batch by batch in turn, and prints medians, ratios and the §9 goals.
 * The Linux side of each figure is in linux.c, the swap's stages (beside
 * the thesis' figures) in swap.c, the channel round trips in chan.c. The
 * process is pinned to one core so both sides run under the same conditions. *
 * Usage: bench [--quick]   (--quick: fewer iterations, for the smoke test) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cell_boot.h"
#include "mm_boot.h"
#include "cell.h"
#include "fault.h"
#include "heap.h"
#include "hosted.h"
#include "mm.h"
#include "task.h"

#ifndef THESEUS_CELL_DIR
#define THESEUS_CELL_DIR "cells"
#endif

#define RUNS 7
#define QUICK_RUNS 3
#define QUICK_DIVISOR 20
#define DRIVER_STACK_BYTES (256UL * 1024)

static unsigned runs = RUNS;
static unsigned divisor = 1;
int bench_cpu;
static char cell_path[4096];

/* --- helpers --------------------------------------------------------------- */
uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void die(const char *what, const char *why)
{
	fflush(stdout);
	fprintf(stderr, "bench: %s: %s\n", what, why);
	exit(1);
}

static void check(err_t e, const char *what)
{
	if (e)
		die(what, err_text(e));
}

void check_rc(int rc, const char *what)
{
	if (rc)
		die(what, strerror(rc));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(double *t, unsigned n)
{
	qsort(t, n, sizeof t[0], cmp_double);
	return t[n / 2];
}

void pinned_attr(pthread_attr_t *attr)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(bench_cpu, &set);
	check_rc(pthread_attr_init(attr), "pthread_attr_init");
	check_rc(pthread_attr_setaffinity_np(attr, sizeof set, &set), "pthread_attr_setaffinity_np");
}

static void pin_process(void)
{
	bench_cpu = sched_getcpu();
	if (bench_cpu < 0)
		bench_cpu = 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(bench_cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set))
		die("sched_setaffinity", strerror(errno));
}

/* --- running inside a task ----------------------------------------------------- */
struct driver {
	batch_fn fn;
	unsigned n;
	double *result;
};

static int64_t drive(struct driver *d)
{
	*d->result = d->fn(d->n);
	return 0;
}

static bool ended(void *t)
{
	enum task_state s = task_state(t);
	return s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED;
}

/* The boot context is CPU 0's idle task and cannot block: a driver task
 * runs the batch while this context idles. */
double batch_in_task(batch_fn fn, unsigned n)
{
	double result = 0;
	struct driver d = { fn, n, &result };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "bench";
	o.cpu = 0;
	o.stack_bytes = DRIVER_STACK_BYTES;
	struct task_ref t;
	check(TASK_SPAWN(&o, drive, &d, &t), "spawn the driver task");
	sched_idle_until(ended, t.t);
	int64_t v;
	check(task_join(&t, &v), "the driver task failed");
	task_ref_drop(&t);
	return result;
}

/* --- 1. null "syscall" ------------------------------------------------------------ */
static struct task *(*volatile current_fn)(void) = task_current;
static struct task *volatile current_sink;

static double th_current(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		current_sink = current_fn();
	return (double)(now_ns() - t0) / n;
}

/* --- 2. context switch -------------------------------------------------------------- */
struct pingpong {
	unsigned n;
	uint64_t t0, t1;
	size_t sw0, sw1;
};
struct pingpong_arg {
	struct pingpong *pp;
};

static size_t switches(void)
{
	struct task_stats s;
	task_stats(&s);
	return s.switches;
}

/* The first task to run starts the clock; the last to finish stops it. */
static int64_t yielder(struct pingpong_arg *a)
{
	struct pingpong *pp = a->pp;
	if (!pp->t0) {
		pp->sw0 = switches();
		pp->t0 = now_ns();
	}
	for (unsigned i = 0; i < pp->n; i++)
		task_yield();
	pp->t1 = now_ns();
	pp->sw1 = switches();
	return 0;
}

static void spawn_on_cpu0(struct pingpong_arg *a, struct task_ref *out)
{
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.name = "yielder";
	o.cpu = 0;
	check(TASK_SPAWN(&o, yielder, a, out), "spawn a yielder");
}

/* n switches in all: each of the two tasks yields n/2 times. */
static double th_switch(unsigned n)
{
	struct pingpong pp = { .n = n / 2 };
	struct pingpong_arg a = { &pp };
	struct task_ref x, y;
	spawn_on_cpu0(&a, &x);
	spawn_on_cpu0(&a, &y);
	check(task_join(&x, NULL), "join a yielder");
	check(task_join(&y, NULL), "join a yielder");
	task_ref_drop(&x);
	task_ref_drop(&y);
	return (double)(pp.t1 - pp.t0) / (double)(pp.sw1 - pp.sw0);
}

/* --- 3. spawn + join ---------------------------------------------------------------- */
struct nothing {
	int unused;
};

static int64_t empty_task(struct nothing *a)
{
	(void)a;
	return 0;
}

static double th_spawn(unsigned n)
{
	struct nothing arg = { 0 };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct task_ref t;
		check(TASK_SPAWN(&o, empty_task, &arg, &t), "spawn an empty task");
		check(task_join(&t, NULL), "join an empty task");
		task_ref_drop(&t);
	}
	return (double)(now_ns() - t0) / n;
}

/* --- 4. map 4 KiB, touch, unmap ----------------------------------------------------- */
static double th_map(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct mapped_pages_rw m;
		char *p;
		check(mp_alloc_rw(PAGE_SIZE, &m), "mp_alloc_rw");
		check(mp_as_type_mut(&m, 0, char, &p), "mp_as_type_mut");
		*(volatile char *)p = 1;
		mp_unmap_rw(&m);
	}
	return (double)(now_ns() - t0) / n;
}

/* --- 5. load + link a cell, spawn, join ---------------------------------------------- */
static char *image_buf;
static size_t image_cap;

static size_t read_image(void)
{
	int fd = open(cell_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(cell_path, strerror(errno));
	size_t len = 0;
	ssize_t got;
	while (len < image_cap && (got = read(fd, image_buf + len, image_cap - len)) > 0)
		len += (size_t)got;
	close(fd);
	return len;
}

static void image_buf_init(void)
{
	struct stat st;
	if (stat(cell_path, &st))
		die(cell_path, strerror(errno));
	image_cap = (size_t)st.st_size;
	if (!(image_buf = malloc(image_cap)))
		die("malloc", "out of memory");
}

struct cell_call {
	int (*fn)(int);
};

static int64_t call_cell(struct cell_call *c)
{
	return c->fn(7);
}

static void cell_cycle(void)
{
	size_t len = read_image();
	struct namespace *ns;
	struct cell *c;
	struct cell_diag diag;
	check(ns_create("bench", ns_root(), &ns), "ns_create");
	check(cell_load_image(ns, image_buf, len, &c, &diag), "cell_load_image chain_c");
	const struct cell_symbol *s = ns_resolve(ns, "chain_c_value");
	if (!s || !s->is_func)
		die("chain_c", "no function chain_c_value");
	struct cell_call call = { (int (*)(int))s->addr };
	struct task_options o = TASK_OPTIONS_DEFAULT;
	o.cpu = 0;
	o.ns = ns;
	struct task_ref t;
	int64_t v = 0;
	check(TASK_SPAWN(&o, call_cell, &call, &t), "spawn the cell task");
	check(task_join(&t, &v), "join the cell task");
	task_ref_drop(&t);
	if (v != 21)
		die("chain_c_value(7)", "wrong result");
	check(cell_unload(c, &diag), "cell_unload chain_c");
	ns_destroy(ns);
}

static double th_cell(unsigned n)
{
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < n; i++)
		cell_cycle();
	return (double)(now_ns() - t0) / n;
}

/* --- the figures ----------------------------------------------------------------- */
struct figure {
	const char *name;
	batch_fn theseus;
	unsigned n_theseus;
	const char *host_name;
	batch_fn host;
	unsigned n_linux;
	double goal;           /* Linux time / theseus time at least this; 0: no goal */
	const char *goal_text;
	void (*before)(void);  /* if set: run before the row's batches, and */
	void (*after)(void);   /* this after them */
};

static const struct figure figures[] = {
	{ "null syscall (task_current)", th_current, 2000000, "getpid", lx_getpid, 200000, 0, "-", NULL, NULL },
	{ "context switch (2 tasks yield)", th_switch, 200000, "2 pinned threads yield", lx_switch, 100000,
	  3, ">= 3x faster", NULL, NULL },
	{ "spawn + join empty task", th_spawn, 5000, "pthread create+join", lx_spawn, 5000, 0, "-", NULL, NULL },
	{ "map 4 KiB, touch, unmap", th_map, 20000, "mmap populate+munmap", lx_map, 20000, 1 / 1.2,
	  "within 1.2x", NULL, NULL },
	{ "load+link cell, spawn, join", th_cell, 300, "dlopen+thread+dlclose", lx_dl, 300, 2,
	  ">= 2x faster", NULL, NULL },
	{ "load+link cell, spawn, join", th_cell, 300, "fork+exec+wait true", lx_fork, 60, 20,
	  ">= 20x faster", NULL, NULL },
	{ "1-byte round trip, rendezvous", th_chan_rendezvous, 50000, "1-byte pipe round trip", lx_pipe, 10000, 5,
	  ">= 5x faster", NULL, NULL },
	{ "1-word round trip, fastpath", th_chan_fast, 50000, "1-byte pipe round trip", lx_pipe, 10000, 5,
	  ">= 5x faster", NULL, NULL },
	{ "1-byte round trip, async", th_chan_async, 50000, "1-byte pipe round trip", lx_pipe, 10000, 5,
	  ">= 5x faster", bench_chan_async_begin, bench_chan_async_end },
};
#define N_FIGURES (sizeof figures / sizeof figures[0])

static unsigned scaled(unsigned n)
{
	return n / divisor ? n / divisor : 1;
}

/* --- printing ------------------------------------------------------------------- */
void format_time(double ns, char *buf, size_t cap)
{
	if (ns < 1000)
		snprintf(buf, cap, "%.1f ns", ns);
	else if (ns < 1000000)
		snprintf(buf, cap, "%.2f µs", ns / 1000);
	else
		snprintf(buf, cap, "%.2f ms", ns / 1000000);
}

/* Prints s left-aligned in width columns (UTF-8 aware: "µ" is one column). */
void cell_out(const char *s, int width)
{
	int cols = 0;
	for (const char *p = s; *p; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	printf("%s%*s", s, width > cols ? width - cols : 0, "");
}

static void print_header(void)
{
	cell_out("figure", 32);
	cell_out("theseus-c", 12);
	cell_out("Linux", 12);
	cell_out("Linux test", 24);
	cell_out("ratio", 9);
	cell_out("goal", 15);
	printf("met?\n");
}

static void print_row(const struct figure *f, double th, double lx)
{
	char a[32], b[32], r[32];
	format_time(th, a, sizeof a);
	format_time(lx, b, sizeof b);
	snprintf(r, sizeof r, "%.2fx", lx / th);
	cell_out(f->name, 32);
	cell_out(a, 12);
	cell_out(b, 12);
	cell_out(f->host_name, 24);
	cell_out(r, 9);
	cell_out(f->goal_text, 15);
	printf("%s\n", f->goal == 0 ? "-" : lx / th >= f->goal ? "yes" : "no");
}

/* Linux batches run on the boot thread: a fork from a task would share its
 * stack (memfd memory, MAP_SHARED) with the child. The two sides alternate
 * batch by batch so a change in host load hits both alike. */
static void measure(const struct figure *f, double *th, double *lx)
{
	double a[RUNS], b[RUNS];
	unsigned nt = scaled(f->n_theseus), nl = scaled(f->n_linux);
	if (f->before)
		f->before();
	(void)batch_in_task(f->theseus, nt);
	(void)f->host(nl);
	for (unsigned i = 0; i < runs; i++) {
		a[i] = batch_in_task(f->theseus, nt);
		b[i] = f->host(nl);
	}
	if (f->after)
		f->after();
	*th = median(a, runs);
	*lx = median(b, runs);
}

static void run_figures(void)
{
	print_header();
	for (size_t i = 0; i < N_FIGURES; i++) {
		double th, lx;
		measure(&figures[i], &th, &lx);
		print_row(&figures[i], th, lx);
		fflush(stdout);
	}
}

/* --- memory accounting ----------------------------------------------------------- */
struct counters {
	size_t frames_free, pages_free, blocks, bytes, slabs, large, tasks;
};

static void counters_take(struct counters *c)
{
	struct heap_stats h;
	struct task_stats t;
	heap_trim();
	heap_stats(&h);
	task_stats(&t);
	*c = (struct counters){ frames_free_count(), pages_free_count(), h.live_blocks, h.live_bytes,
				h.slabs, h.large_blocks, t.alive };
}

static void counters_print(const char *when, const struct counters *c)
{
	printf("memory %s: frames free %zu, pages free %zu, heap %zu blocks / %zu bytes, %zu slabs, "
	       "%zu large, tasks alive %zu\n",
	       when, c->frames_free, c->pages_free, c->blocks, c->bytes, c->slabs, c->large, c->tasks);
}

static void diff_one(const char *name, size_t before, size_t after, bool *any)
{
	if (before == after)
		return;
	printf("%s %s %+ld", *any ? "," : "leak:", name, (long)after - (long)before);
	*any = true;
}

/* True when every counter is back where it was. */
static bool counters_compare(const struct counters *a, const struct counters *b)
{
	bool any = false;
	diff_one("frames free", a->frames_free, b->frames_free, &any);
	diff_one("pages free", a->pages_free, b->pages_free, &any);
	diff_one("heap blocks", a->blocks, b->blocks, &any);
	diff_one("heap bytes", a->bytes, b->bytes, &any);
	diff_one("slabs", a->slabs, b->slabs, &any);
	diff_one("large blocks", a->large, b->large, &any);
	diff_one("tasks alive", a->tasks, b->tasks, &any);
	printf(any ? "\n" : "leak: none\n");
	return !any;
}

/* --- boot and main ---------------------------------------------------------------- */
static struct hal_boot_info info;

static void boot(const char *cell_dir)
{
	hosted_cpu_init(1);
	hosted_signals_init();
	hosted_console_init();
	hosted_fault_init();
	if (!hosted_mem_init(HOSTED_DEFAULT_MEMORY, &info) || !hosted_cells_load(cell_dir, &info))
		exit(2);
	hosted_kernel_image(&info);
	check(mm_init(&info), "mm_init");
	check(heap_init(), "heap_init");
	check(cells_init(&info), "cells_init");
	check(nano_core_register_unwind(&info), "nano_core_register_unwind");
	fault_init();
	check(tasks_init(1, "sched_rr", 0), "tasks_init");
}

static void shutdown(void)
{
	if (!tasks_fini())
		exit(1); /* something still runs: no teardown */
	cells_fini();
	mm_fini();
	hosted_cells_fini(&info);
	hosted_kernel_image_fini(&info);
	hosted_mem_fini();
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			runs = QUICK_RUNS;
			divisor = QUICK_DIVISOR;
		} else {
			fprintf(stderr, "usage: bench [--quick]\n");
			exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	const char *env = getenv("THESEUS_CELLS");
	const char *cell_dir = env && *env ? env : THESEUS_CELL_DIR;
	snprintf(cell_path, sizeof cell_path, "%s/chain_c.o", cell_dir);
	pin_process();
	boot(cell_dir);
	image_buf_init();
	struct counters before, after;
	bench_swap_prepare();
	bench_chan_prepare();
	counters_take(&before);
	printf("theseus-c bench: hosted, 1 CPU pinned to core %d, no tick, median of %u runs%s\n\n", bench_cpu,
	       runs, divisor > 1 ? " (quick)" : "");
	run_figures();
	bench_swap(divisor > 1);
	counters_take(&after);
	bench_reload(runs);
	printf("\n");
	counters_print("before", &before);
	counters_print("after ", &after);
	bool clean = counters_compare(&before, &after);
	free(image_buf);
	shutdown();
	return clean ? 0 : 1;
}
