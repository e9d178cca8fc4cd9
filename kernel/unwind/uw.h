/* Private to kernel/unwind: bounded readers over unwind data, the parsed
 * forms of CIEs and FDEs, the register rules a CFA program produces, and
 * the LSDA lookup. eh_frame.c finds and parses records, cfa.c runs their
 * programs and steps a frame, lsda.c finds landing pads, unwind.c drives. */
#ifndef KERNEL_UNWIND_UW_H
#define KERNEL_UNWIND_UW_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "grace.h"
#include "klib.h"
#include "unwind.h"

/* DW_EH_PE_* pointer encodings. */
enum {
	DW_EH_PE_absptr = 0x00, DW_EH_PE_uleb128 = 0x01, DW_EH_PE_udata2 = 0x02, DW_EH_PE_udata4 = 0x03,
	DW_EH_PE_udata8 = 0x04, DW_EH_PE_sleb128 = 0x09, DW_EH_PE_sdata2 = 0x0a, DW_EH_PE_sdata4 = 0x0b,
	DW_EH_PE_sdata8 = 0x0c, DW_EH_PE_pcrel = 0x10, DW_EH_PE_indirect = 0x80, DW_EH_PE_omit = 0xff,
};

/* Why something failed, written into a caller's buffer. */
struct uw_diag {
	char *buf;
	size_t cap;
};
/* Formats the reason (if there is a buffer) and returns false. */
bool uw_fail(struct uw_diag *d, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* A read position and the end of the data it may read: every read checks. */
struct uw_cursor {
	const uint8_t *p, *end;
};
bool uw_u8(struct uw_cursor *c, uint8_t *out) NONNULL(1, 2) MUST_USE;
bool uw_uleb(struct uw_cursor *c, uint64_t *out) NONNULL(1, 2) MUST_USE;
bool uw_sleb(struct uw_cursor *c, int64_t *out) NONNULL(1, 2) MUST_USE;
bool uw_skip(struct uw_cursor *c, uint64_t n) NONNULL(1) MUST_USE;
/* Reads a pointer in encoding enc (pcrel applied against the field's own
 * address; indirect is left for the caller). False on a truncated field
 * or an encoding this unwinder does not support. */
bool uw_encoded(struct uw_cursor *c, uint8_t enc, uint64_t *out) NONNULL(1, 3) MUST_USE;
/* Whether enc is a supported encoding (omit only if may_omit; indirect only if may_indirect). */
bool uw_encoding_ok(uint8_t enc, bool may_omit, bool may_indirect);

/* One .eh_frame to search, and the table it belongs to (NULL while the
 * loader validates a cell's .eh_frame before registering it). */
struct uw_source {
	const uint8_t *start, *end;
	const struct unwind_table *table;
};

/* Everything the parser found in a CIE. */
struct uw_cie {
	const uint8_t *insns, *end;
	uint64_t code_align;
	int64_t data_align;
	unsigned ra_reg;
	uint8_t fde_enc, lsda_enc;
	bool has_z; /* augmentation "z...": FDEs carry augmentation data */
	bool signal_frame;
};

/* Parses the CIE whose record starts at rec (its length field). */
bool uw_parse_cie(const struct uw_source *src, const uint8_t *rec, struct uw_cie *out, struct uw_diag *d)
	NONNULL(1, 2, 3, 4) MUST_USE;

enum uw_find { UW_FOUND, UW_NOT_FOUND, UW_MALFORMED };
/* The readers of the registry of unwind tables (eh_frame.c). Lookups run
 * inside one of its read sections (asserted); the tables they return stay
 * valid until it ends. */
extern struct grace uw_tables_grace;
/* Finds the FDE covering pc in the registered tables whose text holds pc;
 * *src says where it was found. */
enum uw_find uw_find_fde(uintptr_t pc, struct unwind_fde *out, struct uw_source *src, struct uw_diag *d)
	NONNULL(2, 3, 4);
/* The (untrusted, i.e. a cell's) table whose text holds pc, or NULL. */
const struct unwind_table *uw_table_of(uintptr_t pc);

/* --- CFA programs (cfa.c) --------------------------------------------------- */
enum uw_rule_kind { UW_SAME, UW_UNDEF, UW_OFFSET, UW_VAL_OFFSET, UW_REGISTER, UW_EXPR, UW_VAL_EXPR };

struct uw_rule {
	int64_t off;      /* UW_OFFSET/VAL_OFFSET: from the CFA; UW_EXPR/VAL_EXPR: the expression's address */
	uint32_t len;     /* UW_EXPR/VAL_EXPR: the expression's length */
	uint8_t kind;     /* enum uw_rule_kind */
	uint8_t reg;      /* UW_REGISTER */
};

/* One row of the CFA table: how to find the CFA and each register. */
struct uw_row {
	struct uw_rule reg[DW_NREGS];
	bool cfa_is_expr;
	unsigned cfa_reg;
	int64_t cfa_off;
	const uint8_t *cfa_expr;
	uint32_t cfa_expr_len;
	/* DW_CFA_GNU_args_size: bytes of arguments pushed for the call at this
	 * pc; a landing pad expects them popped. Like libgcc, remember_state
	 * and restore_state leave it alone. */
	uint64_t args_size;
};

/* Runs the CIE's then the FDE's program up to (and including) the row for
 * pc. With check_only, decodes every instruction to the end instead. */
bool uw_cfa_row(const struct unwind_fde *fde, uintptr_t pc, bool check_only, struct uw_row *row,
		struct uw_diag *d) NONNULL(1, 4, 5) MUST_USE;
/* Decodes one CFA program alone (validation of a CIE's initial program). */
bool uw_cfa_check(const struct uw_cie *cie, const uint8_t *insns, const uint8_t *end, struct uw_diag *d)
	NONNULL(1, 2, 3, 4) MUST_USE;

/* Where reading the stack is allowed: [lo, hi), or anywhere if both are 0. */
struct uw_stack {
	uintptr_t lo, hi;
};
/* The CFA of the frame in whose registers in the row applies. */
bool uw_cfa(const struct uw_row *row, const struct uw_stack *stk, const struct unwind_regs *in, uint64_t *cfa,
	    struct uw_diag *d) NONNULL(1, 2, 3, 4, 5) MUST_USE;
enum uw_step { UW_STEP_OK, UW_STEP_BAD_CFI, UW_STEP_BAD_STACK, UW_STEP_OUTERMOST };
/* Computes the caller's registers from the frame's row: CFA, saved
 * registers, return address (into r[DW_RIP]), rsp = CFA. */
enum uw_step uw_step(const struct uw_row *row, unsigned ra_reg, const struct uw_stack *stk,
		     const struct unwind_regs *in, struct unwind_regs *out, struct uw_diag *d)
	NONNULL(1, 3, 4, 5, 6) MUST_USE;

/* --- entering a landing pad (pad.c) ---------------------------------------- */
/* The stack pointer the landing pad at pad expects in the frame whose
 * registers are r and whose row (at r's pc) is row: from the CFI row at the
 * pad itself when its CFA is rsp + off (exact however many call arguments
 * were pushed when the frame was interrupted), else r's sp plus the row's
 * DW_CFA_GNU_args_size. False if that leaves the stack or the CFI is bad.
 * Inside a read section of uw_tables_grace (it looks the pad's FDE up). */
bool uw_pad_sp(const struct uw_row *row, const struct unwind_regs *r, uintptr_t pad, const struct uw_stack *stk,
	       uintptr_t *sp, struct uw_diag *d) NONNULL(1, 2, 4, 5, 6) MUST_USE;

/* --- LSDA (lsda.c) ----------------------------------------------------------- */
/* The landing pad for pc in the frame described by fde (0 if none), and
 * how many landing pads that frame can have at most (its call-site
 * records): entering more in one frame means its tables loop. False if the
 * LSDA is malformed or lies outside its cell. */
bool uw_landing_pad(const struct unwind_fde *fde, const struct uw_source *src, uintptr_t pc, uintptr_t *pad,
		    unsigned *max_pads, struct uw_diag *d) NONNULL(1, 2, 4, 5, 6) MUST_USE;

#endif
