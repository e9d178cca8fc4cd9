/* Private to kernel/lib: the printf engine behind kvsnprintf and kvprintf.
 * It hands its output to a sink in pieces, so a caller can stream output of
 * any length through a fixed buffer. */
#ifndef KERNEL_LIB_FORMAT_H
#define KERNEL_LIB_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

#include "compiler.h"

/* Receives the next n bytes of output (n > 0; not terminated). */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Formats fmt to sink; returns the total length produced (clamped to the int maximum). */
int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap) PRINTF_LIKE(3, 0);

#endif
