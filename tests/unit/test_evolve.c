/* Evolutions (evolve.h, docs/evolve.md): the manifest parser refuses every
 * defect naming its line; the serial framing is decoded from a byte source
 * (good, damaged, cut, silent, and the rest of a refused transfer read and
 * dropped up to its end line); evolve_apply checks every hash before one
 * swap, skips steps whose cell is not loaded, and a refusal changes nothing. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "cell_support.h"
#include "evolve.h"
#include "heap.h"
#include "tboot.h"

/* --- the manifest ----------------------------------------------------------------- */

static const char *const H = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static struct evolve_plan plan;

static err_t parse(const char *text, struct evolve_why *why)
{
	memset(why, 0, sizeof *why);
	return evolve_parse(text, strlen(text), &plan, why);
}

START_TEST(test_manifest_steps_in_order)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "# made by tools/evolve\ntheseus-evolution 1\n\nchange a a_v2 a_v2.o %s\r\n"
		 "add b b.o %s\n# a comment\n  remove   c  \nchange d d d.o %s", H, H, H);
	struct evolve_why why;
	ck_assert_int_eq(parse(text, &why), E_OK);
	ck_assert_uint_eq(plan.n, 4);
	ck_assert_int_eq(plan.steps[0].op, EVOLVE_CHANGE);
	ck_assert_str_eq(plan.steps[0].old, "a");
	ck_assert_str_eq(plan.steps[0].new, "a_v2");
	ck_assert_str_eq(plan.steps[0].file, "a_v2.o");
	ck_assert_uint_eq(plan.steps[0].line, 4);
	ck_assert_uint_eq(plan.steps[0].sha256[0], 0x01);
	ck_assert_uint_eq(plan.steps[0].sha256[31], 0xef);
	ck_assert_int_eq(plan.steps[1].op, EVOLVE_ADD);
	ck_assert_str_eq(plan.steps[1].new, "b");
	ck_assert_int_eq(plan.steps[2].op, EVOLVE_REMOVE);
	ck_assert_str_eq(plan.steps[2].old, "c");
	ck_assert_uint_eq(plan.steps[2].line, 7);
	ck_assert_str_eq(plan.steps[3].file, "d.o"); /* the last line needs no line end */
}
END_TEST

/* Each defect, and the message that names it with its line. */
static const struct {
	const char *text, *why;
} bad_manifests[] = {
	{ "", "manifest line 1: empty: no 'theseus-evolution 1' line" },
	{ "theseus-evolution 2\n", "manifest line 1: version '2' is not supported (this kernel reads version 1)" },
	{ "hello\nremove a\n", "manifest line 1: not an evolution manifest" },
	{ "theseus-evolution 1\nremove a\nchnage a b b.o H\n", "manifest line 3: unknown step (change, add or remove) 'chnage'" },
	{ "theseus-evolution 1\nremove a b\n", "manifest line 2: 'remove' takes 1 words, not 2" },
	{ "theseus-evolution 1\nadd b b.o\n", "manifest line 2: 'add' takes 3 words, not 2" },
	{ "theseus-evolution 1\nadd b ../b.o H\n", "manifest line 2: not a plain file name '../b.o'" },
	{ "theseus-evolution 1\nadd b manifest H\n", "manifest line 2: not a plain file name 'manifest'" },
	{ "theseus-evolution 1\nadd 9b b.o H\n", "manifest line 2: not a cell name '9b'" },
	{ "theseus-evolution 1\nadd b b.o 0123\n", "manifest line 2: not a SHA-256 (64 hex digits) '0123'" },
	{ "theseus-evolution 1\nremove a\nchange a b b.o H\n", "manifest line 3: a is named on line 2 already" },
	{ "theseus-evolution 1\nadd b b.o H\nadd c b.o H\n", "manifest line 3: b.o is named on line 2 already" },
};

START_TEST(test_manifest_defects_are_refused_naming_the_line)
{
	for (size_t i = 0; i < sizeof bad_manifests / sizeof bad_manifests[0]; i++) {
		char text[512], *out = text;
		for (const char *src = bad_manifests[i].text; *src; src++) {
			if (*src == 'H' && src > bad_manifests[i].text && src[-1] == ' ') { /* a well-formed hash */
				strcpy(out, H);
				out += strlen(H);
			} else {
				*out++ = *src;
			}
		}
		*out = '\0';
		struct evolve_why why;
		ck_assert_int_eq(parse(text, &why), E_INVAL);
		ck_assert_msg(strstr(why.text, bad_manifests[i].why), "case %zu: got '%s', want '%s'", i, why.text,
			      bad_manifests[i].why);
	}
	struct evolve_why why;
	ck_assert_int_eq(evolve_parse("theseus-evolution 1\nremove a\0\n", 30, &plan, &why), E_INVAL);
	ck_assert_str_eq(why.text, "manifest line 2: a NUL byte: the manifest is not text");
}
END_TEST

/* --- the serial framing, from memory ----------------------------------------------------- */

struct source {
	const char *bytes;
	size_t len, pos;
	bool quiet_at_end; /* the line stays open: EVOLVE_RX_QUIET, not EOF */
};

static int source_getc(void *ctx, uint64_t quiet_ns)
{
	(void)quiet_ns;
	struct source *s = ctx;
	if (s->pos < s->len)
		return (unsigned char)s->bytes[s->pos++];
	return s->quiet_at_end ? EVOLVE_RX_QUIET : EVOLVE_RX_EOF;
}

static void line_out(char **p, const char *text)
{
	uint8_t d[SHA256_SIZE];
	sha256(text, strlen(text), d);
	*p += sprintf(*p, "%s %02x%02x%02x%02x\n", text, d[0], d[1], d[2], d[3]);
}

/* The framing of tools/evolve send, written again from docs/evolve.md. */
static char *frame(const char *const *names, const char *const *contents, size_t n, size_t per_line)
{
	char *out = malloc(65536), *p = out, line[512], hex[SHA256_HEX_SIZE];
	sprintf(line, "theseus-evolution-transfer 1 %zu", n);
	line_out(&p, line);
	for (size_t i = 0; i < n; i++) {
		uint8_t d[SHA256_SIZE];
		size_t len = strlen(contents[i]);
		sha256(contents[i], len, d);
		sha256_to_hex(d, hex);
		sprintf(line, "file %s %zu %s", names[i], len, hex);
		line_out(&p, line);
		for (size_t off = 0; off < len; off += per_line) {
			int k = sprintf(line, "data %zu ", off);
			for (size_t j = off; j < len && j < off + per_line; j++)
				k += sprintf(line + k, "%02x", (unsigned char)contents[i][j]);
			line_out(&p, line);
		}
	}
	sprintf(line, "end %zu", n);
	line_out(&p, line);
	return out;
}

static const char *const names[] = { "manifest", "x.o" };
static const char *const contents[] = { "theseus-evolution 1\nadd x x.o 00\n", "the bytes of an object, 39 of them." };

static err_t receive(struct source *s, struct evolution *ev, struct evolve_why *why)
{
	memset(ev, 0, sizeof *ev);
	memset(why, 0, sizeof *why);
	return evolve_receive(source_getc, s, ev, 1000000000ull, why);
}

START_TEST(test_transfer_received_whole)
{
	char *t = frame(names, contents, 2, 5);
	size_t len = strlen(t);
	char *with_tail = malloc(len + 32);
	sprintf(with_tail, "\r\n%sls\n", t); /* a line end before, a command after */
	struct source s = { with_tail, strlen(with_tail), 0, false };
	struct evolution ev;
	struct evolve_why why;
	ck_assert_int_eq(receive(&s, &ev, &why), E_OK);
	ck_assert_uint_eq(ev.n, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct evolve_file *f = evolution_file(&ev, names[i]);
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->size, strlen(contents[i]));
		ck_assert_mem_eq(f->bytes, contents[i], f->size);
	}
	ck_assert_str_eq(with_tail + s.pos, "ls\n"); /* nothing read past the end line */
	evolution_release(&ev);
	free(with_tail);
	free(t);
}
END_TEST

/* Damage: byte at (the n-th occurrence of needle) + delta replaced by c. */
static char *damaged(const char *t, const char *needle, int nth, size_t delta, char c)
{
	char *d = strdup(t), *at = d;
	for (int i = 0; i <= nth; i++)
		at = strstr(at + (i ? 1 : 0), needle);
	ck_assert_ptr_nonnull(at);
	at[delta] = c;
	return d;
}

START_TEST(test_transfer_refusals_drop_the_rest_up_to_the_end_line)
{
	char *t = frame(names, contents, 2, 8);
	static const struct {
		const char *needle;
		int nth;
		size_t delta;
		char c;
		err_t err;
		const char *why;
	} cases[] = {
		{ "data 8 ", 1, 8, 'f', E_CHECKSUM, "checksum mismatch" },      /* x.o's second line */
		{ "theseus-evolution-transfer", 0, 0, 'T', E_CHECKSUM, "transfer line 1: checksum mismatch" },
		{ "\ndata 8 ", 0, 1, 'X', E_CHECKSUM, "checksum mismatch" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *d = damaged(t, cases[i].needle, cases[i].nth, cases[i].delta, cases[i].c);
		size_t len = strlen(d);
		char *with_tail = malloc(len + 8);
		sprintf(with_tail, "%sls\n", d);
		struct source s = { with_tail, strlen(with_tail), 0, false };
		struct evolution ev;
		struct evolve_why why;
		ck_assert_int_eq(receive(&s, &ev, &why), cases[i].err);
		ck_assert_msg(strstr(why.text, cases[i].why), "case %zu: '%s'", i, why.text);
		ck_assert_str_eq(with_tail + s.pos, "ls\n"); /* dropped up to the end line, no further */
		evolution_release(&ev);
		free(with_tail);
		free(d);
	}
	free(t);
}
END_TEST

/* A frame whose lines are intact but whose file is not what its file line
 * announced; a lost line; a cut transfer; a silent line. */
START_TEST(test_transfer_wrong_hash_lost_line_cut_and_silence)
{
	char *t = frame(names, contents, 2, 8);
	struct evolution ev;
	struct evolve_why why;

	const char *other[] = { contents[0], "THE bytes of an object, 39 of them." };
	char *t2 = frame(names, other, 2, 8);
	/* x.o's file line from t (the hash of contents[1]) with t2's data lines */
	char *x_t = strstr(t, "file x.o"), *x_t2 = strstr(t2, "file x.o");
	char *mixed = malloc(strlen(t2) + 1);
	size_t head = (size_t)(strchr(x_t, '\n') + 1 - t);
	memcpy(mixed, t, head);
	strcpy(mixed + head, strchr(x_t2, '\n') + 1);
	struct source s = { mixed, strlen(mixed), 0, false };
	ck_assert_int_eq(receive(&s, &ev, &why), E_CHECKSUM);
	ck_assert_str_eq(why.text, "transfer line 13: file x.o: the SHA-256 of its 35 bytes is not the one announced");
	evolution_release(&ev);

	char *lost = strdup(t), *l = strstr(lost, "data 8 "), *next = strchr(l, '\n') + 1;
	memmove(l, next, strlen(next) + 1);
	s = (struct source){ lost, strlen(lost), 0, false };
	ck_assert_int_eq(receive(&s, &ev, &why), E_INVAL);
	ck_assert_msg(strstr(why.text, "file manifest: data at offset 16, expected 8 (a line was lost)"), "%s", why.text);
	evolution_release(&ev);

	s = (struct source){ t, strlen(t) / 2, 0, false };
	ck_assert_int_eq(receive(&s, &ev, &why), E_INVAL);
	ck_assert_msg(strstr(why.text, "the input ended before the transfer's end line"), "%s", why.text);
	evolution_release(&ev);

	s = (struct source){ t, strlen(t) / 2, 0, true };
	ck_assert_int_eq(receive(&s, &ev, &why), E_TIMEOUT);
	ck_assert_msg(strstr(why.text, "nothing received for 1000 ms"), "%s", why.text);
	evolution_release(&ev);

	free(lost);
	free(mixed);
	free(t2);
	free(t);
}
END_TEST

/* --- applying -------------------------------------------------------------------------- */

/* An evolution in memory: the manifest and copies of boot images. */
static void add_file(struct evolution *ev, const char *name, const void *bytes, size_t size)
{
	struct evolve_file *f = &ev->files[ev->n++];
	strcpy(f->name, name);
	f->bytes = kmalloc(size ? size : 1);
	ck_assert_ptr_nonnull(f->bytes);
	memcpy(f->bytes, bytes, size);
	f->size = size;
}

static void add_image(struct evolution *ev, char *manifest, const char *old, const char *image)
{
	const struct cell_image *img = cell_image_find(image);
	ck_assert_ptr_nonnull(img);
	uint8_t d[SHA256_SIZE];
	char hex[SHA256_HEX_SIZE], file[64];
	sha256(img->addr, img->size, d);
	sha256_to_hex(d, hex);
	snprintf(file, sizeof file, "%s.o", image);
	if (old)
		sprintf(manifest + strlen(manifest), "change %s %s %s %s\n", old, image, file, hex);
	else
		sprintf(manifest + strlen(manifest), "add %s %s %s\n", image, file, hex);
	add_file(ev, file, img->addr, img->size);
}

static int call_int(const char *sym, int arg) { return ((int (*)(int))sym_addr(sym))(arg); }

/* Puts the manifest text in as the evolution's first file. */
static void set_manifest(struct evolution *ev, const char *manifest)
{
	strcpy(ev->files[0].name, EVOLVE_MANIFEST);
	kfree(ev->files[0].bytes);
	ev->files[0].bytes = kmalloc(strlen(manifest));
	ck_assert_ptr_nonnull(ev->files[0].bytes);
	memcpy(ev->files[0].bytes, manifest, strlen(manifest));
	ev->files[0].size = strlen(manifest);
}

static err_t apply(struct evolution *ev, bool *swapped, struct evolve_why *why)
{
	static struct swap_result res;
	memset(why, 0, sizeof *why);
	return evolve_apply(ns_root(), ev, 0, &plan, &res, swapped, why);
}

START_TEST(test_apply_checks_hashes_then_swaps_once)
{
	load("swap_lib");
	load("swap_user");
	load("chain_c");
	ck_assert_int_eq(call_int("swap_user_direct", 5), 6);
	struct evolution ev = { .n = 1 };
	char manifest[2048] = "theseus-evolution 1\n";
	add_image(&ev, manifest, "swap_lib", "swap_lib_v2");
	add_image(&ev, manifest, NULL, "hello");
	strcat(manifest, "remove chain_c\nremove chain_a\n"); /* chain_a is not loaded: skipped */
	set_manifest(&ev, manifest);
	struct world before = world_now();
	size_t cells_before = count_cells();

	/* One byte of an object changed: refused, nothing changed. */
	((char *)ev.files[1].bytes)[200] ^= 1;
	bool swapped = true;
	struct evolve_why why;
	ck_assert_int_eq(apply(&ev, &swapped, &why), E_CHECKSUM);
	ck_assert(!swapped);
	ck_assert_msg(strstr(why.text, "swap_lib_v2.o: SHA-256 ") && strstr(why.text, "the manifest (line 2) says"),
		      "%s", why.text);
	ck_assert_int_eq(call_int("swap_user_direct", 5), 6);
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "chain_c"));
	ck_assert_uint_eq(count_cells(), cells_before);
	assert_world_is(before, "after a refused evolution");

	/* A file the manifest does not name: refused too. */
	((char *)ev.files[1].bytes)[200] ^= 1;
	add_file(&ev, "stray.o", "x", 1);
	ck_assert_int_eq(apply(&ev, &swapped, &why), E_INVAL);
	ck_assert_str_eq(why.text, "stray.o came with the evolution but the manifest does not name it");
	kfree(ev.files[--ev.n].bytes);
	assert_world_is(before, "after a refused evolution");

	ck_assert_int_eq(apply(&ev, &swapped, &why), E_OK);
	ck_assert(swapped);
	ck_assert_uint_eq(plan.n, 4);
	ck_assert(!plan.steps[0].skipped && !plan.steps[1].skipped && !plan.steps[2].skipped);
	ck_assert(plan.steps[3].skipped);
	ck_assert_int_eq(call_int("swap_user_direct", 5), 10);
	ck_assert_ptr_null(ns_find_cell(ns_root(), "swap_lib"));
	ck_assert_ptr_null(ns_find_cell(ns_root(), "chain_c"));
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "hello"));
	ck_assert_ptr_nonnull(ns_find_cell(ns_root(), "swap_lib_v2"));
	evolution_release(&ev);
}
END_TEST

START_TEST(test_apply_with_nothing_loaded_swaps_nothing)
{
	struct evolution ev = { .n = 1 };
	char manifest[1024] = "theseus-evolution 1\n";
	add_image(&ev, manifest, "swap_lib", "swap_lib_v2");
	set_manifest(&ev, manifest);
	size_t cells_before = count_cells();
	bool swapped = true;
	struct evolve_why why;
	ck_assert_int_eq(apply(&ev, &swapped, &why), E_OK);
	ck_assert(!swapped);
	ck_assert(plan.steps[0].skipped);
	ck_assert_uint_eq(count_cells(), cells_before);
	evolution_release(&ev);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evolve");
	TCase *pure = tcase_create("manifest and framing");
	tcase_add_checked_fixture(pure, tboot_setup, tboot_teardown);
	tcase_add_test(pure, test_manifest_steps_in_order);
	tcase_add_test(pure, test_manifest_defects_are_refused_naming_the_line);
	tcase_add_test(pure, test_transfer_received_whole);
	tcase_add_test(pure, test_transfer_refusals_drop_the_rest_up_to_the_end_line);
	tcase_add_test(pure, test_transfer_wrong_hash_lost_line_cut_and_silence);
	suite_add_tcase(s, pure);
	TCase *cells = tcase_create("apply");
	tcase_set_timeout(cells, 120); /* swaps check the retired cells: seconds under valgrind */
	tcase_add_checked_fixture(cells, tboot_setup_cells, tboot_teardown_cells);
	tcase_add_test(cells, test_apply_checks_hashes_then_swaps_once);
	tcase_add_test(cells, test_apply_with_nothing_loaded_swaps_nothing);
	suite_add_tcase(s, cells);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
