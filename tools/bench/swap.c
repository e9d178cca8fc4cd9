/* bench, live evolution: the stages of a single-cell swap with ten
 * dependents (DESIGN.md §9: total <= 2 ms, pause <= 100 us). dep_lib and
 * its ten users (cells/dep_user0..9, one kind of relocation site each: 11
 * sites) are loaded, then dep_lib is swapped for dep_lib_v2 and back, swap
 * after swap, inside a task; each stage's median is printed beside the
 * thesis' figure for Theseus (there is no Linux equivalent: it reboots).
 * The bench machine has one CPU, so the pause holds no other CPU: it is the
 * time stage 3 spends with the others held (rewriting the 11 sites and
 * copying dep_lib's data), which on several CPUs adds the wait for each to
 * reach a safe point (inside the redirect figure). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cell.h"
#include "hmap.h"
#include "ktime.h"
#include "swap.h"
#include "task.h"

#define SWAPS 200
#define USERS 10

static struct swap_times *times;
static unsigned done;

/* n swaps, alternating; stops the bench on a refused one. */
static double swap_batch(unsigned n)
{
	static const char *const names[2] = { "dep_lib", "dep_lib_v2" };
	for (unsigned i = 0; i < n; i++, done++) {
		const char *old = names[done % 2], *new = names[(done + 1) % 2];
		const struct cell_image *img = cell_image_find(new);
		if (!img)
			die("swap bench", "no cell image dep_lib_v2");
		struct swap_object obj = { img->name, img->addr, img->size };
		struct swap_spec spec = { ns_root(), &old, 1, &obj, 1, NULL, 0 };
		struct swap_result res;
		if (swap_cells(&spec, &res) || res.sites != USERS + 1) {
			char line[512];
			swap_result_format(&res, line, sizeof line);
			die("swap bench", line);
		}
		times[done] = res.times;
	}
	return 0;
}

static void load_cells(void)
{
	char name[16];
	for (int u = -1; u < USERS; u++) {
		struct cell *c;
		struct cell_diag d;
		if (u < 0)
			snprintf(name, sizeof name, "dep_lib");
		else
			snprintf(name, sizeof name, "dep_user%d", u);
		if (cell_load(ns_root(), name, &c, &d))
			die("swap bench: load", d.detail);
	}
}

/* Unloads the users, then whichever version of the library is loaded. */
static void unload_cells(void)
{
	char name[16];
	for (int u = 0; u <= USERS; u++) {
		if (u < USERS)
			snprintf(name, sizeof name, "dep_user%d", u);
		else
			snprintf(name, sizeof name, "%s", done % 2 ? "dep_lib_v2" : "dep_lib");
		struct cell *c = ns_find_cell(ns_root(), name);
		struct cell_diag d;
		if (!c || cell_unload(c, &d))
			die("swap bench: unload", name);
	}
	(void)swap_reap();
}

double tasks_settle(unsigned n)
{
	uint64_t deadline = time_ns() + 2000000000ull;
	struct task_stats t;
	for (task_stats(&t); t.alive > n + 1 && time_ns() < deadline; task_stats(&t))
		(void)task_sleep_ns(10000000);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The median of one stage over the swaps, in ns. */
static double stage_median(size_t offset)
{
	uint64_t *v = malloc(done * sizeof *v);
	if (!v)
		die("swap bench", "out of memory");
	for (unsigned i = 0; i < done; i++)
		memcpy(&v[i], (const char *)&times[i] + offset, sizeof v[i]);
	qsort(v, done, sizeof *v, cmp_u64);
	double m = done % 2 ? (double)v[done / 2] : (v[done / 2 - 1] + v[done / 2]) / 2.0;
	free(v);
	return m;
}

static void row(const char *stage, double ns, const char *theseus, const char *goal, double goal_ns)
{
	char t[32];
	if (ns < 1000000)
		snprintf(t, sizeof t, "%.1f us", ns / 1000);
	else
		snprintf(t, sizeof t, "%.2f ms", ns / 1000000);
	printf("  %-22s %-12s %-24s %-12s %s\n", stage, t, theseus, goal,
	       goal_ns == 0 ? "-" : ns <= goal_ns ? "yes" : "no");
}

/* A swap makes room in the namespace's symbol map for the new exports, and
 * the map keeps its size: made before the bench counts memory, that room is
 * not reported as something the swaps leaked. */
void bench_swap_prepare(void)
{
	CELLS_GUARD();
	if (hmap_reserve(&ns_root()->symbols, 64))
		die("swap bench", "no room in the root namespace's symbol map");
}

void bench_swap(bool quick)
{
	unsigned n = quick ? SWAPS / 10 : SWAPS;
	times = calloc(n, sizeof *times);
	if (!times)
		die("swap bench", "out of memory");
	done = 0;
	struct task_stats before;
	task_stats(&before);
	load_cells();
	(void)batch_in_task(swap_batch, n);
	unload_cells();
	(void)batch_in_task(tasks_settle, (unsigned)before.alive);
	printf("\nsingle-cell swap with %d dependents (dep_lib <-> dep_lib_v2, %d sites, 1 data object copied), "
	       "median of %u swaps:\n", USERS, USERS + 1, done);
	printf("  %-22s %-12s %-24s %-12s %s\n", "stage", "theseus-c", "Theseus (thesis, ch. 9)", "goal", "met?");
	row("load", stage_median(offsetof(struct swap_times, load_ns)), "-", "-", 0);
	row("verify", stage_median(offsetof(struct swap_times, verify_ns)), "-", "-", 0);
	row("redirect", stage_median(offsetof(struct swap_times, redirect_ns)), "-", "-", 0);
	row("  pause (in redirect)", stage_median(offsetof(struct swap_times, pause_ns)), "-", "<= 100 us", 100000);
	row("commit", stage_median(offsetof(struct swap_times, commit_ns)), "-", "-", 0);
	row("total", stage_median(offsetof(struct swap_times, total_ns)), "19.5-179.6 ms a swap", "<= 2 ms", 2000000);
	free(times);
}
