/* evolve: the evolution from one build's cells to another's (DESIGN.md §7,
 * docs/evolve.md).
 *   evolve OLD_BUILD NEW_BUILD -o DIR [--replace OLD=NEW]...
 * compares the cells of the two builds by name (build.c) and writes DIR:
 * the new objects and a manifest naming each changed, added and removed
 * cell, with each object's SHA-256. The shell's `evolve DIR` applies it as
 * one swap.
 *   evolve send DIR [-o FILE]
 * streams DIR over a serial line for `evolve --serial` (send.c). */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evolve.h"

#define REPLACE_MAX 64

struct replace {
	const char *old, *new;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: evolve OLD_BUILD NEW_BUILD -o DIR [--replace OLD=NEW]...\n"
		   "       evolve send DIR [-o FILE]\n"
		   "  OLD_BUILD, NEW_BUILD  build directories (their cells/*.o) or directories of cell objects\n"
		   "  -o DIR                the evolution to write: DIR/manifest and the new objects\n"
		   "                        (DIR must not exist or be empty)\n"
		   "  --replace OLD=NEW     cell NEW of the new build replaces cell OLD of the old one\n"
		   "  send DIR              writes the evolution in DIR framed for `evolve --serial`\n"
		   "                        to stdout, or to FILE (a file, a pipe, a pty)\n");
}

/* --- the comparison ---------------------------------------------------------------- */

enum change_kind { CHANGE, ADD, REMOVE };

struct entry {
	enum change_kind kind;
	const struct cell_obj *old, *new;
};

static bool parse_replace(const char *arg, struct replace *r)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1] || strchr(eq + 1, '=')) {
		fprintf(stderr, "evolve: --replace '%s' is not OLD=NEW\n", arg);
		return false;
	}
	r->old = strndup(arg, (size_t)(eq - arg));
	r->new = eq + 1;
	return r->old != NULL;
}

/* Pairs the --replace cells, then the others by name. False after an
 * error line naming the --replace that names no cell. */
static bool compare(struct build *old, struct build *new, const struct replace *rep, size_t n_rep,
		    struct entry *out, size_t *n_out)
{
	size_t n = 0;
	for (size_t i = 0; i < n_rep; i++) {
		struct cell_obj *o = build_find(old, rep[i].old), *nw = build_find(new, rep[i].new);
		if (!o || !nw) {
			fprintf(stderr, "evolve: --replace %s=%s: no cell %s in %s\n", rep[i].old, rep[i].new,
				o ? rep[i].new : rep[i].old, o ? new->dir : old->dir);
			return false;
		}
		if (o->paired || nw->paired) {
			fprintf(stderr, "evolve: --replace %s=%s: %s is already in another --replace\n", rep[i].old,
				rep[i].new, o->paired ? o->name : nw->name);
			return false;
		}
		/* The replaced and replacing cells take no part in the comparison by name. */
		struct cell_obj *twin_new = build_find(new, rep[i].old), *twin_old = build_find(old, rep[i].new);
		o->paired = nw->paired = true;
		if (twin_new)
			twin_new->paired = true;
		if (twin_old)
			twin_old->paired = true;
		out[n++] = (struct entry){ CHANGE, o, nw };
	}
	for (size_t i = 0; i < old->n; i++) {
		struct cell_obj *o = &old->cells[i], *nw = build_find(new, o->name);
		if (o->paired)
			continue;
		if (!nw || nw->paired)
			out[n++] = (struct entry){ REMOVE, o, NULL };
		else if (memcmp(o->load_hash, nw->load_hash, SHA256_SIZE))
			out[n++] = (struct entry){ CHANGE, o, nw };
		if (nw)
			nw->paired = true;
	}
	for (size_t i = 0; i < new->n; i++)
		if (!new->cells[i].paired)
			out[n++] = (struct entry){ ADD, NULL, &new->cells[i] };
	*n_out = n;
	return true;
}

/* --- writing the evolution ------------------------------------------------------------ */

/* DIR is made, or must be an empty directory: objects of an earlier
 * evolution left beside a new manifest would be confusing at best. */
static bool dir_prepare(const char *dir)
{
	if (mkdir(dir, 0777) == 0)
		return true;
	if (errno != EEXIST) {
		fprintf(stderr, "evolve: -o %s: %s\n", dir, strerror(errno));
		return false;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "evolve: -o %s: %s\n", dir, strerror(errno));
		return false;
	}
	struct dirent *ent;
	bool empty = true;
	while (empty && (ent = readdir(d)))
		empty = !strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..");
	closedir(d);
	if (!empty)
		fprintf(stderr, "evolve: -o %s: the directory is not empty\n", dir);
	return empty;
}

static bool write_file(const char *path, const void *bytes, size_t size)
{
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(bytes, 1, size, f) == size;
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "evolve: %s: %s\n", path, strerror(errno));
	return ok;
}

/* The objects first, the manifest last: a DIR with a manifest is whole. */
static bool write_evolution(const char *dir, const struct build *old, const struct build *new,
			    const struct entry *e, size_t n)
{
	char path[4096], hex[SHA256_HEX_SIZE];
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == REMOVE)
			continue;
		snprintf(path, sizeof path, "%s/%s.o", dir, e[i].new->name);
		if (!write_file(path, e[i].new->bytes, e[i].new->size))
			return false;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	if (!m)
		return false;
	fprintf(m, EVOLVE_MANIFEST_HEADER "\n# from %s\n# to %s\n", old->dir, new->dir);
	for (size_t i = 0; i < n; i++) {
		const struct cell_obj *c = e[i].kind == REMOVE ? e[i].old : e[i].new;
		sha256_to_hex(c->file_hash, hex);
		if (e[i].kind == CHANGE)
			fprintf(m, "change %s %s %s.o %s\n", e[i].old->name, c->name, c->name, hex);
		else if (e[i].kind == ADD)
			fprintf(m, "add %s %s.o %s\n", c->name, c->name, hex);
		else
			fprintf(m, "remove %s\n", c->name);
	}
	fclose(m);
	snprintf(path, sizeof path, "%s/" EVOLVE_MANIFEST, dir);
	bool ok = write_file(path, text, len);
	free(text);
	return ok;
}

static void print_summary(const char *dir, const struct entry *e, size_t n)
{
	static const char *const kind[] = { "change", "add", "remove" };
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == CHANGE && strcmp(e[i].old->name, e[i].new->name))
			printf("%-7s %s -> %s (%zu bytes)\n", kind[e[i].kind], e[i].old->name, e[i].new->name,
			       e[i].new->size);
		else if (e[i].kind == REMOVE)
			printf("%-7s %s\n", kind[e[i].kind], e[i].old->name);
		else
			printf("%-7s %s (%zu bytes)\n", kind[e[i].kind], e[i].new->name, e[i].new->size);
	}
	printf("evolve: %zu change(s) written to %s\n", n, dir);
}

static int evolve_make(const char *old_dir, const char *new_dir, const char *out, const struct replace *rep,
		       size_t n_rep)
{
	struct build old, new;
	bool ok = build_read(old_dir, &old);
	ok = build_read(new_dir, &new) && ok;
	struct entry *e = ok ? calloc(old.n + new.n + 1, sizeof *e) : NULL;
	size_t n = 0;
	ok = e && compare(&old, &new, rep, n_rep, e, &n) && dir_prepare(out) &&
	     write_evolution(out, &old, &new, e, n);
	if (ok)
		print_summary(out, e, n);
	free(e);
	build_free(&old);
	build_free(&new);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "evolve: libelf is too old\n");
		return 2;
	}
	if (argc > 1 && !strcmp(argv[1], "send"))
		return evolve_send(argc - 1, argv + 1);
	const char *dirs[2] = { 0 }, *out = NULL;
	struct replace rep[REPLACE_MAX];
	size_t n_dirs = 0, n_rep = 0;
	int status = 2;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			status = 0;
			goto done;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--replace") && i + 1 < argc) {
			if (n_rep == REPLACE_MAX || !parse_replace(argv[++i], &rep[n_rep]))
				goto done;
			n_rep++;
		} else if (argv[i][0] != '-' && n_dirs < 2) {
			dirs[n_dirs++] = argv[i];
		} else {
			fprintf(stderr, "evolve: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			goto done;
		}
	}
	if (n_dirs != 2 || !out) {
		usage(stderr);
		goto done;
	}
	status = evolve_make(dirs[0], dirs[1], out, rep, n_rep);
done:
	for (size_t i = 0; i < n_rep; i++)
		free((char *)rep[i].old);
	return status;
}
