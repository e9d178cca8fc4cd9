/* Hosted console: stdout for output, stdin for input, unbuffered writes so
 * kernel output and the host's stderr interleave in order. */
#include <errno.h>
#include <unistd.h>

#include "hal/console.h"
#include "hosted.h"

void hosted_console_init(void) {}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the descriptor is gone; nothing sensible left to do */
		buf += n;
		len -= (size_t)n;
	}
}

void hal_console_write(const char *buf, size_t len) { write_all(STDOUT_FILENO, buf, len); }
void hal_console_write_error(const char *buf, size_t len) { write_all(STDERR_FILENO, buf, len); }

int hal_console_getc(void)
{
	static unsigned char buf[4096];
	static size_t len, pos;
	while (pos == len) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len = (size_t)n;
		pos = 0;
	}
	return buf[pos++];
}

bool hal_console_interactive(void) { return isatty(STDIN_FILENO); }
