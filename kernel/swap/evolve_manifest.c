/* An evolution's manifest, parsed (format: docs/evolve.md): the first
 * line `theseus-evolution 1`, then one step a line, `change OLD NEW FILE
 * SHA256`, `add NEW FILE SHA256` or `remove OLD`; blank lines and lines
 * starting with '#' are ignored. Comes before evolve.c, which applies the
 * plan. Every defect is refused naming its line; nothing is allocated. */
#include "evolve.h"
#include "klib.h"

#define WORDS_MAX 6

struct words {
	const char *w[WORDS_MAX];
	size_t len[WORDS_MAX];
	size_t n; /* may exceed WORDS_MAX: the line has too many words */
};

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

static void split(const char *p, const char *end, struct words *out)
{
	out->n = 0;
	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		if (p == end)
			break;
		const char *s = p;
		while (p < end && !is_space(*p))
			p++;
		if (out->n < WORDS_MAX) {
			out->w[out->n] = s;
			out->len[out->n] = (size_t)(p - s);
		}
		out->n++;
	}
}

static bool word_is(const struct words *w, size_t i, const char *s)
{
	return w->len[i] == strlen(s) && !memcmp(w->w[i], s, w->len[i]);
}

static err_t refuse(struct evolve_why *why, size_t line, const char *what, const struct words *w, size_t i)
{
	why->err = E_INVAL;
	if (w)
		ksnprintf(why->text, sizeof why->text, "manifest line %zu: %s '%.*s'", line, what,
			  (int)MIN(w->len[i], (size_t)64), w->w[i]);
	else
		ksnprintf(why->text, sizeof why->text, "manifest line %zu: %s", line, what);
	return E_INVAL;
}

/* A cell name as CELL_INFO takes it: a C identifier that fits the record. */
static bool copy_cell_name(const struct words *w, size_t i, char out[CELL_NAME_MAX])
{
	if (w->len[i] == 0 || w->len[i] >= CELL_NAME_MAX || (w->w[i][0] >= '0' && w->w[i][0] <= '9'))
		return false;
	for (size_t k = 0; k < w->len[i]; k++) {
		char c = w->w[i][k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	memcpy(out, w->w[i], w->len[i]);
	out[w->len[i]] = '\0';
	return true;
}

/* A plain file name inside the evolution's directory: no path, no hidden file. */
static bool copy_file_name(const struct words *w, size_t i, char out[EVOLVE_FILE_NAME_MAX])
{
	if (w->len[i] == 0 || w->len[i] >= EVOLVE_FILE_NAME_MAX || w->w[i][0] == '.' || word_is(w, i, EVOLVE_MANIFEST))
		return false;
	for (size_t k = 0; k < w->len[i]; k++) {
		char c = w->w[i][k];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '-' || c == '.'))
			return false;
	}
	memcpy(out, w->w[i], w->len[i]);
	out[w->len[i]] = '\0';
	return true;
}

/* One step line into s; its words were split into w. */
static err_t parse_step(const struct words *w, size_t line, struct evolve_step *s, struct evolve_why *why)
{
	size_t want, name_at;
	if (word_is(w, 0, "change"))
		s->op = EVOLVE_CHANGE, want = 5, name_at = 2;
	else if (word_is(w, 0, "add"))
		s->op = EVOLVE_ADD, want = 4, name_at = 1;
	else if (word_is(w, 0, "remove"))
		s->op = EVOLVE_REMOVE, want = 2, name_at = 0;
	else
		return refuse(why, line, "unknown step (change, add or remove)", w, 0);
	if (w->n != want) {
		why->err = E_INVAL;
		ksnprintf(why->text, sizeof why->text, "manifest line %zu: '%.*s' takes %zu words, not %zu", line,
			  (int)w->len[0], w->w[0], want - 1, w->n - 1);
		return E_INVAL;
	}
	s->line = line;
	if (s->op != EVOLVE_ADD && !copy_cell_name(w, 1, s->old))
		return refuse(why, line, "not a cell name", w, 1);
	if (s->op == EVOLVE_REMOVE)
		return E_OK;
	if (!copy_cell_name(w, name_at, s->new))
		return refuse(why, line, "not a cell name", w, name_at);
	if (!copy_file_name(w, name_at + 1, s->file))
		return refuse(why, line, "not a plain file name", w, name_at + 1);
	if (w->len[name_at + 2] != 2 * SHA256_SIZE || !sha256_from_hex(w->w[name_at + 2], s->sha256))
		return refuse(why, line, "not a SHA-256 (64 hex digits)", w, name_at + 2);
	return E_OK;
}

/* A cell may be swapped out once and come in once; a file holds one cell. */
static err_t check_unique(const struct evolve_plan *plan, const struct evolve_step *s, struct evolve_why *why)
{
	for (size_t i = 0; i < plan->n; i++) {
		const struct evolve_step *o = &plan->steps[i];
		const char *clash = NULL;
		if (s->op != EVOLVE_ADD && o->op != EVOLVE_ADD && !strcmp(s->old, o->old))
			clash = s->old;
		else if (s->op != EVOLVE_REMOVE && o->op != EVOLVE_REMOVE && !strcmp(s->new, o->new))
			clash = s->new;
		else if (s->op != EVOLVE_REMOVE && o->op != EVOLVE_REMOVE && !strcmp(s->file, o->file))
			clash = s->file;
		if (clash) {
			why->err = E_INVAL;
			ksnprintf(why->text, sizeof why->text, "manifest line %zu: %s is named on line %zu already",
				  s->line, clash, o->line);
			return E_INVAL;
		}
	}
	return E_OK;
}

static err_t parse_header(const struct words *w, size_t line, struct evolve_why *why)
{
	int64_t version;
	char num[24];
	if (w->n != 2 || !word_is(w, 0, "theseus-evolution"))
		return refuse(why, line, "not an evolution manifest (the first line must be 'theseus-evolution 1')",
			      NULL, 0);
	size_t n = MIN(w->len[1], sizeof num - 1);
	memcpy(num, w->w[1], n);
	num[n] = '\0';
	if (!str_to_i64(num, &version) || version != EVOLVE_MANIFEST_VERSION) {
		why->err = E_INVAL;
		ksnprintf(why->text, sizeof why->text,
			  "manifest line %zu: version '%s' is not supported (this kernel reads version %d)", line, num,
			  EVOLVE_MANIFEST_VERSION);
		return E_INVAL;
	}
	return E_OK;
}

err_t evolve_parse(const char *text, size_t len, struct evolve_plan *plan, struct evolve_why *why)
{
	plan->n = 0;
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		size_t at = 1;
		for (const char *q = text; q < nul; q++)
			at += *q == '\n';
		return refuse(why, at, "a NUL byte: the manifest is not text", NULL, 0);
	}
	bool header = false;
	size_t line = 0;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol ? eol : end;
		line++;
		struct words w;
		split(p, eol, &w);
		p = eol + 1;
		if (w.n == 0 || w.w[0][0] == '#')
			continue;
		err_t e;
		if (!header) {
			if ((e = parse_header(&w, line, why)))
				return e;
			header = true;
			continue;
		}
		if (plan->n == EVOLVE_STEPS_MAX)
			return refuse(why, line, "one step too many (at most " EVOLVE_STR(EVOLVE_STEPS_MAX) ")",
				      NULL, 0);
		struct evolve_step *s = &plan->steps[plan->n];
		memset(s, 0, sizeof *s);
		if ((e = parse_step(&w, line, s, why)) || (e = check_unique(plan, s, why)))
			return e;
		plan->n++;
	}
	if (!header)
		return refuse(why, line + 1, "empty: no 'theseus-evolution 1' line", NULL, 0);
	return E_OK;
}
