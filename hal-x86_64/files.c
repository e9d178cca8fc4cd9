/* Bare metal has no file system: an evolution comes over the serial line
 * (`evolve --serial`, docs/evolve.md) instead of from a directory. */
#include "hal_files.h"
#include "klib.h"

bool hal_file_read(const char *path, size_t max_size, void **bytes, size_t *size, char why[HAL_FILE_WHY_MAX])
{
	(void)path, (void)max_size, (void)bytes, (void)size;
	strlcpy(why, "no files on bare metal (send the evolution with evolve --serial)", HAL_FILE_WHY_MAX);
	return false;
}

void hal_file_free(void *bytes) { (void)bytes; }
