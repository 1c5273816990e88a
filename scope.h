/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef __SCOPE_H
#define __SCOPE_H

#include <stdbool.h>
#include <sys/types.h>

struct event;
struct grpcstreams_bpf;

/* What is traced: -p's processes, -b's file, or (neither) the whole host. */
struct scope_opts {
	const pid_t *pids;	/* -p, each once or more */
	int npids;
	const char *binary;	/* -b */
	const char *cgroup;	/* -c: a cgroup v2 directory; NULL: any */
	bool full;		/* -F */
	bool naive;
	bool verbose;
	bool uprobe_multi;
	bool keep_binary;	/* --bench-toggle attaches again: keep what was read */
};

/*
 * Before BASE is loaded (BASE: the maps and the tracepoints, no uprobe
 * program): the options BASE's programs need. Errors: one line on stderr.
 */
int scope_configure(struct grpcstreams_bpf *base, const struct scope_opts *o);
/*
 * Every executable in scope found, each looked at once, and the grpc-go
 * ones traced: a copy of the programs each, with BASE's maps. Under -p or
 * -b an executable that cannot be traced is an error; on the whole host
 * it is listed once on stderr with the reason and skipped.
 */
int scope_start(struct grpcstreams_bpf *base);
/* What was traced at start, on stderr ("Tracing ..."); -v: each one. */
void scope_announce(void);
/*
 * An EVENT_EXEC or EVENT_EXIT (whole host): a new program, or one gone.
 * Returns the process that was added (0: none).
 */
__u32 scope_event(const struct event *e);
/* FN for every process traced now (-p's, the whole host's; not -b's). */
void scope_for_each_process(void (*fn)(__u32 tgid));
/* Is there nothing left to trace (every -p process gone)? */
bool scope_ended(void);
/* Are TGID's streams to be shown (-p: one of its processes)? */
bool scope_wanted(__u32 tgid);
/* The -p process TGID, still there, executed another program. */
bool scope_exec_seen(__u32 tgid);
/* Does a traced copy run the file (DEV, INO)? */
bool scope_traced_file(dev_t dev, ino_t ino);
/* Does every traced client read NewStream's entry (-F): nextid_race known? */
bool scope_nextid_measured(void);
/*
 * Is libbpf's output to be dropped now? While an executable of the whole
 * host is looked at (not with -v): a program traced gets no line, one
 * refused gets one, the tool's own reason.
 */
bool scope_libbpf_quiet(void);
/* The single -p or -b target (--bench-toggle, --dump-layout): its probes. */
struct probes *scope_single_probes(const char **attach_path);
void scope_fini(void);

#endif /* __SCOPE_H */
