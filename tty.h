/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * tty: the terminal grpcstreams may have. Keys are read only when stdin
 * and stdout are both terminals (piped output stays plain and
 * append-only); colour only when stdout is one and NO_COLOR is unset.
 */
#ifndef __TTY_H
#define __TTY_H

#include <stdbool.h>

/*
 * Keys one at a time, unechoed, when stdin and stdout are terminals: true
 * when so. Signals (Ctrl-C) still work.
 */
bool tty_keys_init(void);
/* The terminal as it was (at exit; safe to call when never set). */
void tty_keys_fini(void);
/* A key pressed since the last call, or -1; never waits. */
int tty_key(void);
/* Columns of stdout's terminal; 0 when it is not one. */
int tty_width(void);
/* Colour on stdout? */
bool tty_colour(void);

#endif /* __TTY_H */
