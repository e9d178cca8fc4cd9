/* The shell: takes commands from the kernel's command text or from the
 * console, cuts them at ';' and newlines, splits each into words
 * (tokenize.c) and runs it through the command table below. The handlers
 * live in cmd_cells.c (ls, ns, syms, sections, nano), cmd_deps.c, cmd_load.c and
 * cmd_tasks.c (ps, spawn, join, sched). */
#include <stdarg.h>
#include <stdint.h>

#include "cell.h"
#include "dyncall.h"
#include "heap.h"
#include "klib.h"
#include "mm.h"
#include "shell.h"

CELL_INFO("shell", CELL_KERNEL, 1);

static bool cmd_help(struct shell *sh, const struct shell_args *a);
static bool cmd_exit(struct shell *sh, const struct shell_args *a);
static bool cmd_wx(struct shell *sh, const struct shell_args *a);
static bool cmd_mem(struct shell *sh, const struct shell_args *a);

/* The help of spawn and call names the default stack size. */
_Static_assert(TASK_STACK_DEFAULT == 64 * 1024, "update \"default 64K\" in the help of spawn and call");

static const struct shell_cmd shell_cmds[] = {
	{ "help", "", 0, 0, cmd_help, "list the commands" },
	{ "ls", "", 0, 0, cmd_ls, "list the loaded cells and the cell images not loaded" },
	{ "ns", "", 0, 0, cmd_ns, "list the namespaces" },
	{ "images", "", 0, 0, cmd_images, "list the cell images with their size and hash" },
	{ "syms", "<cell>", 1, 1, cmd_syms, "list the symbols a cell exports" },
	{ "sections", "<cell>", 1, 1, cmd_sections, "list a cell's sections: address, size, kind, name" },
	{ "nano", "", 0, 0, cmd_nano, "show how much of the nano_core's code and data its builtin cells hold" },
	{ "deps", "<cell> [--rev [--bytes]]", 1, 3, cmd_deps,
	  "list a cell's dependency edges (--rev: the edges into it)" },
	{ "load", "<cell>", 1, 1, cmd_load, "load a cell image, and the images it needs" },
	{ "unload", "<cell>", 1, 1, cmd_unload, "unload a cell nothing depends on" },
	{ "call", "[--long] [--stack SIZE] <symbol> [args...]", 1, 4 + DYNCALL_MAX_ARGS, cmd_call,
	  "call a function with integer or \"string\" arguments in a task (--long: 64-bit result;"
	  " --stack: its stack, default 64K)" },
	{ "swap", "OLD=NEW [OLD=NEW...] [--transfer SYM] [--keep-old] [--fail-at-write N] | --back", 1, SHELL_MAX_WORDS - 1, cmd_swap,
	  "replace loaded cells by cell images, live (OLD= removes, =NEW adds)" },
	{ "evolve", "DIR | --serial [--timeout S] [--keep-old]", 1, 4, cmd_evolve,
	  "apply an evolution made by tools/evolve, from DIR or sent over the console by tools/evolve send" },
	{ "ps", "", 0, 0, cmd_ps, "list the tasks" },
	{ "kill", "<id>", 1, 1, cmd_kill, "make a task unwind and end, releasing what it holds" },
	{ "faults", "", 0, 0, cmd_faults, "show the fault log and what recovery did" },
	{ "spawn", "[--restartable] [--stack SIZE] <cell> [ints...]", 1, 4 + SHELL_SPAWN_MAX_ARGS, cmd_spawn,
	  "run an app cell's APP_ENTRY as a task given the integers (--stack: its stack, default 64K)" },
	{ "join", "<id>", 1, 1, cmd_join, "wait for a task to end and show its exit value" },
	{ "sched", "", 0, 0, cmd_sched, "name the scheduler cell and its policy" },
	{ "mem", "", 0, 0, cmd_mem, "show free frames and pages and the heap's live blocks (after trimming it)" },
	{ "wx", "[--list]", 0, 1, cmd_wx,
	  "walk every mapping: count writable+executable pages and aliases of frames (--list: every range)" },
	{ "exit", "[status]", 0, 1, cmd_exit,
	  "leave the shell (no status: as at the end of a script, 1 if a command failed)" },
};

void shell_error(const char *cmd, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kprintf("%s: %s\n", cmd, msg);
}

/* --- the built-in commands -------------------------------------------------- */

static bool cmd_help(struct shell *sh, const struct shell_args *a)
{
	for (size_t i = 0; i < ARRAY_LEN(shell_cmds); i++) {
		const struct shell_cmd *c = &shell_cmds[i];
		char synopsis[128];
		ksnprintf(synopsis, sizeof synopsis, "%s %s", c->name, c->usage);
		kprintf("  %-26s %s\n", synopsis, c->help);
	}
	return true;
}

static bool cmd_exit(struct shell *sh, const struct shell_args *a)
{
	int64_t status = SHELL_STATUS_AS_AT_END;
	if (a->argc > 1 && (!str_to_i64(a->argv[1], &status) || status < 0 || status > 255)) {
		shell_error("exit", "status '%s' is not a number from 0 to 255", a->argv[1]);
		return false;
	}
	sh->exiting = true;
	sh->exit_status = (int)status;
	return true;
}

/* Counters that a refused change must leave as they were (tests compare
 * them); empty slabs go back first, as they are the heap's cache. */
static bool cmd_mem(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	(void)a;
	heap_trim();
	struct heap_stats hs;
	heap_stats(&hs);
	kprintf("memory: %zu of %zu frames free, %zu pages free, heap %zu blocks %zu bytes live\n",
		frames_free_count(), frames_total(), pages_free_count(), hs.live_blocks, hs.live_bytes);
	return true;
}

static bool cmd_wx(struct shell *sh, const struct shell_args *a)
{
	(void)sh;
	bool list = a->argc > 1 && !strcmp(a->argv[1], "--list");
	if (a->argc > 1 && !list) {
		shell_error("wx", "unknown option '%s' (only --list)", a->argv[1]);
		return false;
	}
	struct mm_audit au;
	err_t e = mm_audit(&au, list);
	if (e) {
		shell_error("wx", "the walk of the mappings did not complete: %s", err_text(e));
		return false;
	}
	kprintf("wx: %zu pages in %zu ranges (%zu executable, %zu writable): %zu writable+executable, "
		"%zu aliases of frames\n",
		au.pages, au.ranges, au.exec_pages, au.write_pages, au.wx_pages, au.alias_pages);
	return au.wx_pages == 0 && au.alias_pages == 0;
}

/* --- running one command ------------------------------------------------------ */

const char *shell_cmd_name(size_t i) { return i < ARRAY_LEN(shell_cmds) ? shell_cmds[i].name : NULL; }

static const struct shell_cmd *shell_cmd_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(shell_cmds); i++)
		if (!strcmp(shell_cmds[i].name, name))
			return &shell_cmds[i];
	return NULL;
}

static bool shell_dispatch(struct shell *sh, const struct shell_args *a)
{
	const struct shell_cmd *c = shell_cmd_find(a->argv[0]);
	if (!c) {
		shell_error("shell", "unknown command '%s' ('help' lists the commands)", a->argv[0]);
		return false;
	}
	size_t n = a->argc - 1;
	if (n < c->min_args || n > c->max_args) {
		shell_error(c->name, "%s arguments (%zu given)", n < c->min_args ? "missing" : "too many",
			    n);
		kprintf("  usage: %s %s\n", c->name, c->usage);
		return false;
	}
	return c->run(sh, a);
}

/* Runs cmd, one command without its separator. */
static void shell_run_command(struct shell *sh, const char *cmd)
{
	if (sh->echo)
		kprintf(SHELL_PROMPT "%s\n", cmd);
	struct shell_args a;
	const char *err = shell_tokenize(cmd, &a);
	if (err) {
		shell_error("shell", "%s in: %s", err, cmd);
		sh->failed = true;
		return;
	}
	if (a.argc > 0 && !shell_dispatch(sh, &a))
		sh->failed = true;
	shell_args_free(&a);
}

/* --- cutting text into commands ----------------------------------------------- */

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* The end of the command starting at p: a newline, or a ';' outside quotes. */
static const char *command_end(const char *p)
{
	bool quoted = false;
	for (; *p && *p != '\n'; p++) {
		if (quoted && *p == '\\' && p[1] && p[1] != '\n')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == ';')
			break;
	}
	return p;
}

/* Runs the command in [p, end), unless it is blank. */
static void shell_run_slice(struct shell *sh, const char *p, const char *end)
{
	while (end > p && is_blank(end[-1]))
		end--;
	if (end == p)
		return;
	char *cmd = kstrndup(p, (size_t)(end - p));
	if (!cmd) {
		shell_error("shell", "out of memory for a command of %zu bytes", (size_t)(end - p));
		sh->failed = true;
		return;
	}
	shell_run_command(sh, cmd);
	kfree(cmd);
}

/* Runs each command of text in turn, until the end or `exit`. A '#' at the
 * start of a command comments out the rest of its line. */
static void shell_run_text(struct shell *sh, const char *text)
{
	const char *p = text;
	while (!sh->exiting) {
		while (is_blank(*p) || *p == ';' || *p == '\n')
			p++;
		if (!*p)
			break;
		const char *end = *p == '#' ? strchr(p, '\n') : command_end(p);
		if (!end)
			break; /* a comment on the last line */
		if (*p != '#')
			shell_run_slice(sh, p, end);
		p = *end ? end + 1 : end;
	}
}

/* --- the console ------------------------------------------------------------- */

/* Reads a line (without its newline) into buf. False at end of input when
 * nothing was read. A line that does not fit is read to its end and
 * reported through *too_long. */
static bool console_read_line(char *buf, size_t cap, bool *too_long)
{
	size_t len = 0;
	int c;
	*too_long = false;
	while ((c = console_getc()) >= 0 && c != '\n') {
		if (len + 1 < cap)
			buf[len++] = (char)c;
		else
			*too_long = true;
	}
	buf[len] = '\0';
	return c >= 0 || len > 0 || *too_long;
}

/* Lines as they come, for a script or a pipe on stdin (or a console that
 * cannot go raw): no editing, no echo of our own. */
static void shell_read_plain(struct shell *sh)
{
	char *line = kmalloc(SHELL_LINE_MAX);
	if (!line) {
		shell_error("shell", "out of memory for the line buffer");
		sh->failed = true;
		return;
	}
	while (!sh->exiting) {
		if (sh->interactive)
			kprintf(SHELL_PROMPT);
		bool too_long;
		if (!console_read_line(line, SHELL_LINE_MAX, &too_long))
			break;
		if (too_long) {
			shell_error("shell", "line longer than %d bytes ignored", SHELL_LINE_MAX - 1);
			sh->failed = true;
		} else {
			shell_run_text(sh, line);
		}
	}
	if (sh->interactive && !sh->exiting)
		kprintf("\n"); /* end the prompt line after ^D */
	kfree(line);
}

/* Cleanups: raw input ends and the editor goes on every way out of
 * shell_read_edited, an unwind of the shell task included. */
static void console_raw_end(bool *raw)
{
	if (*raw)
		(void)console_raw(false);
}

static void shell_editor_end(struct shell **sh)
{
	line_edit_free((*sh)->le);
	(*sh)->le = NULL;
}

/* Lines from a person at a terminal or serial line, through the line
 * editor; false (nothing read) if the console cannot go raw. */
static bool shell_read_edited(struct shell *sh)
{
	bool raw CLEANUP(console_raw_end) = console_raw(true);
	if (!raw)
		return false;
	struct shell *editing CLEANUP(shell_editor_end) = sh;
	sh->le = line_edit_new();
	if (!sh->le)
		return false;
	const char *line;
	while (!sh->exiting && (line = line_edit_read(sh->le, SHELL_PROMPT)))
		shell_run_text(sh, line);
	if (!sh->exiting)
		kprintf("\n"); /* end the prompt line after ^D */
	return true;
}

static void shell_run_console(struct shell *sh)
{
	sh->interactive = console_interactive();
	if (!sh->interactive || !shell_read_edited(sh))
		shell_read_plain(sh);
}

/* The exit status: exit's, or 1 if a command of a script, -c text or
 * piped input failed; a person at the console sees each failure instead. */
int shell_main(const char *commands)
{
	struct shell sh = { .echo = commands != NULL };
	if (commands)
		shell_run_text(&sh, commands);
	else
		shell_run_console(&sh);
	shell_tasks_release(&sh);
	if (sh.exiting && sh.exit_status != SHELL_STATUS_AS_AT_END)
		return sh.exit_status;
	return sh.failed && !sh.interactive ? 1 : 0;
}
