/* floor: swap */
/* Evolutions: the changes from one build's cells to another's, applied to
 * the running system as one swap (DESIGN.md §7, docs/evolve.md).
 * tools/evolve writes one as a manifest (which cells change, which are
 * added, which removed, each new object's SHA-256) and the new objects. The
 * kernel gets those files from a directory (hosted: evolve_read_dir) or
 * as a framed transfer (evolve_receive; the shell feeds it the console,
 * which on bare metal is the serial line that `tools/evolve send` writes
 * to), then evolve_apply checks every hash and makes ONE call of
 * swap_cells: all of it happens, or nothing. */
#ifndef KERNEL_EVOLVE_H
#define KERNEL_EVOLVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cell.h"
#include "compiler.h"
#include "err.h"
#include "sha256.h"
#include "swap.h"

#define EVOLVE_MANIFEST "manifest"
#define EVOLVE_MANIFEST_VERSION 1
#define EVOLVE_FILES_MAX 64                /* the manifest and up to 63 objects */
#define EVOLVE_FILE_NAME_MAX 64            /* "hello.o", NUL included */
#define EVOLVE_FILE_SIZE_MAX (16u << 20)   /* one object, or the manifest */
#define EVOLVE_STEPS_MAX 128             /* steps of one manifest: changes, adds, removes */
#define EVOLVE_STR_(x) #x
#define EVOLVE_STR(x) EVOLVE_STR_(x)

/* --- the files of an evolution, in memory ------------------------------------- */
struct evolve_file {
	char name[EVOLVE_FILE_NAME_MAX]; /* a plain file name: no '/', not starting with '.' */
	void *bytes;                     /* kmalloc'd, owned by the evolution */
	size_t size;
};

/* Owns its files' bytes; evolution_release frees them (and zeroes it), so
 * `struct evolution *ev EVOLUTION_FREE = kzalloc(sizeof *ev)` releases all. */
struct evolution {
	struct evolve_file files[EVOLVE_FILES_MAX];
	size_t n;
};
void evolution_release(struct evolution *ev) NONNULL(1);
void evolution_free(struct evolution *ev); /* release, then kfree; NULL is fine */
static inline void evolution_free_ptr(struct evolution **ev) { evolution_free(*ev); }
#define EVOLUTION_FREE CLEANUP(evolution_free_ptr)
/* The file called name, or NULL. */
const struct evolve_file *evolution_file(const struct evolution *ev, const char *name) NONNULL(1, 2);

/* Why a step refused, with where: "manifest line 3: ...", "hello.o: ...". */
#define EVOLVE_WHY_MAX 256
struct evolve_why {
	err_t err;
	char text[EVOLVE_WHY_MAX];
};

/* Reads DIR/manifest and every object it names into ev (empty before).
 * Hosted only: on bare metal the HAL has no files (E_HAL: use
 * evolve_receive). On error ev holds what was read (release it). Called
 * from a task; takes no lock. */
err_t evolve_read_dir(const char *dir, struct evolution *ev, struct evolve_why *why) MUST_USE NONNULL(1, 2, 3);

/* Where evolve_receive reads the transfer from: the next byte (0-255),
 * EVOLVE_RX_EOF when the input has ended, or EVOLVE_RX_QUIET when no byte
 * came for quiet_ns. The shell's reads the console (bare metal: the serial
 * line; hosted: stdin), after the bytes its line editor read ahead. */
#define EVOLVE_RX_EOF (-1)
#define EVOLVE_RX_QUIET (-2)
typedef int evolve_rx_getc_fn(void *ctx, uint64_t quiet_ns);

/* Receives an evolution framed by `tools/evolve send` from getc into ev
 * (empty before). Every line's checksum, each file's size and SHA-256 and
 * the end marker are checked: E_CHECKSUM for a damaged line or file,
 * E_INVAL for a line that is not the framing or input that ends early,
 * E_TIMEOUT when nothing comes for timeout_ns; then the rest of the
 * transfer is read and dropped so it is not taken for commands, and ev
 * holds what was received (release it). Runs getc in the caller's context
 * and takes no lock. */
err_t evolve_receive(evolve_rx_getc_fn *getc, void *ctx, struct evolution *ev, uint64_t timeout_ns,
		     struct evolve_why *why) MUST_USE NONNULL(1, 3, 5);

/* --- the manifest ---------------------------------------------------------------- */
enum evolve_op { EVOLVE_CHANGE = 1, EVOLVE_ADD, EVOLVE_REMOVE };

struct evolve_step {
	enum evolve_op op;
	size_t line;                     /* in the manifest, for reports */
	char old[CELL_NAME_MAX];         /* change, remove: the loaded cell */
	char new[CELL_NAME_MAX];         /* change, add: the cell its object holds */
	char file[EVOLVE_FILE_NAME_MAX]; /* change, add */
	uint8_t sha256[SHA256_SIZE];     /* change, add: of the file's bytes */
	bool skipped;                    /* evolve_apply: old is not loaded, nothing to do */
};

struct evolve_plan {
	struct evolve_step steps[EVOLVE_STEPS_MAX];
	size_t n;
};

/* Parses a manifest (format: docs/evolve.md); E_INVAL with why naming the
 * line on any defect. Pure: no allocation, no lock. */
err_t evolve_parse(const char *text, size_t len, struct evolve_plan *plan, struct evolve_why *why)
	MUST_USE NONNULL(1, 3, 4);

/* --- applying it ---------------------------------------------------------------- */
/* Parses ev's manifest into plan, checks every object's SHA-256 (E_CHECKSUM
 * naming the file, nothing changed), marks the steps whose old cell is not
 * loaded in ns as skipped, then swaps the loaded changed and removed cells
 * for the changed and added objects in one swap_cells call (res: its
 * outcome; *swapped false when nothing was left to swap). Called from a
 * task, without the cells lock or any spinlock (swap_cells' rule). */
err_t evolve_apply(struct namespace *ns, const struct evolution *ev, unsigned swap_flags, struct evolve_plan *plan,
		   struct swap_result *res, bool *swapped, struct evolve_why *why) MUST_USE NONNULL(1, 2, 4, 5, 6, 7);

#endif
