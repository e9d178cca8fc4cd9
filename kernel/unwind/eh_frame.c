/* Finding and parsing unwind records: bounded readers, CIE and FDE
 * parsing, the registry of unwind tables and the FDE lookup for a pc in
 * it, and whole-section validation for the loader.
 * The unwinder (unwind.c) asks here first, then runs the FDE's program
 * (cfa.c). Every read stays inside the section it parses. */
#include "klib.h"
#include "panic.h"
#include "spinlock.h"
#include "uw.h"

bool uw_fail(struct uw_diag *d, const char *fmt, ...)
{
	if (d && d->buf && d->cap) {
		va_list ap;
		va_start(ap, fmt);
		kvsnprintf(d->buf, d->cap, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* --- bounded readers ------------------------------------------------------- */
static bool read_bytes(struct uw_cursor *c, void *out, size_t n)
{
	if (c->p > c->end || (size_t)(c->end - c->p) < n)
		return false;
	memcpy(out, c->p, n);
	c->p += n;
	return true;
}

bool uw_u8(struct uw_cursor *c, uint8_t *out) { return read_bytes(c, out, 1); }

bool uw_skip(struct uw_cursor *c, uint64_t n)
{
	if (c->p > c->end || (uint64_t)(c->end - c->p) < n)
		return false;
	c->p += n;
	return true;
}

bool uw_uleb(struct uw_cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b;
		if (shift >= 64 || !uw_u8(c, &b))
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	*out = v;
	return true;
}

bool uw_sleb(struct uw_cursor *c, int64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		if (shift >= 64 || !uw_u8(c, &b))
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	*out = (int64_t)v;
	return true;
}

bool uw_encoding_ok(uint8_t enc, bool may_omit, bool may_indirect)
{
	if (enc == DW_EH_PE_omit)
		return may_omit;
	if ((enc & DW_EH_PE_indirect) && !may_indirect)
		return false;
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: case DW_EH_PE_uleb128: case DW_EH_PE_udata2: case DW_EH_PE_udata4:
	case DW_EH_PE_udata8: case DW_EH_PE_sleb128: case DW_EH_PE_sdata2: case DW_EH_PE_sdata4:
	case DW_EH_PE_sdata8:
		break;
	default:
		return false;
	}
	/* textrel, datarel, funcrel and aligned need bases gcc never uses on x86_64. */
	return (enc & 0x70) == 0 || (enc & 0x70) == DW_EH_PE_pcrel;
}

bool uw_encoded(struct uw_cursor *c, uint8_t enc, uint64_t *out)
{
	if (!uw_encoding_ok(enc, false, true))
		return false;
	const uint8_t *field = c->p;
	uint64_t v;
	uint16_t u16;
	uint32_t u32;
	int64_t s;
	bool ok;
	switch (enc & 0x0f) {
	case DW_EH_PE_uleb128: ok = uw_uleb(c, &v); break;
	case DW_EH_PE_sleb128: ok = uw_sleb(c, &s); v = (uint64_t)s; break;
	case DW_EH_PE_udata2: ok = read_bytes(c, &u16, 2); v = u16; break;
	case DW_EH_PE_sdata2: ok = read_bytes(c, &u16, 2); v = (uint64_t)(int64_t)(int16_t)u16; break;
	case DW_EH_PE_udata4: ok = read_bytes(c, &u32, 4); v = u32; break;
	case DW_EH_PE_sdata4: ok = read_bytes(c, &u32, 4); v = (uint64_t)(int64_t)(int32_t)u32; break;
	default: ok = read_bytes(c, &v, 8); break; /* absptr, udata8, sdata8 */
	}
	if (!ok)
		return false;
	if ((enc & 0x70) == DW_EH_PE_pcrel)
		v += (uintptr_t)field;
	*out = v;
	return true;
}

/* --- records ----------------------------------------------------------------- */
/* One CIE or FDE: [length][id][body...], or the zero terminator. */
struct uw_record {
	const uint8_t *id;  /* the CIE id (0) or, in an FDE, the distance back to its CIE */
	uint32_t id_value;
	struct uw_cursor body; /* after the id, to the record's end */
	bool terminator;
};

static bool read_record(const struct uw_source *src, const uint8_t *p, struct uw_record *r, struct uw_diag *d)
{
	struct uw_cursor c = { p, src->end };
	uint32_t len32;
	uint64_t len;
	*r = (struct uw_record){ 0 };
	if (!read_bytes(&c, &len32, 4))
		return uw_fail(d, "truncated record length");
	len = len32;
	if (len32 == 0) {
		r->terminator = true;
		return true;
	}
	if (len32 == 0xffffffffu && !read_bytes(&c, &len, 8))
		return uw_fail(d, "truncated 64-bit record length");
	if (len < 4 || len > (uint64_t)(src->end - c.p))
		return uw_fail(d, "record length %#lx overruns the section", (unsigned long)len);
	const uint8_t *end = c.p + len;
	r->id = c.p;
	memcpy(&r->id_value, c.p, 4);
	r->body = (struct uw_cursor){ c.p + 4, end };
	return true;
}

/* The record after r. */
static const uint8_t *record_end(const struct uw_record *r) { return r->body.end; }

bool uw_parse_cie(const struct uw_source *src, const uint8_t *rec, struct uw_cie *out, struct uw_diag *d)
{
	struct uw_record r;
	if (!read_record(src, rec, &r, d))
		return false;
	if (r.terminator || r.id_value != 0)
		return uw_fail(d, "CIE pointer does not lead to a CIE");
	struct uw_cursor c = r.body;
	uint8_t version;
	if (!uw_u8(&c, &version))
		return uw_fail(d, "truncated CIE");
	if (version != 1 && version != 3 && version != 4)
		return uw_fail(d, "CIE version %u unsupported", version);
	const char *aug = (const char *)c.p;
	const uint8_t *nul = memchr(c.p, 0, (size_t)(c.end - c.p));
	if (!nul)
		return uw_fail(d, "CIE augmentation string not terminated");
	c.p = nul + 1;
	if (version == 4 && !uw_skip(&c, 2)) /* address and segment sizes */
		return uw_fail(d, "truncated CIE");
	uint64_t ra;
	*out = (struct uw_cie){ .fde_enc = DW_EH_PE_absptr, .lsda_enc = DW_EH_PE_omit };
	if (!uw_uleb(&c, &out->code_align) || !uw_sleb(&c, &out->data_align))
		return uw_fail(d, "truncated CIE alignment factors");
	if (version == 1) {
		uint8_t ra8;
		if (!uw_u8(&c, &ra8))
			return uw_fail(d, "truncated CIE");
		ra = ra8;
	} else if (!uw_uleb(&c, &ra)) {
		return uw_fail(d, "truncated CIE");
	}
	if (ra >= DW_NREGS)
		return uw_fail(d, "CIE return address register %lu unsupported", (unsigned long)ra);
	out->ra_reg = (unsigned)ra;

	struct uw_cursor augdata = { c.p, c.p };
	const char *a = aug;
	if (*a == 'z') {
		uint64_t n;
		if (!uw_uleb(&c, &n) || !uw_skip(&c, n))
			return uw_fail(d, "CIE augmentation data overruns the record");
		augdata = (struct uw_cursor){ c.p - n, c.p };
		out->has_z = true;
		a++;
	}
	for (; *a; a++) {
		uint8_t enc = 0;
		uint64_t ignored;
		if (*a != 'S' && !uw_u8(&augdata, &enc))
			return uw_fail(d, "CIE augmentation data too short for \"%.16s\"", aug);
		switch (*a) {
		case 'R':
			if (!uw_encoding_ok(enc, false, false))
				return uw_fail(d, "bad FDE pointer encoding %#x", enc);
			out->fde_enc = enc;
			break;
		case 'L':
			if (!uw_encoding_ok(enc, true, false))
				return uw_fail(d, "bad LSDA pointer encoding %#x", enc);
			out->lsda_enc = enc;
			break;
		case 'P':
			/* Parsed for its length only: the personality is never called. */
			if (!uw_encoding_ok(enc, false, true) || !uw_encoded(&augdata, enc, &ignored))
				return uw_fail(d, "bad personality pointer (encoding %#x)", enc);
			break;
		case 'S':
			out->signal_frame = true;
			break;
		default:
			return uw_fail(d, "CIE augmentation \"%.16s\" unsupported", aug);
		}
	}
	out->insns = c.p;
	out->end = c.end;
	return true;
}

/* The CIE an FDE record points back to. */
static const uint8_t *cie_of(const struct uw_source *src, const struct uw_record *r, struct uw_diag *d)
{
	if ((uintptr_t)r->id_value > (uintptr_t)(r->id - src->start)) {
		uw_fail(d, "CIE pointer %#x leaves the section", r->id_value);
		return NULL;
	}
	return r->id - r->id_value;
}

static bool parse_fde(const struct uw_record *r, const struct uw_cie *cie, struct unwind_fde *out,
		      struct uw_diag *d)
{
	struct uw_cursor c = r->body;
	uint64_t begin, range;
	if (!uw_encoded(&c, cie->fde_enc, &begin) || !uw_encoded(&c, cie->fde_enc & 0x0f, &range))
		return uw_fail(d, "truncated FDE address range");
	*out = (struct unwind_fde){
		.pc_begin = begin, .pc_end = begin + range,
		.cie_insns = cie->insns, .cie_end = cie->end,
		.code_align = cie->code_align, .data_align = cie->data_align, .ra_reg = cie->ra_reg,
		.signal_frame = cie->signal_frame,
	};
	/* An FDE has augmentation data exactly when its CIE's augmentation starts with 'z'. */
	if (cie->has_z) {
		uint64_t n;
		if (!uw_uleb(&c, &n))
			return uw_fail(d, "truncated FDE augmentation length");
		struct uw_cursor aug = { c.p, c.p };
		if (!uw_skip(&c, n))
			return uw_fail(d, "FDE augmentation data overruns the record");
		aug.end = c.p;
		if (cie->lsda_enc != DW_EH_PE_omit) {
			uint64_t lsda;
			if (!uw_encoded(&aug, cie->lsda_enc, &lsda))
				return uw_fail(d, "truncated FDE LSDA pointer");
			out->lsda = lsda;
		}
	}
	out->fde_insns = c.p;
	out->fde_end = c.end;
	return true;
}

static enum uw_find find_in(const struct uw_source *src, uintptr_t pc, struct unwind_fde *out, struct uw_diag *d)
{
	const uint8_t *cached = NULL;
	struct uw_cie cie;
	for (const uint8_t *p = src->start; p < src->end;) {
		struct uw_record r;
		if (!read_record(src, p, &r, d))
			return UW_MALFORMED;
		if (r.terminator)
			break;
		if (r.id_value != 0) {
			const uint8_t *cie_rec = cie_of(src, &r, d);
			if (!cie_rec)
				return UW_MALFORMED;
			if (cie_rec != cached) {
				if (!uw_parse_cie(src, cie_rec, &cie, d))
					return UW_MALFORMED;
				cached = cie_rec;
			}
			if (!parse_fde(&r, &cie, out, d))
				return UW_MALFORMED;
			if (pc >= out->pc_begin && pc < out->pc_end)
				return UW_FOUND;
		}
		p = record_end(&r);
	}
	return UW_NOT_FOUND;
}

/* --- where to look: the registry of unwind tables ----------------------------
 * A singly linked list published with release stores and walked with
 * acquire loads, so readers need no lock; writers hold tables_lock. A
 * removed table keeps its next link, so a reader standing on it still
 * reaches the rest, and is handed back to its owner only after a grace
 * period (uw_tables_grace). */
static struct unwind_table *tables;
static struct spinlock tables_lock;
struct grace uw_tables_grace;

void unwind_table_add(struct unwind_table *t)
{
	SPIN_GUARD(&tables_lock);
	t->next = tables;
	__atomic_store_n(&tables, t, __ATOMIC_RELEASE);
}

void unwind_table_remove(struct unwind_table *t)
{
	{
		SPIN_GUARD(&tables_lock);
		struct unwind_table **at = &tables;
		while (*at && *at != t)
			at = &(*at)->next;
		if (!*at)
			panic("unwind_table_remove: %s's table is not registered", t->owner ? t->owner : "a");
		__atomic_store_n(at, t->next, __ATOMIC_RELEASE);
	}
	grace_wait(&uw_tables_grace);
}

#define UW_MAX_FOREVER 4
static struct unwind_table forever[UW_MAX_FOREVER];
static size_t n_forever;

bool unwind_register_eh_frame(const void *start, size_t size)
{
	for (size_t i = 0; i < n_forever; i++)
		if (forever[i].eh_frame == start)
			return forever[i].eh_frame_size == size;
	if (n_forever == UW_MAX_FOREVER || !size)
		return false;
	struct unwind_table *t = &forever[n_forever++];
	*t = (struct unwind_table){ .owner = "nano_core", .text = { 0, UINTPTR_MAX }, .eh_frame = start,
				    .eh_frame_size = size, .trusted = true };
	unwind_table_add(t);
	return true;
}

static const struct unwind_table *first_table(void) { return __atomic_load_n(&tables, __ATOMIC_ACQUIRE); }
static const struct unwind_table *next_table(const struct unwind_table *t)
{
	return __atomic_load_n(&t->next, __ATOMIC_ACQUIRE);
}

static void assert_reading(const char *who)
{
	if (!grace_reading(&uw_tables_grace))
		panic("%s: the unwind tables are read only inside a read section of uw_tables_grace", who);
}

const struct unwind_table *uw_table_of(uintptr_t pc)
{
	assert_reading("uw_table_of");
	for (const struct unwind_table *t = first_table(); t; t = next_table(t))
		if (!t->trusted && pc >= t->text.lo && pc < t->text.hi)
			return t;
	return NULL;
}

enum uw_find uw_find_fde(uintptr_t pc, struct unwind_fde *out, struct uw_source *src, struct uw_diag *d)
{
	assert_reading("uw_find_fde");
	for (const struct unwind_table *t = first_table(); t; t = next_table(t)) {
		if (pc < t->text.lo || pc >= t->text.hi)
			continue;
		*src = (struct uw_source){ t->eh_frame, t->eh_frame + t->eh_frame_size, t };
		enum uw_find f = find_in(src, pc, out, d);
		if (f != UW_NOT_FOUND)
			return f;
	}
	return UW_NOT_FOUND;
}

bool unwind_find_fde(uintptr_t pc, struct unwind_fde *out)
{
	struct uw_source src;
	struct uw_diag d = { NULL, 0 };
	GRACE_READ_GUARD(&uw_tables_grace);
	return uw_find_fde(pc, out, &src, &d) == UW_FOUND;
}

/* --- validation ------------------------------------------------------------------ */
static bool check_record(const struct uw_source *src, const uint8_t *p, const struct uw_record *r,
			 struct uw_diag *d)
{
	struct uw_cie cie;
	if (r->id_value == 0)
		return uw_parse_cie(src, p, &cie, d) && uw_cfa_check(&cie, cie.insns, cie.end, d);
	const uint8_t *cie_rec = cie_of(src, r, d);
	if (!cie_rec || !uw_parse_cie(src, cie_rec, &cie, d))
		return false;
	struct unwind_fde fde;
	struct uw_row row;
	if (!parse_fde(r, &cie, &fde, d))
		return false;
	if (fde.pc_end < fde.pc_begin)
		return uw_fail(d, "FDE address range wraps");
	return uw_cfa_row(&fde, 0, true, &row, d);
}

bool unwind_check_eh_frame(const uint8_t *start, size_t size, char *why, size_t cap, size_t *bad_off)
{
	struct uw_source src = { start, start + size, NULL };
	struct uw_diag d = { why, cap };
	if (cap)
		why[0] = '\0';
	*bad_off = 0;
	for (const uint8_t *p = start; p < src.end;) {
		struct uw_record r;
		*bad_off = (size_t)(p - start);
		if (!read_record(&src, p, &r, &d))
			return false;
		if (r.terminator)
			break;
		if (!check_record(&src, p, &r, &d))
			return false;
		p = record_end(&r);
	}
	return true;
}
