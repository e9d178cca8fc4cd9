/* tools/evolve: shared between its files. A build is the set of cell
 * objects of a directory, each named by its info record (build.c); the
 * evolution between two builds is written by evolve.c and streamed over a
 * serial line by send.c. Formats: docs/evolve.md. */
#ifndef TOOLS_EVOLVE_H
#define TOOLS_EVOLVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define EVOLVE_CELL_NAME_MAX 48 /* the info record's name field, NUL included */
#define EVOLVE_MANIFEST "manifest"
#define EVOLVE_MANIFEST_HEADER "theseus-evolution 1"
#define EVOLVE_TRANSFER_HEADER "theseus-evolution-transfer 1"
#define EVOLVE_DATA_PER_LINE 48 /* object bytes per data line of a transfer */

/* One cell object of a build. */
struct cell_obj {
	char name[EVOLVE_CELL_NAME_MAX]; /* from its .theseus.cell_info record */
	char *path;
	unsigned char *bytes; /* the whole file */
	size_t size;
	uint8_t file_hash[SHA256_SIZE]; /* of the file's bytes: what the kernel checks */
	uint8_t load_hash[SHA256_SIZE]; /* of what loading it depends on: what "changed" compares */
	bool paired; /* build.c's caller: matched with a cell of the other build */
};

struct build {
	const char *dir; /* the directory the objects are in */
	struct cell_obj *cells;
	size_t n;
};

/* Reads every regular *.o of dir (or of dir/cells when dir is a build
 * directory); other entries are skipped with a warning. False after an
 * error line on stderr (missing directory, an object that is no cell, two
 * objects of one cell). */
bool build_read(const char *dir, struct build *b);
void build_free(struct build *b);
struct cell_obj *build_find(const struct build *b, const char *name);

/* Reads a whole file; NULL after an error line on stderr. */
unsigned char *file_read_all(const char *path, size_t *size);

/* `evolve send DIR [-o FILE]` (send.c). */
int evolve_send(int argc, char **argv);

#endif
