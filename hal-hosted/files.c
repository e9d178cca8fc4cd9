/* Hosted files: the Linux process reads a regular file whole, for an
 * evolution in a directory (hal_files.h). The bytes are the C library's
 * memory, released by hal_file_free; the kernel copies what it keeps. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hal_files.h"
#include "hosted.h"

static bool file_fail(char why[HAL_FILE_WHY_MAX], const char *text, int fd)
{
	snprintf(why, HAL_FILE_WHY_MAX, "%s", text);
	if (fd >= 0)
		close(fd);
	return false;
}

bool hal_file_read(const char *path, size_t max_size, void **bytes, size_t *size, char why[HAL_FILE_WHY_MAX])
{
	/* O_NONBLOCK: a FIFO named like an object must not hang the kernel */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return file_fail(why, strerror(errno), fd);
	if (!S_ISREG(st.st_mode)) {
		char kind[64];
		snprintf(kind, sizeof kind, "not a regular file (%s)", hosted_file_kind(st.st_mode));
		return file_fail(why, kind, fd);
	}
	if ((uint64_t)st.st_size > max_size) {
		char big[64];
		snprintf(big, sizeof big, "larger than %zu bytes", max_size);
		return file_fail(why, big, fd);
	}
	size_t len = (size_t)st.st_size, got = 0;
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf)
		return file_fail(why, "out of memory", fd);
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			return file_fail(why, n < 0 ? strerror(errno) : "the file shrank while it was read", fd);
		}
		got += (size_t)n;
	}
	close(fd);
	*bytes = buf;
	*size = len;
	return true;
}

void hal_file_free(void *bytes) { free(bytes); }
