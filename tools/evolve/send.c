/* evolve send DIR [-o FILE]: an evolution written by `evolve ... -o DIR`,
 * framed for a serial line (docs/evolve.md, "The serial transfer"): the
 * manifest, then each object it names, in lines of text, each line ending
 * with its own checksum and each file announced with its size and SHA-256,
 * then an end line. The kernel side is kernel/swap/evolve_rx.c. Every
 * object's hash is checked against the manifest here first, so a broken
 * evolution is refused before anything is sent. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evolve.h"

#define FILES_MAX 64

struct sent_file {
	char name[64];
	unsigned char *bytes;
	size_t size;
};

/* Writes text and its checksum: the first 4 bytes of the SHA-256 of text. */
static void put_line(FILE *f, const char *text)
{
	uint8_t d[SHA256_SIZE];
	sha256(text, strlen(text), d);
	fprintf(f, "%s %02x%02x%02x%02x\n", text, d[0], d[1], d[2], d[3]);
}

static void put_file(FILE *f, const struct sent_file *s)
{
	uint8_t d[SHA256_SIZE];
	char hex[SHA256_HEX_SIZE], line[sizeof s->name + 2 * EVOLVE_DATA_PER_LINE + 128];
	sha256(s->bytes, s->size, d);
	sha256_to_hex(d, hex);
	if (snprintf(line, sizeof line, "file %s %zu %s", s->name, s->size, hex) >= (int)sizeof line)
		abort(); /* names are shorter than sent_file.name */
	put_line(f, line);
	for (size_t off = 0; off < s->size; off += EVOLVE_DATA_PER_LINE) {
		size_t n = s->size - off < EVOLVE_DATA_PER_LINE ? s->size - off : EVOLVE_DATA_PER_LINE;
		int len = snprintf(line, sizeof line, "data %zu ", off);
		for (size_t i = 0; i < n; i++)
			len += snprintf(line + len, sizeof line - (size_t)len, "%02x", s->bytes[off + i]);
		put_line(f, line);
	}
}

/* The object named by one change or add line of the manifest, checked
 * against its hash; false after an error line. */
static bool manifest_object(const char *dir, char *line, size_t lineno, struct sent_file *s)
{
	char *words[6] = { 0 };
	size_t n = 0;
	for (char *w = strtok(line, " \t"); w && n < 6; w = strtok(NULL, " \t"))
		words[n++] = w;
	size_t want = !strcmp(words[0], "change") ? 5 : 4;
	if (n != want || strlen(words[want - 1]) != 2 * SHA256_SIZE || strlen(words[want - 2]) >= sizeof s->name ||
	    strchr(words[want - 2], '/')) {
		fprintf(stderr, "evolve send: %s/manifest line %zu: malformed '%s' line\n", dir, lineno, words[0]);
		return false;
	}
	uint8_t want_hash[SHA256_SIZE], got[SHA256_SIZE];
	char path[4096];
	snprintf(s->name, sizeof s->name, "%s", words[want - 2]);
	snprintf(path, sizeof path, "%s/%s", dir, s->name);
	if (!sha256_from_hex(words[want - 1], want_hash)) {
		fprintf(stderr, "evolve send: %s/manifest line %zu: '%s' is not a SHA-256\n", dir, lineno,
			words[want - 1]);
		return false;
	}
	if (!(s->bytes = file_read_all(path, &s->size)))
		return false;
	sha256(s->bytes, s->size, got);
	if (memcmp(got, want_hash, SHA256_SIZE)) {
		fprintf(stderr, "evolve send: %s: its SHA-256 is not the one the manifest names (line %zu)\n", path,
			lineno);
		return false;
	}
	return true;
}

/* The manifest (files[0]) and the objects it names. */
static bool read_evolution(const char *dir, struct sent_file *files, size_t *n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/" EVOLVE_MANIFEST, dir);
	snprintf(files[0].name, sizeof files[0].name, EVOLVE_MANIFEST);
	if (!(files[0].bytes = file_read_all(path, &files[0].size)))
		return false;
	*n = 1;
	char *text = strndup((const char *)files[0].bytes, files[0].size), *save = NULL;
	bool ok = text != NULL;
	size_t lineno = 0;
	for (char *line = ok ? strtok_r(text, "\n", &save) : NULL; ok && line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (lineno == 1 && strcmp(line, EVOLVE_MANIFEST_HEADER)) {
			fprintf(stderr, "evolve send: %s: line 1 is not '" EVOLVE_MANIFEST_HEADER "'\n", path);
			ok = false;
		} else if (!strncmp(line, "change ", 7) || !strncmp(line, "add ", 4)) {
			if (*n == FILES_MAX) {
				fprintf(stderr, "evolve send: %s: more than %d objects\n", path, FILES_MAX - 1);
				ok = false;
			} else {
				ok = manifest_object(dir, line, lineno, &files[(*n)++]);
			}
		}
	}
	free(text);
	return ok;
}

int evolve_send(int argc, char **argv)
{
	const char *dir = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fprintf(stderr, "usage: evolve send DIR [-o FILE]\n");
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "usage: evolve send DIR [-o FILE]\n");
		return 2;
	}
	struct sent_file files[FILES_MAX] = { 0 };
	size_t n = 0;
	bool ok = read_evolution(dir, files, &n);
	FILE *f = ok ? (out ? fopen(out, "w") : stdout) : NULL;
	if (ok && !f) {
		perror(out);
		ok = false;
	}
	if (ok) {
		char line[64];
		snprintf(line, sizeof line, EVOLVE_TRANSFER_HEADER " %zu", n);
		put_line(f, line);
		for (size_t i = 0; i < n; i++)
			put_file(f, &files[i]);
		snprintf(line, sizeof line, "end %zu", n);
		put_line(f, line);
		if (fflush(f) != 0 || (out && fclose(f) != 0)) {
			perror(out ? out : "stdout");
			ok = false;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(files[i].bytes);
	return ok ? 0 : 1;
}
