/* Waiting for a foreground task (the task of `call`, the task `join`
 * waits for). At a terminal the shell keeps reading the console while it
 * waits, so ^C can end the task, which is killed and unwinds like any
 * killed task, and what else is typed meanwhile waits for the next line.
 * Scripts and pipes just join: their input is the next commands. */
#include "klib.h"
#include "shell.h"
#include "task.h"

#define FOREGROUND_POLL_NS (10 * 1000 * 1000) /* how often the console is read */
#define CTRL_C 3

static bool task_ended(const struct task *t)
{
	enum task_state s = task_state(t);
	return s == TASK_EXITED || s == TASK_FAILED || s == TASK_KILLED;
}

static void foreground_interrupt(const struct task_ref *t)
{
	kprintf("^C\n");
	if (task_kill(t) == E_OK)
		kprintf("killing task %u (%s)\n", task_id(t->t), task_name(t->t));
	/* else it ended by itself meanwhile: the join reports how */
}

/* Reads what has arrived: true when ^C came (then t is being killed) or
 * the console closed, so there is nothing more to watch for. Bytes beyond
 * the room for typeahead stay in the console (a script pasted into a
 * serial line may be long), unread until the next line. */
static bool foreground_read_console(struct shell *sh, const struct task_ref *t)
{
	int c;
	while (line_edit_typeahead_room(sh->le) && (c = console_poll()) != CONSOLE_NONE) {
		if (c == CONSOLE_EOF)
			return true;
		if (c == CTRL_C) {
			foreground_interrupt(t);
			return true;
		}
		line_edit_typeahead(sh->le, c);
	}
	return false;
}

err_t shell_wait_foreground(struct shell *sh, const struct task_ref *t, int64_t *value)
{
	if (sh->le) {
		while (!task_ended(t->t) && !foreground_read_console(sh, t))
			if (!task_sleep_ns(FOREGROUND_POLL_NS))
				break; /* cannot sleep here: just join */
	}
	return task_join(t, value);
}
