/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* TAP lines for the unit test programs: "ok N - what", "not ok N - what: got, want". */
#ifndef __TAP_H
#define __TAP_H

#include <stdbool.h>
#include <stdio.h>

static int passed, failed;

static void check(bool ok, const char *fmt, const char *a, const char *b)
{
	if (ok) {
		passed++;
		printf("ok %d - %s\n", passed + failed, fmt);
	} else {
		failed++;
		printf("not ok %d - %s: got \"%s\", want \"%s\"\n", passed + failed, fmt, a, b);
	}
}

#endif /* __TAP_H */
