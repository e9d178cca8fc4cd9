/* The shell cell's private header: the command table entry, the word list
 * a command line is split into, and the handlers each command file provides.
 * The kernel sees only shell_main. */
#ifndef CELLS_SHELL_H
#define CELLS_SHELL_H
#include <stdbool.h>
#include <stddef.h>

#include "cell.h"
#include "compiler.h"
#include "console.h"
#include "heap.h"
#include "task.h"

/* Entry point, called by the kernel. commands: ';'/newline separated text to
 * run (each echoed after a prompt), or NULL to read lines from the console.
 * Returns 0, 1 if a command of a commands text failed, or exit's status. */
int shell_main(const char *commands);

#define SHELL_PROMPT "theseus> "
/* `exit` without a status ends as a script does: 1 if a command failed. */
#define SHELL_STATUS_AS_AT_END (-1)
#define SHELL_LINE_MAX 4096
#define SHELL_MAX_WORDS 16
#define SHELL_MAX_TASKS 32      /* spawned and not yet joined */
#define SHELL_SPAWN_MAX_ARGS APP_MAX_ARGS /* integers passed to a spawned app entry */
#define SHELL_STR_(x) #x
#define SHELL_STR(x) SHELL_STR_(x)

/* One command line split into words. argv[0] is the command name; the words
 * point into buf, which shell_args_free releases. */
struct shell_args {
	size_t argc;
	const char *argv[SHELL_MAX_WORDS];
	bool quoted[SHELL_MAX_WORDS]; /* the word was (partly) double-quoted */
	char *buf;
};

/* Splits line into words; quotes group words, \" \\ \n \t escape inside
 * quotes. Returns NULL, or a message saying why the line is malformed (then
 * out holds nothing to free). */
const char *shell_tokenize(const char *line, struct shell_args *out) NONNULL(1, 2) MUST_USE;
void shell_args_free(struct shell_args *a) NONNULL(1);

struct line_edit;

/* What one run of the shell carries from command to command. */
struct shell {
	bool echo;       /* print "theseus> cmd" before running cmd */
	bool interactive; /* reading what a person types at the console */
	struct line_edit *le; /* the line editor, while the console is raw */
	bool failed;     /* some command failed */
	bool exiting;    /* `exit` ran */
	int exit_status; /* its status, or SHELL_STATUS_AS_AT_END */
	struct task_ref tasks[SHELL_MAX_TASKS]; /* spawned, not yet joined (.t NULL: free) */
};

typedef bool (*shell_handler)(struct shell *sh, const struct shell_args *a);

struct shell_cmd {
	const char *name;
	const char *usage;  /* the arguments, e.g. "<cell> [--rev]" */
	size_t min_args, max_args; /* not counting the name */
	shell_handler run;  /* true on success */
	const char *help;
};

/* The name of command i of the command table, NULL past its end. */
const char *shell_cmd_name(size_t i);

/* line_edit.c: reading lines from a console in raw mode, with editing keys,
 * history and Tab completion. */
void line_edit_free(struct line_edit *le);
struct line_edit *line_edit_new(void) ALLOCATOR(line_edit_free) MUST_USE;
/* Prompts and reads one line: it stays valid until the next read. NULL at
 * the end of input (^D on an empty line, or the console closed). */
const char *line_edit_read(struct line_edit *le, const char *prompt) NONNULL(1, 2);
/* A byte typed while a command ran, to be read before the console; only
 * while there is room (the caller leaves the rest in the console). */
bool line_edit_typeahead_room(const struct line_edit *le) NONNULL(1);
void line_edit_typeahead(struct line_edit *le, int c) NONNULL(1);

/* complete.c: what Tab offers for the word that ends at pos in line
 * (NUL-terminated): command names first, then cell names (load, unload,
 * syms, deps, spawn) or function names (call). */
struct shell_completion {
	size_t word_start; /* the word being completed is line[word_start, pos) */
	const char *first; /* the first match, NULL if none */
	size_t common;     /* length of the prefix all matches share */
	size_t n;          /* distinct matches */
	bool list;         /* also print each match */
	size_t column;     /* where the listing's line has reached */
};
void shell_complete(const char *line, size_t pos, struct shell_completion *c) NONNULL(1, 3);

/* foreground.c: waits for t like task_join. At a terminal (sh->le set) it
 * reads the console meanwhile: ^C kills t, which unwinds, and other bytes
 * wait for the next line. */
err_t shell_wait_foreground(struct shell *sh, const struct task_ref *t, int64_t *value) NONNULL(1, 2, 3) MUST_USE;

/* Prints "<cmd>: <message>" as one line. */
void shell_error(const char *cmd, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* The cell called name in the root namespace, or NULL after an error line
 * (naming the image to load when there is one). */
struct cell *shell_find_cell(const char *cmd, const char *name) NONNULL(1, 2);
/* Prints "a, b, c" for n cells. */
void shell_print_cell_names(const struct cell *const *cells, size_t n);
/* cell_dependencies or cell_dependents. */
typedef size_t (*shell_cell_query)(const struct cell *c, const struct cell **out, size_t cap);
/* The cells q finds for c in a fresh array to kfree, their count in *n.
 * NULL when there are none, or (with *n > 0) when memory ran out. */
const struct cell **shell_query_cells(shell_cell_query q, const struct cell *c, size_t *n)
	ALLOCATOR(kfree) MUST_USE NONNULL(1, 2, 3);

/* cmd_cells.c: what is loaded */
bool cmd_ls(struct shell *sh, const struct shell_args *a);
bool cmd_ns(struct shell *sh, const struct shell_args *a);
bool cmd_syms(struct shell *sh, const struct shell_args *a);
bool cmd_sections(struct shell *sh, const struct shell_args *a);
bool cmd_nano(struct shell *sh, const struct shell_args *a);
bool cmd_images(struct shell *sh, const struct shell_args *a);
bool cmd_kill(struct shell *sh, const struct shell_args *a);
bool cmd_faults(struct shell *sh, const struct shell_args *a);
/* cmd_deps.c: the dependency graph */
bool cmd_deps(struct shell *sh, const struct shell_args *a);
/* cmd_load.c: changing what is loaded, and running it */
bool cmd_swap(struct shell *sh, const struct shell_args *a);
bool cmd_load(struct shell *sh, const struct shell_args *a);
bool cmd_unload(struct shell *sh, const struct shell_args *a);
bool cmd_call(struct shell *sh, const struct shell_args *a);
/* cmd_tasks.c: tasks and the scheduler */
bool cmd_ps(struct shell *sh, const struct shell_args *a);
bool cmd_spawn(struct shell *sh, const struct shell_args *a);
bool cmd_join(struct shell *sh, const struct shell_args *a);
bool cmd_sched(struct shell *sh, const struct shell_args *a);
/* `--stack SIZE` with SIZE at a->argv[i] (256K, 1M, 65536): the stack size
 * in bytes, checked by task_stack_size; false after an error line. */
bool shell_stack_option(const char *cmd, const struct shell_args *a, size_t i, size_t *bytes) NONNULL(1, 2, 4);
/* Drops the references to spawned tasks never joined (the tasks run on). */
void shell_tasks_release(struct shell *sh) NONNULL(1);

#endif
