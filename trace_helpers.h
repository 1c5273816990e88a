/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __TRACE_HELPERS_H
#define __TRACE_HELPERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* Nanoseconds of CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(). */
uint64_t mono_ns(void);
/* Offset that turns a bpf_ktime_get_ns() value into Unix-epoch ns. */
uint64_t mono_to_epoch_offset(void);
/* "HH:MM:SS" of now into BUF. */
void strftime_now(char *buf, size_t len);
/*
 * VALS (VALS_SIZE log2 slots: slot 0 holds 0 and 1, slot I 2^I up to
 * 2^(I+1) - 1; the last one everything above) as funclatency prints them,
 * up to the last slot not empty, VAL_TYPE the unit.
 */
void print_log2_hist(const unsigned long long *vals, int vals_size, const char *val_type);
/* The process (thread group) id of thread PID, or -1 if there is none. */
int proc_tgid(int pid);
/*
 * PID's cgroup v2 path (the "0::" line of /proc/PID/cgroup), to be freed;
 * NULL if there is none (no such process, no cgroup v2).
 */
char *proc_cgroup2(int pid);
/* Does /proc/PID exist (and is it not a zombie)? */
bool pid_alive(int pid);

/*
 * Uprobes through one BPF link for many sites (BPF_TRACE_UPROBE_MULTI,
 * Linux 6.6): no perf event per site, whose dispatch every hit pays.
 */
#define BPF_TRACE_UPROBE_MULTI_TYPE	48	/* enum bpf_attach_type */
bool kernel_has_uprobe_multi(void);
/*
 * A uprobe_multi link of program PROG_FD at CNT file OFFSETS of PATH, each
 * with its COOKIE; PID 0: every process. The link's fd, or -errno.
 */
int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, uint32_t cnt, int pid);

#endif /* __TRACE_HELPERS_H */
