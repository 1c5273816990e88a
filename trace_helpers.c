// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "trace_helpers.h"

static uint64_t ts_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t mono_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

uint64_t mono_to_epoch_offset(void)
{
	uint64_t mono = mono_ns();
	uint64_t real = ts_ns(CLOCK_REALTIME);

	return real - mono;
}

void strftime_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

int proc_tgid(int pid)
{
	char path[64], line[256];
	int tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

char *proc_cgroup2(int pid)
{
	char file[40], line[4096], *path = NULL;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		free(path);
		path = strdup(line + 3);
	}
	if (f)
		fclose(f);
	return path;
}

bool pid_alive(int pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The state follows the ")" that closes the command name. */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/*
 * Ask the kernel itself rather than read its BTF (5 MB, read from sysfs 4 KB
 * at a time and parsed: a tenth of a second of start-up): a program made
 * for uprobe_multi links, and a link asked for on a path that is not a
 * regular file. A kernel with such links (6.6+) gets that far and says
 * EBADF; an older one refuses the attach type (EINVAL) or the program.
 */
bool kernel_has_uprobe_multi(void)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_TRACE_UPROBE_MULTI_TYPE);
	uint64_t offset = 0;
	int prog_fd, link_fd;

	prog_fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns,
				sizeof(insns) / sizeof(insns[0]), &opts);
	if (prog_fd < 0)
		return false;
	link_fd = uprobe_multi_link(prog_fd, "/", &offset, NULL, 1, 0);
	close(prog_fd);
	if (link_fd >= 0)
		close(link_fd);
	return link_fd == -EBADF;
}

/*
 * BPF_LINK_CREATE's attr for BPF_TRACE_UPROBE_MULTI, as the kernel lays it
 * out: the 6.1 UAPI headers and libbpf 1.1 this builds with predate it.
 */
union uprobe_multi_attr {
	struct {
		uint32_t prog_fd;
		uint32_t target_fd;
		uint32_t attach_type;
		uint32_t flags;
		uint64_t path;
		uint64_t offsets;
		uint64_t ref_ctr_offsets;
		uint64_t cookies;
		uint32_t cnt;
		uint32_t multi_flags;
		uint32_t pid;
	} c;
	char size[128];	/* the rest zero, as the kernel checks */
};

int uprobe_multi_link(int prog_fd, const char *path, const uint64_t *offsets,
		      const uint64_t *cookies, uint32_t cnt, int pid)
{
	union uprobe_multi_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.c.prog_fd = prog_fd;
	attr.c.attach_type = BPF_TRACE_UPROBE_MULTI_TYPE;
	attr.c.path = (uintptr_t)path;
	attr.c.offsets = (uintptr_t)offsets;
	attr.c.cookies = (uintptr_t)cookies;
	attr.c.cnt = cnt;
	attr.c.pid = pid;
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* A bar of WIDTH for VAL of MAX, funclatency's. */
static void print_stars(unsigned long long val, unsigned long long max, int width)
{
	char bar[64];
	int n = max ? (int)(val * width / max) : 0;

	memset(bar, '*', n);
	memset(bar + n, ' ', width - n);
	bar[width] = '\0';
	printf("|%s|\n", bar);
}

void print_log2_hist(const unsigned long long *vals, int vals_size, const char *val_type)
{
	unsigned long long low, high, max = 0;
	int i, last = -1;

	for (i = 0; i < vals_size; i++) {
		if (vals[i])
			last = i;
		if (vals[i] > max)
			max = vals[i];
	}
	printf("%5s%-19s : count    distribution\n", "", val_type);
	for (i = 0; i <= last; i++) {
		low = i ? 1ULL << i : 0;
		high = (2ULL << i) - 1;
		if (i == vals_size - 1)
			printf("%10llu -> %-10s : %-8llu ", low, "", vals[i]);
		else
			printf("%10llu -> %-10llu : %-8llu ", low, high, vals[i]);
		print_stars(vals[i], max, 40);
	}
}
