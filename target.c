// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * target: what -p or -b names, opened once, and watched while traced.
 *
 * The binary is read and probed through one open file, never through its
 * name again: a file replaced on disk (a package upgrade), deleted, or a
 * process that was a thread id or runs a deleted file are all traced as
 * the very inode the tool read. -p's process is watched through its memory
 * (/proc/PID/maps opened at start): an exec gives it new memory, which the
 * tool notices and ends, as it does when the process exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "gobin.h"
#include "target.h"
#include "trace_helpers.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

struct target {
	pid_t pid;		/* as given to -p */
	pid_t tgid;		/* its process; 0: -b */
	unsigned long long start;	/* the process's start time, kept across exec */
	int maps_fd;		/* /proc/TGID/maps, opened on the memory at start */
	const char *path;	/* -b: the name given, for the replaced check */
	dev_t dev;		/* the inode read and probed */
	ino_t ino;
	bool replaced;		/* -b: said once that PATH names another file */
	char attach[64];
};

/* State, flags and start time of process PID from /proc/PID/stat; -1: none. */
static int proc_stat(pid_t pid, char *state, unsigned long *flags, unsigned long long *start)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The fields follow the ")" that closes the command name. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%c %*d %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", state, flags, start) != 3)
		return -1;
	return 0;
}

/*
 * Does the memory of FD's /proc/PID/maps still exist? The open file holds
 * the memory (mm) the process had when it was opened: once the process
 * executes another program or exits, that memory is gone and a read gives
 * 0 bytes, where a live one gives its first mapping.
 */
static bool maps_alive(int fd)
{
	char c;

	return pread(fd, &c, 1, 0) == 1;
}

static int open_pid(struct target *t, pid_t pid, char *path, size_t len)
{
	unsigned long flags;
	char state;
	pid_t tgid;
	int err;

	tgid = proc_tgid(pid);
	if (tgid < 0 || proc_stat(tgid, &state, &flags, &t->start)) {
		fprintf(stderr, "grpcstreams: no such process: %d\n", pid);
		return -ESRCH;
	}
	if (flags & PF_KTHREAD) {
		fprintf(stderr, "grpcstreams: PID %d is a kernel thread: nothing to trace\n", pid);
		return -EINVAL;
	}
	if (state == 'Z' || state == 'X') {
		fprintf(stderr, "grpcstreams: PID %d has exited (a zombie its parent has not "
			"reaped): nothing to trace\n", tgid);
		return -ESRCH;
	}
	/* Before the executable: an exec in between is then seen as one. */
	snprintf(path, len, "/proc/%d/maps", tgid);
	t->maps_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->maps_fd < 0) {
		err = -errno;
		fprintf(stderr, "grpcstreams: failed to open %s: %s\n", path, strerror(-err));
		return err;
	}
	if (!maps_alive(t->maps_fd)) {
		fprintf(stderr, "grpcstreams: PID %d has exited: nothing to trace\n", tgid);
		return -ESRCH;
	}
	t->pid = pid;
	t->tgid = tgid;
	/*
	 * /proc/PID/exe reaches the very inode the process runs, even if its
	 * file was replaced or deleted.
	 */
	snprintf(path, len, "/proc/%d/exe", tgid);
	return 0;
}

int target_open(pid_t pid, const char *binary, struct target **tp, struct gobin **gb,
		char *path, size_t len)
{
	struct target *t = calloc(1, sizeof(*t));
	const char *why;
	struct stat st;
	int err, fd;

	*tp = t;
	if (!t) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	t->maps_fd = -1;
	if (pid) {
		err = open_pid(t, pid, path, len);
		if (err)
			return err;
	} else if (!realpath(binary, path)) {
		err = -errno;
		fprintf(stderr, "grpcstreams: %s: %s\n", binary, strerror(-err));
		return err;
	}
	err = gobin_open(path, gb, &why);
	if (err) {
		fprintf(stderr, "grpcstreams: %s: %s\n", path, why ? why : strerror(-err));
		return err;
	}
	/* Probes go where gobin read: its open file, not the name again. */
	fd = gobin_fd(*gb);
	if (fstat(fd, &st)) {
		err = -errno;
		fprintf(stderr, "grpcstreams: %s: %s\n", path, strerror(-err));
		return err;
	}
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->path = binary;
	snprintf(t->attach, sizeof(t->attach), "/proc/self/fd/%d", fd);
	return 0;
}

pid_t target_tgid(const struct target *t)
{
	return t->tgid;
}

const char *target_attach_path(const struct target *t)
{
	return t->attach;
}

void target_announce(const struct target *t)
{
	if (t->tgid && t->pid != t->tgid)
		fprintf(stderr, "grpcstreams: %d is a thread of PID %d: tracing the whole "
			"process\n", t->pid, t->tgid);
}

/* -b: does PATH still name the file traced? Said once when it does not. */
static void check_replaced(struct target *t)
{
	struct stat st;
	bool gone;

	if (t->replaced)
		return;
	gone = stat(t->path, &st) != 0;
	if (!gone && st.st_dev == t->dev && st.st_ino == t->ino)
		return;
	t->replaced = true;
	fprintf(stderr, "grpcstreams: %s was %s: still tracing the file it was at start, "
		"not a new one\n", t->path, gone ? "removed" : "replaced on disk");
}

bool target_ended(struct target *t)
{
	char exe[PATH_MAX], link[64], state;
	unsigned long long start;
	unsigned long flags;
	ssize_t n;
	int fd;

	if (!t->tgid) {
		check_replaced(t);
		return false;
	}
	if (maps_alive(t->maps_fd))
		return false;
	/* Its memory is gone: exited, or the same process with new memory. */
	if (!pid_alive(t->tgid) || proc_stat(t->tgid, &state, &flags, &start) ||
	    start != t->start)
		return true;
	snprintf(link, sizeof(link), "/proc/%d/maps", t->tgid);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	if (maps_alive(fd)) {
		snprintf(link, sizeof(link), "/proc/%d/exe", t->tgid);
		n = readlink(link, exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		fprintf(stderr, "grpcstreams: PID %d executed another program (%s): tracing "
			"ended\n", t->tgid, n > 0 ? exe : "unknown");
	}
	close(fd);
	return true;
}

void target_close(struct target *t)
{
	if (!t)
		return;
	if (t->maps_fd >= 0)
		close(t->maps_fd);
	free(t);
}
