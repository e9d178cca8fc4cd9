/* Loader diagnostics: filling a struct cell_diag at the point of failure
 * and printing it as one line that says what went wrong and where. */
#include "cell_diag.h"

err_t diag_set(struct cell_diag *d, err_t e, const char *section, const char *symbol,
	       const uint64_t *offset, const char *fmt, ...)
{
	d->err = e;
	strlcpy(d->section, section ? section : "", sizeof d->section);
	strlcpy(d->symbol, symbol ? symbol : "", sizeof d->symbol);
	d->has_offset = offset != NULL;
	d->offset = offset ? *offset : 0;
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(d->detail, sizeof d->detail, fmt, ap);
	va_end(ap);
	return e;
}

int cell_diag_format(const struct cell_diag *d, char *buf, size_t cap)
{
	size_t n = 0;
#define PUT(...) n += (size_t)ksnprintf(buf + MIN(n, cap), cap - MIN(n, cap), __VA_ARGS__)
	PUT("%s", d->cell[0] ? "cell " : "");
	PUT("%s", d->cell);
	if (d->section[0])
		PUT("%ssection %s", n ? ", " : "", d->section);
	if (d->has_offset)
		PUT("%soffset 0x%llx", n ? ", " : "", (unsigned long long)d->offset);
	if (d->symbol[0])
		PUT("%ssymbol %s", n ? ", " : "", d->symbol);
	PUT("%s%s (%s)", n ? ": " : "", err_text(d->err), err_name(d->err));
	if (d->detail[0])
		PUT(": %s", d->detail);
#undef PUT
	return (int)n;
}
