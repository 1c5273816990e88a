// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tty: raw keys, width and colour of the terminal (tty.h).
 */
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "tty.h"

static struct termios saved;
static bool raw;

bool tty_keys_init(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) ||
	    tcgetattr(STDIN_FILENO, &saved))
		return false;
	t = saved;
	/* No line buffering, no echo; ISIG kept: Ctrl-C is still SIGINT. */
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return false;
	raw = true;
	return true;
}

void tty_keys_fini(void)
{
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	raw = false;
}

int tty_key(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;

	if (!raw || poll(&p, 1, 0) != 1 || read(STDIN_FILENO, &c, 1) != 1)
		return -1;
	return c;
}

int tty_width(void)
{
	struct winsize w;

	if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) || !w.ws_col)
		return 0;
	return w.ws_col;
}

bool tty_colour(void)
{
	const char *no = getenv("NO_COLOR");

	/* no-color.org: set and not empty. */
	return isatty(STDOUT_FILENO) && !(no && *no);
}
