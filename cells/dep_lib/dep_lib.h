/* dep_lib: a library cell with many dependents (cells/dep_user0..9), in two
 * versions that export the same symbols and answer differently, so that a
 * caller can check every answer against the version that gave it while
 * dep_lib and dep_lib_v2 are swapped for each other (docs/swap.md, "Case
 * studies"). The answer and the version come back together from one call,
 * so no swap can fall between them. */
#ifndef CELLS_DEP_LIB_H
#define CELLS_DEP_LIB_H
#include <stdint.h>

struct dep_answer {
	int64_t value;
	int64_t version; /* 1: dep_lib, 2: dep_lib_v2 */
};

/* v1: 3x + 1; v2: 7x - 4 (DEP_EXPECTED). Pure: it keeps no state. */
struct dep_answer dep_apply(int64_t x);
typedef struct dep_answer dep_apply_fn(int64_t x);

/* The version of the library cell that answers now. */
int64_t dep_version(void);

/* Data of the library that its users change: dep_user8 counts its calls
 * here (a read-modify-write through a PC32 site). Same name and size in
 * both versions, so a swap without a transfer function copies it: the
 * count goes on across swaps. */
extern int64_t dep_counter;

/* What version v answers for x; 0 for an unknown version. */
static inline int64_t dep_expected(int64_t version, int64_t x)
{
	return version == 1 ? 3 * x + 1 : version == 2 ? 7 * x - 4 : 0;
}

/* Each user cell N exports dep_userN, which calls dep_apply through its
 * own kind of relocation site and returns its answer. */
#define DEP_USERS 10

#endif
