/* Splits one command (already cut out of its line by shell.c) into words
 * for the command handlers. Words are separated by blanks; double quotes
 * keep blanks and ';' inside one word and mark it as a string for `call`. */
#include "heap.h"
#include "klib.h"
#include "shell.h"

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	default: return c; /* \" and \\ stand for themselves */
	}
}

/* Copies the quoted part starting after the opening quote at *p to *w;
 * leaves *p after the closing quote. False if the quote is not closed. */
static bool copy_quoted(const char **p, char **w)
{
	const char *s = *p;
	char *d = *w;
	while (*s && *s != '"') {
		if (*s == '\\' && s[1]) {
			*d++ = unescape(s[1]);
			s += 2;
		} else {
			*d++ = *s++;
		}
	}
	if (!*s)
		return false;
	*p = s + 1;
	*w = d;
	return true;
}

/* Copies the word at *p to *w and terminates it. */
static const char *copy_word(const char **p, char **w, bool *quoted)
{
	while (**p && !is_blank(**p)) {
		if (**p != '"') {
			*(*w)++ = *(*p)++;
			continue;
		}
		*quoted = true;
		(*p)++;
		if (!copy_quoted(p, w))
			return "unterminated \" quote";
	}
	*(*w)++ = '\0';
	return NULL;
}

const char *shell_tokenize(const char *line, struct shell_args *out)
{
	memset(out, 0, sizeof *out);
	/* Words never outgrow the line: each terminator replaces a blank or a
	 * quote, or is the line's own terminator. */
	out->buf = kmalloc(strlen(line) + 1);
	if (!out->buf)
		return "out of memory";
	const char *p = line;
	char *w = out->buf;
	const char *err = NULL;
	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		if (out->argc == SHELL_MAX_WORDS) {
			err = "too many words (at most " SHELL_STR(SHELL_MAX_WORDS) ")";
			break;
		}
		out->argv[out->argc] = w;
		err = copy_word(&p, &w, &out->quoted[out->argc]);
		if (err)
			break;
		out->argc++;
	}
	if (err)
		shell_args_free(out);
	return err;
}

void shell_args_free(struct shell_args *a)
{
	kfree(a->buf);
	memset(a, 0, sizeof *a);
}
