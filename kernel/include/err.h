/* floor: lib */
/* The kernel's one error enum. Every call that can fail returns an err_t
 * marked must-use; E_OK is zero so `if (e)` reads as "on error". */
#ifndef KERNEL_ERR_H
#define KERNEL_ERR_H
#include "compiler.h"

typedef enum err {
	E_OK = 0,
	E_NOMEM,             /* allocator exhausted */
	E_INVAL,             /* bad argument */
	E_RANGE,             /* offset/size outside the object */
	E_EMPTY,             /* resource already consumed or released */
	E_HAL,               /* the HAL refused an operation */
	E_NOTFOUND,          /* no such name */
	E_EXISTS,            /* name already present */
	E_BADELF,            /* malformed cell object */
	E_UNDEF_SYMBOL,      /* undefined symbol */
	E_DUP_SYMBOL,        /* symbol exported twice in a namespace */
	E_RELOC_UNSUPPORTED, /* relocation type the loader does not know */
	E_RELOC_OVERFLOW,    /* relocated value does not fit */
	E_DEPENDED_ON,       /* other cells still depend on it */
	E_PRIVILEGE,         /* app cell needs a kernel-only symbol */
	E_TOOBIG,            /* exceeds a fixed limit */
	E_FAILED,            /* the task failed or was killed */
	E_MAPPED,            /* a frame is mapped already (one mapping per frame) */
	E_STALE,             /* names a mapping that no longer exists */
	E_TIMEOUT,           /* did not happen within its bound */
	E_INCOMPATIBLE,      /* a replacement does not provide what its users need */
	E_CHECKSUM,          /* bytes differ from their recorded hash or checksum */
	E_ERR_COUNT
} err_t;

const char *err_name(err_t e);
const char *err_text(err_t e);

#endif
