/* Live evolution from the shell: `swap OLD=NEW ...` replaces loaded cells by
 * cell images through the kernel's swap (swap.h), printing its stage times
 * and pause, or why it was refused (every unsatisfied symbol);
 * `swap --back` restores the cells a `swap --keep-old` replaced. */
#include "cell.h"
#include "klib.h"
#include "shell.h"
#include "swap.h"

struct swap_words {
	const char *old[SHELL_MAX_WORDS];
	size_t n_old;
	struct swap_object new[SHELL_MAX_WORDS];
	size_t n_new;
	const char *transfer;
	unsigned flags;
	bool back;
	unsigned fail_at_write; /* fault injection: the n-th site write fails */
};

/* OLD=NEW (NEW a cell image), OLD= (removed), =NEW (added). */
static bool parse_pair(const char *w, struct swap_words *s, char names[][CELL_NAME_MAX])
{
	const char *eq = strchr(w, '=');
	size_t n = eq ? (size_t)(eq - w) : 0;
	if (!eq || (n == 0 && !eq[1]) || n >= CELL_NAME_MAX) {
		shell_error("swap", "'%s' is not OLD=NEW, OLD= or =NEW", w);
		return false;
	}
	if (n) {
		memcpy(names[s->n_old], w, n);
		names[s->n_old][n] = '\0';
		s->old[s->n_old] = names[s->n_old];
		s->n_old++;
	}
	if (eq[1]) {
		const struct cell_image *img = cell_image_find(eq + 1);
		if (!img) {
			shell_error("swap", "no cell image %s ('ls' lists the images)", eq + 1);
			return false;
		}
		s->new[s->n_new++] = (struct swap_object){ img->name, img->addr, img->size };
	}
	return true;
}

static bool parse(const struct shell_args *a, struct swap_words *s, char names[][CELL_NAME_MAX])
{
	for (size_t i = 1; i < a->argc; i++) {
		const char *w = a->argv[i];
		if (!strcmp(w, "--back")) {
			s->back = true;
		} else if (!strcmp(w, "--keep-old")) {
			s->flags |= SWAP_KEEP_OLD;
		} else if (!strcmp(w, "--transfer")) {
			if (++i == a->argc) {
				shell_error("swap", "--transfer needs the name of a transfer function");
				return false;
			}
			s->transfer = a->argv[i];
		} else if (!strcmp(w, "--fail-at-write")) {
			uint64_t n = 0;
			if (i + 1 == a->argc || !str_to_u64(a->argv[i + 1], &n) || n == 0 || n > 1000000) {
				shell_error("swap", "--fail-at-write needs a write number from 1");
				return false;
			}
			s->fail_at_write = (unsigned)n;
			i++;
		} else if (!parse_pair(w, s, names)) {
			return false;
		}
	}
	if (s->back && (s->n_old || s->n_new || s->transfer || s->flags || s->fail_at_write)) {
		shell_error("swap", "--back takes nothing else");
		return false;
	}
	if (!s->back && !s->n_old && !s->n_new) {
		shell_error("swap", "nothing to swap: give OLD=NEW pairs, or --back");
		return false;
	}
	return true;
}

static void report(const struct swap_result *res, err_t e)
{
	char line[512];
	swap_result_format(res, line, sizeof line);
	kprintf("%s\n", line);
	if (e && res->n_problems > 1)
		kprintf("%zu problems:\n%s", res->n_problems, res->problems);
}

bool cmd_swap(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	struct swap_words s = { 0 };
	char names[SHELL_MAX_WORDS][CELL_NAME_MAX];
	if (!parse(a, &s, names))
		return false;
	struct swap_result *res = kmalloc(sizeof *res); /* 2 KB of problems: not on the stack */
	if (!res) {
		shell_error("swap", "out of memory");
		return false;
	}
	err_t e;
	if (s.back) {
		e = swap_back(ns_root(), res);
	} else {
		if (s.fail_at_write)
			swap_inject_write_failure(s.fail_at_write);
		struct swap_spec spec = { ns_root(), s.old, s.n_old, s.new, s.n_new, s.transfer, s.flags };
		e = swap_cells(&spec, res);
	}
	report(res, e);
	kfree(res);
	return !e;
}
