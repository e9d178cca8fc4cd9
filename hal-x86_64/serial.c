/* The console on COM1 (115200 8N1): polled output with LF -> CRLF. Input
 * is polled too: cooked, CR becomes LF and bytes are echoed (with
 * backspace erasing) so a person at the serial line sees what they type;
 * raw, bytes pass as they arrive for the shell's own line editor. */
#include "hal_console.h"
#include "x86.h"

#define COM1 0x3f8

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no interrupts: polled */
	outb(COM1 + 3, 0x80); /* divisor latch */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	/* FIFO left off: enabling it makes QEMU drop bytes that arrived before us */
	outb(COM1 + 4, 0x03);
}

void serial_putc(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		__builtin_ia32_pause();
	outb(COM1, (uint8_t)c);
}

int serial_getc(void)
{
	while (!(inb(COM1 + 5) & 0x01))
		__builtin_ia32_pause();
	return inb(COM1);
}

void hal_console_write_error(const char *buf, size_t len) { hal_console_write(buf, len); }

void hal_console_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			serial_putc('\r');
		serial_putc(buf[i]);
	}
}

static bool raw_input;

/* Cooked input's translation and echo of one received byte. */
static int serial_cook(int c)
{
	if (raw_input)
		return c;
	if (c == '\r')
		c = '\n';
	if (c == 0x7f || c == '\b') {
		hal_console_write("\b \b", 3);
		return '\b';
	}
	char ch = (char)c;
	hal_console_write(&ch, 1);
	return c;
}

int hal_console_getc(void) { return serial_cook(serial_getc()); }

/* LSR bit 0: the receive buffer holds a byte. */
int hal_console_poll(void)
{
	if (!(inb(COM1 + 5) & 0x01))
		return HAL_CONSOLE_NONE;
	return serial_cook(inb(COM1));
}

bool hal_console_interactive(void) { return true; }

bool hal_console_raw(bool on)
{
	raw_input = on;
	return true;
}
