/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __TARGET_H
#define __TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gobin;
struct target;

/*
 * The target, opened once: -p PID's process (a thread id stands for its
 * process, one line on stderr says so; a zombie or a kernel thread is
 * refused), or -b PATH's file. *GB is that very file, whatever happens to
 * its name later; PATH (LEN bytes) gets the name messages use. Errors: one
 * line on stderr. *T is to be closed (target_close) whatever the result.
 */
int target_open(pid_t pid, const char *binary, struct target **t, struct gobin **gb,
		char *path, size_t len);
/* -p's process (thread group) id; 0 under -b. */
pid_t target_tgid(const struct target *t);
/*
 * Where probes attach: a path that reaches the inode target_open() read,
 * even once its name is gone or names another file.
 */
const char *target_attach_path(const struct target *t);
/* The notice for a thread id given to -p, with "Tracing ...". */
void target_announce(const struct target *t);
/*
 * Is there nothing left to trace? -p: the process exited, or it executed
 * another program (one line on stderr says so). -b: never; one line says
 * so when PATH names another file than the one traced.
 */
bool target_ended(struct target *t);
void target_close(struct target *t);

#endif /* __TARGET_H */
