/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __TRACE_HELPERS_H
#define __TRACE_HELPERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

/* Nanoseconds of CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
uint64_t mono_ns(void);
/* Offset that turns a bpf_ktime_get_ns() value into Unix-epoch ns. */
uint64_t mono_to_epoch_offset(void);
/* "HH:MM:SS" of now into BUF. */
void strftime_now(char *buf, size_t len);
/* Write S (N bytes, not NUL-terminated) as a JSON string, quotes included. */
void json_string(FILE *f, const char *s, size_t n);
/* The process (thread group) id of thread PID, or -1 if there is none. */
int proc_tgid(int pid);
/* Does /proc/PID exist (and is it not a zombie)? */
bool pid_alive(int pid);

#endif /* __TRACE_HELPERS_H */
