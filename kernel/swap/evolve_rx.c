/* Receiving an evolution over the console line (bare metal: the serial
 * line), as `tools/evolve send` frames it (docs/evolve.md, "The serial
 * transfer"): lines of text, each ending with its own checksum (the first
 * 4 bytes of the SHA-256 of the rest of the line, in hex):
 *   theseus-evolution-transfer 1 N      N files follow, the manifest first
 *   file NAME SIZE SHA256               a file of SIZE bytes begins
 *   data OFFSET HEX                     its bytes from OFFSET, in hex
 *   end N                               the transfer is whole
 * Fills a struct evolution for evolve_apply (evolve.c); nothing is applied
 * here, so a damaged or cut transfer changes nothing. Text lines, not raw
 * bytes, so the transfer passes any terminal, pty or console on the way.
 * The bytes come from the caller's source (the shell: the console, after
 * what its line editor read ahead), so this file only decodes. */
#include "evolve.h"
#include "export.h"
#include "heap.h"
#include "klib.h"

#define RX_HEADER "theseus-evolution-transfer"
#define RX_VERSION 1
#define RX_LINE_MAX 256
#define RX_WORDS_MAX 6
#define RX_TOO_LONG (-4)                 /* rx_read_line: the line does not fit */
#define RX_DRAIN_QUIET_NS 500000000ull   /* dropping a refused transfer stops after this silence */
_Static_assert(RX_TOO_LONG != EVOLVE_RX_EOF && RX_TOO_LONG != EVOLVE_RX_QUIET, "distinct codes");

enum rx_state { RX_WANT_HEADER, RX_WANT_FILE, RX_IN_FILE, RX_DONE };

struct evolve_rx {
	struct evolution *ev;
	enum rx_state state;
	size_t line;           /* lines read so far */
	size_t announced;      /* files the header announced */
	size_t got;            /* bytes of the current file so far */
	uint8_t want[SHA256_SIZE];
	struct evolve_why *why;
	evolve_rx_getc_fn *getc; /* where the bytes come from */
	void *ctx;
};

static err_t rx_refuse(struct evolve_rx *rx, err_t e, const char *fmt, ...) PRINTF_LIKE(3, 4);
static err_t rx_refuse(struct evolve_rx *rx, err_t e, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	rx->why->err = e;
	ksnprintf(rx->why->text, sizeof rx->why->text, "transfer line %zu: %s", rx->line, msg);
	return e;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Cuts the line into words in place; false when it has too many. */
static bool rx_split(char *line, char **w, size_t *n)
{
	*n = 0;
	for (char *p = line; *p;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (*n == RX_WORDS_MAX)
			return false;
		w[(*n)++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return true;
}

/* The line's own checksum: its last word, over everything before it. */
static bool rx_checksum_ok(const char *line, size_t len)
{
	if (len < 10 || line[len - 9] != ' ')
		return false;
	uint8_t d[SHA256_SIZE];
	sha256(line, len - 9, d);
	for (size_t i = 0; i < 4; i++) {
		int hi = hex_digit(line[len - 8 + 2 * i]), lo = hex_digit(line[len - 7 + 2 * i]);
		if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != d[i])
			return false;
	}
	return true;
}

static bool rx_number(const char *s, uint64_t max, uint64_t *out)
{
	return str_to_u64(s, out) && *out <= max && s[0] >= '0' && s[0] <= '9';
}

static err_t rx_file(struct evolve_rx *rx, char **w, size_t n)
{
	uint64_t size;
	if (n != 4 || !rx_number(w[2], EVOLVE_FILE_SIZE_MAX, &size) || strlen(w[3]) != 2 * SHA256_SIZE ||
	    !sha256_from_hex(w[3], rx->want))
		return rx_refuse(rx, E_INVAL, "malformed 'file' line (file NAME SIZE SHA256, SIZE at most %u)",
				 EVOLVE_FILE_SIZE_MAX);
	if (rx->ev->n == rx->announced)
		return rx_refuse(rx, E_INVAL, "more files than the %zu announced", rx->announced);
	bool first = rx->ev->n == 0, is_manifest = !strcmp(w[1], EVOLVE_MANIFEST);
	if (first != is_manifest)
		return rx_refuse(rx, E_INVAL, "file '%s': the manifest comes first, and only once", w[1]);
	if (strlen(w[1]) >= EVOLVE_FILE_NAME_MAX || w[1][0] == '.' || strchr(w[1], '/') ||
	    evolution_file(rx->ev, w[1]))
		return rx_refuse(rx, E_INVAL, "file '%s': not a plain file name, or sent twice", w[1]);
	void *bytes = kmalloc(size ? size : 1);
	if (!bytes)
		return rx_refuse(rx, E_NOMEM, "file %s: no memory for %llu bytes", w[1], (unsigned long long)size);
	struct evolve_file *f = &rx->ev->files[rx->ev->n++];
	strlcpy(f->name, w[1], sizeof f->name);
	f->bytes = bytes;
	f->size = size;
	rx->got = 0;
	rx->state = RX_IN_FILE;
	return E_OK;
}

/* After the last byte of a file: its SHA-256 must be the announced one. */
static err_t rx_file_end(struct evolve_rx *rx)
{
	struct evolve_file *f = &rx->ev->files[rx->ev->n - 1];
	uint8_t d[SHA256_SIZE];
	sha256(f->bytes, f->size, d);
	if (memcmp(d, rx->want, SHA256_SIZE))
		return rx_refuse(rx, E_CHECKSUM, "file %s: the SHA-256 of its %zu bytes is not the one announced",
				 f->name, f->size);
	rx->state = RX_WANT_FILE;
	return E_OK;
}

static err_t rx_data(struct evolve_rx *rx, char **w, size_t n)
{
	struct evolve_file *f = &rx->ev->files[rx->ev->n - 1];
	uint64_t off;
	size_t hex = n == 3 ? strlen(w[2]) : 0;
	if (n != 3 || !rx_number(w[1], f->size, &off) || hex == 0 || hex % 2)
		return rx_refuse(rx, E_INVAL, "malformed 'data' line (data OFFSET HEX)");
	if (off != rx->got)
		return rx_refuse(rx, E_INVAL, "file %s: data at offset %llu, expected %zu (a line was lost)", f->name,
				 (unsigned long long)off, rx->got);
	if (hex / 2 > f->size - rx->got)
		return rx_refuse(rx, E_INVAL, "file %s: more than its %zu bytes", f->name, f->size);
	for (size_t i = 0; i < hex / 2; i++) {
		int hi = hex_digit(w[2][2 * i]), lo = hex_digit(w[2][2 * i + 1]);
		if (hi < 0 || lo < 0)
			return rx_refuse(rx, E_INVAL, "'%c%c' is not a lowercase hex byte", w[2][2 * i],
					 w[2][2 * i + 1]);
		((uint8_t *)f->bytes)[rx->got++] = (uint8_t)(hi << 4 | lo);
	}
	return rx->got == f->size ? rx_file_end(rx) : E_OK;
}

/* One line, without its line end. */
static err_t rx_line(struct evolve_rx *rx, char *line, size_t len)
{
	char *w[RX_WORDS_MAX];
	size_t n;
	if (!rx_checksum_ok(line, len))
		return rx_refuse(rx, E_CHECKSUM, "checksum mismatch (the line was damaged or is not the framing)");
	line[len - 9] = '\0';
	if (!rx_split(line, w, &n) || n == 0)
		return rx_refuse(rx, E_INVAL, "not a line of the framing");
	uint64_t count;
	switch (rx->state) {
	case RX_WANT_HEADER:
		if (n != 3 || strcmp(w[0], RX_HEADER) || strcmp(w[1], "1") ||
		    !rx_number(w[2], EVOLVE_FILES_MAX, &count) || count == 0)
			return rx_refuse(rx, E_INVAL, "expected '" RX_HEADER " %d N' (N from 1 to %d)", RX_VERSION,
					 EVOLVE_FILES_MAX);
		rx->announced = count;
		rx->state = RX_WANT_FILE;
		return E_OK;
	case RX_WANT_FILE:
		if (!strcmp(w[0], "file"))
			return rx_file(rx, w, n);
		if (strcmp(w[0], "end") || n != 2 || !rx_number(w[1], EVOLVE_FILES_MAX, &count))
			return rx_refuse(rx, E_INVAL, "expected a 'file' or the 'end' line");
		if (count != rx->announced || rx->ev->n != rx->announced)
			return rx_refuse(rx, E_INVAL, "the end line says %llu files; %zu announced, %zu received",
					 (unsigned long long)count, rx->announced, rx->ev->n);
		rx->state = RX_DONE;
		return E_OK;
	case RX_IN_FILE:
		if (!strcmp(w[0], "data"))
			return rx_data(rx, w, n);
		return rx_refuse(rx, E_INVAL, "file %s ended after %zu of its %zu bytes", rx->ev->files[rx->ev->n - 1].name,
				 rx->got, rx->ev->files[rx->ev->n - 1].size);
	case RX_DONE:
		break;
	}
	return rx_refuse(rx, E_INVAL, "a line after the end");
}

/* --- the line ------------------------------------------------------------------ */

/* Reads one line into buf (NUL-terminated, CRs dropped): its length, or
 * EVOLVE_RX_EOF / EVOLVE_RX_QUIET, or RX_TOO_LONG when it is longer than
 * the buffer (then read to its end). */
static long rx_read_line(struct evolve_rx *rx, char *buf, uint64_t quiet_ns)
{
	size_t len = 0;
	bool too_long = false;
	for (;;) {
		int c = rx->getc(rx->ctx, quiet_ns);
		if (c < 0)
			return c;
		if (c == '\n')
			break;
		if (c == '\r')
			continue;
		if (len + 1 < RX_LINE_MAX)
			buf[len++] = (char)c;
		else
			too_long = true;
	}
	buf[len] = '\0';
	return too_long ? RX_TOO_LONG : (long)len;
}

/* After a refusal: reads and drops the rest of the transfer, so it is not
 * taken for commands: lines of the framing up to its end line, until a
 * line that is not the framing (dropped too), the end of input or a pause. */
static void rx_drain(struct evolve_rx *rx, char *buf)
{
	for (;;) {
		long len = rx_read_line(rx, buf, RX_DRAIN_QUIET_NS);
		if (len == EVOLVE_RX_EOF || len == EVOLVE_RX_QUIET)
			return;
		if (len < 0)
			continue;
		if (str_starts_with(buf, "end "))
			return;
		if (!str_starts_with(buf, "data ") && !str_starts_with(buf, "file ") && !str_starts_with(buf, RX_HEADER))
			return;
	}
}

err_t evolve_receive(evolve_rx_getc_fn *getc, void *ctx, struct evolution *ev, uint64_t timeout_ns,
		     struct evolve_why *why)
{
	struct evolve_rx rx = { .ev = ev, .state = RX_WANT_HEADER, .why = why, .getc = getc, .ctx = ctx };
	char *buf KFREE = kmalloc(RX_LINE_MAX);
	if (!buf) {
		why->err = E_NOMEM;
		ksnprintf(why->text, sizeof why->text, "no memory for the line buffer");
		return E_NOMEM;
	}
	while (rx.state != RX_DONE) {
		long len = rx_read_line(&rx, buf, timeout_ns);
		rx.line++;
		if (len == EVOLVE_RX_QUIET)
			return rx_refuse(&rx, E_TIMEOUT, "nothing received for %llu ms",
					 (unsigned long long)(timeout_ns / 1000000));
		if (len == EVOLVE_RX_EOF)
			return rx_refuse(&rx, E_INVAL, "the input ended before the transfer's end line");
		if (len == 0 && rx.state == RX_WANT_HEADER) {
			rx.line--; /* blank lines before the transfer (a line end after the command) */
			continue;
		}
		bool end_line = len >= 0 && str_starts_with(buf, "end ");
		err_t e = len < 0 ? rx_refuse(&rx, E_INVAL, "longer than %d bytes", RX_LINE_MAX - 1)
				  : rx_line(&rx, buf, (size_t)len);
		if (e) {
			if (!end_line)
				rx_drain(&rx, buf);
			return e;
		}
	}
	return E_OK;
}

EXPORT_KERNEL(evolve_receive);
