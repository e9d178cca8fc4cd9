/* `evolve DIR` and `evolve --serial`: applies an evolution that
 * tools/evolve made from two builds (docs/evolve.md) as one swap. The files
 * come from a directory (hosted) or over the console line, framed by
 * `tools/evolve send` (the serial line on bare metal, stdin hosted); the
 * kernel checks every hash and swaps (evolve.h). Prints each step, the
 * swap's line (stage times, pause) and the outcome. */
#include "cell.h"
#include "console.h"
#include "evolve.h"
#include "heap.h"
#include "klib.h"
#include "ktime.h"
#include "shell.h"
#include "task.h"

#define EVOLVE_TIMEOUT_DEFAULT_S 30 /* of silence on the line before a transfer is given up */
#define EVOLVE_SPIN_NS 2000000ull   /* poll without sleeping this long after a byte... */
#define EVOLVE_NAP_NS 1000000ull    /* ...then sleep this long between polls */

struct evolve_words {
	const char *dir; /* NULL: --serial */
	uint64_t timeout_s;
	unsigned flags;
};

static bool parse(const struct shell_args *a, struct evolve_words *w)
{
	bool serial = false;
	w->timeout_s = EVOLVE_TIMEOUT_DEFAULT_S;
	for (size_t i = 1; i < a->argc; i++) {
		const char *s = a->argv[i];
		if (!strcmp(s, "--serial")) {
			serial = true;
		} else if (!strcmp(s, "--keep-old")) {
			w->flags |= SWAP_KEEP_OLD;
		} else if (!strcmp(s, "--timeout")) {
			if (++i == a->argc || !str_to_u64(a->argv[i], &w->timeout_s) || !w->timeout_s ||
			    w->timeout_s > 3600) {
				shell_error("evolve", "--timeout needs a number of seconds from 1 to 3600");
				return false;
			}
		} else if (s[0] == '-' || w->dir) {
			shell_error("evolve", "unexpected '%s'", s);
			return false;
		} else {
			w->dir = s;
		}
	}
	if (serial == (w->dir != NULL)) {
		shell_error("evolve", "give a directory or --serial, one of them");
		return false;
	}
	return true;
}

/* The transfer's bytes for evolve_receive: first those the line editor
 * read ahead while a command ran (a script pasted or sent in one go), then
 * the console. Polls back to back while bytes flow (a serial line hands
 * over one at a time; the tick still preempts this task for the others:
 * yielding between polls halved the rate in QEMU) and naps between polls
 * once the line has been quiet for EVOLVE_SPIN_NS. */
static int evolve_console_getc(void *ctx, uint64_t quiet_ns)
{
	struct shell *sh = ctx;
	int c = sh->le ? line_edit_take_typeahead(sh->le) : -1;
	if (c >= 0)
		return c;
	uint64_t start = time_ns();
	for (;;) {
		c = console_poll();
		if (c == CONSOLE_EOF)
			return EVOLVE_RX_EOF;
		if (c != CONSOLE_NONE)
			return c;
		uint64_t quiet = time_ns() - start;
		if (quiet >= quiet_ns)
			return EVOLVE_RX_QUIET;
		if (quiet >= EVOLVE_SPIN_NS)
			(void)task_sleep_ns(EVOLVE_NAP_NS);
	}
}

static void print_steps(const struct evolve_plan *plan, const struct evolution *ev)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct evolve_step *s = &plan->steps[i];
		const char *op = s->op == EVOLVE_CHANGE ? "change" : s->op == EVOLVE_ADD ? "add" : "remove";
		const struct evolve_file *f = s->op == EVOLVE_REMOVE ? NULL : evolution_file(ev, s->file);
		char hex[SHA256_HEX_SIZE];
		kprintf("  %s%s", s->skipped ? "skipped " : "", op);
		if (s->skipped)
			kprintf(" %s: not loaded\n", s->old);
		else if (s->op == EVOLVE_REMOVE)
			kprintf(" %s\n", s->old);
		else {
			sha256_to_hex(s->sha256, hex);
			if (s->op == EVOLVE_CHANGE)
				kprintf(" %s -> %s", s->old, s->new);
			else
				kprintf(" %s", s->new);
			kprintf(" (%s, %zu bytes, sha256 %.16s)\n", s->file, f ? f->size : 0, hex);
		}
	}
}

/* The counts of what the swap did, by kind. */
static void print_outcome(const struct evolve_plan *plan, bool swapped)
{
	size_t n[4] = { 0 }, skipped = 0;
	for (size_t i = 0; i < plan->n; i++) {
		if (plan->steps[i].skipped)
			skipped++;
		else
			n[plan->steps[i].op]++;
	}
	kprintf("evolve: %s: %zu changed, %zu added, %zu removed, %zu skipped\n",
		swapped ? "applied as one swap" : "nothing loaded is changed", n[EVOLVE_CHANGE], n[EVOLVE_ADD],
		n[EVOLVE_REMOVE], skipped);
}

/* Applies ev, printing as it goes; the plan and result are too big for the stack. */
static bool apply(const struct evolution *ev, unsigned flags)
{
	struct evolve_plan *plan KFREE = kmalloc(sizeof *plan);
	struct swap_result *res KFREE = kmalloc(sizeof *res);
	if (!plan || !res) {
		shell_error("evolve", "out of memory");
		return false;
	}
	struct evolve_why why = { 0 };
	bool swapped;
	err_t e = evolve_apply(ns_root(), ev, flags, plan, res, &swapped, &why);
	if (e && !swapped) {
		shell_error("evolve", "%s (%s); nothing changed", why.text, err_name(e));
		return false;
	}
	print_steps(plan, ev);
	if (swapped) {
		char line[512];
		swap_result_format(res, line, sizeof line);
		kprintf("%s\n", line);
		if (e && res->n_problems > 1)
			kprintf("%zu problems:\n%s", res->n_problems, res->problems);
	}
	if (e) {
		shell_error("evolve", "the swap was refused; nothing changed");
		return false;
	}
	print_outcome(plan, swapped);
	return true;
}

bool cmd_evolve(struct shell *sh, const struct shell_args *a)
{
	struct evolve_words w = { 0 };
	if (!parse(a, &w))
		return false;
	struct evolution *ev EVOLUTION_FREE = kzalloc(sizeof *ev);
	if (!ev) {
		shell_error("evolve", "out of memory");
		return false;
	}
	struct evolve_why why = { 0 };
	err_t e = w.dir ? evolve_read_dir(w.dir, ev, &why)
			: evolve_receive(evolve_console_getc, sh, ev, w.timeout_s * 1000000000ull, &why);
	if (e) {
		shell_error("evolve", "%s (%s); nothing changed", why.text, err_name(e));
		return false;
	}
	size_t bytes = 0;
	for (size_t i = 1; i < ev->n; i++)
		bytes += ev->files[i].size;
	kprintf("evolve: %s the manifest and %zu object(s), %zu bytes\n", w.dir ? "read" : "received", ev->n - 1,
		bytes);
	return apply(ev, w.flags);
}
