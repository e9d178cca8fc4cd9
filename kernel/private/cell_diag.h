/* floor: cell */
/* Filling loader diagnostics (kernel/cell, and the swap that reports in
 * the same form); private to the nano_core. */
#ifndef CELL_DIAG_H
#define CELL_DIAG_H
#include "cell.h"

/* Records error e with its location (any may be NULL) and returns e. */
err_t diag_set(struct cell_diag *d, err_t e, const char *section, const char *symbol,
	       const uint64_t *offset, const char *fmt, ...) PRINTF_LIKE(6, 7);

#endif
