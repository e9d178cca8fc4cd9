/* The LSDA (.gcc_except_table) of a frame: its header and call-site table,
 * read to find the landing pad covering a pc. C has no catch clauses, so
 * every landing pad is a cleanup and the action table is never read. The
 * unwinder (unwind.c) asks here before stepping each frame. */
#include "klib.h"
#include "uw.h"

/* The nano_core's own tables are trusted and have no recorded size. */
#define UW_LSDA_TRUSTED_MAX (1u << 20)

/* The bytes the LSDA may occupy: inside one of its table's LSDA ranges
 * (the cell's .gcc_except_table sections). */
static bool lsda_bounds(const struct unwind_fde *fde, const struct uw_source *src, struct uw_cursor *c,
			struct uw_diag *d)
{
	const uint8_t *p = (const uint8_t *)fde->lsda;
	const struct unwind_table *t = src->table;
	if (!t || t->trusted) {
		*c = (struct uw_cursor){ p, p + UW_LSDA_TRUSTED_MAX };
		return true;
	}
	for (size_t i = 0; i < t->n_lsda; i++)
		if (fde->lsda >= t->lsda[i].lo && fde->lsda < t->lsda[i].hi) {
			*c = (struct uw_cursor){ p, (const uint8_t *)t->lsda[i].hi };
			return true;
		}
	return uw_fail(d, "LSDA %#lx outside %s's .gcc_except_table", (unsigned long)fde->lsda, t->owner);
}

static bool pad_in_cell(const struct uw_source *src, uintptr_t pad)
{
	const struct unwind_table *t = src->table;
	return !t || t->trusted || (pad >= t->text.lo && pad < t->text.hi);
}

/* A call-site record holds three offsets and an action: at least 4 bytes. */
#define UW_MIN_CALL_SITE 4

bool uw_landing_pad(const struct unwind_fde *fde, const struct uw_source *src, uintptr_t pc, uintptr_t *pad,
		    unsigned *max_pads, struct uw_diag *d)
{
	struct uw_cursor c;
	uint8_t lp_enc, tt_enc, cs_enc;
	uint64_t lpstart = fde->pc_begin, u;
	*pad = 0;
	*max_pads = 0;
	if (!lsda_bounds(fde, src, &c, d))
		return false;
	if (!uw_u8(&c, &lp_enc) || !uw_encoding_ok(lp_enc, true, false) ||
	    (lp_enc != DW_EH_PE_omit && !uw_encoded(&c, lp_enc, &lpstart)))
		return uw_fail(d, "bad LSDA landing-pad base (encoding %#x)", lp_enc);
	if (!uw_u8(&c, &tt_enc) || (tt_enc != DW_EH_PE_omit && !uw_uleb(&c, &u)))
		return uw_fail(d, "truncated LSDA type table offset");
	/* Call-site fields are offsets: only plain value encodings make sense. */
	if (!uw_u8(&c, &cs_enc) || !uw_encoding_ok(cs_enc, false, false) || (cs_enc & 0x70))
		return uw_fail(d, "bad LSDA call-site encoding %#x", cs_enc);
	if (!uw_uleb(&c, &u) || u > (uint64_t)(c.end - c.p))
		return uw_fail(d, "LSDA call-site table overruns its section");
	struct uw_cursor t = { c.p, c.p + u };
	*max_pads = (unsigned)MIN(u / UW_MIN_CALL_SITE, (uint64_t)UINT32_MAX);
	while (t.p < t.end) {
		uint64_t start, len, lp, action;
		if (!uw_encoded(&t, cs_enc, &start) || !uw_encoded(&t, cs_enc, &len) ||
		    !uw_encoded(&t, cs_enc, &lp) || !uw_uleb(&t, &action))
			return uw_fail(d, "truncated LSDA call-site record");
		if (pc < fde->pc_begin + start)
			break; /* sorted: nothing further covers pc */
		if (pc - (fde->pc_begin + start) < len) {
			if (lp && !pad_in_cell(src, lpstart + lp))
				return uw_fail(d, "landing pad %#lx outside %s's text", (unsigned long)(lpstart + lp),
					       src->table->owner);
			*pad = lp ? lpstart + lp : 0;
			return true;
		}
	}
	return true;
}
