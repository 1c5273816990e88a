/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * why: the one-line reason a step on the way to tracing an executable
 * failed (layout_resolve(), probes_plan(), probes_load(), probes_attach()),
 * written by the function that failed instead of printed, so that its
 * caller decides where it goes: "grpcstreams: REASON" on stderr under -p,
 * -b and --dump-layout; the one line of a program skipped on the whole
 * host. No "grpcstreams: " prefix, no newline.
 */
#ifndef __WHY_H
#define __WHY_H

#include <limits.h>

struct why {
	/* A path and a layout check's reason, never cut (PATH_MAX: a path). */
	char msg[PATH_MAX + 1024];
};

#endif /* __WHY_H */
