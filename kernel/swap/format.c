/* The one-line report of a swap, for the shell, the bench and tests. */
#include "klib.h"
#include "swap.h"

static const char *stage_name(enum swap_stage s)
{
	switch (s) {
	case SWAP_LOAD: return "load";
	case SWAP_VERIFY: return "verify";
	case SWAP_REDIRECT: return "redirect";
	case SWAP_COMMIT: return "commit";
	}
	return "?";
}

/* ns as "12.3 us" */
static const char *us(uint64_t ns, char *buf, size_t cap)
{
	ksnprintf(buf, cap, "%llu.%llu us", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000 / 100));
	return buf;
}

int swap_result_format(const struct swap_result *res, char *buf, size_t cap)
{
	const struct swap_times *t = &res->times;
	if (res->failed_stage) {
		char why[256];
		cell_diag_format(&res->diag, why, sizeof why);
		return ksnprintf(buf, cap, "swap refused at %s: %s", stage_name(res->failed_stage), why);
	}
	char a[24], b[24], c[24], d[24], e[24], f[24];
	return ksnprintf(buf, cap,
			 "swap: load %s, verify %s, redirect %s (pause %s), commit %s, total %s; "
			 "%zu sites, %zu edges, %zu objects copied, %zu old cell(s) freed, %zu retired",
			 us(t->load_ns, a, sizeof a), us(t->verify_ns, b, sizeof b), us(t->redirect_ns, c, sizeof c),
			 us(t->pause_ns, d, sizeof d), us(t->commit_ns, e, sizeof e), us(t->total_ns, f, sizeof f),
			 res->sites, res->edges, res->copied, res->freed, res->retired) +
	       (res->left_alone ? ksnprintf(buf + strlen(buf), cap - strlen(buf),
					    "; %zu site(s) the program had overwritten left alone", res->left_alone)
				: 0) +
	       (res->tasks_in_old ? ksnprintf(buf + strlen(buf), cap - strlen(buf),
					      "; %zu task(s) started in the old cell(s) run on there, with its data",
					      res->tasks_in_old)
				  : 0);
}
