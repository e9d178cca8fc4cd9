/* Hosted console: stdout for output, stdin for input, unbuffered writes so
 * kernel output and the host's stderr interleave in order. Raw input is
 * the terminal's non-canonical mode without echo and signal keys; the
 * modes found at the switch are put back by hosted_console_restore, which
 * every way out of the process calls (power-off, an unhandled fault, a
 * fatal signal: see the handlers below). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hal_console.h"
#include "hosted.h"

static unsigned char in_buf[4096];
static size_t in_len, in_pos;

static struct termios saved_modes;       /* the terminal's modes before raw */
static volatile sig_atomic_t raw_active; /* saved_modes must be put back */

/* Signals whose default action ends the process (faults are fault.c's). */
static const int fatal_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGABRT, SIGXCPU };
static struct sigaction saved_actions[sizeof fatal_signals / sizeof fatal_signals[0]];

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

/* Reads what stdin has into in_buf: false at end of input (or an error). */
static bool console_fill(void)
{
	for (;;) {
		ssize_t n = read(STDIN_FILENO, in_buf, sizeof in_buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		in_len = (size_t)n;
		in_pos = 0;
		return true;
	}
}

int hal_console_getc(void)
{
	if (in_pos == in_len && !console_fill())
		return HAL_CONSOLE_EOF;
	return in_buf[in_pos++];
}

int hal_console_poll(void)
{
	if (in_pos < in_len)
		return in_buf[in_pos++];
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0)
		return HAL_CONSOLE_NONE; /* nothing yet (or a signal came first) */
	return hal_console_getc();   /* readable: a byte or end of input, without blocking */
}

bool hal_console_interactive(void) { return isatty(STDIN_FILENO); }

/* Async-signal-safe: tcsetattr is, and raw_active is a sig_atomic_t. */
void hosted_console_restore(void)
{
	if (raw_active) {
		raw_active = 0;
		(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_modes);
	}
}

/* A fatal signal while raw: put the terminal back, then let the signal do
 * what it did before (SA_RESETHAND reinstated the default action; the
 * previous action, if the process had one, is put back first). */
static void on_fatal_signal(int sig)
{
	int saved_errno = errno;
	hosted_console_restore();
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
		if (fatal_signals[i] == sig)
			(void)sigaction(sig, &saved_actions[i], NULL);
	(void)raise(sig);
	errno = saved_errno;
}

static void console_catch_fatal_signals(bool on)
{
	for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++) {
		if (!on) {
			(void)sigaction(fatal_signals[i], &saved_actions[i], NULL);
			continue;
		}
		(void)sigaction(fatal_signals[i], NULL, &saved_actions[i]);
		if (saved_actions[i].sa_handler == SIG_IGN)
			continue; /* ignored: it cannot end the process */
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_fatal_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESETHAND | SA_NODEFER;
		(void)sigaction(fatal_signals[i], &sa, NULL);
	}
}

bool hal_console_raw(bool on)
{
	if (!on) {
		hosted_console_restore();
		console_catch_fatal_signals(false);
		return true;
	}
	if (raw_active)
		return true;
	struct termios t;
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_modes) != 0)
		return false;
	t = saved_modes;
	/* Bytes as typed: no line discipline, no echo, ^C/^Z/^\ and ^S/^Q as
	 * bytes, CR not turned into LF. Output processing stays (LF -> CRLF). */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | ICRNL | INLCR | IGNCR | ISTRIP | BRKINT);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	console_catch_fatal_signals(true);
	raw_active = 1;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) != 0) {
		hosted_console_restore();
		console_catch_fatal_signals(false);
		return false;
	}
	return true;
}
