/* kprintf: formats through the printf engine into a small stack buffer and
 * hands each full buffer to the HAL console. Output of any length is written
 * whole and in order; nothing is allocated, so it works before the heap does. */
#include <stdarg.h>
#include <stddef.h>

#include "format.h"
#include "hal_console.h"
#include "klib.h"

#define PRINT_CHUNK 512

struct console_buf {
	void (*write)(const char *buf, size_t len);
	size_t len;
	char data[PRINT_CHUNK];
};

static void console_flush(struct console_buf *cb)
{
	if (cb->len)
		cb->write(cb->data, cb->len);
	cb->len = 0;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
	struct console_buf *cb = ctx;

	while (n) {
		size_t k = MIN(n, sizeof(cb->data) - cb->len);

		memcpy(cb->data + cb->len, s, k);
		cb->len += k;
		s += k;
		n -= k;
		if (cb->len == sizeof(cb->data))
			console_flush(cb);
	}
}

static int print_to(void (*write)(const char *, size_t), const char *fmt, va_list ap)
{
	struct console_buf cb;
	int len;

	cb.write = write;
	cb.len = 0;
	len = fmt_format(console_sink, &cb, fmt, ap);
	console_flush(&cb);
	return len;
}

int kvprintf(const char *fmt, va_list ap) { return print_to(hal_console_write, fmt, ap); }

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = kvprintf(fmt, ap);
	va_end(ap);
	return len;
}

int keprintf(const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = print_to(hal_console_write_error, fmt, ap);
	va_end(ap);
	return len;
}
