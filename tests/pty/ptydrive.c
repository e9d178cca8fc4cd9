/* ptydrive: runs a command on a pseudo-terminal and types at it as a
 * person would, following a script; fails (exit 1) with the output so far
 * when an expectation does not hold. Also checks that the terminal's modes
 * after the command are those before it.
 *
 *   ptydrive SCRIPT -- COMMAND [ARGS...]
 *
 * Script lines ('#' comments and blank lines skipped); TEXT takes the C
 * escapes \r \n \t \e (ESC) \\ and \xHH:
 *   send TEXT     type TEXT
 *   expect TEXT   wait (up to 30 s) until the output after the previous
 *                 expect's match contains TEXT; the output in between is
 *                 "the last segment"
 *   await TEXT    wait (up to 30 s) until the output since the last send
 *                 contains TEXT: several awaits after one send match in
 *                 any order (lines of tasks that run at once); the next
 *                 expect looks after the latest match
 *   absent TEXT   the last segment does not contain TEXT
 *   number TEXT   expect TEXT, then read the number after it: later TEXTs
 *                 say $N for it (task ids differ between runs with --cpus)
 *   signal N      send signal N to the command
 *   status N      wait for the command to exit with status N
 *   killed N      wait for the command to die of signal N
 *   modes         the pty's termios equals what it was before the command */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define EXPECT_TIMEOUT_MS 30000

static int master = -1, slave = -1;
static pid_t child;
static struct termios modes_before;
static char *out;             /* everything the command wrote */
static size_t out_len, out_cap;
static size_t mark;           /* where the next expect starts looking */
static size_t sent_at;        /* where the output stood when the last send was typed */
static size_t seg_from, seg_to; /* the last segment */
static int script_line;
static char number[32] = "?"; /* what $N stands for */

static void fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "--- output so far ---\n%.*s\n---------------------\n", (int)out_len, out ? out : "");
	fprintf(stderr, "ptydrive: script line %d: ", script_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (child > 0)
		kill(child, SIGKILL);
	exit(1);
}

/* Reads what the command wrote within timeout_ms; false on timeout. */
static bool read_output(int timeout_ms)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	int r = poll(&p, 1, timeout_ms);
	if (r < 0 && errno == EINTR)
		return true;
	if (r <= 0)
		return false;
	if (out_len + 4096 + 1 > out_cap) {
		out_cap = 2 * (out_len + 4096 + 1);
		if (!(out = realloc(out, out_cap)))
			fail("out of memory");
	}
	ssize_t n = read(master, out + out_len, 4096);
	if (n <= 0)
		return false;
	out_len += (size_t)n;
	out[out_len] = '\0';
	return true;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Decodes the escapes of s into buf (cap bytes), $N included; returns its length. */
static size_t unescape(const char *s, char *buf, size_t cap)
{
	char *w = buf;
	for (const char *r = s; *r && w + sizeof number < buf + cap; r++) {
		if (r[0] == '$' && r[1] == 'N') {
			w = stpcpy(w, number);
			r++;
			continue;
		}
		if (*r != '\\' || !r[1]) {
			*w++ = *r;
			continue;
		}
		switch (*++r) {
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'e': *w++ = 0x1b; break;
		case 'x': {
			char hex[3] = { r[1], r[1] ? r[2] : 0, 0 };
			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
			break;
		}
		default: *w++ = *r; break;
		}
	}
	return (size_t)(w - buf);
}

static void do_expect(const char *text, size_t len)
{
	long deadline = now_ms() + EXPECT_TIMEOUT_MS;
	for (;;) {
		char *hit = out ? memmem(out + mark, out_len - mark, text, len) : NULL;
		if (hit) {
			seg_from = mark;
			seg_to = (size_t)(hit - out);
			mark = seg_to + len;
			return;
		}
		long left = deadline - now_ms();
		if (left <= 0 || !read_output((int)left))
			fail("no '%s' in the output", text);
	}
}

static void do_await(const char *text, size_t len)
{
	long deadline = now_ms() + EXPECT_TIMEOUT_MS;
	for (;;) {
		char *hit = out ? memmem(out + sent_at, out_len - sent_at, text, len) : NULL;
		if (hit) {
			size_t end = (size_t)(hit - out) + len;
			if (end > mark)
				mark = end;
			return;
		}
		long left = deadline - now_ms();
		if (left <= 0 || !read_output((int)left))
			fail("no '%s' in the output since the last send", text);
	}
}

static void do_number(const char *text, size_t len)
{
	do_expect(text, len);
	size_t n = 0;
	for (;;) {
		while (mark + n < out_len && n + 1 < sizeof number && out[mark + n] >= '0' && out[mark + n] <= '9')
			n++;
		if (mark + n < out_len || n + 1 == sizeof number)
			break;
		if (!read_output(EXPECT_TIMEOUT_MS))
			fail("no number after '%s'", text);
	}
	if (!n)
		fail("no number after '%s'", text);
	memcpy(number, out + mark, n);
	number[n] = '\0';
	mark += n;
}

static void do_wait(bool want_signal, int want)
{
	int st;
	long deadline = now_ms() + EXPECT_TIMEOUT_MS;
	while (waitpid(child, &st, WNOHANG) == 0) {
		if (now_ms() > deadline)
			fail("the command did not end");
		read_output(10);
	}
	while (read_output(0)) /* what it wrote last */
		;
	child = 0;
	if (want_signal && !(WIFSIGNALED(st) && WTERMSIG(st) == want))
		fail("wanted death by signal %d, got status %#x", want, st);
	if (!want_signal && !(WIFEXITED(st) && WEXITSTATUS(st) == want))
		fail("wanted exit status %d, got %s %d", want, WIFEXITED(st) ? "status" : "signal",
		     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static void do_modes(void)
{
	struct termios now;
	if (tcgetattr(slave, &now) != 0)
		fail("tcgetattr: %s", strerror(errno));
	if (now.c_iflag != modes_before.c_iflag || now.c_oflag != modes_before.c_oflag ||
	    now.c_lflag != modes_before.c_lflag || now.c_cflag != modes_before.c_cflag ||
	    memcmp(now.c_cc, modes_before.c_cc, sizeof now.c_cc))
		fail("terminal modes changed: lflag %#x -> %#x, iflag %#x -> %#x", modes_before.c_lflag,
		     now.c_lflag, modes_before.c_iflag, now.c_iflag);
}

static void run_step(char *line)
{
	char *arg = strchr(line, ' ');
	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	static char text[4096];
	size_t len = unescape(arg, text, sizeof text);
	arg = text;
	if (!strcmp(line, "send")) {
		if (write(master, arg, len) != (ssize_t)len)
			fail("cannot type: %s", strerror(errno));
		sent_at = out_len;
	} else if (!strcmp(line, "expect")) {
		do_expect(arg, len);
	} else if (!strcmp(line, "await")) {
		do_await(arg, len);
	} else if (!strcmp(line, "number")) {
		do_number(arg, len);
	} else if (!strcmp(line, "absent")) {
		if (out && memmem(out + seg_from, seg_to - seg_from, arg, len))
			fail("'%s' is in the last segment: %.*s", arg, (int)(seg_to - seg_from), out + seg_from);
	} else if (!strcmp(line, "signal")) {
		kill(child, atoi(arg));
	} else if (!strcmp(line, "status") || !strcmp(line, "killed")) {
		do_wait(line[0] == 'k', atoi(arg));
	} else if (!strcmp(line, "modes")) {
		do_modes();
	} else {
		fail("unknown step '%s'", line);
	}
}

static void start(char **argv)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master))
		fail("no pseudo-terminal: %s", strerror(errno));
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	if (slave < 0 || tcgetattr(slave, &modes_before) != 0)
		fail("cannot open the pty's terminal side: %s", strerror(errno));
	struct winsize ws = { .ws_row = 24, .ws_col = 200 };
	ioctl(slave, TIOCSWINSZ, &ws);
	child = fork();
	if (child < 0)
		fail("fork: %s", strerror(errno));
	if (child == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		close(master);
		close(slave);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: ptydrive SCRIPT -- COMMAND [ARGS...]\n");
		return 2;
	}
	FILE *script = fopen(argv[1], "r");
	if (!script) {
		perror(argv[1]);
		return 2;
	}
	start(argv + 3);
	char line[4096];
	while (fgets(line, sizeof line, script)) {
		script_line++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && line[0] != '#')
			run_step(line);
	}
	fclose(script);
	if (child > 0)
		fail("the script ended while the command still runs (end it with 'status' or 'killed')");
	printf("%.*s\nptydrive: all %d lines held\n", (int)out_len, out ? out : "", script_line);
	return 0;
}
