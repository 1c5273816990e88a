// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * scope: what is traced. -p's processes (each its own copy of the
 * programs, filtered on it), -b's file, or, with neither, every grpc-go
 * program on the host: the running ones found in /proc at start, new ones
 * told by BPF at their exec (proc_exec), never by reading /proc again.
 *
 * An executable is a (device, inode): however many processes run it, it
 * is looked at once, its layout resolved once, and its probes attached
 * once, on the inode, through the file its first process runs
 * (/proc/PID/exe): a container's file is reached whether or not its path
 * exists in our mount namespace. Each traced executable has its own copy
 * of the BPF programs (its layout and addresses are read-only data) with
 * the maps of the base object, shared. What only a process held is let go
 * when its last process exits or executes another program.
 *
 * Executables that are not Go, or Go without grpc-go, are skipped without
 * a word (counted, -v); a grpc-go program that cannot be traced (a release
 * whose code no layout agrees with, another machine's) is listed once on
 * stderr with the reason. BPF is told what was skipped (exe_class), so
 * that their execs cost nothing more.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "grpcstreams.h"
#include "grpcstreams.skel.h"
#include "gobin.h"
#include "layout.h"
#include "probes.h"
#include "scope.h"
#include "target.h"
#include "trace_helpers.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC	0x63677270
#endif

struct exe {
	struct exe *next;
	struct exe_key key;	/* as BPF names it */
	dev_t dev;
	ino_t ino;
	bool traced;
	int fd;			/* the file, held while traced */
	char *path;		/* its name, as its first process had it */
	char attach[32];	/* /proc/self/fd/FD: where probes go */
	struct target *t;	/* -p, -b */
	pid_t pid;		/* -p: the one process traced; 0: every one */
	bool ended;		/* -p: exited, or executed another program */
	bool exec_seen;		/* -p: executed another program, still there */
	bool full;		/* NewStream's entry read (-F, or forced) */
	unsigned int sides;
	struct layout layout;
	struct probes *pr;
	struct gobin *gb;	/* kept only with keep_binary */
	char go[GOBIN_VERSION_LEN], grpc[GOBIN_VERSION_LEN];
	__u32 *tgids;		/* whole host: its processes */
	unsigned int ntgids, cap;
};

static struct {
	struct scope_opts o;
	struct grpcstreams_bpf *base;
	struct probe_bpf bpf;
	bool whole_host;
	struct exe *exes;	/* traced (and -p's, -b's) */
	/* Executables looked at and skipped: not looked at again. */
	struct skipped {
		dev_t dev;
		ino_t ino;
	} *skipped;
	size_t nskipped, skipped_cap;
	char cg_rel[PATH_MAX];	/* -c's path under the cgroup2 root */
	unsigned int not_go, not_grpc, refused;
	/*
	 * An executable of the whole host is being looked at, without -v:
	 * what libbpf says of it is not the user's (scope_libbpf_quiet()),
	 * its one line says why it is not traced.
	 */
	bool looking;
} sc;

static __u32 kdev(dev_t d)
{
	return major(d) << 20 | minor(d);
}

static void key_of_stat(const struct stat *st, struct exe_key *k)
{
	memset(k, 0, sizeof(*k));
	k->ino = st->st_ino;
	k->dev = kdev(st->st_dev);
	k->ctime_sec = st->st_ctim.tv_sec;
	k->ctime_nsec = st->st_ctim.tv_nsec;
}

static void class_set(const struct exe_key *k, __u32 class)
{
	bpf_map_update_elem(bpf_map__fd(sc.base->maps.exe_class), k, &class, BPF_ANY);
}

static void watch(__u32 tgid, bool on)
{
	__u32 one = 1;
	int fd = bpf_map__fd(sc.base->maps.watched);

	if (on)
		bpf_map_update_elem(fd, &tgid, &one, BPF_ANY);
	else
		bpf_map_delete_elem(fd, &tgid);
}

/*
 * -c PATH: a cgroup v2 directory. BPF is given it (cgroup_map); /proc's
 * processes are matched by their path under the cgroup2 root, read from
 * /proc/self/mountinfo.
 */
static int cgroup_open(const char *path)
{
	char real[PATH_MAX], line[4096], mnt[PATH_MAX], fstype[64], best[PATH_MAX] = "";
	struct statfs fs;
	__u32 zero = 0;
	size_t n;
	FILE *f;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC || !realpath(path, real)) {
		fprintf(stderr, "grpcstreams: -c %s: %s\n", path, fd < 0 ? strerror(errno) :
			"not a cgroup v2 directory");
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	if (bpf_map_update_elem(bpf_map__fd(sc.base->maps.cgroup_map), &zero, &fd, BPF_ANY)) {
		err = -errno;
		fprintf(stderr, "grpcstreams: -c %s: %s\n", path, strerror(-err));
		close(fd);
		return err;
	}
	close(fd);
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE ... */
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(dash + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2") ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		n = strlen(mnt);
		if (!strncmp(real, mnt, n) && (real[n] == '/' || !real[n]) && n > strlen(best))
			snprintf(best, sizeof(best), "%s", mnt);
	}
	if (f)
		fclose(f);
	if (!best[0]) {
		fprintf(stderr, "grpcstreams: -c %s: no cgroup2 mount holds it\n", path);
		return -EINVAL;
	}
	snprintf(sc.cg_rel, sizeof(sc.cg_rel), "%s", real[strlen(best)] ? real + strlen(best) : "/");
	return 0;
}

/* Is TGID in -c's cgroup or below (its cgroup v2 path under the root)? */
static bool in_cgroup(__u32 tgid)
{
	size_t n = strlen(sc.cg_rel);
	char *cg;
	bool in;

	if (!sc.o.cgroup)
		return true;
	cg = proc_cgroup2(tgid);
	in = cg && (!strcmp(sc.cg_rel, "/") ||
		    (!strncmp(cg, sc.cg_rel, n) && (cg[n] == '/' || !cg[n])));
	free(cg);
	return in;
}

int scope_configure(struct grpcstreams_bpf *base, const struct scope_opts *o)
{
	sc.o = *o;
	sc.base = base;
	sc.whole_host = !o->npids && !o->binary;
	base->rodata->watch_procs = sc.whole_host;
	base->rodata->filter_cg = sc.bpf.filter_cg = o->cgroup != NULL;
	return 0;
}

/*
 * The layout, the sites, the program copy, the probes: X traced; else WHY
 * not, for the caller to tell. On the whole host (not -v) a program traced
 * gets no line: layout's and probes' notices are not printed (quiet).
 */
static int exe_trace(struct exe *x, struct gobin *gb, struct why *why)
{
	bool quiet = sc.whole_host && !sc.o.verbose;
	struct probe_opts po = {
		.pid = x->pid,
		.naive = sc.o.naive,
		.verbose = sc.o.verbose,
		.uprobe_multi = sc.o.uprobe_multi,
		.quiet = quiet,
	};
	int err;

	why->msg[0] = '\0';
	snprintf(x->go, sizeof(x->go), "%s", gobin_go_version(gb));
	snprintf(x->grpc, sizeof(x->grpc), "%s", gobin_grpc_version(gb));
	if (sc.o.verbose)
		fprintf(stderr, "target %s: %s, grpc-go %s (from %s), functions from %s, %s\n",
			x->path, x->go[0] ? x->go : "Go version unknown",
			x->grpc[0] ? x->grpc : "unknown",
			gobin_grpc_version_source(gb)[0] ? gobin_grpc_version_source(gb) : "-",
			gobin_func_source(gb)[0] ? gobin_func_source(gb) : "nowhere",
			gobin_has_dwarf(gb) ? "DWARF" : "no DWARF");
	err = layout_resolve(gb, x->path, &x->layout, sc.o.verbose, quiet, why);
	if (err)
		return err;
	x->sides = x->layout.sides;
	/* A *Stream behind ClientStream's pointer (1.69-1.76): no ct to read at the return. */
	x->full = sc.o.full;
	if ((x->sides & LAYOUT_CLIENT) && !x->full &&
	    (x->layout.off.cs_ct < 0 || x->layout.off.cs_method < 0)) {
		if (sc.o.verbose)
			fprintf(stderr, "client streams: no Stream.ct to read at NewStream's return: as with -F\n");
		x->full = true;
	}
	po.full = x->full;
	x->pr = probes_plan(gb, x->path, &x->layout, &po, &err, why);
	if (!x->pr)
		return err;
	err = probes_load(x->pr, sc.base, &sc.bpf, gb, why);
	if (!err)
		err = probes_attach(x->pr, x->attach, why);
	if (err)
		return err;
	x->traced = true;
	/* Twenty copies of libbpf's object would be most of our memory. */
	if (!sc.o.keep_binary)
		probes_unload(x->pr);
	return 0;
}

/* Let go of X: probes, programs, file. */
static void exe_release(struct exe *x)
{
	probes_free(x->pr);
	x->pr = NULL;
	gobin_close(x->gb);
	x->gb = NULL;
	target_close(x->t);
	x->t = NULL;
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	x->traced = false;
}

static struct exe *exe_new(void)
{
	struct exe *x = calloc(1, sizeof(*x));

	if (!x || !(x->path = calloc(1, PATH_MAX))) {
		free(x);
		return NULL;
	}
	x->fd = -1;
	x->next = sc.exes;
	sc.exes = x;
	return x;
}

/* X out of the list, released and freed. */
static void exe_free(struct exe *x)
{
	struct exe **p;

	for (p = &sc.exes; *p && *p != x; p = &(*p)->next)
		;
	if (*p)
		*p = x->next;
	exe_release(x);
	free(x->tgids);
	free(x->path);
	free(x);
}

static bool skipped_find(dev_t dev, ino_t ino)
{
	size_t i;

	for (i = 0; i < sc.nskipped; i++)
		if (sc.skipped[i].dev == dev && sc.skipped[i].ino == ino)
			return true;
	return false;
}

static void skipped_add(dev_t dev, ino_t ino)
{
	struct skipped *n;
	size_t cap = sc.skipped_cap ? 2 * sc.skipped_cap : 64;

	if (sc.nskipped == sc.skipped_cap) {
		n = realloc(sc.skipped, cap * sizeof(*n));
		if (!n)
			return;
		sc.skipped = n;
		sc.skipped_cap = cap;
	}
	sc.skipped[sc.nskipped].dev = dev;
	sc.skipped[sc.nskipped++].ino = ino;
}

/* ---- -p and -b: the target is an error if it cannot be traced ---- */

static int open_target(pid_t pid, const char *binary)
{
	struct gobin *gb = NULL;
	struct why why;
	struct stat st;
	struct exe *x;
	int err;

	x = exe_new();
	if (!x) {
		fprintf(stderr, "grpcstreams: out of memory\n");
		return -ENOMEM;
	}
	err = target_open(pid, binary, &x->t, &gb, x->path, PATH_MAX);
	if (err)
		goto out;
	x->pid = target_tgid(x->t);
	snprintf(x->attach, sizeof(x->attach), "%s", target_attach_path(x->t));
	if (!fstat(gobin_fd(gb), &st)) {
		x->dev = st.st_dev;
		x->ino = st.st_ino;
	}
	err = exe_trace(x, gb, &why);
	if (err)
		fprintf(stderr, "grpcstreams: %s\n", why.msg);
out:
	if (sc.o.keep_binary && !err)
		x->gb = gb;
	else
		gobin_close(gb);
	return err;
}

/* ---- the whole host ---- */

static struct exe *exe_find(dev_t dev, ino_t ino)
{
	struct exe *x;

	for (x = sc.exes; x; x = x->next)
		if (x->dev == dev && x->ino == ino)
			return x;
	return NULL;
}

static struct exe *exe_of_tgid(__u32 tgid)
{
	struct exe *x;
	unsigned int i;

	for (x = sc.exes; x; x = x->next)
		for (i = 0; i < x->ntgids; i++)
			if (x->tgids[i] == tgid)
				return x;
	return NULL;
}

/* TGID as one of X's processes; false if it was already. */
static bool tgid_add(struct exe *x, __u32 tgid)
{
	__u32 *n;
	unsigned int i;

	for (i = 0; i < x->ntgids; i++)
		if (x->tgids[i] == tgid)
			return false;
	if (x->ntgids == x->cap) {
		n = realloc(x->tgids, (x->cap ? 2 * x->cap : 4) * sizeof(*n));
		if (!n)
			return false;
		x->tgids = n;
		x->cap = x->cap ? 2 * x->cap : 4;
	}
	x->tgids[x->ntgids++] = tgid;
	watch(tgid, true);
	return true;
}

/* TGID exited or runs another file: the last process of X lets X go. */
static void tgid_del(struct exe *x, __u32 tgid)
{
	unsigned int i;

	if (!x)
		return;
	for (i = 0; i < x->ntgids && x->tgids[i] != tgid; i++)
		;
	if (i == x->ntgids)
		return;
	x->tgids[i] = x->tgids[--x->ntgids];
	watch(tgid, false);
	if (x->ntgids || !x->traced)
		return;
	if (sc.o.verbose)
		fprintf(stderr, "grpcstreams: %s: no process runs it any more: detached\n",
			x->path);
	/* A new exec of it is told again, and looked at again. */
	bpf_map_delete_elem(bpf_map__fd(sc.base->maps.exe_class), &x->key);
	exe_free(x);
}

/*
 * A process's executable, not seen before: looked at, and traced if it is
 * a grpc-go program (returned). Not Go, or Go without grpc-go: skipped
 * without a word; one that cannot be traced, listed once.
 */
static struct exe *exe_look(__u32 tgid, int fd, const struct stat *st)
{
	struct gobin *gb = NULL;
	struct why why;
	char link[64];
	const char *gwhy = NULL;
	struct exe *x;
	ssize_t n;
	int kind, err;

	x = exe_new();
	if (!x) {
		close(fd);
		return NULL;
	}
	why.msg[0] = '\0';
	x->dev = st->st_dev;
	x->ino = st->st_ino;
	key_of_stat(st, &x->key);
	snprintf(link, sizeof(link), "/proc/%u/exe", tgid);
	n = readlink(link, x->path, PATH_MAX - 1);
	x->path[n > 0 && n < PATH_MAX ? n : 0] = '\0';
	kind = gobin_peek(fd);
	if (kind == GOBIN_NOT_GO) {
		sc.not_go++;
		goto skip;
	}
	if (kind == GOBIN_GO_OTHER_ARCH) {
		snprintf(why.msg, sizeof(why.msg), "a Go program for another machine than x86-64");
		goto refuse;
	}
	x->fd = fd;
	fd = -1;
	snprintf(x->attach, sizeof(x->attach), "/proc/self/fd/%d", x->fd);
	err = gobin_open(x->attach, &gb, &gwhy);
	if (err) {
		snprintf(why.msg, sizeof(why.msg), "%s", gwhy ? gwhy : strerror(-err));
		goto refuse;
	}
	if (!layout_sides(gb)) {
		sc.not_grpc++;
		goto skip;
	}
	sc.looking = !sc.o.verbose;
	err = exe_trace(x, gb, &why);
	sc.looking = false;
	if (err)
		goto refuse;
	class_set(&x->key, EXE_TRACED);
	if (sc.o.keep_binary)
		x->gb = gb;
	else
		gobin_close(gb);
	return x;
refuse:
	sc.refused++;
	fprintf(stderr, "grpcstreams: not tracing PID %u (%s): %s\n", tgid, x->path,
		why.msg[0] ? why.msg : "cannot be traced");
skip:
	gobin_close(gb);
	if (fd >= 0)
		close(fd);
	class_set(&x->key, EXE_SKIP);
	skipped_add(x->dev, x->ino);
	exe_free(x);
	return NULL;
}

/*
 * Process TGID: its executable looked at if new, and the process counted
 * as one of it if that is traced. EXEC: the file an exec event named (NULL:
 * at start); an event whose process has executed another file since is
 * passed over (that exec's own event follows). Returns the traced
 * executable it runs, or NULL.
 */
static struct exe *add_process(__u32 tgid, const struct exe_key *exec)
{
	struct exe_key k;
	char link[64];
	struct stat st;
	struct exe *x;
	int fd;

	if (tgid == (__u32)getpid() || !in_cgroup(tgid))
		return NULL;
	snprintf(link, sizeof(link), "/proc/%u/exe", tgid);
	/* The file it runs, wherever it is mounted (a kernel thread has none). */
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || (exec && (exec->ino != st.st_ino || exec->dev != kdev(st.st_dev)))) {
		close(fd);
		return NULL;
	}
	x = exe_find(st.st_dev, st.st_ino);
	if (x || skipped_find(st.st_dev, st.st_ino)) {
		close(fd);
		/* The same file with a new change time: BPF knows it by both. */
		key_of_stat(&st, &k);
		if (!x || memcmp(&k, &x->key, sizeof(k)))
			class_set(&k, x ? EXE_TRACED : EXE_SKIP);
	} else {
		x = exe_look(tgid, fd, &st);
	}
	if (!x || !x->traced)
		return NULL;
	if (!tgid_add(x, tgid))
		return x;
	/* Gone meanwhile: its exit may have come before it was watched. */
	if (!pid_alive(tgid)) {
		tgid_del(x, tgid);
		return NULL;
	}
	if (exec)
		fprintf(stderr, "grpcstreams: tracing PID %u (%s), started %s\n", tgid, x->path,
			x->ntgids == 1 ? "now" : "now, a program already traced");
	return x;
}

/* Every process of the host (or -c's cgroup) at start. */
static void scan_proc(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc");
	char *end;
	long pid;

	while (dir && (d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		pid = strtol(d->d_name, &end, 10);
		if (!*end && pid > 0)
			add_process(pid, NULL);
	}
	if (dir)
		closedir(dir);
}

int scope_start(struct grpcstreams_bpf *base)
{
	int i, j, err;

	sc.base = base;
	if (sc.o.cgroup && (err = cgroup_open(sc.o.cgroup)))
		return err;
	if (sc.o.binary)
		return open_target(0, sc.o.binary);
	for (i = 0; i < sc.o.npids; i++) {
		/* The same PID twice is traced once. */
		for (j = 0; j < i && sc.o.pids[j] != sc.o.pids[i]; j++)
			;
		if (j < i)
			continue;
		err = open_target(sc.o.pids[i], NULL);
		if (err)
			return err;
	}
	if (sc.whole_host)
		scan_proc();
	return 0;
}

void scope_announce(void)
{
	unsigned int progs = 0, procs = 0, probes = 0;
	struct exe *x;
	unsigned int i;

	for (x = sc.exes; x; x = x->next) {
		if (x->t)
			target_announce(x->t);
		if (!x->traced)
			continue;
		progs++;
		procs += x->pid ? 1 : x->ntgids;
		probes += probes_count(x->pr);
		if (!sc.whole_host || !sc.o.verbose)
			continue;
		fprintf(stderr, "tracing %s (grpc-go %s, %s, %d probes): PID", x->path,
			x->grpc[0] ? x->grpc : "unknown", x->go[0] ? x->go : "Go unknown",
			probes_count(x->pr));
		for (i = 0; i < x->ntgids; i++)
			fprintf(stderr, " %u", x->tgids[i]);
		fputc('\n', stderr);
	}
	if (sc.whole_host && sc.o.verbose)
		fprintf(stderr, "skipped: %u executables not Go, %u Go without grpc-go, %u "
			"grpc-go refused (listed above)\n", sc.not_go, sc.not_grpc, sc.refused);
	if (sc.o.binary)
		fprintf(stderr, "Tracing grpc-go streams of %s (%u probes)... Hit Ctrl-C to end.\n",
			sc.exes->path, probes);
	else if (sc.o.npids == 1)
		fprintf(stderr, "Tracing grpc-go streams of PID %d (%u probes)... "
			"Hit Ctrl-C to end.\n", sc.exes->pid, probes);
	else if (!sc.whole_host)
		fprintf(stderr, "Tracing grpc-go streams of %u processes (%u probes)... "
			"Hit Ctrl-C to end.\n", procs, probes);
	else
		fprintf(stderr, "Tracing grpc-go streams of %u program%s in %u process%s "
			"(%u probes), and of grpc-go programs started from now on, %s%s... "
			"Hit Ctrl-C to end.\n", progs, progs == 1 ? "" : "s", procs,
			procs == 1 ? "" : "es", probes, sc.o.cgroup ? "in cgroup " : "on the whole host",
			sc.o.cgroup ? sc.cg_rel : "");
}

__u32 scope_event(const struct event *e)
{
	struct exe_key k = {
		.ino = e->conn,
		.ctime_sec = e->other_conn,
		.ctime_nsec = (__u32)e->other_conn_id,
		.dev = e->other_conn_id >> 32,
	};
	struct exe *old, *x;

	if (!sc.whole_host)
		return 0;
	old = exe_of_tgid(e->tgid);
	if (e->type == EVENT_EXIT) {
		tgid_del(old, e->tgid);
		return 0;
	}
	/* An exec: what it ran before (unless the same file again) is let go. */
	x = add_process(e->tgid, &k);
	if (old != x)
		tgid_del(old, e->tgid);
	return x ? e->tgid : 0;
}

void scope_for_each_process(void (*fn)(__u32 tgid))
{
	struct exe *x;
	unsigned int i;

	for (x = sc.exes; x; x = x->next) {
		if (!x->traced)
			continue;
		if (x->pid)
			fn(x->pid);
		for (i = 0; i < x->ntgids; i++)
			fn(x->tgids[i]);
	}
}

bool scope_ended(void)
{
	bool all = true;
	struct exe *x;

	for (x = sc.exes; x; x = x->next) {
		if (!x->t || x->ended)
			continue;
		if (!target_ended(x->t)) {
			all = false;
			continue;
		}
		x->ended = true;
		/* Alive: it executed a program, maybe the same file again. */
		x->exec_seen = x->pid && pid_alive(x->pid);
		if (x->pid)
			probes_detach(x->pr);
	}
	return !sc.whole_host && all;
}

bool scope_wanted(__u32 tgid)
{
	struct exe *x;

	if (!sc.o.npids)
		return true;
	for (x = sc.exes; x; x = x->next)
		if (x->pid && (__u32)x->pid == tgid)
			return true;
	return false;
}

bool scope_exec_seen(__u32 tgid)
{
	struct exe *x;

	for (x = sc.exes; x; x = x->next)
		if (x->exec_seen && (__u32)x->pid == tgid)
			return true;
	return false;
}

bool scope_traced_file(dev_t dev, ino_t ino)
{
	struct exe *x = exe_find(dev, ino);

	return x && x->traced;
}

bool scope_nextid_measured(void)
{
	struct exe *x;

	for (x = sc.exes; x; x = x->next)
		if (x->traced && (x->sides & LAYOUT_CLIENT) && !x->full)
			return false;
	return true;
}

struct probes *scope_single_probes(const char **attach_path)
{
	if (sc.whole_host || !sc.exes || sc.exes->next)
		return NULL;
	*attach_path = sc.exes->attach;
	return sc.exes->pr;
}

bool scope_libbpf_quiet(void)
{
	return sc.looking;
}

void scope_fini(void)
{
	struct exe *x, *next;

	for (x = sc.exes; x; x = next) {
		next = x->next;
		exe_free(x);
	}
	free(sc.skipped);
	sc.skipped = NULL;
	sc.nskipped = sc.skipped_cap = 0;
}
