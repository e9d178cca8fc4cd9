/* Names and one-line explanations of the kernel's error values. */
#include "err.h"
#include "export.h"

static const char *const names[E_ERR_COUNT] = {
	[E_OK] = "E_OK", [E_NOMEM] = "E_NOMEM", [E_INVAL] = "E_INVAL", [E_RANGE] = "E_RANGE",
	[E_EMPTY] = "E_EMPTY", [E_HAL] = "E_HAL", [E_NOTFOUND] = "E_NOTFOUND",
	[E_EXISTS] = "E_EXISTS", [E_BADELF] = "E_BADELF", [E_UNDEF_SYMBOL] = "E_UNDEF_SYMBOL",
	[E_DUP_SYMBOL] = "E_DUP_SYMBOL", [E_RELOC_UNSUPPORTED] = "E_RELOC_UNSUPPORTED",
	[E_RELOC_OVERFLOW] = "E_RELOC_OVERFLOW", [E_DEPENDED_ON] = "E_DEPENDED_ON",
	[E_PRIVILEGE] = "E_PRIVILEGE", [E_TOOBIG] = "E_TOOBIG", [E_FAILED] = "E_FAILED",
	[E_MAPPED] = "E_MAPPED", [E_STALE] = "E_STALE",
	[E_TIMEOUT] = "E_TIMEOUT", [E_INCOMPATIBLE] = "E_INCOMPATIBLE", [E_CHECKSUM] = "E_CHECKSUM",
};

static const char *const texts[E_ERR_COUNT] = {
	[E_OK] = "success",
	[E_NOMEM] = "out of memory",
	[E_INVAL] = "invalid argument",
	[E_RANGE] = "outside the bounds of the object",
	[E_EMPTY] = "resource already consumed or released",
	[E_HAL] = "the hardware layer refused the operation",
	[E_NOTFOUND] = "not found",
	[E_EXISTS] = "already exists",
	[E_BADELF] = "malformed cell object",
	[E_UNDEF_SYMBOL] = "undefined symbol",
	[E_DUP_SYMBOL] = "duplicate symbol",
	[E_RELOC_UNSUPPORTED] = "unsupported relocation type",
	[E_RELOC_OVERFLOW] = "relocation overflow",
	[E_DEPENDED_ON] = "still depended on",
	[E_PRIVILEGE] = "needs a kernel-only symbol",
	[E_TOOBIG] = "exceeds a fixed limit",
	[E_FAILED] = "the task failed or was killed",
	[E_MAPPED] = "frame already mapped",
	[E_STALE] = "stale mapping: it was unmapped already",
	[E_TIMEOUT] = "timed out",
	[E_INCOMPATIBLE] = "incompatible replacement",
	[E_CHECKSUM] = "checksum mismatch",
};

const char *err_name(err_t e)
{
	return (unsigned)e < E_ERR_COUNT && names[e] ? names[e] : "E_UNKNOWN";
}

const char *err_text(err_t e)
{
	return (unsigned)e < E_ERR_COUNT && texts[e] ? texts[e] : "unknown error";
}

EXPORT_APP(err_name);
EXPORT_APP(err_text);
