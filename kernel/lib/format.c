/* The printf engine: parses each conversion spec, fetches its argument and
 * streams the padded result to a sink. kvsnprintf is the sink that fills a
 * bounded buffer; print.c has the one that feeds the console. Integers only:
 * the kernel is built without floating-point registers. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "klib.h"

/* <limits.h> would pull in the host libc's under gcc; the compiler knows. */
#define FMT_INT_MAX __INT_MAX__
#define FMT_INT_MIN (-__INT_MAX__ - 1)

enum {
	F_LEFT = 1 << 0,  /* '-' */
	F_PLUS = 1 << 1,  /* '+' */
	F_SPACE = 1 << 2, /* ' ' */
	F_ALT = 1 << 3,   /* '#' */
	F_ZERO = 1 << 4,  /* '0' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct spec {
	unsigned flags;
	int width;     /* 0 when absent */
	int prec;      /* -1 when absent */
	enum length len;
	char conv;
};

struct out {
	fmt_sink_fn sink;
	void *ctx;
	size_t total;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n)
		o->sink(o->ctx, s, n);
	o->total += n;
}

static void pad(struct out *o, char c, size_t n)
{
	static const char spaces[] = "                ";
	static const char zeros[] = "0000000000000000";
	const char *run = c == '0' ? zeros : spaces;

	while (n) {
		size_t k = MIN(n, sizeof(spaces) - 1);

		put(o, run, k);
		n -= k;
	}
}

static size_t width_padding(const struct spec *sp, size_t body)
{
	return (size_t)sp->width > body ? (size_t)sp->width - body : 0;
}

/* A string or character, space-padded to the width (the '0' flag is ignored). */
static void emit_text(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t padding = width_padding(sp, n);

	if (!(sp->flags & F_LEFT))
		pad(o, ' ', padding);
	put(o, s, n);
	if (sp->flags & F_LEFT)
		pad(o, ' ', padding);
}

static void emit_string(struct out *o, const struct spec *sp, const char *s)
{
	if (!s)
		s = "(null)";
	/* strnlen: with a precision the string need not be terminated. */
	emit_text(o, sp, s, sp->prec >= 0 ? strnlen(s, (size_t)sp->prec) : strlen(s));
}

static unsigned conv_base(char conv)
{
	switch (conv) {
	case 'o':
		return 8;
	case 'x':
	case 'X':
	case 'p':
		return 16;
	default:
		return 10;
	}
}

/* Writes the digits of v so they end just before end; returns where they start. */
static char *digits_of(uint64_t v, unsigned base, bool upper, char *end)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = set[v % base];
		v /= base;
	} while (v);
	return p;
}

static size_t int_prefix(const struct spec *sp, uint64_t mag, bool neg, char prefix[2])
{
	switch (sp->conv) {
	case 'd':
	case 'i':
		if (neg || sp->flags & (F_PLUS | F_SPACE)) {
			prefix[0] = neg ? '-' : sp->flags & F_PLUS ? '+' : ' ';
			return 1;
		}
		return 0;
	case 'p':
		prefix[0] = '0';
		prefix[1] = 'x';
		return 2;
	case 'x':
	case 'X':
		if (sp->flags & F_ALT && mag) {
			prefix[0] = '0';
			prefix[1] = sp->conv;
			return 2;
		}
		return 0;
	default:
		return 0;
	}
}

/* Layout: [spaces][sign or 0x][zeros][digits][spaces if left-justified]. */
static void emit_int(struct out *o, const struct spec *sp, uint64_t mag, bool neg)
{
	char buf[24], prefix[2];
	char *end = buf + sizeof(buf);
	char *digits = digits_of(mag, conv_base(sp->conv), sp->conv == 'X', end);
	/* Precision 0 prints no digits for the value 0 (C11 7.21.6.1). */
	size_t ndig = mag == 0 && sp->prec == 0 ? 0 : (size_t)(end - digits);
	size_t nprefix = int_prefix(sp, mag, neg, prefix);
	size_t zeros = sp->prec > 0 && (size_t)sp->prec > ndig ? (size_t)sp->prec - ndig : 0;
	size_t body, padding;

	/* '#' makes octal start with a 0, by raising the precision if needed. */
	if (sp->conv == 'o' && sp->flags & F_ALT && zeros == 0 && (ndig == 0 || *digits != '0'))
		zeros = 1;
	body = nprefix + zeros + ndig;
	/* The '0' flag pads with zeros, but only without '-' and without a precision. */
	if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0) {
		zeros += width_padding(sp, body);
		body = MAX(body, (size_t)sp->width);
	}
	padding = width_padding(sp, body);
	if (!(sp->flags & F_LEFT))
		pad(o, ' ', padding);
	put(o, prefix, nprefix);
	pad(o, '0', zeros);
	put(o, end - ndig, ndig);
	if (sp->flags & F_LEFT)
		pad(o, ' ', padding);
}

/* Arguments narrower than int arrive promoted; the casts undo the promotion. */
static int64_t fetch_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z: /* the signed type of size_t's width */
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (size_t)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void emit_signed(struct out *o, const struct spec *sp, va_list *ap)
{
	int64_t v = fetch_signed(sp->len, ap);
	/* Negate in unsigned arithmetic so INT64_MIN has a magnitude. */
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	emit_int(o, sp, mag, v < 0);
}

static void emit_pointer(struct out *o, const struct spec *sp, va_list *ap)
{
	const void *p = va_arg(*ap, const void *);
	struct spec text = *sp;

	/* Same spelling as glibc, so hosted and bare-metal logs read alike. */
	if (!p) {
		text.prec = -1;
		emit_text(o, &text, "(nil)", 5);
		return;
	}
	emit_int(o, sp, (uintptr_t)p, false);
}

/* Emits one conversion; false if conv is not one we know. */
static bool emit_conversion(struct out *o, const struct spec *sp, va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		emit_signed(o, sp, ap);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		emit_int(o, sp, fetch_unsigned(sp->len, ap), false);
		return true;
	case 'p':
		emit_pointer(o, sp, ap);
		return true;
	case 's':
		emit_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_text(o, sp, &c, 1);
		return true;
	case '%':
		put(o, "%", 1);
		return true;
	default:
		return false;
	}
}

static const char *parse_flags(const char *f, struct spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-': sp->flags |= F_LEFT; break;
		case '+': sp->flags |= F_PLUS; break;
		case ' ': sp->flags |= F_SPACE; break;
		case '#': sp->flags |= F_ALT; break;
		case '0': sp->flags |= F_ZERO; break;
		default: return f;
		}
	}
}

/* A decimal field, saturating at FMT_INT_MAX rather than overflowing. */
static const char *parse_number(const char *f, int *out)
{
	int v = 0;

	for (; *f >= '0' && *f <= '9'; f++) {
		int d = *f - '0';

		v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
	}
	*out = v;
	return f;
}

static const char *parse_width(const char *f, struct spec *sp, va_list *ap)
{
	if (*f != '*')
		return parse_number(f, &sp->width);
	sp->width = va_arg(*ap, int);
	/* A negative '*' width means '-' plus its magnitude. */
	if (sp->width < 0) {
		sp->flags |= F_LEFT;
		sp->width = sp->width == FMT_INT_MIN ? FMT_INT_MAX : -sp->width;
	}
	return f + 1;
}

static const char *parse_precision(const char *f, struct spec *sp, va_list *ap)
{
	if (*f != '.')
		return f;
	f++;
	if (*f != '*')
		return parse_number(f, &sp->prec);
	sp->prec = va_arg(*ap, int);
	if (sp->prec < 0) /* a negative '*' precision counts as absent */
		sp->prec = -1;
	return f + 1;
}

static const char *parse_length(const char *f, enum length *len)
{
	switch (*f) {
	case 'h':
		*len = f[1] == 'h' ? LEN_HH : LEN_H;
		return f + (f[1] == 'h' ? 2 : 1);
	case 'l':
		*len = f[1] == 'l' ? LEN_LL : LEN_L;
		return f + (f[1] == 'l' ? 2 : 1);
	case 'z': *len = LEN_Z; return f + 1;
	case 't': *len = LEN_T; return f + 1;
	case 'j': *len = LEN_J; return f + 1;
	default: *len = LEN_NONE; return f;
	}
}

/* f points just past a '%'. Returns the first byte after the spec. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	f = parse_flags(f, sp);
	f = parse_width(f, sp, ap);
	f = parse_precision(f, sp, ap);
	f = parse_length(f, &sp->len);
	sp->conv = *f;
	return *f ? f + 1 : f;
}

int fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { sink, ctx, 0 };
	va_list args;

	/* A copy whose address can be taken portably (va_list may be an array). */
	va_copy(args, ap);
	while (*fmt) {
		const char *pct = strchr(fmt, '%');
		struct spec sp;
		const char *next;

		if (!pct) {
			put(&o, fmt, strlen(fmt));
			break;
		}
		put(&o, fmt, (size_t)(pct - fmt));
		next = parse_spec(pct + 1, &sp, &args);
		/* An unknown or unfinished spec is printed as written. */
		if (!emit_conversion(&o, &sp, &args))
			put(&o, pct, (size_t)(next - pct));
		fmt = next;
	}
	va_end(args);
	return o.total > FMT_INT_MAX ? FMT_INT_MAX : (int)o.total;
}

struct bounded {
	char *buf;
	size_t room; /* bytes still free, keeping one for the terminator */
};

static void bounded_sink(void *ctx, const char *s, size_t n)
{
	struct bounded *b = ctx;
	size_t k = MIN(n, b->room);

	if (!k)
		return;
	memcpy(b->buf, s, k);
	b->buf += k;
	b->room -= k;
}

int kvsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct bounded b = { buf, cap ? cap - 1 : 0 };
	int len = fmt_format(bounded_sink, &b, fmt, ap);

	if (cap)
		*b.buf = '\0';
	return len;
}

int ksnprintf(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = kvsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return len;
}
