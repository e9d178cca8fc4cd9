/* Tab completion for the line editor (line_edit.c): finds which word the
 * cursor ends and what may stand there (a command name first, then a cell
 * name or a function name, depending on the command), and reports the
 * matches from the command table and the loader's metadata (cell.h). */
#include "cell.h"
#include "klib.h"
#include "shell.h"

enum complete_kind { COMPLETE_NOTHING, COMPLETE_COMMAND, COMPLETE_CELL, COMPLETE_FUNCTION };

/* Commands whose first operand is a cell, and the one that takes a function. */
static const char *const cell_commands[] = { "load", "unload", "syms", "sections", "deps", "spawn" };

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* Where the command the cursor is in starts (after a ';'), or SIZE_MAX if
 * the cursor is inside a quoted word, where nothing is completed. */
static size_t command_start(const char *line, size_t pos)
{
	size_t start = 0;
	bool quoted = false;
	for (size_t i = 0; i < pos; i++) {
		if (quoted && line[i] == '\\' && i + 1 < pos)
			i++;
		else if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted && line[i] == ';')
			start = i + 1;
	}
	return quoted ? SIZE_MAX : start;
}

static enum complete_kind operand_kind(const char *cmd, size_t cmd_len)
{
	if (cmd_len == 4 && !strncmp(cmd, "call", 4))
		return COMPLETE_FUNCTION;
	for (size_t i = 0; i < ARRAY_LEN(cell_commands); i++)
		if (strlen(cell_commands[i]) == cmd_len && !strncmp(cmd, cell_commands[i], cmd_len))
			return COMPLETE_CELL;
	return COMPLETE_NOTHING;
}

/* What the word line[*word_start, pos) may be completed to. Only the first
 * operand is completed; words starting with '-' are options. */
static enum complete_kind complete_context(const char *line, size_t pos, size_t *word_start)
{
	size_t start = command_start(line, pos);
	*word_start = pos;
	if (start == SIZE_MAX)
		return COMPLETE_NOTHING;
	size_t ws = pos;
	while (ws > start && !is_blank(line[ws - 1]))
		ws--;
	*word_start = ws;
	const char *cmd = NULL;
	size_t cmd_len = 0, operands = 0;
	for (size_t i = start; i < ws;) {
		while (i < ws && is_blank(line[i]))
			i++;
		size_t j = i;
		while (j < ws && !is_blank(line[j]))
			j++;
		if (j == i)
			break;
		if (!cmd)
			cmd = line + i, cmd_len = j - i;
		else if (line[i] != '-')
			operands++;
		i = j;
	}
	if (!cmd)
		return COMPLETE_COMMAND;
	if (operands || (ws < pos && line[ws] == '-'))
		return COMPLETE_NOTHING;
	return operand_kind(cmd, cmd_len);
}

/* Counts name if it extends the word, narrowing the shared prefix. */
static void consider(struct shell_completion *c, const char *line, size_t pos, const char *name)
{
	size_t typed = pos - c->word_start;
	if (strncmp(name, line + c->word_start, typed))
		return;
	if (!c->first) {
		c->first = name;
		c->common = strlen(name);
	} else if (!strcmp(name, c->first)) {
		return; /* the same name from another source */
	} else {
		size_t k = typed;
		while (k < c->common && name[k] == c->first[k])
			k++;
		c->common = k;
	}
	c->n++;
	if (c->list) {
		size_t width = strlen(name) + 2;
		if (c->column && c->column + width > 78) {
			kprintf("\n");
			c->column = 0;
		}
		kprintf("%s  ", name);
		c->column += width;
	}
}

/* The cell images, then the loaded cells that have no image (built in). */
static void consider_cells(struct shell_completion *c, const char *line, size_t pos)
{
	const struct cell_image *images;
	size_t n = cell_images(&images);
	for (size_t i = 0; i < n; i++)
		consider(c, line, pos, images[i].name);
	CELLS_GUARD();
	const struct list *it;
	list_for_each(it, &ns_root()->cells) {
		const struct cell *cell = list_entry(it, struct cell, link);
		if (!cell_image_find(cell->name))
			consider(c, line, pos, cell->name);
	}
}

static void consider_functions(struct shell_completion *c, const char *line, size_t pos)
{
	CELLS_GUARD();
	for (const struct namespace *ns = ns_root(); ns; ns = ns->parent) {
		const struct list *it;
		list_for_each(it, &ns->cells) {
			const struct cell *cell = list_entry(it, struct cell, link);
			for (size_t i = 0; i < cell->n_symbols; i++)
				if (cell->symbols[i].is_func)
					consider(c, line, pos, cell->symbols[i].name);
		}
	}
}

void shell_complete(const char *line, size_t pos, struct shell_completion *c)
{
	switch (complete_context(line, pos, &c->word_start)) {
	case COMPLETE_COMMAND:
		for (size_t i = 0; shell_cmd_name(i); i++)
			consider(c, line, pos, shell_cmd_name(i));
		break;
	case COMPLETE_CELL: consider_cells(c, line, pos); break;
	case COMPLETE_FUNCTION: consider_functions(c, line, pos); break;
	case COMPLETE_NOTHING: break;
	}
}
