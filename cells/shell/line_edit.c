/* The shell's line editor, for a person at a terminal or on a serial line:
 * the console in raw mode (console.h) hands over keys as typed, and this
 * file echoes them, edits the line, keeps a bounded history and asks
 * complete.c what Tab adds. It runs in the cell, so QEMU's serial line and
 * a hosted terminal behave alike. Output is text plus three VT100 controls
 * every terminal knows: CR, "ESC [ K" (erase to the end of the line) and
 * "ESC [ n D" (cursor left); typing at the end of the line echoes only
 * the byte, as a plain terminal would. */
#include "heap.h"
#include "klib.h"
#include "shell.h"

#define LE_HISTORY_MAX 100   /* lines kept; the oldest goes first */
#define LE_TYPEAHEAD_MAX 256 /* bytes typed while a command runs */
#define LE_LIST_MAX 200      /* Tab lists at most this many matches */

/* Keys that arrive as escape sequences, above every byte value. */
enum le_key {
	KEY_NONE = 0x100, /* a sequence this editor does not bind */
	KEY_UP,
	KEY_DOWN,
	KEY_LEFT,
	KEY_RIGHT,
	KEY_HOME,
	KEY_END,
	KEY_DELETE,
};

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 0x1b
#define KEY_BACKSPACE 0x7f

struct line_edit {
	char buf[SHELL_LINE_MAX]; /* the line; buf[len] is kept free for a NUL */
	size_t len, pos;          /* its length and the cursor */
	const char *prompt;
	char *history[LE_HISTORY_MAX]; /* oldest first */
	size_t n_history;
	size_t browse; /* the history line shown; n_history: the line being typed */
	char *typed;   /* the line being typed, kept while browsing history */
	bool after_cr; /* a LF right after a CR ends no second line */
	unsigned char typeahead[LE_TYPEAHEAD_MAX];
	size_t ta_head, ta_len;
};

/* What a key did to the line. */
enum le_step { LE_EDITING, LE_ENTER, LE_END_OF_INPUT };

struct line_edit *line_edit_new(void)
{
	struct line_edit *le = kmalloc(sizeof *le);
	if (le)
		*le = (struct line_edit){ .prompt = "" };
	return le;
}

void line_edit_free(struct line_edit *le)
{
	if (!le)
		return;
	for (size_t i = 0; i < le->n_history; i++)
		kfree(le->history[i]);
	kfree(le->typed);
	kfree(le);
}

bool line_edit_typeahead_room(const struct line_edit *le) { return le->ta_len < LE_TYPEAHEAD_MAX; }

void line_edit_typeahead(struct line_edit *le, int c)
{
	if (!line_edit_typeahead_room(le))
		return;
	le->typeahead[(le->ta_head + le->ta_len++) % LE_TYPEAHEAD_MAX] = (unsigned char)c;
}

int line_edit_take_typeahead(struct line_edit *le)
{
	if (!le->ta_len)
		return -1;
	int c = le->typeahead[le->ta_head];
	le->ta_head = (le->ta_head + 1) % LE_TYPEAHEAD_MAX;
	le->ta_len--;
	return c;
}

static int le_byte(struct line_edit *le)
{
	int c = line_edit_take_typeahead(le);
	return c >= 0 ? c : console_getc();
}

/* --- keys ------------------------------------------------------------------------ */

static int le_key_of_final(int final, unsigned param)
{
	switch (final) {
	case 'A': return KEY_UP;
	case 'B': return KEY_DOWN;
	case 'C': return KEY_RIGHT;
	case 'D': return KEY_LEFT;
	case 'H': return KEY_HOME;
	case 'F': return KEY_END;
	case '~': /* VT220 keys: ESC [ n ~ */
		switch (param) {
		case 1: case 7: return KEY_HOME;
		case 4: case 8: return KEY_END;
		case 3: return KEY_DELETE;
		}
	}
	return KEY_NONE;
}

/* The key of the sequence after an ESC: "ESC [ params final" (CSI) or
 * "ESC O final" (SS3, which terminals send in application cursor mode).
 * Only the first parameter counts: ESC [ 1 ; 5 C (Ctrl+Right) is Right. */
static int le_escape(struct line_edit *le)
{
	int c = le_byte(le);
	if (c == 'O')
		return (c = le_byte(le)) < 0 ? c : le_key_of_final(c, 0);
	if (c != '[')
		return c < 0 ? c : KEY_NONE; /* Alt+key: not bound */
	unsigned param = 0;
	bool first = true;
	while ((c = le_byte(le)) >= 0 && ((c >= '0' && c <= '9') || c == ';')) {
		if (c == ';')
			first = false;
		else if (first && param < 1000)
			param = param * 10 + (unsigned)(c - '0');
	}
	return c < 0 ? c : le_key_of_final(c, param);
}

/* --- showing the line -------------------------------------------------------------- */

/* Redraws the prompt and the line, and puts the cursor back. */
static void le_refresh(const struct line_edit *le)
{
	kprintf("\r%s%.*s\x1b[K", le->prompt, (int)le->len, le->buf);
	if (le->pos < le->len)
		kprintf("\x1b[%zuD", le->len - le->pos);
}

static void le_insert(struct line_edit *le, const char *s, size_t n)
{
	n = MIN(n, sizeof le->buf - 1 - le->len); /* a longer line is cut at the buffer's end */
	if (!n)
		return;
	memmove(le->buf + le->pos + n, le->buf + le->pos, le->len - le->pos);
	memcpy(le->buf + le->pos, s, n);
	le->len += n;
	le->pos += n;
	if (le->pos == le->len)
		kprintf("%.*s", (int)n, s);
	else
		le_refresh(le);
}

/* Removes [from, to) of the line; the cursor goes to from. */
static void le_erase(struct line_edit *le, size_t from, size_t to)
{
	if (from >= to)
		return;
	bool at_end = to == le->len && le->pos == to && to - from == 1;
	memmove(le->buf + from, le->buf + to, le->len - to);
	le->len -= to - from;
	le->pos = from;
	if (at_end)
		kprintf("\b \b"); /* Backspace at the end, as a plain terminal shows it */
	else
		le_refresh(le);
}

static void le_move(struct line_edit *le, size_t pos)
{
	if (pos == le->pos || pos > le->len)
		return;
	le->pos = pos;
	le_refresh(le);
}

static void le_set(struct line_edit *le, const char *s)
{
	le->len = le->pos = MIN(strlen(s), sizeof le->buf - 1);
	memcpy(le->buf, s, le->len);
	le_refresh(le);
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Where the word before the cursor starts (^W). */
static size_t le_word_start(const struct line_edit *le)
{
	size_t p = le->pos;
	while (p > 0 && is_blank(le->buf[p - 1]))
		p--;
	while (p > 0 && !is_blank(le->buf[p - 1]))
		p--;
	return p;
}

/* --- history ------------------------------------------------------------------------ */

static void le_history_add(struct line_edit *le, const char *line)
{
	const char *p = line;
	while (is_blank(*p))
		p++;
	if (!*p || (le->n_history && !strcmp(le->history[le->n_history - 1], line)))
		return; /* blank, or the same as the line before */
	char *copy = kstrdup(line);
	if (!copy)
		return; /* out of memory: the line is just not remembered */
	if (le->n_history == LE_HISTORY_MAX) {
		kfree(le->history[0]);
		memmove(le->history, le->history + 1, (LE_HISTORY_MAX - 1) * sizeof le->history[0]);
		le->n_history--;
	}
	le->history[le->n_history++] = copy;
}

/* Up (older) or Down (newer). Leaving the line being typed keeps it, so
 * Down past the newest entry brings it back. */
static void le_history_move(struct line_edit *le, bool older)
{
	if (older ? le->browse == 0 : le->browse == le->n_history)
		return;
	if (le->browse == le->n_history) {
		kfree(le->typed);
		le->typed = kstrndup(le->buf, le->len); /* NULL: it comes back empty */
	}
	le->browse = older ? le->browse - 1 : le->browse + 1;
	if (le->browse < le->n_history)
		le_set(le, le->history[le->browse]);
	else
		le_set(le, le->typed ? le->typed : "");
}

/* --- Tab ----------------------------------------------------------------------------- */

/* One match is inserted whole with a space after it; several are extended
 * to what they share, or listed when they share nothing more. */
static void le_complete(struct line_edit *le)
{
	le->buf[le->len] = '\0';
	struct shell_completion c = { 0 };
	shell_complete(le->buf, le->pos, &c);
	size_t typed = le->pos - c.word_start;
	if (!c.n)
		return;
	if (c.common > typed)
		le_insert(le, c.first + typed, c.common - typed);
	if (c.n == 1) {
		if (le->pos == le->len || le->buf[le->pos] != ' ')
			le_insert(le, " ", 1);
		return;
	}
	if (c.common > typed)
		return;
	kprintf("\n");
	if (c.n > LE_LIST_MAX) {
		kprintf("(%zu matches; type more of the name)\n", c.n);
	} else {
		le->buf[le->len] = '\0';
		c = (struct shell_completion){ .list = true };
		shell_complete(le->buf, le->pos, &c);
		kprintf("\n");
	}
	le_refresh(le);
}

/* --- reading a line ------------------------------------------------------------------ */

static enum le_step le_control(struct line_edit *le, int key)
{
	switch (key) {
	case '\r': case '\n': return LE_ENTER;
	case CTRL('C'): /* the line is dropped; a fresh prompt */
		kprintf("^C\n%s", le->prompt);
		le->len = le->pos = 0;
		le->browse = le->n_history;
		break;
	case CTRL('D'):
		if (!le->len)
			return LE_END_OF_INPUT;
		le_erase(le, le->pos, MIN(le->pos + 1, le->len));
		break;
	case KEY_DELETE: le_erase(le, le->pos, MIN(le->pos + 1, le->len)); break;
	case KEY_BACKSPACE: case CTRL('H'): le_erase(le, le->pos ? le->pos - 1 : 0, le->pos); break;
	case CTRL('A'): case KEY_HOME: le_move(le, 0); break;
	case CTRL('E'): case KEY_END: le_move(le, le->len); break;
	case CTRL('B'): case KEY_LEFT: le_move(le, le->pos ? le->pos - 1 : 0); break;
	case CTRL('F'): case KEY_RIGHT: le_move(le, le->pos + 1); break;
	case CTRL('K'): le_erase(le, le->pos, le->len); break;
	case CTRL('U'): le_erase(le, 0, le->pos); break;
	case CTRL('W'): le_erase(le, le_word_start(le), le->pos); break;
	case CTRL('P'): case KEY_UP: le_history_move(le, true); break;
	case CTRL('N'): case KEY_DOWN: le_history_move(le, false); break;
	case CTRL('L'): kprintf("\x1b[H\x1b[2J"); le_refresh(le); break;
	case CTRL('I'): le_complete(le); break;
	default: break; /* other control keys do nothing */
	}
	return LE_EDITING;
}

static enum le_step le_key(struct line_edit *le, int c)
{
	if (c < 0)
		return le->len ? LE_ENTER : LE_END_OF_INPUT; /* the console closed */
	if (le->after_cr && c == '\n') {
		le->after_cr = false; /* CR LF is one Enter */
		return LE_EDITING;
	}
	le->after_cr = c == '\r';
	if (c == KEY_ESC)
		c = le_escape(le);
	if (c < 0)
		return le_key(le, c);
	if (c >= 0x20 && c <= 0xff && c != KEY_BACKSPACE) {
		char ch = (char)c;
		le_insert(le, &ch, 1);
		return LE_EDITING;
	}
	return le_control(le, c);
}

const char *line_edit_read(struct line_edit *le, const char *prompt)
{
	le->prompt = prompt;
	le->len = le->pos = 0;
	le->browse = le->n_history;
	kfree(le->typed);
	le->typed = NULL;
	kprintf("%s", prompt);
	enum le_step step;
	while ((step = le_key(le, le_byte(le))) == LE_EDITING)
		;
	if (step == LE_END_OF_INPUT)
		return NULL;
	kprintf("\n");
	le->buf[le->len] = '\0';
	le_history_add(le, le->buf);
	return le->buf;
}
