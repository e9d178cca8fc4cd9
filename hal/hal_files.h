/* Files contract: reading a whole file of the machine the kernel runs on,
 * for an evolution built in a directory (kernel/swap/evolve_files.c).
 * hosted: the Linux process reads it; bare metal: there are no files (the
 * HAL refuses; evolutions come over the serial line instead). */
#ifndef HAL_FILES_H
#define HAL_FILES_H
#include "hal_types.h"

#define HAL_FILE_WHY_MAX 128

/* Reads the regular file at path, at most max_size bytes, into memory the
 * HAL allocates: *bytes (release with hal_file_free) and *size. False with
 * a reason in why (e.g. "No such file or directory", "larger than 16777216
 * bytes", "no files on bare metal") and nothing allocated otherwise. */
bool hal_file_read(const char *path, size_t max_size, void **bytes, size_t *size, char why[HAL_FILE_WHY_MAX]);
void hal_file_free(void *bytes);

#endif
