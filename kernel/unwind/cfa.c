/* Running CFA programs and stepping one frame: the CIE's initial program
 * then the FDE's build the row for a pc (how to find the CFA and each
 * saved register); uw_step applies it to a frame's registers to get its
 * caller's. Comes after the FDE lookup (eh_frame.c); the unwinder
 * (unwind.c) loops over it. Includes a small DWARF expression evaluator. */
#include "klib.h"
#include "uw.h"

enum {
	DW_CFA_nop = 0x00, DW_CFA_set_loc = 0x01, DW_CFA_advance_loc1 = 0x02, DW_CFA_advance_loc2 = 0x03,
	DW_CFA_advance_loc4 = 0x04, DW_CFA_offset_extended = 0x05, DW_CFA_restore_extended = 0x06,
	DW_CFA_undefined = 0x07, DW_CFA_same_value = 0x08, DW_CFA_register = 0x09,
	DW_CFA_remember_state = 0x0a, DW_CFA_restore_state = 0x0b, DW_CFA_def_cfa = 0x0c,
	DW_CFA_def_cfa_register = 0x0d, DW_CFA_def_cfa_offset = 0x0e, DW_CFA_def_cfa_expression = 0x0f,
	DW_CFA_expression = 0x10, DW_CFA_offset_extended_sf = 0x11, DW_CFA_def_cfa_sf = 0x12,
	DW_CFA_def_cfa_offset_sf = 0x13, DW_CFA_val_offset = 0x14, DW_CFA_val_offset_sf = 0x15,
	DW_CFA_val_expression = 0x16, DW_CFA_GNU_args_size = 0x2e,
	DW_CFA_GNU_negative_offset_extended = 0x2f,
	DW_CFA_advance_loc = 0x40, DW_CFA_offset = 0x80, DW_CFA_restore = 0xc0,
};

/* Register numbers beyond the general registers (vector, x87, flags,
 * segment) may be described; their rules are decoded and ignored. */
#define UW_MAX_DWARF_REG 130
#define UW_REMEMBER_DEPTH 4

struct uw_prog {
	const struct unwind_fde *fde;
	const struct uw_row *initial; /* the row after the CIE program; NULL while running it */
	uint64_t loc;
	uintptr_t target;
	bool check_only;
	struct uw_row saved[UW_REMEMBER_DEPTH];
	unsigned depth;
};

static uint64_t factored(uint64_t v, int64_t factor) { return v * (uint64_t)factor; }

static bool read_reg(struct uw_cursor *c, uint64_t *reg, struct uw_diag *d)
{
	if (!uw_uleb(c, reg))
		return uw_fail(d, "truncated CFA instruction");
	if (*reg > UW_MAX_DWARF_REG)
		return uw_fail(d, "CFA instruction names register %lu", (unsigned long)*reg);
	return true;
}

static void set_rule(struct uw_row *row, uint64_t reg, uint8_t kind, int64_t off, uint32_t len)
{
	if (reg < DW_NREGS)
		row->reg[reg] = (struct uw_rule){ .off = off, .len = len, .kind = kind };
}

/* A length-prefixed DWARF expression block: its address and length. */
static bool read_block(struct uw_cursor *c, const uint8_t **expr, uint32_t *len, struct uw_diag *d)
{
	uint64_t n;
	if (!uw_uleb(c, &n) || n > UINT32_MAX || !uw_skip(c, n))
		return uw_fail(d, "DWARF expression overruns the CFA program");
	*expr = c->p - n;
	*len = (uint32_t)n;
	return true;
}

/* Moves the location, or sets *stop once that would pass the target pc. */
static void advance(struct uw_prog *pr, uint64_t delta, bool *stop)
{
	uint64_t loc = pr->loc + factored(delta, (int64_t)pr->fde->code_align);
	if (!pr->check_only && loc > pr->target) {
		*stop = true;
		return;
	}
	pr->loc = loc;
}

static bool run(struct uw_prog *pr, const uint8_t *insns, const uint8_t *end, struct uw_row *row,
		struct uw_diag *d)
{
	struct uw_cursor c = { insns, end };
	const int64_t da = pr->fde->data_align;
	bool stop = false;
	while (c.p < c.end && !stop) {
		uint8_t op;
		uint64_t reg, u, r2;
		int64_t s;
		uint8_t u8;
		uint16_t u16;
		uint32_t u32;
		const uint8_t *expr;
		uint32_t len;
		if (!uw_u8(&c, &op))
			return uw_fail(d, "truncated CFA program");
		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
			advance(pr, op & 0x3f, &stop);
			continue;
		case DW_CFA_offset:
			if (!uw_uleb(&c, &u))
				return uw_fail(d, "truncated DW_CFA_offset");
			set_rule(row, op & 0x3f, UW_OFFSET, (int64_t)factored(u, da), 0);
			continue;
		case DW_CFA_restore:
			if (!pr->initial)
				return uw_fail(d, "DW_CFA_restore in a CIE");
			if ((op & 0x3f) < DW_NREGS)
				row->reg[op & 0x3f] = pr->initial->reg[op & 0x3f];
			continue;
		}
		switch (op) {
		case DW_CFA_nop:
			break;
		case DW_CFA_set_loc:
			/* Needs the FDE's pointer encoding; gcc never emits it. */
			return uw_fail(d, "DW_CFA_set_loc unsupported");
		case DW_CFA_advance_loc1:
			if (!uw_u8(&c, &u8))
				return uw_fail(d, "truncated DW_CFA_advance_loc1");
			advance(pr, u8, &stop);
			break;
		case DW_CFA_advance_loc2:
			if (c.end - c.p < 2)
				return uw_fail(d, "truncated DW_CFA_advance_loc2");
			memcpy(&u16, c.p, 2);
			c.p += 2;
			advance(pr, u16, &stop);
			break;
		case DW_CFA_advance_loc4:
			if (c.end - c.p < 4)
				return uw_fail(d, "truncated DW_CFA_advance_loc4");
			memcpy(&u32, c.p, 4);
			c.p += 4;
			advance(pr, u32, &stop);
			break;
		case DW_CFA_offset_extended:
		case DW_CFA_val_offset:
		case DW_CFA_GNU_negative_offset_extended:
			if (!read_reg(&c, &reg, d) || !uw_uleb(&c, &u))
				return uw_fail(d, "truncated CFA offset instruction");
			s = (int64_t)factored(u, da);
			set_rule(row, reg, op == DW_CFA_val_offset ? UW_VAL_OFFSET : UW_OFFSET,
				 op == DW_CFA_GNU_negative_offset_extended ? -s : s, 0);
			break;
		case DW_CFA_offset_extended_sf:
		case DW_CFA_val_offset_sf:
			if (!read_reg(&c, &reg, d) || !uw_sleb(&c, &s))
				return uw_fail(d, "truncated CFA offset instruction");
			set_rule(row, reg, op == DW_CFA_val_offset_sf ? UW_VAL_OFFSET : UW_OFFSET,
				 (int64_t)factored((uint64_t)s, da), 0);
			break;
		case DW_CFA_restore_extended:
			if (!read_reg(&c, &reg, d))
				return false;
			if (!pr->initial)
				return uw_fail(d, "DW_CFA_restore_extended in a CIE");
			if (reg < DW_NREGS)
				row->reg[reg] = pr->initial->reg[reg];
			break;
		case DW_CFA_undefined:
		case DW_CFA_same_value:
			if (!read_reg(&c, &reg, d))
				return false;
			set_rule(row, reg, op == DW_CFA_undefined ? UW_UNDEF : UW_SAME, 0, 0);
			break;
		case DW_CFA_register:
			if (!read_reg(&c, &reg, d) || !read_reg(&c, &r2, d))
				return false;
			if (reg < DW_NREGS && r2 >= DW_NREGS)
				return uw_fail(d, "register %lu saved in unsupported register %lu",
					       (unsigned long)reg, (unsigned long)r2);
			set_rule(row, reg, UW_REGISTER, 0, 0);
			if (reg < DW_NREGS)
				row->reg[reg].reg = (uint8_t)r2;
			break;
		case DW_CFA_remember_state:
			if (pr->depth == UW_REMEMBER_DEPTH)
				return uw_fail(d, "DW_CFA_remember_state nested deeper than %u", UW_REMEMBER_DEPTH);
			pr->saved[pr->depth++] = *row;
			break;
		case DW_CFA_restore_state:
			if (!pr->depth)
				return uw_fail(d, "DW_CFA_restore_state without remember_state");
			u = row->args_size;
			*row = pr->saved[--pr->depth];
			row->args_size = u;
			break;
		case DW_CFA_def_cfa:
		case DW_CFA_def_cfa_sf:
			if (!read_reg(&c, &reg, d))
				return false;
			if (op == DW_CFA_def_cfa ? !uw_uleb(&c, &u) : !uw_sleb(&c, &s))
				return uw_fail(d, "truncated DW_CFA_def_cfa");
			if (reg >= DW_RIP)
				return uw_fail(d, "CFA based on register %lu", (unsigned long)reg);
			row->cfa_is_expr = false;
			row->cfa_reg = (unsigned)reg;
			row->cfa_off = op == DW_CFA_def_cfa ? (int64_t)u : (int64_t)factored((uint64_t)s, da);
			break;
		case DW_CFA_def_cfa_register:
			if (!read_reg(&c, &reg, d))
				return false;
			if (reg >= DW_RIP)
				return uw_fail(d, "CFA based on register %lu", (unsigned long)reg);
			row->cfa_is_expr = false;
			row->cfa_reg = (unsigned)reg;
			break;
		case DW_CFA_def_cfa_offset:
		case DW_CFA_def_cfa_offset_sf:
			if (op == DW_CFA_def_cfa_offset ? !uw_uleb(&c, &u) : !uw_sleb(&c, &s))
				return uw_fail(d, "truncated DW_CFA_def_cfa_offset");
			row->cfa_off = op == DW_CFA_def_cfa_offset ? (int64_t)u : (int64_t)factored((uint64_t)s, da);
			break;
		case DW_CFA_def_cfa_expression:
			if (!read_block(&c, &expr, &len, d))
				return false;
			row->cfa_is_expr = true;
			row->cfa_expr = expr;
			row->cfa_expr_len = len;
			break;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			if (!read_reg(&c, &reg, d) || !read_block(&c, &expr, &len, d))
				return false;
			set_rule(row, reg, op == DW_CFA_expression ? UW_EXPR : UW_VAL_EXPR, (int64_t)(uintptr_t)expr, len);
			break;
		case DW_CFA_GNU_args_size:
			if (!uw_uleb(&c, &u))
				return uw_fail(d, "truncated DW_CFA_GNU_args_size");
			row->args_size = u;
			break;
		default:
			return uw_fail(d, "unknown CFA opcode %#x", op);
		}
	}
	return true;
}

static void initial_row(struct uw_row *row)
{
	*row = (struct uw_row){ .cfa_reg = DW_NREGS }; /* every register: same value; no CFA rule yet */
	for (unsigned i = 0; i < DW_NREGS; i++)
		row->reg[i].kind = UW_SAME;
}

bool uw_cfa_row(const struct unwind_fde *fde, uintptr_t pc, bool check_only, struct uw_row *row, struct uw_diag *d)
{
	struct uw_prog pr = { .fde = fde, .loc = fde->pc_begin, .target = pc, .check_only = check_only };
	initial_row(row);
	if (!run(&pr, fde->cie_insns, fde->cie_end, row, d))
		return false;
	struct uw_row initial = *row;
	pr.initial = &initial;
	return run(&pr, fde->fde_insns, fde->fde_end, row, d);
}

bool uw_cfa_check(const struct uw_cie *cie, const uint8_t *insns, const uint8_t *end, struct uw_diag *d)
{
	struct unwind_fde fde = { .code_align = cie->code_align, .data_align = cie->data_align };
	struct uw_prog pr = { .fde = &fde, .check_only = true };
	struct uw_row row;
	initial_row(&row);
	return run(&pr, insns, end, &row, d);
}

/* --- stepping ------------------------------------------------------------------ */
static bool stack_read(const struct uw_stack *stk, uint64_t addr, uint64_t *out, struct uw_diag *d)
{
	if ((stk->lo || stk->hi) && (addr < stk->lo || addr > stk->hi - 8 || stk->hi < 8))
		return uw_fail(d, "saved register at %#lx outside the stack", (unsigned long)addr);
	memcpy(out, (const void *)(uintptr_t)addr, 8);
	return true;
}

#define UW_EXPR_STACK 8

/* The DWARF expression subset compilers use in CFI: constants, register
 * bases, deref (stack only) and arithmetic. */
static bool eval(const uint8_t *expr, uint32_t len, const struct unwind_regs *in, const struct uw_stack *stk,
		 bool push_cfa, uint64_t cfa, uint64_t *out, struct uw_diag *d)
{
	uint64_t st[UW_EXPR_STACK];
	unsigned n = 0;
	struct uw_cursor c = { expr, expr + len };
	if (push_cfa)
		st[n++] = cfa;
	while (c.p < c.end) {
		uint8_t op;
		uint64_t u, a, b;
		int64_t s;
		if (!uw_u8(&c, &op))
			return uw_fail(d, "truncated DWARF expression");
		if (op >= 0x30 && op <= 0x4f) { /* DW_OP_lit0..31 */
			if (n == UW_EXPR_STACK)
				return uw_fail(d, "DWARF expression stack overflow");
			st[n++] = op - 0x30;
			continue;
		}
		if ((op >= 0x70 && op <= 0x8f) || op == 0x92) { /* DW_OP_breg0..31, DW_OP_bregx */
			u = op - 0x70;
			if (op == 0x92 && !uw_uleb(&c, &u))
				return uw_fail(d, "truncated DWARF expression");
			if (!uw_sleb(&c, &s))
				return uw_fail(d, "truncated DWARF expression");
			if (u >= DW_NREGS || n == UW_EXPR_STACK)
				return uw_fail(d, "DWARF expression register %lu unsupported", (unsigned long)u);
			st[n++] = in->r[u] + (uint64_t)s;
			continue;
		}
		switch (op) {
		case 0x08: case 0x0a: case 0x0c: case 0x0e: /* DW_OP_const{1,2,4,8}u */
		case 0x09: case 0x0b: case 0x0d: case 0x0f: { /* DW_OP_const{1,2,4,8}s */
			unsigned size = 1u << ((op - 0x08) / 2);
			uint64_t v = 0;
			if ((size_t)(c.end - c.p) < size || n == UW_EXPR_STACK)
				return uw_fail(d, "bad DWARF constant");
			memcpy(&v, c.p, size);
			c.p += size;
			if ((op & 1) && size < 8 && (v >> (size * 8 - 1)) & 1)
				v |= ~(uint64_t)0 << (size * 8);
			st[n++] = v;
			continue;
		}
		case 0x10: /* DW_OP_constu */
		case 0x11: /* DW_OP_consts */
			if (n == UW_EXPR_STACK || (op == 0x10 ? !uw_uleb(&c, &u) : !uw_sleb(&c, (int64_t *)&u)))
				return uw_fail(d, "bad DWARF constant");
			st[n++] = u;
			continue;
		case 0x96: /* DW_OP_nop */
			continue;
		case 0x12: /* DW_OP_dup */
			if (!n || n == UW_EXPR_STACK)
				return uw_fail(d, "bad DWARF expression stack");
			st[n] = st[n - 1];
			n++;
			continue;
		case 0x06: /* DW_OP_deref */
			if (!n)
				return uw_fail(d, "bad DWARF expression stack");
			if (!stack_read(stk, st[n - 1], &st[n - 1], d))
				return false;
			continue;
		case 0x23: /* DW_OP_plus_uconst */
			if (!n || !uw_uleb(&c, &u))
				return uw_fail(d, "bad DW_OP_plus_uconst");
			st[n - 1] += u;
			continue;
		}
		if (n < 2)
			return uw_fail(d, "DWARF expression op %#x unsupported or stack underflow", op);
		b = st[--n];
		a = st[n - 1];
		switch (op) {
		case 0x1a: a &= b; break;                             /* DW_OP_and */
		case 0x1c: a -= b; break;                             /* DW_OP_minus */
		case 0x1e: a *= b; break;                             /* DW_OP_mul */
		case 0x21: a |= b; break;                             /* DW_OP_or */
		case 0x22: a += b; break;                             /* DW_OP_plus */
		case 0x24: a = b < 64 ? a << b : 0; break;            /* DW_OP_shl */
		case 0x25: a = b < 64 ? a >> b : 0; break;            /* DW_OP_shr */
		case 0x27: a ^= b; break;                             /* DW_OP_xor */
		default:
			return uw_fail(d, "DWARF expression op %#x unsupported", op);
		}
		st[n - 1] = a;
	}
	if (!n)
		return uw_fail(d, "DWARF expression left no value");
	*out = st[n - 1];
	return true;
}

bool uw_cfa(const struct uw_row *row, const struct uw_stack *stk, const struct unwind_regs *in, uint64_t *cfa,
	    struct uw_diag *d)
{
	if (row->cfa_is_expr)
		return eval(row->cfa_expr, row->cfa_expr_len, in, stk, false, 0, cfa, d);
	if (row->cfa_reg >= DW_RIP)
		return uw_fail(d, "no CFA rule");
	*cfa = in->r[row->cfa_reg] + (uint64_t)row->cfa_off;
	return true;
}

enum uw_step uw_step(const struct uw_row *row, unsigned ra_reg, const struct uw_stack *stk,
		     const struct unwind_regs *in, struct unwind_regs *out, struct uw_diag *d)
{
	uint64_t cfa;
	if (!uw_cfa(row, stk, in, &cfa, d))
		return UW_STEP_BAD_CFI;
	if ((stk->lo || stk->hi) && (cfa < stk->lo || cfa >= stk->hi))
		return uw_fail(d, "CFA %#lx outside the stack [%#lx, %#lx)", (unsigned long)cfa,
			       (unsigned long)stk->lo, (unsigned long)stk->hi), UW_STEP_BAD_STACK;
	/* The caller's frame is above the callee's: a CFA that does not move up is a loop. */
	if (cfa <= in->r[DW_RSP])
		return uw_fail(d, "CFA %#lx not above sp %#lx", (unsigned long)cfa, (unsigned long)in->r[DW_RSP]),
		       UW_STEP_BAD_STACK;
	for (unsigned i = 0; i < DW_NREGS; i++) {
		const struct uw_rule *r = &row->reg[i];
		uint64_t v = in->r[i];
		switch (r->kind) {
		case UW_SAME: break;
		case UW_UNDEF: v = 0; break;
		case UW_VAL_OFFSET: v = cfa + (uint64_t)r->off; break;
		case UW_REGISTER: v = in->r[r->reg]; break;
		case UW_OFFSET:
			if (!stack_read(stk, cfa + (uint64_t)r->off, &v, d))
				return UW_STEP_BAD_STACK;
			break;
		case UW_EXPR:
		case UW_VAL_EXPR:
			if (!eval((const uint8_t *)(uintptr_t)r->off, r->len, in, stk, true, cfa, &v, d))
				return UW_STEP_BAD_CFI;
			if (r->kind == UW_EXPR && !stack_read(stk, v, &v, d))
				return UW_STEP_BAD_STACK;
			break;
		}
		out->r[i] = v;
	}
	if (row->reg[ra_reg].kind == UW_UNDEF)
		return uw_fail(d, "return address undefined: the outermost frame"), UW_STEP_OUTERMOST;
	out->r[DW_RIP] = out->r[ra_reg];
	out->r[DW_RSP] = cfa;
	return UW_STEP_OK;
}
